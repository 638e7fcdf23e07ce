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

# Words for codes: statuses, levels, verdicts after a plan (reference.report_labels).
LABELS_SQL = """
SELECT code_set || ':' || code, label_zh FROM reference.report_labels WHERE year = $year
UNION ALL
SELECT 'stage:' || code, label_zh FROM reference.code_labels
WHERE year = $year AND code_set = 'stage'
"""

MONITORING_SQL = """
SELECT s.county_code, any_value(s.baseline_year) AS baseline_year,
       list({'stage': s.stage, 'index': s.composite_index, 'level': s.level,
             'fallen': s.fallen} ORDER BY s.stage DESC) AS stages,
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

PLAN_SQL = """
SELECT county_code, verdict, summary FROM plan.county_verdict WHERE year = $year
"""

REJECTED_SQL = """
SELECT file, count(DISTINCT row_number) AS rows,
    string_agg(DISTINCT rule, ', ' ORDER BY rule) AS rules
FROM audit.rejected_rows WHERE year = $year GROUP BY file ORDER BY file
"""


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{s}.{t}"
        for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
    }


def _words(codes: str, code_set: str, words: dict[str, str]) -> str:
    """'a, b' → their words, '、'-separated."""
    return "、".join(words.get(f"{code_set}:{c.strip()}", c.strip()) for c in codes.split(","))


def _monitoring(con, year: int, words: dict[str, str]) -> dict[str, list[str]]:
    """Per county: the composite index against the baseline year, and the early warnings."""
    if "marts.monitoring_summary" not in _tables(con):
        return {}
    lines = {}
    for county, baseline, stages, sections, cvs, projected in con.execute(
        MONITORING_SQL, {"year": year}
    ).fetchall():
        if baseline < year:
            composite = "; ".join(
                f"{words.get('stage:' + s['stage'], s['stage'])} "
                + (
                    f"{s['index']:.1f} {words.get('level:' + s['level'], s['level'])}"
                    if s["index"] is not None
                    else "无指数"
                )
                + (
                    f" (下降: {_words(s['fallen'], 'indicator_short', words)})"
                    if s["fallen"]
                    else ""
                )
                for s in stages
            )
            lines[county] = [f"  动态监测 (基期 {baseline} 年, 综合指数): {composite}"]
        else:
            lines[county] = [f"  动态监测: {year} 年为基期"]
        lines[county].append(
            f"  预警 ({year + 1} 年预测): {sections or 0} 个学段指标、{cvs or 0} 个差异系数将越线"
            if projected
            else f"  预警 ({year + 1} 年): 没有学段有足够年份可作预测"
        )
    return lines


def _after_plan(con, year: int, words: dict[str, str]) -> dict[str, str]:
    """Per county with a plan (化解计划): the verdict with it applied."""
    if "plan.county_verdict" not in _tables(con):
        return {}
    return {
        county: f"  化解计划: {words.get('plan_verdict:' + verdict, verdict)}"
        + ("" if verdict == "recognised" else f" ({summary})")
        for county, verdict, summary in con.execute(PLAN_SQL, {"year": year}).fetchall()
    }


def summarise(con: duckdb.DuckDBPyConnection, year: int, input_root: Path = Path()) -> str:
    """The year's figures per county; files named under ``input_root`` as the CLI prints paths."""
    words = dict(con.execute(LABELS_SQL, {"year": year}).fetchall())
    lines = []
    monitoring = _monitoring(con, year, words)
    plans = _after_plan(con, year, words)
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
            + "; ".join(f"{words.get('status:' + s, s)} {n}" for s, n in counts.items())
        )
        lines.append(
            f"  差异系数超过上限: {over_limit or '无'}"
            + (f"; {not_judged} 项未判定 (数据不完整)" if not_judged else "")
        )
        lines.append(f"  结论: {summary} [{verdict}]")
        lines += [plans[code]] if code in plans else []
        lines += monitoring.get(code, [])
    rejected = con.execute(REJECTED_SQL, {"year": year}).fetchall()
    total = sum(r[1] for r in rejected)
    lines.append(f"  被拒绝的数据行: {total}" + ("" if not total else " (audit.rejected_rows)"))
    lines += [f"    {input_root / file}: {rows} 行: {rules}" for file, rows, rules in rejected]
    return "\n".join(lines)
