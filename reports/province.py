"""The summary of a year of many counties (a province): each county's verdict, the items that
fail most often, and the CVs side by side. Counts of counties are the only tallies made here;
every other figure is a warehouse column."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from reports.charts import FAIL
from reports.excel import Book, Col, shade_passed
from reports.labels import STAGES, Labels
from reports.model import STATUS_ORDER, indicator_order
from reports.plan_monitoring import codes
from reports.queries import YearData

MOST_FAILED = 15  # items shown in the chart of the items failing most

SOURCES = {
    "counties": [
        ("marts.county_verdict", "verdict, items_passed, items, failed_items"),
        ("marts.school_compliance", "status (学部计数)"),
    ],
    "plan": [("plan.county_verdict", "verdict")],
    "items": [("marts.county_compliance", "item_name, passed (区县计数)")],
    "coefficients": [("marts.coefficients", "cv, cv_limit, passed")],
    "monitoring": [
        (
            "marts.monitoring_summary",
            "baseline_year, composite_index, level_name, indicators_fallen, fallen",
        )
    ],
}


def summary_report(data: YearData, labels: Labels) -> dict:
    year = data.year
    verdicts = data.tables["verdicts"].filter(pl.col("year") == year)
    items = data.tables["items"]
    names = dict(items.select("item", "item_name").unique("item").iter_rows())
    statuses = {
        (c, s): n
        for c, s, n in data.tables["sections"].group_by("county_code", "status").len().iter_rows()
    }
    plans = {}
    if data.has("plan.county_verdict"):
        plans = dict(
            data.tables["plan.county_verdict"].select("county_code", "verdict").iter_rows()
        )
    counties = []
    for v in verdicts.sort("county_code").iter_rows(named=True):
        code = v["county_code"]
        plan = plans.get(code) if v["verdict"] != "recognised" else None
        counties.append(
            {
                **v,
                "zh": labels.zh("verdict", v["verdict"]),
                "en": labels.en("verdict", v["verdict"]),
                "failed_zh": "、".join(names.get(c, c) for c in codes(v["failed_items"])),
                "statuses": {s: statuses.get((code, s), 0) for s in STATUS_ORDER},
                "plan_zh": labels.zh("plan_verdict", plan) if plan else None,
                "plan": plan,
            }
        )
    verdict_counts = [
        {"verdict": code, "zh": labels.zh("verdict", code), "n": n}
        for code in ("recognised", "not_recognised", "incomplete")
        if (n := sum(c["verdict"] == code for c in counties))
    ]
    tallies = (
        items.group_by("item", "item_name", "part", "sort_order")
        .agg(
            failed=(pl.col("passed") == False).sum(),  # noqa: E712 (a column, not a bool)
            not_judged=pl.col("passed").is_null().sum(),
            counties_failed=pl.col("county_name").filter(pl.col("passed") == False),  # noqa: E712
        )
        .sort(["failed", "sort_order"], descending=[True, False])
    )
    item_failures = [
        {
            **row,
            "name_en": labels.en("item", row["item"]),
            "part_zh": labels.zh("part", row["part"]),
            "counties_failed": "、".join(row["counties_failed"]),
        }
        for row in tallies.iter_rows(named=True)
    ]
    order = {i["code"]: n for n, i in enumerate(indicator_order(data, labels))}
    coefficients = sorted(
        (
            {
                **row,
                "short": labels.short(row["indicator"]),
                "stage_zh": labels.zh("stage", row["stage"]),
            }
            for row in data.tables["coefficients"]
            .filter(pl.col("year") == year)
            .iter_rows(named=True)
        ),
        key=lambda c: (c["county_code"], STAGES.index(c["stage"]), order.get(c["indicator"], 99)),
    )
    monitoring = None
    if data.has("marts.monitoring_summary"):
        monitoring = [
            {
                **row,
                "stage_zh": labels.zh("stage", row["stage"]),
                "level_zh": row["level_name"],
                "fallen_zh": "、".join(labels.short(c) for c in codes(row["fallen"])),
            }
            for row in data.tables["marts.monitoring_summary"].iter_rows(named=True)
        ]
    indicators = list(dict.fromkeys(c["indicator"] for c in coefficients))
    return {
        "year": year,
        "counties": counties,
        "verdict_counts": verdict_counts,
        "has_plan": bool(plans),  # a column only when some county has a plan this year
        "item_failures": item_failures,
        "failure_bars": [(i["item_name"], i["failed"], FAIL) for i in item_failures if i["failed"]][
            :MOST_FAILED
        ],
        "stage_words": [(stage, labels.zh("stage", stage)) for stage in STAGES],
        "coefficients": coefficients,
        "cv_matrix": _cv_matrix(coefficients, counties, indicators),
        "indicators": [(i, labels.short(i)) for i in indicators],
        "monitoring": monitoring,
        "status_words": [(s, labels.zh("status", s)) for s in STATUS_ORDER],
        "sources": SOURCES,
    }


def _cv_matrix(coefficients: list[dict], counties: list[dict], indicators: list[str]) -> list:
    """One row per county: the CV of each stage and indicator, with its verdict."""
    cell = {(c["county_code"], c["stage"], c["indicator"]): c for c in coefficients}
    return [
        {
            "county_code": county["county_code"],
            "county_name": county["county_name"],
            "cells": [cell.get((county["county_code"], s, i)) for s in STAGES for i in indicators],
        }
        for county in counties
    ]


def write_workbook(s: dict, path: Path) -> Path:
    book = Book(path)
    sheet = book.sheet("各县结论")
    status_cols = [
        Col(word, lambda c, s=code: c["statuses"][s], "#,##0", 9)
        for code, word in s["status_words"]
    ]
    cols = [
        Col("区县代码", lambda c: c["county_code"], width=9),
        Col("区县名称", lambda c: c["county_name"], width=16),
        Col(
            "结论",
            lambda c: c["zh"],
            width=12,
            shade=lambda c: "ok" if c["verdict"] == "recognised" else "fail",
        ),
        Col("Verdict", lambda c: c["en"], width=14),
        Col("达标项数", lambda c: c["items_passed"], "#,##0", 8),
        Col("评估项数", lambda c: c["items"], "#,##0", 8),
        Col("未达标项", lambda c: c["failed_zh"], width=50, wrap=True),
        *status_cols,
    ]
    if s["has_plan"]:
        cols.append(Col("化解计划实施后", lambda c: c["plan_zh"], width=16))
    sheet.table(cols, s["counties"], filters=True, freeze_cols=2)
    sheet.sources(s["sources"]["counties"] + (s["sources"]["plan"] if s["has_plan"] else []))

    sheet = book.sheet("未达标项统计")
    sheet.table(
        [
            Col("部分", lambda i: i["part_zh"], width=12),
            Col("指标", lambda i: i["item_name"], width=32, wrap=True),
            Col("Item", lambda i: i["name_en"], width=28, wrap=True),
            Col(
                "未达标区县数",
                lambda i: i["failed"],
                "#,##0",
                10,
                shade=lambda i: "fail" if i["failed"] else None,
            ),
            Col("未判定区县数", lambda i: i["not_judged"], "#,##0", 10),
            Col("未达标区县", lambda i: i["counties_failed"], width=60, wrap=True),
        ],
        s["item_failures"],
        filters=True,
        freeze_cols=0,
    )
    sheet.sources(s["sources"]["items"])

    sheet = book.sheet("差异系数")
    groups = [("区县", 2)] + [(word, len(s["indicators"])) for _, word in s["stage_words"]]
    cv_cols = [
        Col(
            short,
            lambda row, k=k: row["cells"][k]["cv"] if row["cells"][k] else None,
            "0.000",
            11,
            shade=lambda row, k=k: (
                shade_passed(row["cells"][k]["passed"]) if row["cells"][k] else "na"
            ),
        )
        for k, (_, short) in enumerate(s["indicators"] * len(STAGES))
    ]
    sheet.table(
        [
            Col("区县代码", lambda r: r["county_code"], width=9),
            Col("区县名称", lambda r: r["county_name"], width=16),
            *cv_cols,
        ],
        s["cv_matrix"],
        filters=True,
        freeze_cols=2,
        group_headers=groups,
    )
    sheet.sources(s["sources"]["coefficients"])

    if s["monitoring"] is not None:
        sheet = book.sheet("动态监测")
        sheet.table(
            [
                Col("区县代码", lambda m: m["county_code"], width=9),
                Col("区县名称", lambda m: m["county_name"], width=16),
                Col("学段", lambda m: m["stage_zh"], width=6),
                Col("基期", lambda m: m["baseline_year"], "0", 6),
                Col("综合发展指数", lambda m: m["composite_index"], "0.0", 12),
                Col("等级", lambda m: m["level_zh"], width=10),
                Col("下降指标数", lambda m: m["indicators_fallen"], "#,##0", 10),
                Col("下降的指标", lambda m: m["fallen_zh"], width=40, wrap=True),
            ],
            s["monitoring"],
            filters=True,
            freeze_cols=0,
        )
        sheet.sources(s["sources"]["monitoring"])
    return book.close()
