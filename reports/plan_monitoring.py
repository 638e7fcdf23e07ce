"""The sections that read tables other branches add (CONTRACT.md): remediation needs, the
plan's effect and the verdict after it, and the monitoring. Each returns None when the
warehouse has none of its tables, so the report prints a short note instead."""

from __future__ import annotations

from reports.labels import STAGES, Labels
from reports.queries import YearData


def codes(text: str | None) -> list[str]:
    """'G4, G5' → ['G4', 'G5']."""
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def remediation(data: YearData, labels: Labels, code: str, names: dict) -> dict | None:
    tables = {
        "needs": "marts.remediation_needs",
        "schools": "marts.remediation_schools",
        "county": "marts.remediation_county",
        "cv_additions": "marts.remediation_cv_additions",
    }
    if not any(data.has(t) for t in tables.values()):
        return None
    result = {}
    for key, table in tables.items():
        if not data.has(table):
            result[key] = None
            continue
        result[key] = [
            {
                **row,
                "school_name": names.get(row.get("school_id"), row.get("school_id")),
                "stage_zh": labels.zh("stage", row.get("stage")),
                "short": labels.short(row["indicator"]) if "indicator" in row else "",
                "unit_zh": labels.zh("unit", row.get("unit")),
            }
            for row in data.of(table, code).iter_rows(named=True)
        ]
    return result


def plan_effect(data: YearData, labels: Labels, code: str, items: list[dict]) -> list | None:
    if not data.has("marts.plan_effect"):
        return None
    by_item = {i["item"]: i for i in items}
    result = []
    for row in data.of("marts.plan_effect", code).iter_rows(named=True):
        item = by_item.get(row["item"], {})
        part = item.get("part", "")
        result.append(
            {
                **row,
                "item_name": item.get("item_name", labels.zh("item", row["item"])),
                "name_en": labels.en("item", row["item"]),
                "sort_order": item.get("sort_order", 999),
                "actual_zh": labels.verdict_of(row["actual_passed"], part)[0],
                "plan_zh": labels.verdict_of(row["plan_passed"], part)[0],
                "changed": row["actual_passed"] != row["plan_passed"],
            }
        )
    return sorted(result, key=lambda r: r["sort_order"])


def monitoring(data: YearData, labels: Labels, code: str, names: dict) -> dict | None:
    tables = ("marts.monitoring_summary", "marts.monitoring_index", "marts.early_warnings")
    if not any(data.has(t) for t in tables):
        return None

    def words(row):
        return {
            **row,
            "stage_zh": labels.zh("stage", row.get("stage")),
            "short": labels.short(row["indicator"]) if row.get("indicator") else "",
            "level_zh": labels.zh("level", row.get("level")) if row.get("level") else None,
        }

    summary = index = warnings = None
    if data.has("marts.monitoring_summary"):
        summary = [
            {**words(r), "fallen_zh": "、".join(labels.short(c) for c in codes(r["fallen"]))}
            for r in data.of("marts.monitoring_summary", code).iter_rows(named=True)
        ]
    if data.has("marts.monitoring_index"):
        order = labels.order("indicator_short")
        index = sorted(
            (words(r) for r in data.of("marts.monitoring_index", code).iter_rows(named=True)),
            key=lambda r: (STAGES.index(r["stage"]), order.get(r["indicator"], len(order))),
        )
    if data.has("marts.early_warnings"):
        warnings = [
            {
                **words(r),
                "school_name": names.get(r["school_id"], r["school_id"]) if r["school_id"] else "",
                "warning_zh": status_words(r["warning"], labels),
            }
            for r in data.of("marts.early_warnings", code).iter_rows(named=True)
        ]
    return {"summary": summary, "index": index, "warnings": warnings}


def status_words(text: str | None, labels: Labels) -> str:
    """'complies → below_standard' → the statuses in words."""
    text = text or ""
    for status in ("below_standard", "all_met", "complies", "incomplete"):
        text = text.replace(status, labels.zh("status", status))
    return text
