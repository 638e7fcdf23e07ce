"""Versioned reference data: standards, CV limits, split weights, settings and code labels.

The bundled files live in ``dbt_like_sql/reference/``; a province overrides any of them by
putting a file of the same name in the folder named by ``JUNHENG_REFERENCE_DIR``. Python (code
labels, school types) and SQL (``reference.*`` tables) read the same files, so each rule lives once.
"""

from __future__ import annotations

import os
import unicodedata
from functools import cache
from pathlib import Path

import polars as pl

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "dbt_like_sql" / "reference"
OVERRIDE_ENV = "JUNHENG_REFERENCE_DIR"


def reference_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.csv"))


def reference_path(name: str) -> Path:
    override = os.environ.get(OVERRIDE_ENV)
    if override and (Path(override) / f"{name}.csv").is_file():
        return Path(override) / f"{name}.csv"
    return BUNDLED_DIR / f"{name}.csv"


def load_reference(name: str) -> pl.DataFrame:
    """One reference file as text columns (SQL models cast what they need)."""
    return pl.read_csv(reference_path(name), infer_schema=False)


def normalise_label(text: str) -> str:
    """Fold width, case and spacing so 'ＰＥ ', 'pe' and 'PE' compare equal."""
    return " ".join(unicodedata.normalize("NFKC", text).strip().lower().split())


@cache
def _code_lookup(code_set: str, path: str) -> dict[str, str]:
    labels = load_reference("code_labels").filter(pl.col("code_set") == code_set)
    lookup: dict[str, str] = {}
    for row in labels.iter_rows(named=True):
        spellings = [row["code"], row["label_zh"], *(row["aliases"] or "").split("|")]
        for spelling in spellings:
            if spelling:
                lookup[normalise_label(spelling)] = row["code"]
    return lookup


def code_lookup(code_set: str) -> dict[str, str]:
    """Every accepted spelling (code, Chinese label, aliases), normalised, to its code."""
    return _code_lookup(code_set, str(reference_path("code_labels")))


def codes(code_set: str) -> list[str]:
    return sorted(set(code_lookup(code_set).values()))


def school_type_stages() -> dict[str, set[str]]:
    """Stages a school of each type may have students and teachers in."""
    types = load_reference("school_types")
    return {
        t: set(s.split("|")) for t, s in zip(types["school_type"], types["stages"], strict=True)
    }
