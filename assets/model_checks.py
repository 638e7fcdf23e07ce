"""Asset checks of the SQL models and the figures a reader wants at a glance.

Blocking (ERROR) checks guard invariants of the method; WARN checks report what the data says
(a CV over its limit is a finding about the county, not a broken pipeline).
"""

from __future__ import annotations

import dagster as dg
import duckdb

from assets.metadata import markdown_table

SHARES_SUM_TO_ONE = "resource_shares_sum_to_one"
SECTIONS_DATA_COMPLETE = "sections_data_complete"
CV_WITHIN_LIMITS = "cv_within_limits"
COUNTY_ITEMS_MET = "county_items_met"
COUNTY_VERDICTS = "county_verdicts_complete"


def _rows(con: duckdb.DuckDBPyConnection, sql: str, year: int) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(sql, [year])
    return [d[0] for d in cursor.description], cursor.fetchall()


def _warn_on_rows(
    con: duckdb.DuckDBPyConnection,
    year: int,
    check_name: str,
    sql: str,
    count_key: str,
    table_key: str,
    limit: int,
) -> dg.AssetCheckResult:
    """A WARN check that passes when ``sql`` finds no row, listing the rows it found."""
    cols, rows = _rows(con, sql, year)
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=not rows,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            count_key: len(rows),
            table_key: dg.MetadataValue.md(markdown_table(cols, rows[:limit])),
        },
    )


def school_sections_checks(con: duckdb.DuckDBPyConnection, year: int):
    # Without senior students, a school's facilities go wholly to its compulsory sections.
    cols, bad = _rows(
        con,
        """
        SELECT school_id, sum(resource_share) AS share_sum
        FROM indicators.school_sections
        WHERE year = $1 AND school_id NOT IN (
            SELECT school_id FROM staging.enrollment
            WHERE year = $1 AND stage = 'senior' AND students > 0)
        GROUP BY school_id
        HAVING sum(students) > 0 AND abs(share_sum - 1) > 1e-9""",
        year,
    )
    yield dg.AssetCheckResult(
        check_name=SHARES_SUM_TO_ONE,
        passed=not bad,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "schools": len(bad),
            "examples": dg.MetadataValue.md(markdown_table(cols, bad[:20])),
        },
    )
    yield _warn_on_rows(
        con,
        year,
        SECTIONS_DATA_COMPLETE,
        """
        SELECT school_id, school_name, stage, incomplete_reason FROM indicators.school_sections
        WHERE year = ? AND NOT data_complete ORDER BY school_id, stage""",
        "incomplete_sections",
        "sections",
        50,
    )


def coefficients_checks(con: duckdb.DuckDBPyConnection, year: int):
    yield _warn_on_rows(
        con,
        year,
        CV_WITHIN_LIMITS,
        """
        SELECT county_code, stage, indicator, round(cv, 4) AS cv, cv_limit, passed, note
        FROM marts.coefficients WHERE year = ? AND passed IS DISTINCT FROM TRUE
        ORDER BY county_code, stage, indicator""",
        "cvs_not_passed",
        "failing_cvs",
        100,
    )


def county_compliance_checks(con: duckdb.DuckDBPyConnection, year: int):
    yield _warn_on_rows(
        con,
        year,
        COUNTY_ITEMS_MET,
        """
        SELECT county_code, item, item_name, passed, detail FROM marts.county_compliance
        WHERE year = ? AND passed IS DISTINCT FROM TRUE ORDER BY county_code, sort_order""",
        "items_not_met_or_not_judged",
        "items",
        200,
    )


def county_verdict_checks(con: duckdb.DuckDBPyConnection, year: int):
    cols, rows = _rows(
        con,
        """
        SELECT county_code, county_name, verdict, failed_items, incomplete_items
        FROM marts.county_verdict WHERE year = ? ORDER BY county_code""",
        year,
    )
    incomplete = [r for r in rows if r[2] == "incomplete"]
    yield dg.AssetCheckResult(
        check_name=COUNTY_VERDICTS,
        passed=not incomplete,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "recognised": sum(r[2] == "recognised" for r in rows),
            "not_recognised": sum(r[2] == "not_recognised" for r in rows),
            "incomplete": len(incomplete),
            "verdicts": dg.MetadataValue.md(markdown_table(cols, rows[:200])),
        },
    )


MODEL_CHECKS = {
    "indicators.school_sections": (
        [
            dg.AssetCheckSpec(
                SHARES_SUM_TO_ONE,
                asset=["indicators", "school_sections"],
                blocking=True,
                description="an integrated school's facility shares over its stages sum to 1",
            ),
            dg.AssetCheckSpec(
                SECTIONS_DATA_COMPLETE,
                asset=["indicators", "school_sections"],
                description="no section computed from missing or rejected inputs",
            ),
        ],
        school_sections_checks,
    ),
    "marts.coefficients": (
        [
            dg.AssetCheckSpec(
                CV_WITHIN_LIMITS,
                asset=["marts", "coefficients"],
                description="every CV is within 0.50 (primary) / 0.45 (junior)",
            )
        ],
        coefficients_checks,
    ),
    "marts.county_compliance": (
        [
            dg.AssetCheckSpec(
                COUNTY_ITEMS_MET,
                asset=["marts", "county_compliance"],
                description="every evaluation item of every county is met",
            )
        ],
        county_compliance_checks,
    ),
    "marts.county_verdict": (
        [
            dg.AssetCheckSpec(
                COUNTY_VERDICTS,
                asset=["marts", "county_verdict"],
                description="every county has a verdict: no input missing or rejected",
            )
        ],
        county_verdict_checks,
    ),
}


def _counts(table: str, column: str, prefix: str):
    """Figures ``<prefix>_<value>``: rows of ``table`` per value of ``column`` in the year."""

    def figures(con: duckdb.DuckDBPyConnection, year: int) -> dict:
        rows = con.execute(
            f"SELECT {column}, count(*) FROM {table} WHERE year = ? GROUP BY ALL ORDER BY ALL",
            [year],
        ).fetchall()
        return {f"{prefix}_{value}": dg.MetadataValue.int(n) for value, n in rows}

    return figures


def _failing_cvs(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    cols, failing = _rows(
        con,
        """
        SELECT county_code, stage, indicator, round(cv, 4) AS cv, cv_limit
        FROM marts.coefficients WHERE year = ? AND passed = FALSE
        ORDER BY county_code, stage, indicator""",
        year,
    )
    return {
        "cvs_over_limit": dg.MetadataValue.int(len(failing)),
        "failing_cvs": dg.MetadataValue.md(
            markdown_table(cols, failing[:100]) if failing else "none"
        ),
    }


# Figures shown on a mart's materialisation, next to its row count and preview.
MODEL_FIGURES = {
    "marts.school_compliance": _counts("marts.school_compliance", "status", "sections"),
    "marts.coefficients": _failing_cvs,
    "marts.county_verdict": _counts("marts.county_verdict", "verdict", "counties"),
    "marts.monitoring_summary": _counts(
        "marts.monitoring_summary", "coalesce(level, 'no_index')", "stages"
    ),
    "marts.early_warnings": _counts("marts.early_warnings", "kind", "warnings"),
}
