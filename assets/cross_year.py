"""Models that read earlier years (monitoring, early warning): their Dagster dependency and what
to rebuild when an earlier year changes.

A model whose SQL reads other years than its own names those tables in its header::

    -- reads earlier years: indicators.key_indicators, indicators.key_indicator_sections

Year Y of the model then depends on years ≤ Y of those tables through a partition mapping. Dagster
shows the dependency (lineage and its partition mapping) and, from the data versions it records,
marks years > Y of the model stale when year Y of an upstream table is materialised again.
``junheng run`` rebuilds those later years itself (``years_to_refresh`` and ``monitoring_job``).
"""

from __future__ import annotations

import re
import warnings

import dagster as dg
import duckdb

_HEADER = re.compile(r"^--\s*reads earlier years:\s*(.+)$")
# A window reaching this far back is "every earlier year": it stops at the first partition.
_LOOKBACK_YEARS = 100


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


def this_and_earlier_years(partitions_def: dg.PartitionsDefinition) -> dg.PartitionMapping:
    """Year Y depends on every year ≤ Y.

    Yearly time-window partitions: a window from far back to Y. Other year partitions (dynamic,
    one per input folder) have no "earlier" mapping in Dagster: all years, which also marks
    earlier years stale after a later year is re-run (harmless: rebuilding them changes nothing).
    """
    if isinstance(partitions_def, dg.TimeWindowPartitionsDefinition):
        with warnings.catch_warnings():
            # Reaching before the first year needs this flag, marked beta in Dagster 1.13.
            warnings.simplefilter("ignore", dg.BetaWarning)
            return dg.TimeWindowPartitionMapping(
                start_offset=-_LOOKBACK_YEARS,
                end_offset=0,
                allow_nonexistent_upstream_partitions=True,
            )
    return dg.AllPartitionMapping()


def years_to_refresh(con: duckdb.DuckDBPyConnection, years_run: list[int]) -> list[int]:
    """Years in the warehouse later than a year just run, which were not run themselves: their
    monitoring and early warning read the years just run and must be rebuilt."""
    if not years_run:
        return []
    rows = con.execute(
        "SELECT DISTINCT year FROM indicators.school_sections WHERE year > ? ORDER BY year",
        [min(years_run)],
    ).fetchall()
    return [year for (year,) in rows if year not in years_run]
