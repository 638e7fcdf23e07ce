"""The least-cost extra additions that bring a CV under its limit once the needs are met
(DOMAIN.md §8 "CVs"): a solver (assets.cv_additions) where SQL cannot say it.

For each target ("all_met": every section to the standard; "complies": the cheapest way to
"complies" of marts.remediation_needs) the sections' resources after the target's additions
are read with SQL; each county, stage and indicator whose CV is still over its limit is solved
on its own: one variable per section for a teacher indicator, per school for a facility (it
raises the school's section by its share). A school's additions for several CVs stay separate
rows, one per indicator.
"""

import math
from itertools import groupby

import dagster as dg
import numpy as np
import polars as pl

from assets.cv_additions import Unit, least_cost_additions, weighted_cvs_by_group, within_limits
from assets.metadata import table_metadata
from assets.python_models import PythonModel
from assets.warehouse import Write, replace_year

TARGETS = ("all_met", "complies")

# Every evaluated section's resource per indicator after each target's additions.
SECTIONS_SQL = """
WITH cfg AS (
    SELECT any_value(value) FILTER (WHERE setting = 'comparison_decimals')::INTEGER AS decimals
    FROM reference.settings WHERE year = $year
),
targets (target) AS (VALUES ('all_met'), ('complies')),
actions AS (
    SELECT indicator, unit, per_students::DOUBLE AS per, cost_item, level = 'school' AS shared
    FROM reference.plan_actions WHERE year = $year AND indicator IS NOT NULL
),
added AS (
    SELECT t.target, n.school_id, n.stage, n.indicator,
        CASE t.target WHEN 'all_met' THEN n.school_addition
            ELSE n.school_addition_to_complies END AS addition
    FROM marts.remediation_needs AS n CROSS JOIN targets AS t
    WHERE n.year = $year
),
school_added AS (
    SELECT target, school_id, indicator, max(addition) AS addition FROM added GROUP BY ALL
),
sections AS (
    SELECT s.county_code, s.school_id, s.school_name, s.stage, s.students, s.resource_share,
        a.indicator, a.unit, a.per, a.shared, a.cost_item,
        CASE a.indicator
            WHEN 'qualified_teachers_per100' THEN s.qualified_teachers
            WHEN 'backbone_teachers_per100' THEN s.backbone_teachers
            WHEN 'pe_art_teachers_per100' THEN s.pe_art_teachers
            WHEN 'teaching_area_per_student' THEN s.teaching_area_m2
            WHEN 'sports_area_per_student' THEN s.sports_area_m2
            WHEN 'equipment_value_per_student' THEN s.equipment_value_yuan
            WHEN 'multimedia_rooms_per100' THEN s.multimedia_classrooms
        END AS resource
    FROM indicators.school_sections AS s CROSS JOIN actions AS a
    WHERE s.year = $year AND s.evaluated
)
SELECT t.target, s.* EXCLUDE (resource),
    s.resource + CASE WHEN s.shared THEN coalesce(sa.addition, 0) * s.resource_share
        ELSE coalesce(se.addition, 0) END AS resource,
    c.cv_limit, u.cost_yuan::DOUBLE AS unit_cost, cfg.decimals
FROM sections AS s
CROSS JOIN targets AS t
CROSS JOIN cfg
INNER JOIN marts.coefficients AS c
    ON c.year = $year AND c.county_code = s.county_code AND c.stage = s.stage
    AND c.indicator = s.indicator
INNER JOIN reference.unit_costs AS u ON u.year = $year AND u.item = s.cost_item
LEFT JOIN school_added AS sa
    ON sa.target = t.target AND sa.school_id = s.school_id AND sa.indicator = s.indicator
LEFT JOIN added AS se
    ON se.target = t.target AND se.school_id = s.school_id AND se.stage = s.stage
    AND se.indicator = s.indicator
-- A CV not judged (incomplete data, or an undefined mean) is not remedied from partial data.
WHERE c.data_complete AND c.cv IS NOT NULL
ORDER BY t.target, s.county_code, s.stage, s.indicator, s.school_id
"""

ADDITION_COLUMNS = {
    "year": pl.Int32,
    "target": pl.String,
    "county_code": pl.String,
    "school_id": pl.String,
    "school_name": pl.String,
    "stage": pl.String,
    "indicator": pl.String,
    "addition": pl.Float64,
    "unit": pl.String,
    "cost_yuan": pl.Float64,
}
PROBLEM_COLUMNS = {
    "year": pl.Int32,
    "target": pl.String,
    "county_code": pl.String,
    "stage": pl.String,
    "indicator": pl.String,
    "sections": pl.Int64,
    "cv_after_needs": pl.Float64,
    "cv_limit": pl.Float64,
    "cv_after_additions": pl.Float64,
    "within_limit": pl.Boolean,
    "extra_cost_yuan": pl.Float64,
    "lower_bound_yuan": pl.Float64,
    "method": pl.String,
}

