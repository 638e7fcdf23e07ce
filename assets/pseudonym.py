"""Keyed pseudonyms for teacher ids, which may be national ID numbers.

pseudonym = first 20 hex digits of sha256(key ‖ 0x1F ‖ normalised id), computed in DuckDB so a
national roster of 10 million teachers needs no per-row Python. The same key gives the same
pseudonym every year; without the key the id cannot be recovered or confirmed by guessing.
The key comes from ``JUNHENG_PSEUDONYM_KEY`` or, failing that, a key file created beside the
warehouse on first use (see README, "Personal data").
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
