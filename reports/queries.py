"""The one place reports read the warehouse: one query per table, for every county of a year.

Reports read the marts, and the audit and reference tables for data quality and words; they
compute no figure the marts lack. Each query reads all counties of the year (or the one asked
for) at once, so a province of 40 counties costs the same queries as one county (one per table,
the words and a look at the catalogue); the rows are then split by county in memory.

The remediation, plan and monitoring tables are read when the warehouse has them: one built
before they existed still gets its reports, with a note where those sections would be.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from schemas.reference_data import load_reference

_COUNTY = "($county IS NULL OR county_code = $county)"

# name → SQL. $year is the report's year; the history reads every year up to it.
CORE_QUERIES = {
    "verdicts": f"""
        SELECT year, county_code, county_name, verdict, items, items_passed, failed_items,
               incomplete_items, summary
        FROM marts.county_verdict WHERE year <= $year AND {_COUNTY}
        ORDER BY county_code, year""",
    "items": f"""
        SELECT county_code, county_name, part, item, item_name, value, threshold, passed, detail,
               sort_order
        FROM marts.county_compliance WHERE year = $year AND {_COUNTY}
        ORDER BY county_code, sort_order""",
    "sections": f"""
        SELECT county_code, school_id, school_name, school_type, stage, students, indicators,
               indicators_met, indicators_under_85, indicators_missing, status, complies,
               data_complete, incomplete_reason
        FROM marts.school_compliance WHERE year = $year AND {_COUNTY}
        ORDER BY county_code, stage DESC, school_id""",
    "section_indicators": f"""
        SELECT county_code, school_id, school_name, stage, indicator, value, standard,
               ratio_to_standard, met, at_least_85
        FROM marts.school_indicator_compliance WHERE year = $year AND {_COUNTY}
        ORDER BY county_code, stage DESC, school_id, indicator""",
    "coefficients": f"""
        SELECT year, county_code, county_name, stage, indicator, indicator_name, sections,
               students, county_value, std_dev, cv, cv_limit, passed, note
        FROM marts.coefficients WHERE year <= $year AND {_COUNTY}
        ORDER BY county_code, year, stage DESC, indicator""",
    "standards": """
        SELECT year, stage, indicator, standard, unit, name_zh, name_en, sort_order
        FROM reference.standards WHERE year <= $year ORDER BY year, stage DESC, sort_order""",
    "source_files": """
        SELECT file, file_kind, status, encoding, rows_read, rows_accepted, rows_rejected, sha256
        FROM audit.source_files WHERE year = $year ORDER BY file_kind, file""",
    # Rows name their county, or their school (a teacher row): attributed through the sections.
    "rejected_rows": """
        SELECT coalesce(r.county_code, s.county_code) AS county_code, r.file, r.row_number,
               r.column_name, r.rule, r.value, r.message, r.school_id
        FROM audit.rejected_rows AS r
        LEFT JOIN (SELECT DISTINCT school_id, county_code FROM indicators.school_sections
                   WHERE year = $year) AS s USING (school_id)
        WHERE r.year = $year
        ORDER BY r.file, r.row_number, r.column_name""",
    "code_labels": """
        SELECT code_set, code, label_zh FROM reference.code_labels
        WHERE year = $year AND code_set IN ('stage', 'school_type')""",
}

LABELS_SQL = """
    SELECT code_set, code, label_zh, label_en FROM reference.report_labels WHERE year = $year"""

# The remediation (DOMAIN.md §8), plan and monitoring (§6) tables, and the unit costs behind
# the remediation's yuan: read when the warehouse has them (one built before them has not), by
# the columns the reports show. A table lacking one of them is refused with their names.
_YEAR_AND_COUNTY = f"WHERE year = $year AND {_COUNTY}"
OPTIONAL_TABLES: dict[str, tuple[list[str], str]] = {
    "marts.remediation_county": (
        [
            "county_code",
            "stage",
            "indicator",
            "indicator_name",
            "sections_below",
            "shortfall_total",
            "unit",
            "cost_yuan",
            "cost_to_complies_yuan",
            "cv_before",
            "cv_after_needs",
            "cv_limit",
            "extra_for_cv",
            "extra_cost_yuan",
            "method",
        ],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, stage DESC, indicator",
    ),
    "marts.remediation_needs": (
        [
            "county_code",
            "school_id",
            "school_name",
            "stage",
            "indicator",
            "indicator_name",
            "value",
            "standard",
            "unit",
            "shortfall",
            "shortfall_to_85",
            "school_addition",
            "cost_yuan",
            "left_at_85",
            "school_addition_to_complies",
            "cost_to_complies_yuan",
        ],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, stage DESC, school_id, indicator",
    ),
    "marts.remediation_schools": (
        [
            "county_code",
            "school_id",
            "school_name",
            "music_rooms_to_add",
            "art_rooms_to_add",
            "rooms_to_add",
            "students_over_limit",
            "oversized_classes",
            "classes_to_add",
            "teachers_to_add",
            "teachers_to_add_to_complies",
            "cost_to_complies_yuan",
            "cost_to_all_met_yuan",
        ],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, school_id",
    ),
    "marts.remediation_cv_problems": (
        [
            "county_code",
            "target",
            "stage",
            "indicator",
            "sections",
            "cv_after_needs",
            "cv_limit",
            "cv_after_additions",
            "within_limit",
            "extra_cost_yuan",
            "lower_bound_yuan",
            "method",
        ],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, target, stage DESC, indicator",
    ),
    "marts.remediation_cv_additions": (
        [
            "county_code",
            "target",
            "school_id",
            "school_name",
            "stage",
            "indicator",
            "addition",
            "unit",
            "cost_yuan",
        ],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, target, indicator, school_id, stage",
    ),
    "reference.unit_costs": (["item", "unit", "cost_yuan"], "WHERE year = $year ORDER BY item"),
    "plan.county_verdict": (
        ["county_code", "verdict", "items", "items_passed", "failed_items", "summary"],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code",
    ),
    "plan.county_compliance": (
        ["county_code", "item", "passed", "detail"],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, sort_order",
    ),
    "marts.plan_effect": (
        [
            "county_code",
            "part",
            "item",
            "item_name",
            "actual_value",
            "actual_passed",
            "plan_value",
            "plan_passed",
            "changed",
            "sort_order",
        ],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, sort_order",
    ),
    "marts.monitoring_summary": (
        [
            "county_code",
            "county_name",
            "stage",
            "baseline_year",
            "composite_index",
            "level",
            "level_name",
            "indicators",
            "indicators_with_index",
            "indicators_risen",
            "indicators_stable",
            "indicators_fallen",
            "fallen",
            "without_index",
        ],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, stage DESC",
    ),
    "marts.monitoring_index": (
        [
            "county_code",
            "stage",
            "indicator",
            "indicator_name",
            "higher_is_better",
            "baseline_year",
            "baseline_value",
            "value",
            "index",
            "level",
            "level_name",
            "resource_growth_pct",
            "student_growth_pct",
            "note",
            "sort_order",
        ],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, stage DESC, sort_order",
    ),
    "marts.early_warnings": (
        [
            "county_code",
            "forecast_year",
            "kind",
            "school_id",
            "school_name",
            "stage",
            "indicator",
            "indicator_name",
            "students",
            "projected_students",
            "value",
            "projected_value",
            "standard",
            "status",
            "projected_status",
            "warning",
            "method",
        ],
        f"{_YEAR_AND_COUNTY} ORDER BY county_code, kind DESC, stage DESC, school_id, indicator",
    ),
}


class ReportDataError(Exception):
    """The warehouse cannot back the report asked for (no such year or county, a table is off
    contract); the message says what to do."""


def _catalogue(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Every table of the warehouse with its columns, in one look at the catalogue."""
    rows = con.sql(
        "SELECT schema_name || '.' || table_name, list(column_name) FROM duckdb_columns() "
        "WHERE NOT internal GROUP BY ALL"
    ).fetchall()
    return {table: set(columns) for table, columns in rows}


