"""What a run made, per county and year, read back from the warehouse, in words: statuses,
stages, indicators and items by their Chinese names (reference.report_labels and code_labels,
the marts' names); the verdict's code in brackets for scripts."""

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
stages AS (
    SELECT code, label_zh FROM reference.code_labels WHERE year = $year AND code_set = 'stage'
),
cvs AS (
    SELECT c.year, c.county_code,
           string_agg(coalesce(stage.label_zh, c.stage) || ' ' || c.indicator_name || ' '
                      || printf('%.3f', c.cv) || ' > ' || printf('%.2f', c.cv_limit), '; '
                      ORDER BY c.stage DESC, c.indicator) FILTER (WHERE c.passed = FALSE)
               AS over_limit,
           count(*) FILTER (WHERE c.passed IS NULL) AS not_judged
    FROM marts.coefficients c
    LEFT JOIN stages stage ON stage.code = c.stage
    WHERE c.year = $year GROUP BY ALL
)
SELECT s.county_code, s.county_name, s.evaluated, s.excluded, st.all_met, st.complies,
       st.below_standard, st.incomplete, c.over_limit, c.not_judged, v.verdict, v.summary
FROM sections s
LEFT JOIN statuses st USING (year, county_code)
LEFT JOIN cvs c USING (year, county_code)
LEFT JOIN marts.county_verdict v USING (year, county_code)
ORDER BY county_code
"""

STATUS_SQL = """
SELECT code, label_zh FROM reference.report_labels WHERE year = $year AND code_set = 'status'
"""

REJECTED_SQL = """
SELECT file, count(DISTINCT row_number) AS rows, string_agg(DISTINCT rule, ', ') AS rules
FROM audit.rejected_rows WHERE year = $year GROUP BY file ORDER BY file
"""


def summarise(con: duckdb.DuckDBPyConnection, year: int, input_root: Path = Path()) -> str:
    """The year's figures per county; files named under ``input_root`` as the CLI prints paths."""
    words = dict(con.execute(STATUS_SQL, {"year": year}).fetchall())
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
            summary,
        ) = row
        counts = {"all_met": all_met, "complies": complies, "below_standard": below}
        if incomplete:
            counts["incomplete"] = incomplete
        lines.append(f"{year} {code} {name}: 参评学校(学部) {evaluated} 个, 不参评 {excluded} 个")
        lines.append(
            "  学部达标情况: "
            + "; ".join(f"{words.get(status, status)} {n}" for status, n in counts.items())
        )
        lines.append(
            f"  差异系数超过上限: {over_limit or '无'}"
            + (f"; {not_judged} 项未判定 (数据不完整)" if not_judged else "")
        )
        lines.append(f"  结论: {summary} [{verdict}]")
    rejected = con.execute(REJECTED_SQL, {"year": year}).fetchall()
    total = sum(r[1] for r in rejected)
    lines.append(f"  被拒绝的数据行: {total}" + ("" if not total else " (audit.rejected_rows)"))
    lines += [f"    {input_root / file}: {rows} 行: {rules}" for file, rows, rules in rejected]
    return "\n".join(lines)
