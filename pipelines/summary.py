"""What a run made, per county and year, read back from the warehouse."""

from __future__ import annotations

import duckdb

SUMMARY_SQL = """
WITH sections AS (
    SELECT year, county_code, any_value(county_name) AS county_name,
           count(*) FILTER (WHERE evaluated) AS evaluated,
           count(*) FILTER (WHERE NOT evaluated) AS excluded
    FROM indicators.school_sections WHERE year = $year GROUP BY ALL
),
statuses AS (
    SELECT year, county_code,
           count(*) FILTER (WHERE status = 'all_met') AS all_met,
           count(*) FILTER (WHERE status = 'complies') AS complies,
           count(*) FILTER (WHERE status = 'below_standard') AS below_standard,
           count(*) FILTER (WHERE status = 'incomplete') AS incomplete
    FROM marts.school_compliance WHERE year = $year GROUP BY ALL
),
cvs AS (
    SELECT year, county_code,
           string_agg(stage || ' ' || indicator || ' ' || printf('%.3f', cv) || ' > '
                      || printf('%.2f', cv_limit), '; ' ORDER BY stage, indicator)
               FILTER (WHERE passed = FALSE) AS over_limit,
           count(*) FILTER (WHERE passed IS NULL) AS not_judged
    FROM marts.coefficients WHERE year = $year GROUP BY ALL
)
SELECT s.county_code, s.county_name, s.evaluated, s.excluded, st.all_met, st.complies,
       st.below_standard, st.incomplete, c.over_limit, c.not_judged,
       v.verdict, v.failed_items, v.incomplete_items
FROM sections s
LEFT JOIN statuses st USING (year, county_code)
LEFT JOIN cvs c USING (year, county_code)
LEFT JOIN marts.county_verdict v USING (year, county_code)
ORDER BY county_code
"""

MONITORING_SQL = """
SELECT s.county_code, any_value(s.baseline_year) AS baseline_year,
       string_agg(s.stage || ' ' || coalesce(printf('%.1f', s.composite_index) || ' '
                  || s.level, 'no index'), ', ' ORDER BY s.stage DESC) AS composite,
       string_agg(s.stage || ' ' || s.fallen, '; ' ORDER BY s.stage DESC) AS fallen,
       any_value(w.sections) AS sections, any_value(w.cvs) AS cvs,
       any_value(p.projected) AS projected
FROM marts.monitoring_summary s
LEFT JOIN (
    SELECT county_code, count(projected_students) AS projected
    FROM indicators.student_projections WHERE year = $year GROUP BY ALL
) p USING (county_code)
LEFT JOIN (
    SELECT county_code, count(*) FILTER (WHERE kind = 'section') AS sections,
           count(*) FILTER (WHERE kind = 'cv') AS cvs
    FROM marts.early_warnings WHERE year = $year GROUP BY ALL
) w USING (county_code)
WHERE s.year = $year GROUP BY s.county_code
"""

REJECTED_SQL = """
SELECT file, count(DISTINCT row_number) AS rows, string_agg(DISTINCT rule, ', ') AS rules
FROM audit.rejected_rows WHERE year = $year GROUP BY file ORDER BY file
"""


def _monitoring(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, list[str]]:
    """Per county: the composite index against the baseline year, and the early warnings."""
    lines = {}
    rows = con.execute(MONITORING_SQL, {"year": year}).fetchall()
    for county, baseline, composite, fallen, sections, cvs, projected in rows:
        lines[county] = [
            f"  monitoring against {baseline}: {composite}"
            + (f"; fallen: {fallen}" if fallen else "")
            if baseline < year
            else f"  monitoring: {year} is the baseline year",
            f"  early warning for {year + 1} (forecast): {sections or 0} section indicator(s), "
            f"{cvs or 0} CV(s) would cross a line"
            if projected
            else f"  early warning for {year + 1}: no section has the years a projection needs",
        ]
    return lines


def summarise(con: duckdb.DuckDBPyConnection, year: int) -> str:
    lines = []
    monitoring = _monitoring(con, year)
    for row in con.execute(SUMMARY_SQL, {"year": year}).fetchall():
        (
            code,
            name,
            evaluated,
            excluded,
            all_met,
            complies,
            below,
            incomplete,
            over_limit,
            not_judged,
            verdict,
            failed,
            unjudged,
        ) = row
        lines.append(f"{year} {code} {name}: {evaluated} sections evaluated, {excluded} excluded")
        lines.append(
            f"  status: {all_met} all_met, {complies} complies, {below} below_standard"
            + (f", {incomplete} incomplete (data missing or rejected)" if incomplete else "")
        )
        lines.append(
            f"  CVs over their limit: {over_limit or 'none'}"
            + (f"; {not_judged} CV(s) not judged (data incomplete)" if not_judged else "")
        )
        lines.append(
            f"  verdict: {verdict}"
            + (f"; failed: {failed}" if failed else "")
            + (f"; not judged (input missing or rejected): {unjudged}" if unjudged else "")
        )
        lines += monitoring.get(code, [])
    rejected = con.execute(REJECTED_SQL, {"year": year}).fetchall()
    total = sum(r[1] for r in rejected)
    lines.append(f"  rejected rows: {total}" + ("" if not total else " (audit.rejected_rows)"))
    lines += [f"    {file}: {rows} row(s): {rules}" for file, rows, rules in rejected]
    return "\n".join(lines)