def _labels(con: duckdb.DuckDBPyConnection, year: int, tables: dict) -> pl.DataFrame:
    """The year's words from reference.report_labels; the bundled file's words for codes the
    warehouse has none for (a warehouse built before a label was added, or before the table)."""
    bundled = load_reference("report_labels").select("code_set", "code", "label_zh", "label_en")
    if "reference.report_labels" not in tables:
        return bundled
    own = con.sql(LABELS_SQL, params={"year": year}).pl()
    return pl.concat([own, bundled.join(own, on=["code_set", "code"], how="anti")])


def optional_query(table: str) -> str:
    columns, where = OPTIONAL_TABLES[table]
    return f"SELECT {', '.join(columns)} FROM {table} {where}"


@dataclass
class YearData:
    """Every row a report of one year needs, for all its counties, and the words for codes."""

    year: int
    tables: dict[str, pl.DataFrame]
    labels: pl.DataFrame
    present: set[str] = field(default_factory=set)  # optional tables the warehouse has
    _by_county: dict[str, dict[str, pl.DataFrame]] = field(default_factory=dict, repr=False)

    @property
    def counties(self) -> list[tuple[str, str]]:
        """(code, name) of the counties of the year, in code order."""
        verdicts = self.tables["verdicts"].filter(pl.col("year") == self.year)
        return list(
            verdicts.select("county_code", "county_name").unique().sort("county_code").iter_rows()
        )

    def of(self, name: str, county_code: str) -> pl.DataFrame:
        """The rows of table ``name`` for one county (an empty frame when it has none)."""
        if name not in self._by_county:
            parts = self.tables[name].partition_by("county_code", as_dict=True)
            self._by_county[name] = {key[0]: part for key, part in parts.items()}
        return self._by_county[name].get(county_code, self.tables[name].clear())

    def has(self, table: str) -> bool:
        return table in self.present


