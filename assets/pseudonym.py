"""Keyed pseudonyms for teacher ids and for every national ID number found anywhere in the input.

pseudonym = first 20 hex digits of sha256(key ‖ 0x1F ‖ normalised id), computed in DuckDB so a
national roster of 10 million teachers needs no per-row Python. The same key gives the same
pseudonym every year; without the key the id cannot be recovered or confirmed by guessing.
The key comes from ``JUNHENG_PSEUDONYM_KEY`` or, failing that, a key file created beside the
warehouse on first use (see README, "Personal data").

Resident ID numbers (居民身份证号码, GB 11643) are found and replaced here, in one place, for
every cell of every file and every message: ``mask_resident_ids``.
"""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path

import duckdb
import polars as pl

KEY_ENV = "JUNHENG_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16


class PseudonymKeyError(Exception):
    pass


def load_key(key_file: Path) -> str:
    """The key from the environment, else from ``key_file`` (created with a warning)."""
    key = os.environ.get(KEY_ENV)
    if key is None and key_file.is_file():
        key = key_file.read_text(encoding="utf-8").strip()
    if key is None:
        key = secrets.token_hex(32)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key + "\n", encoding="utf-8")
        key_file.chmod(0o600)
        warnings.warn(
            f"{KEY_ENV} is not set: created a local pseudonym key in {key_file}. Keep that file "
            "(pseudonyms change without it) and never commit it; set the variable in production.",
            stacklevel=2,
        )
    if len(key) < MIN_KEY_LENGTH:
        raise PseudonymKeyError(
            f"the pseudonym key must have at least {MIN_KEY_LENGTH} "
            f"characters; set {KEY_ENV} to a long random string"
        )
    return key


def pseudonymiser(key: str):
    """A function that maps a Series of clear ids to their pseudonyms (nulls stay null)."""

    def pseudonymise(ids: pl.Series) -> pl.Series:
        con = duckdb.connect()
        try:
            frame = pl.DataFrame({"id": ids.cast(pl.String)})
            con.register("ids", frame)
            out = con.sql(
                "SELECT CASE WHEN id IS NULL THEN NULL "
                "ELSE left(sha256($key || chr(31) || upper(trim(id))), 20) END AS p FROM ids",
                params={"key": key},
            ).pl()
        finally:
            con.close()
        return out["p"].rename(ids.name)

    return pseudonymise


# A resident ID number: a 6-digit region code (first digit 1–8), the birth date and a 3-digit
# sequence; the 18-character form has an 8-digit date and a check character (ISO 7064 MOD 11-2),
# the older 15-digit form a 6-digit date (YYMMDD, 19YY) and no check. Full-width digits count.
# A candidate is a whole run of digits: part of a longer number is not an ID.
CANDIDATE = "[0-9０-９]{15,}[XxＸｘ]?"
MIN_BYTES = 15  # a shorter cell cannot hold one: most cells are skipped on their length alone
CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by (Σ digit × weight) mod 11


def is_resident_id(text: pl.Expr) -> pl.Expr:
    """True where ``text`` (ASCII digits, upper-case X) is a whole resident ID number."""
    length = text.str.len_chars()
    total = sum(
        text.str.slice(i, 1).cast(pl.Int32, strict=False) * weight
        for i, weight in enumerate(CHECK_WEIGHTS)
    )
    long_form = (
        (length == 18)
        & text.str.contains(r"^[0-9]{17}[0-9X]$")
        & text.str.slice(6, 2).is_in(["19", "20"])
        & text.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).is_not_null()
        & (text.str.slice(17, 1) == pl.lit(CHECK_CHARACTERS).str.slice(total % 11, 1))
    )
    short_form = (
        (length == 15)
        & text.str.contains(r"^[0-9]{15}$")
        & ("19" + text.str.slice(6, 6)).str.to_date("%Y%m%d", strict=False).is_not_null()
    )
    return text.str.contains("^[1-8]") & (long_form | short_form).fill_null(False)


def _canonical(text: pl.Expr) -> pl.Expr:
    return text.str.normalize("NFKC").str.to_uppercase()


def mask_resident_ids(values: pl.Series, pseudonymise) -> tuple[pl.Series, pl.Series]:
    """``values`` with every resident ID number in them replaced by its pseudonym, and the
    positions of the cells that changed.

    Vectorised: a cell shorter than 15 bytes is passed over on its length, the others are
    searched with one regular expression; only the distinct numbers found are checked and
    pseudonymised. A cell that is an ID number (spaces aside) becomes its pseudonym; an ID
    number inside a longer text is replaced where it stands.
    """
    unchanged = values, pl.Series("position", [], dtype=pl.UInt32)
    if values.dtype != pl.String:
        return unchanged
    long = values.str.len_bytes() >= MIN_BYTES
    if not values.filter(long).str.contains(CANDIDATE).any():
        return unchanged  # the common case, ten million cells in a few tenths of a second
    cells = (
        pl.DataFrame({"value": values, "long": long})
        .with_row_index("position")
        .filter(pl.col("long") & pl.col("value").str.contains(CANDIDATE))
        .with_columns(found=pl.col("value").str.extract_all(CANDIDATE))
    )
    if cells.is_empty():
        return unchanged
    ids = (
        cells.select(pl.col("found").explode().unique().alias("raw"))
        .with_columns(canonical=_canonical(pl.col("raw")))
        .filter(is_resident_id(pl.col("canonical")))
    )
    if ids.is_empty():
        return unchanged
    ids = ids.with_columns(pseudonym=pseudonymise(ids["canonical"]))
    listed = ids["raw"].implode()
    cells = cells.filter(pl.col("found").list.eval(pl.element().is_in(listed)).list.any())
    whole = cells["value"].str.strip_chars()
    masked = whole.replace_strict(ids["raw"], ids["pseudonym"], default=None)
    inside = masked.is_null()
    if inside.any():
        # An ID number inside a longer text: replace just the number, with the numbers of
        # these few cells only.
        found = cells.filter(inside)["found"].explode().unique()
        patterns = ids.filter(pl.col("raw").is_in(found.implode()))
        embedded = cells["value"].str.replace_many(
            patterns["raw"].to_list(), patterns["pseudonym"].to_list()
        )
        masked = masked.zip_with(~inside, embedded)
    # scatter writes in place: the caller's Series stays as it was.
    return values.clone().scatter(cells["position"], masked), cells["position"]


def mask_texts(texts: list[str], pseudonymise) -> list[str]:
    """Messages with every resident ID number in them replaced by its pseudonym."""
    if not texts:
        return texts
    return mask_resident_ids(pl.Series(texts, dtype=pl.String), pseudonymise)[0].to_list()
