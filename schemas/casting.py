"""Cast text columns to their contract types, cell by cell, recording every cell that fails.

A cell that does not cast becomes null and a failure row (rule, column, value); it never turns
silently into a null or a zero that a later step would count.
"""

from __future__ import annotations

import polars as pl

from schemas.contract import Column, InputFile
from schemas.reference_data import code_lookup, codes

FAILURE_COLUMNS = {
    "__row": pl.Int64,
    "column_name": pl.String,
    "rule": pl.String,
    "value": pl.String,
    "message": pl.String,
}

_BAD_NUMBER = "'{value}' is not a number"
_BAD_INTEGER = "'{value}' is not a whole number"


def _map_codes(expr: pl.Expr, code_set: str) -> pl.Expr:
    lookup = code_lookup(code_set)
    folded = (
        expr.str.normalize("NFKC").str.to_lowercase().str.strip_chars().str.replace_all(r"\s+", " ")
    )
    return folded.replace_strict(lookup, default=None, return_dtype=pl.String)


def _number(expr: pl.Expr) -> pl.Expr:
    # Thousands separators are common in exports ("1,234"); full-width digits fold with NFKC.
    return (
        expr.str.normalize("NFKC")
        .str.replace_all(",", "")
        .str.strip_chars()
        .cast(pl.Float64, strict=False)
    )


def yes_no(expr: pl.Expr) -> pl.Expr:
    """True for 是/true/1/Y…, False for 否/false/0/N…, null otherwise."""
    return _map_codes(expr, "yes_no") == "yes"


def cast_expression(col: Column, factor: float = 1.0) -> pl.Expr:
    raw = pl.col(col.name)
    if col.kind == "code":
        if col.code_set == "subject":
            return raw  # free text; the subject group is derived separately
        return _map_codes(raw, col.code_set)
    if col.kind == "yes_no":
        return yes_no(raw)
    if col.kind == "int":
        number = _number(raw)
        return pl.when(number == number.round(0)).then(number).cast(pl.Int64, strict=False)
    if col.kind == "number":
        number = _number(raw) * factor
        return pl.when(number.is_finite()).then(number)
    if col.kind == "id":
        # Full-width digits (０１５…) are the same id; other files must match it.
        return raw.str.normalize("NFKC").str.strip_chars()
    return raw


_TYPES = {"code": pl.String, "yes_no": pl.Boolean, "int": pl.Int64, "number": pl.Float64}


def on_distinct(raw: pl.Series, expr: pl.Expr, dtype: pl.DataType) -> pl.Series:
    """``expr`` (over ``pl.col("raw")``) computed once per distinct value, then mapped back.

    A national teachers file has ten million rows but a few hundred distinct codes, hours or
    labels: normalising each distinct text once instead of every cell is most of the speed.
    """
    distinct = pl.DataFrame({"raw": raw.unique().drop_nulls()})
    mapped = distinct.select("raw", expr.cast(dtype).alias("typed"))
    return raw.replace_strict(mapped["raw"], mapped["typed"], default=None, return_dtype=dtype)


def cast_series(raw: pl.Series, col: Column, factor: float = 1.0) -> pl.Series:
    """``raw`` (text) cast to ``col``'s type; a cell that does not cast becomes null."""
    if col.kind == "id" and (raw.str.len_bytes() == raw.str.len_chars()).all():
        return raw  # plain ASCII ids (already stripped): nothing to fold, ten million rows
    if col.kind not in (*_TYPES, "id") or col.code_set == "subject":
        return raw
    expr = cast_expression(Column("raw", col.alias, col.kind, col.meaning, col.code_set), factor)
    return on_distinct(raw, expr, _TYPES.get(col.kind, pl.String))


def _failure_message(col: Column) -> str:
    if col.kind == "code":
        return (
            f"'{{value}}' is not a known {col.name}; use one of "
            + ", ".join(codes(col.code_set))
            + " (or the Chinese label)"
        )
    if col.kind == "yes_no":
        return "'{value}' is not yes/no; use 是/否, true/false, 1/0 or Y/N"
    return _BAD_INTEGER if col.kind == "int" else _BAD_NUMBER


def cast_frame(
    frame: pl.DataFrame, spec: InputFile, factors: dict[str, float]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed frame (same rows) and one failure row per cell that is present but does not cast."""
    typed = frame.with_columns(
        cast_series(frame[c.name], c, factors.get(c.name, 1.0)).alias(c.name) for c in spec.columns
    )
    failures = []
    for col in spec.columns:
        if col.kind in ("id", "text") or col.code_set == "subject":
            continue
        # Cells given but not cast; a cell of spaces is empty (pandera reports it as
        # "required"), not a bad value. rechunk: polars 2.1 panics (i < self.len()) formatting
        # a filtered multi-chunk frame.
        bad = (
            frame.filter(frame[col.name].is_not_null() & typed[col.name].is_null())
            .filter(pl.col(col.name).str.strip_chars() != "")
            .rechunk()
        )
        if bad.height:
            rule = {"code": "code", "yes_no": "yes_no", "int": "integer"}.get(col.kind, "number")
            failures.append(
                bad.select(
                    pl.col("__row"),
                    pl.lit(col.name).alias("column_name"),
                    pl.lit(rule).alias("rule"),
                    pl.col(col.name).alias("value"),
                    pl.format(
                        _failure_message(col).replace("'{value}'", "'{}'"), pl.col(col.name)
                    ).alias("message"),
                )
            )
    if not failures:
        return typed, pl.DataFrame(schema=FAILURE_COLUMNS)
    return typed, pl.concat(failures)


def subject_group(subject: pl.Series) -> pl.Series:
    """Canonical subject group (pe, music, fine_art, arts, mental_health) or 'other'."""
    return on_distinct(subject, _map_codes(pl.col("raw"), "subject"), pl.String).fill_null("other")
