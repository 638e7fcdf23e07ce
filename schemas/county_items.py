"""The long-format county file: each item's value is typed by the item's kind.

Kinds (``reference/county_items.csv``): yes_no, count (whole number ≥ 0), percent (0–100),
yuan and number (≥ 0). Unknown items are rejected with the list of known ones.
"""

from __future__ import annotations

import polars as pl

from schemas.casting import FAILURE_COLUMNS, yes_no
from schemas.reference_data import load_reference

KIND_RULES = {
    "count": "a whole number of 0 or more",
    "percent": "a percent between 0 and 100 written as 86.51 (not 0.8651, 86.51% or a "
    "percent-formatted Excel cell)",
    "yuan": "an amount in yuan, 0 or more",
    "number": "a number of 0 or more",
    "yes_no": "yes or no (是/否, true/false, 1/0, Y/N)",
}


def item_kinds() -> dict[str, str]:
    items = load_reference("county_items")
    return dict(zip(items["item"], items["kind"], strict=True))


def type_values(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add ``value_number`` and ``value_yes``; one failure per unknown item or untyped value."""
    kinds = item_kinds()
    kind = pl.col("item").replace_strict(kinds, default=None, return_dtype=pl.String)
    number = (
        pl.col("value")
        .str.normalize("NFKC")
        .str.replace_all(",", "")
        .str.strip_chars()
        .cast(pl.Float64, strict=False)
    )
    valid_number = (
        pl.when(kind == "count")
        .then((number == number.round(0)) & (number >= 0))
        .when(kind == "percent")
        # 0 < x < 1 is a fraction from a percent-formatted Excel cell (0.8651 shown as 86.51 %);
        # no percent of the method is that small.
        .then((number == 0) | number.is_between(1, 100))
        .when(kind.is_in(["yuan", "number"]))
        .then(number.is_finite() & (number >= 0))
        .otherwise(False)
    )
    typed = frame.with_columns(
        kind.alias("__kind"),
        pl.when(kind != "yes_no").then(number).alias("value_number"),
        pl.when(kind == "yes_no").then(yes_no(pl.col("value"))).alias("value_yes"),
    ).with_columns(
        pl.when(pl.col("__kind") == "yes_no")
        .then(pl.col("value_yes").is_not_null())
        .otherwise(valid_number.fill_null(False))
        .alias("__valid")
    )
    known = ", ".join(sorted(kinds))
    unknown = typed.filter(pl.col("item").is_not_null() & pl.col("__kind").is_null()).select(
        pl.col("__row"),
        pl.lit("item").alias("column_name"),
        pl.lit("unknown_item").alias("rule"),
        pl.col("item").alias("value"),
        pl.format(
            "unknown item '{}'; known items: " + known.replace("{", "").replace("}", ""),
            pl.col("item"),
        ).alias("message"),
    )
    untyped = typed.filter(
        pl.col("__kind").is_not_null() & pl.col("value").is_not_null() & ~pl.col("__valid")
    ).select(
        pl.col("__row"),
        pl.lit("value").alias("column_name"),
        pl.lit("value_type").alias("rule"),
        pl.col("value"),
        pl.format(
            "item '{}' needs {}; got '{}'",
            pl.col("item"),
            pl.col("__kind").replace_strict(KIND_RULES, return_dtype=pl.String),
            pl.col("value"),
        ).alias("message"),
    )
    failures = pl.concat([unknown, untyped]).cast(FAILURE_COLUMNS)
    typed = typed.with_columns(
        pl.when(pl.col("__valid")).then(pl.col("value_number")).alias("value_number"),
        pl.when(pl.col("__valid")).then(pl.col("value_yes")).alias("value_yes"),
    ).drop("__kind", "__valid")
    return typed, failures