def load(con: duckdb.DuckDBPyConnection, year: int, county: str | None = None) -> YearData:
    """Read one year (all counties, or ``county``) with one query per table."""
    params = {"year": year, "county": county}
    tables = _catalogue(con)
    needed = {
        "marts.county_verdict",
        "marts.county_compliance",
        "marts.school_compliance",
        "marts.school_indicator_compliance",
        "marts.coefficients",
        "audit.source_files",
    }
    if not needed <= tables.keys():
        raise ReportDataError(
            f"the warehouse lacks {', '.join(sorted(needed - tables.keys()))}: run `junheng run` "
            "on the year's files first"
        )
    frames = {}
    for name, sql in CORE_QUERIES.items():
        frames[name] = _plain_numbers(con.sql(sql, params=_used(params, sql)).pl())
    present = set()
    for table, (columns, _) in OPTIONAL_TABLES.items():
        if table not in tables:
            continue
        missing = [c for c in ["year", *columns] if c not in tables[table]]
        if missing:
            raise ReportDataError(
                f"{table} lacks column(s) {', '.join(missing)} that the reports read; "
                "rebuild the year with the current pipeline (junheng run)"
            )
        sql = optional_query(table)
        frames[table] = _plain_numbers(con.sql(sql, params=_used(params, sql)).pl())
        present.add(table)
    data = YearData(year, frames, _labels(con, year, tables), present)
    if not data.counties:
        raise ReportDataError(_nothing_found(con, year, county))
    return data


def _plain_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimals as integers (scale 0: a sum of counts, DuckDB's HUGEINT) or floats, so the
    workbook writes them as numbers and the page formats them as such."""
    return frame.with_columns(
        pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Decimal)
    )


def _used(params: dict, sql: str) -> dict:
    """The parameters a query names (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


def _nothing_found(con: duckdb.DuckDBPyConnection, year: int, county: str | None) -> str:
    rows = con.sql("SELECT DISTINCT year, county_code FROM marts.county_verdict").fetchall()
    years = sorted({y for y, _ in rows})
    counties = sorted(c for y, c in rows if y == year)
    if county and counties:
        shown = ", ".join(counties[:10]) + (" …" if len(counties) > 10 else "")
        return f"no county {county} in {year} (counties there: {shown})"
    return (
        f"no year {year} in the warehouse (years there: {', '.join(map(str, years)) or 'none'}); "
        f"run `junheng run --year {year}` first"
    )


def tables_read() -> set[str]:
    """Every warehouse table the reports read (the report assets' upstream)."""
    from assets.sql_models import tables_read as read

    tables = set()
    for sql in [*CORE_QUERIES.values(), LABELS_SQL, *map(optional_query, OPTIONAL_TABLES)]:
        tables |= read(sql.replace("$year", "0").replace("$county", "NULL"))
    return tables
