"""A suggested plan (化解计划) read from the remediation marts, written as a plan file.

The file is the contract's ``plan`` (Chinese headers and labels, as a county edits it): the
needs of each section at least cost for the target, the G3 rooms and G5 classes, and the extra
additions that bring a CV under its limit. Dropped into the year folder and run again, it gives
the verdict after the plan (``plan.county_verdict``). Items that additions cannot fix are
returned with what they need instead.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb

TARGETS = ("complies", "all_met")
HEADER = ["学校标识码", "学段", "措施", "数量", "说明"]  # school_id, stage, action, amount, note
# Items a plan of additions can fix; every other failing item needs something else.
FIXABLE = {"school_compliance", "cv_primary", "cv_junior", "G3", "G5"}
INSTEAD = {
    "G4": "a school is over its size limit: move students to other schools (action students) "
    "or build a new school",
    "G6": "funding: allocate public funds for 100 pupils to each small school",
    "G7": "funding: raise the special-education funds per student",
    "Q4": "funding: raise each school's training funds to 5 % of its budget",
    "G8": "teachers' pay",
    "G9": "teacher training",
    "G11": "teacher rotation",
    "G12": "teacher certification",
}

PLAN_SQL = """
WITH stage_names AS (
    SELECT code AS stage, label_zh AS stage_name
    FROM reference.code_labels WHERE year = $year AND code_set = 'stage'
),

needs AS (
    SELECT
        n.school_id,
        n.school_name,
        n.stage,
        n.action,
        n.unit,
        n.indicator_name || ' (' || s.stage_name || ' ' || round(n.value, 2) || ' / '
            || n.standard || ')' AS why,
        CASE WHEN $target = 'all_met' THEN n.school_addition
            ELSE n.school_addition_to_complies END AS amount
    FROM marts.remediation_needs AS n
    INNER JOIN stage_names AS s ON s.stage = n.stage
    WHERE n.year = $year AND n.county_code = $county
),

schools AS (
    SELECT * FROM marts.remediation_schools WHERE year = $year AND county_code = $county
),

classes AS (
    SELECT school_id, school_name, 'primary' AS stage, primary_classes_to_add AS classes,
        primary_oversized_classes AS oversized
    FROM schools
    UNION ALL
    SELECT school_id, school_name, 'junior', junior_classes_to_add, junior_oversized_classes
    FROM schools
)

SELECT school_id, stage, action, amount, school_name || ': ' || why AS note
FROM needs WHERE unit = 'teachers' AND amount > 0
UNION ALL
SELECT school_id, NULL, action, max(amount),
    any_value(school_name) || ': ' || string_agg(why, '; ' ORDER BY why)
FROM needs WHERE unit <> 'teachers' GROUP BY school_id, action HAVING max(amount) > 0
UNION ALL
SELECT school_id, NULL, 'music_rooms', music_rooms_to_add,
    school_name || ': G3 音乐专用教室 (每12班1间, 含增加的班级)'
FROM schools WHERE music_rooms_to_add > 0
UNION ALL
SELECT school_id, NULL, 'art_rooms', art_rooms_to_add,
    school_name || ': G3 美术专用教室 (每12班1间, 含增加的班级)'
FROM schools WHERE art_rooms_to_add > 0
UNION ALL
SELECT c.school_id, c.stage, 'classes', c.classes,
    c.school_name || ': G5 ' || s.stage_name || '超标准班额 ' || c.oversized || ' 个, '
    || CASE WHEN c.classes > 0 THEN '增 ' || c.classes || ' 班' ELSE '班数够, 重新编班' END
FROM classes AS c
INNER JOIN stage_names AS s ON s.stage = c.stage
WHERE c.classes > 0 OR c.oversized > 0
UNION ALL
SELECT c.school_id, c.stage, a.action, c.addition,
    c.school_name || ': 缩小' || coalesce(s.stage_name, '') || '校际差异 (' || a.label_zh || ')'
FROM marts.remediation_cv_additions AS c
INNER JOIN reference.plan_actions AS a ON a.year = c.year AND a.indicator = c.indicator
LEFT JOIN stage_names AS s ON s.stage = c.stage
WHERE c.year = $year AND c.county_code = $county AND c.target = $target AND c.addition > 0
ORDER BY 1, 3, 2
"""


@dataclass
class SuggestedPlan:
    county_code: str
    year: int
    target: str
    rows: list[tuple]  # (school_id, stage, action, amount, note) in the contract's codes
    cannot_fix: list[tuple[str, str, str]]  # (item, item name, what it needs instead)
    verdict: str


def _amount(unit: str, amount: float) -> float | int:
    """Whole teachers, rooms and classes (0 classes: re-divide the ones there are); m² up to
    the next 0.01 and yuan up to the next yuan, so rounding never leaves a need unmet."""
    if unit in ("teachers", "rooms", "classes", "students"):
        return int(round(amount))
    if unit == "m2":
        return math.ceil(round(amount * 100, 6)) / 100
    return math.ceil(round(amount, 6))


def suggest(con: duckdb.DuckDBPyConnection, year: int, county: str, target: str) -> SuggestedPlan:
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}")
    units = dict(
        con.execute(
            "SELECT action, unit FROM reference.plan_actions WHERE year = ?", [year]
        ).fetchall()
    )
    rows = [
        (school, stage, action, _amount(units[action], amount), note)
        for school, stage, action, amount, note in con.execute(
            PLAN_SQL, {"year": year, "county": county, "target": target}
        ).fetchall()
    ]
    failed = con.execute(
        "SELECT item, item_name FROM marts.county_compliance "
        "WHERE year = ? AND county_code = ? AND passed IS NOT TRUE ORDER BY sort_order",
        [year, county],
    ).fetchall()
    cannot = [
        (item, name, INSTEAD.get(item, "policy or evidence, not additions"))
        for item, name in failed
        if item not in FIXABLE
    ]
    (verdict,) = con.execute(
        "SELECT verdict FROM marts.county_verdict WHERE year = ? AND county_code = ?",
        [year, county],
    ).fetchone()
    return SuggestedPlan(county, year, target, rows, cannot, verdict)


def write_plan(plan: SuggestedPlan, path: Path, con: duckdb.DuckDBPyConnection) -> Path:
    """The plan file in UTF-8 with a BOM (Excel and WPS open it as Chinese), Chinese labels."""
    labels = dict(
        con.execute(
            "SELECT code_set || ':' || code, label_zh FROM reference.code_labels "
            "WHERE year = ? AND code_set IN ('stage', 'plan_action')",
            [plan.year],
        ).fetchall()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for school, stage, action, amount, note in plan.rows:
            writer.writerow(
                [
                    school,
                    labels[f"stage:{stage}"] if stage else "",
                    labels[f"plan_action:{action}"],
                    amount,
                    note,
                ]
            )
    return path
