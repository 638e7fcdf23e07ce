"""The sections read from the remediation (DOMAIN.md §8), plan and monitoring (§6) tables: what
the failing schools need and what it costs, the effect of the year's plan (化解计划) and the
verdict after it, the development index and the early warnings.

Each returns None when the warehouse has none of its tables (one built before them), so the
report prints a short note instead; a table that exists but holds no row for the county (no
plan this year) gives an empty section that says so.
"""

from __future__ import annotations

from reports.labels import STAGES, Labels
from reports.queries import YearData

REMEDIATION_TABLES = (
    "marts.remediation_county",
    "marts.remediation_needs",
    "marts.remediation_schools",
    "marts.remediation_cv_problems",
    "marts.remediation_cv_additions",
)
PLAN_TABLES = ("plan.county_verdict", "marts.plan_effect")
MONITORING_TABLES = ("marts.monitoring_summary", "marts.monitoring_index", "marts.early_warnings")


def codes(text: str | None) -> list[str]:
    """'G4, G5' → ['G4', 'G5']."""
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def _rows(data: YearData, table: str, code: str) -> list[dict] | None:
    """The county's rows of ``table``; None when the warehouse has no such table."""
    if not data.has(table):
        return None
    return list(data.of(table, code).iter_rows(named=True))


def _stage_then(position: dict[str, int], key: str = "indicator"):
    """Sort key: primary before junior, then the indicators in the method's order."""
    return lambda r: (STAGES.index(r["stage"]), position.get(r[key], len(position)))


def _words(row: dict, labels: Labels) -> dict:
    """A row with its stage, indicator and unit in words."""
    return {
        **row,
        "stage_zh": labels.zh("stage", row.get("stage")),
        "short": labels.short(row["indicator"]) if row.get("indicator") else "",
        "unit_zh": labels.zh("unit", row.get("unit")),
    }


def _needs_something(school: dict) -> bool:
    return any(
        school[k]
        for k in (
            "rooms_to_add",
            "students_over_limit",
            "oversized_classes",
            "classes_to_add",
            "teachers_to_add",
            "cost_to_all_met_yuan",
        )
    )


def remediation(data: YearData, labels: Labels, code: str, position: dict) -> dict | None:
    """Needs per section, per school and per stage and indicator; the CV additions."""
    if not any(data.has(t) for t in REMEDIATION_TABLES):
        return None
    county = _rows(data, "marts.remediation_county", code)
    if county is not None:
        county = sorted((_words(r, labels) for r in county), key=_stage_then(position))
    needs = _rows(data, "marts.remediation_needs", code)
    if needs is not None:
        needs = [_words(r, labels) for r in needs]
    schools = _rows(data, "marts.remediation_schools", code)
    listed = None if schools is None else [s for s in schools if _needs_something(s)]
    problems = _rows(data, "marts.remediation_cv_problems", code)
    if problems is not None:
        problems = [
            {**_words(p, labels), "target_zh": labels.zh("target", p["target"])}
            for p in sorted(problems, key=lambda p: p["target"] != "all_met")
        ]
    additions = _rows(data, "marts.remediation_cv_additions", code)
    if additions is not None:
        additions = [
            {**_words(a, labels), "target_zh": labels.zh("target", a["target"])}
            for a in sorted(additions, key=lambda a: a["target"] != "all_met")
        ]
    costs = None
    if data.has("reference.unit_costs"):
        order = labels.order("cost_item")
        costs = sorted(
            (
                {**c, "item_zh": labels.zh("cost_item", c["item"])}
                for c in data.tables["reference.unit_costs"].iter_rows(named=True)
            ),
            key=lambda c: order.get(c["item"], len(order)),
        )
    return {
        "county": county,
        "cost_chart": [r for r in county or [] if r["cost_yuan"]],
        "needs": needs,
        "schools": listed,
        "schools_total": None if schools is None else len(schools),
        "school_counts": None if listed is None else _school_counts(listed),
        "cv_problems": problems,
        "cv_additions": additions,
        "unit_costs": costs,
    }


def _school_counts(schools: list[dict]) -> dict[str, int]:
    """How many schools have each kind of need (counts of rows, no figure summed)."""
    return {
        key: sum(1 for s in schools if s[key])
        for key in ("rooms_to_add", "students_over_limit", "oversized_classes", "teachers_to_add")
    }


def plan(data: YearData, labels: Labels, code: str, items: list[dict]) -> dict | None:
    """The plan's effect item by item, and the verdict after it; None without the tables."""
    if not any(data.has(t) for t in PLAN_TABLES):
        return None
    effect = _rows(data, "marts.plan_effect", code) or []
    verdicts = _rows(data, "plan.county_verdict", code) or []
    details = {r["item"]: r["detail"] for r in _rows(data, "plan.county_compliance", code) or []}
    names = {i["item"]: i for i in items}
    rows = []
    for row in effect:
        part = row["part"]
        rows.append(
            {
                **row,
                "name_en": labels.en("item", row["item"]),
                "actual_zh": labels.verdict_of(row["actual_passed"], part)[0],
                "plan_zh": labels.verdict_of(row["plan_passed"], part)[0],
                "actual_detail": names.get(row["item"], {}).get("detail"),
                "plan_detail": details.get(row["item"]),
            }
        )
    shown = [
        r for r in rows if r["changed"] or r["actual_passed"] is not True or not r["plan_passed"]
    ]
    return {
        "has_plan": bool(verdicts or effect),
        "verdict": verdicts[0] if verdicts else None,
        "effect": rows,
        "shown": shown,
        "unchanged_met": len(rows) - len(shown),
    }


def monitoring(data: YearData, labels: Labels, code: str) -> dict | None:
    """The composite index per stage, each key indicator's index, the early warnings."""
    if not any(data.has(t) for t in MONITORING_TABLES):
        return None

    def level(row: dict) -> dict:
        # the level's words as the marts name it (reference.monitoring_levels), English beside
        return {
            **_words(row, labels),
            "level_zh": row["level_name"] or "",
            "level_en": labels.en("level", row["level"]),
        }

    summary = _rows(data, "marts.monitoring_summary", code)
    if summary is not None:
        summary = sorted(
            (
                {
                    **level(r),
                    "fallen_zh": "、".join(labels.short(c) for c in codes(r["fallen"])),
                    "without_zh": "、".join(labels.short(c) for c in codes(r["without_index"])),
                }
                for r in summary
            ),
            key=lambda r: STAGES.index(r["stage"]),
        )
    index = _rows(data, "marts.monitoring_index", code)
    if index is not None:
        index = sorted(
            (level(r) for r in index), key=lambda r: (STAGES.index(r["stage"]), r["sort_order"])
        )
    warnings = _rows(data, "marts.early_warnings", code)
    if warnings is not None:
        warnings = [
            {**_words(w, labels), "warning_zh": warning_words(w["warning"], labels)}
            for w in warnings
        ]
    baselines = {r["baseline_year"] for r in (summary or index or [])}
    return {
        "summary": summary,
        "index": index,
        "warnings": warnings,
        "methods": sorted({w["method"] for w in warnings or []}),
        "baseline_years": sorted(b for b in baselines if b is not None),
        "is_baseline": baselines == {data.year},
    }


def warning_words(text: str | None, labels: Labels) -> str:
    """'falls below standard; all_met → complies' → each phrase and status in words."""
    parts = []
    for part in (text or "").split("; "):
        if " → " in part:
            parts.append(" → ".join(labels.zh("status", s) for s in part.split(" → ")))
        elif part:
            parts.append(labels.zh("warning", part))
    return "；".join(parts)
