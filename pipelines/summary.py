"""What a run made, per county and year, read back from the warehouse."""

from __future__ import annotations

from pathlib import Path

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

REJECTED_SQL = """
SELECT file, count(DISTINCT row_number) AS rows, string_agg(DISTINCT rule, ', ') AS rules
FROM audit.rejected_rows WHERE year = $year GROUP BY file ORDER BY file
"""


def summarise(con: duckdb.DuckDBPyConnection, year: int, input_root: Path = Path()) -> str:
    """The year's figures per county; files named under ``input_root`` as the CLI prints paths."""
    lines = []
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
    rejected = con.execute(REJECTED_SQL, {"year": year}).fetchall()
    total = sum(r[1] for r in rejected)
    lines.append(f"  rejected rows: {total}" + ("" if not total else " (audit.rejected_rows)"))
    lines += [f"    {input_root / file}: {rows} row(s): {rules}" for file, rows, rules in rejected]
    return "\n".join(lines)
