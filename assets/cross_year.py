"""Models that read earlier years (monitoring, early warning), and the later years to rebuild
when an earlier year changes.

A model whose SQL reads other years than its own names those tables in its header::

    -- reads earlier years: indicators.key_indicators, indicators.key_indicator_sections

Building year Y then also rebuilds, in the same build copy and the same publication, those
models (and every model downstream of them) for each later year the warehouse holds: a re-run
of 2022, or a 2022 that arrives after 2024, leaves no 2023 or 2024 monitoring computed from the
old 2022 (assets.year_build). The step reports those later years' materialisations too, so the
Dagster UI shows them rebuilt; the models' metadata names the tables they read across years.
"""

from __future__ import annotations

import re

import duckdb

_HEADER = re.compile(r"^--\s*reads earlier years:\s*(.+)$")


def earlier_year_tables(sql: str) -> set[str]:
    """Tables named by the ``-- reads earlier years:`` line of the leading comment block."""
    tables: set[str] = set()
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        match = _HEADER.match(line)
        if match:
            tables |= {t.strip() for t in match.group(1).split(",") if t.strip()}
    return tables


def cross_year_models(models: list) -> list:
    """The models that read earlier years and every model downstream of them, in ``models``'
    order (which is already a dependency order)."""
    tables: set[str] = set()
    chosen = []
    for model in models:
        reads_across = bool(getattr(model, "earlier_year_dependencies", None))
        if reads_across or tables & set(model.dependencies):
            chosen.append(model)
            tables |= set(model.tables)
    return chosen


def later_years(con: duckdb.DuckDBPyConnection, year: int) -> list[int]:
    """Years after ``year`` that the warehouse holds: their cross-year models read ``year``."""
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE schema_name = 'indicators' AND table_name = 'school_sections'"
    ).fetchall()[0][0]:
        return []
    rows = con.execute(
        "SELECT DISTINCT year FROM indicators.school_sections WHERE year > ? ORDER BY year",
        [year],
    ).fetchall()
    return [later for (later,) in rows]