COMMENTS = {
    "marts.remediation_cv_additions": {
        "": "差异系数化解增量 | the least-cost additions, on top of the needs, that bring each CV "
        "still over its limit under it (DOMAIN.md §8); one row per school (facility) or section "
        "(teachers) and indicator",
        "target": "目标 | all_met (needs to the standard) or complies (the cheapest way to "
        "complies)",
        "school_id": "学校标识码 | the school that adds",
        "stage": "学段 | the section of a teacher addition; NULL for a facility added to the "
        "school and shared by the §1 shares",
        "indicator": "指标代码 | the indicator whose CV it lowers",
        "addition": "增量 | natural units: whole teachers and rooms, m², yuan",
        "unit": "单位 | teachers, m2, yuan or rooms",
        "cost_yuan": "费用 | addition × unit cost",
    },
    "marts.remediation_cv_problems": {
        "": "差异系数化解求解 | each county, stage and indicator whose CV is over its limit "
        "after a target's needs, and how the extra additions were found",
        "target": "目标 | all_met or complies",
        "sections": "学段数 | evaluated sections in the CV",
        "cv_after_needs": "需求满足后差异系数 | the CV once the target's needs are met",
        "cv_limit": "差异系数上限 | 0.50 primary, 0.45 junior",
        "cv_after_additions": "化解后差异系数 | the CV with the extra additions",
        "within_limit": "是否达标 | the CV with the additions, rounded to comparison_decimals, "
        "is within the limit",
        "extra_cost_yuan": "额外费用 | the cost of the extra additions",
        "lower_bound_yuan": "费用下界 | the continuous optimum: no plan of these additions "
        "costs less",
        "method": "方法 | solver, status and what was done after it (rounding, repairs)",
    },
}


def _solve(year: int, target: str, key: tuple, rows: list[dict]) -> tuple[list[dict], dict]:
    """One CV problem: the additions and the problem's row."""
    county, stage, indicator = key
    first = rows[0]
    units, owner = [], {}
    for index, row in enumerate(rows):
        unit_key = row["school_id"] if row["shared"] else f"{row['school_id']}|{row['stage']}"
        share = row["resource_share"] if row["shared"] else 1.0
        whole = row["unit"] in ("teachers", "rooms")
        units.append(Unit(unit_key, ((index, share),), row["unit_cost"], whole))
        owner[unit_key] = row
    result = least_cost_additions(
        [r["students"] for r in rows],
        [r["resource"] for r in rows],
        first["per"],
        first["cv_limit"],
        units,
        first["decimals"],
    )
    additions = [
        {
            "year": year,
            "target": target,
            "county_code": county,
            "school_id": owner[k]["school_id"],
            "school_name": owner[k]["school_name"],
            "stage": None if owner[k]["shared"] else stage,
            "indicator": indicator,
            "addition": amount,
            "unit": first["unit"],
            "cost_yuan": amount * owner[k]["unit_cost"],
        }
        for k, amount in sorted(result.amounts.items())
    ]
    problem = {
        "year": year,
        "target": target,
        "county_code": county,
        "stage": stage,
        "indicator": indicator,
        "sections": len(rows),
        "cv_after_needs": result.cv_before,
        "cv_limit": first["cv_limit"],
        "cv_after_additions": result.cv_after,
        "within_limit": result.within_limit,
        "extra_cost_yuan": result.cost,
        "lower_bound_yuan": None if math.isinf(result.lower_bound) else result.lower_bound,
        "method": result.status,
    }
    return additions, problem


PROBLEM_KEY = ["target", "county_code", "stage", "indicator"]


def _over_limit(sections: pl.DataFrame) -> pl.DataFrame:
    """The rows of the CVs that the needs alone leave over their limit (rows sorted by
    PROBLEM_KEY, as SECTIONS_SQL returns them)."""
    groups = sections.select(pl.struct(PROBLEM_KEY).rle_id()).to_series().to_numpy()
    count = int(groups[-1]) + 1 if len(groups) else 0
    values = (pl.col("per") * pl.col("resource") / pl.col("students")).alias("value")
    _, _, cvs = weighted_cvs_by_group(
        groups,
        sections["students"].to_numpy(),
        sections.select(values).to_series().to_numpy(),
        count,
    )
    # Every row of a problem carries its limit and the year's decimals.
    limits = sections["cv_limit"].to_numpy()[np.unique(groups, return_index=True)[1]]
    decimals = sections["decimals"][0] if sections.height else 9
    over = ~within_limits(cvs, limits, decimals)
    return sections.filter(pl.Series(over[groups]))


def cv_additions(con, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The extra additions and the problems solved, for both targets, of one year."""
    sections = con.sql(SECTIONS_SQL, params={"year": year}).pl()
    additions, problems = [], []

    def key(r):
        return tuple(r[k] for k in PROBLEM_KEY)

    for (target, *problem_key), group in groupby(_over_limit(sections).to_dicts(), key=key):
        found, problem = _solve(year, target, tuple(problem_key), list(group))
        additions += found
        problems.append(problem)
    return (
        pl.DataFrame(additions, schema=ADDITION_COLUMNS),
        pl.DataFrame(problems, schema=PROBLEM_COLUMNS),
    )


def build(con, year: int) -> list[dg.MaterializeResult]:
    """Write both tables of the year; their materialisations."""
    additions, problems = cv_additions(con, year)
    frames = {
        "marts.remediation_cv_additions": additions,
        "marts.remediation_cv_problems": problems,
    }
    writes = []
    for table, frame in frames.items():
        con.register(f"incoming_{table.split('.')[1]}", frame)
        writes.append(Write(table, f"incoming_{table.split('.')[1]}", COMMENTS[table]))
    replace_year(con, year, writes)
    return [
        dg.MaterializeResult(
            asset_key=w.table.split("."), metadata=table_metadata(con, w.table, year)
        )
        for w in writes
    ]


REMEDIATION_CV = PythonModel(
    tables=("marts.remediation_cv_additions", "marts.remediation_cv_problems"),
    dependencies=(
        "indicators.school_sections",
        "marts.remediation_needs",
        "marts.coefficients",
        "reference.plan_actions",
        "reference.unit_costs",
        "reference.settings",
    ),
    descriptions={table: comments[""] for table, comments in COMMENTS.items()},
    build=build,
)
