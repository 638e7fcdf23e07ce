"""Workbook blocks of the remediation, plan and monitoring tables: the remediation and the
plan's effect on the sheet 问题清单, the monitoring on 动态监测; a short note where the
warehouse lacks the tables, or has no rows for the county this year."""

from __future__ import annotations

from reports.excel import Book, Col, Sheet, shade_passed

CV = "0.000"
N2 = "#,##0.00"
N0 = "#,##0"
PCT1 = "0.0"


def _whole_school(stage_zh: str) -> str:
    return stage_zh or "全校（按学部分摊）"


def remediation_blocks(s: Sheet, r: dict) -> None:
    """Under the problems: what the failing schools need and what it costs."""
    rem = r["remediation"]
    if rem is None:
        s.heading("化解测算")
        s.note("仓库中尚无化解测算表（marts.remediation_needs 等），本表只列出问题。")
        return
    if rem["county"] is not None:
        s.heading("化解测算：按学段、指标汇总")
        s.table(
            [
                Col("学段", lambda c: c["stage_zh"], width=13),
                Col("指标", lambda c: c["indicator_name"], width=30, wrap=True),
                Col("未达标学部数", lambda c: c["sections_below"], N0, 8),
                Col("缺口合计（至标准）", lambda c: c["shortfall_total"], N2, 11),
                Col("单位", lambda c: c["unit_zh"], width=8),
                Col("补足至标准费用(元)", lambda c: c["cost_yuan"], N0, 13),
                Col("达到要求费用(元)", lambda c: c["cost_to_complies_yuan"], N0, 13),
                Col("现状差异系数", lambda c: c["cv_before"], CV, 9),
                Col("补足后差异系数", lambda c: c["cv_after_needs"], CV, 9),
                Col("上限", lambda c: c["cv_limit"], N2, 7),
                Col("为使差异系数达标另需", lambda c: c["extra_for_cv"], N2, 11),
                Col("另需费用(元)", lambda c: c["extra_cost_yuan"], N0, 12),
                Col("方法 (method)", lambda c: c["method"], width=36, wrap=True),
            ],
            rem["county"],
        )
        s.sources(r["sources"]["remediation_county"])
    if rem["needs"] is not None:
        s.heading("化解测算：各校（学部）需补足的资源")
        if rem["needs"]:
            s.table(
                [
                    Col("学校标识码", lambda n: n["school_id"], width=13),
                    Col("学校名称", lambda n: n["school_name"], width=24),
                    Col("学段", lambda n: n["stage_zh"], width=8),
                    Col("指标", lambda n: n["indicator_name"], width=30, wrap=True),
                    Col("现值", lambda n: n["value"], N2, 9),
                    Col("标准", lambda n: n["standard"], N2, 7),
                    Col("单位", lambda n: n["unit_zh"], width=8),
                    Col("缺口（至标准）", lambda n: n["shortfall"], N2, 10),
                    Col("缺口（至85%）", lambda n: n["shortfall_to_85"], N2, 10),
                    Col("学校需增加（至标准）", lambda n: n["school_addition"], N2, 11),
                    Col("费用（至标准，元）", lambda n: n["cost_yuan"], N0, 12),
                    Col(
                        "达到要求时保留在85%以上",
                        lambda n: "是" if n["left_at_85"] else "否",
                        width=10,
                    ),
                    Col(
                        "学校需增加（达到要求）",
                        lambda n: n["school_addition_to_complies"],
                        N2,
                        11,
                    ),
                    Col("费用（达到要求，元）", lambda n: n["cost_to_complies_yuan"], N0, 12),
                ],
                rem["needs"],
            )
        else:
            s.note("没有低于标准的学校（学部）指标。")
        s.sources(r["sources"]["needs"])
    if rem["schools"] is not None:
        s.heading("化解测算：各校专用教室、规模、班额与教师")
        if rem["schools"]:
            s.table(
                [
                    Col("学校标识码", lambda x: x["school_id"], width=13),
                    Col("学校名称", lambda x: x["school_name"], width=24),
                    Col("需增音乐教室(间)", lambda x: x["music_rooms_to_add"], N0, 9),
                    Col("需增美术教室(间)", lambda x: x["art_rooms_to_add"], N0, 9),
                    Col("超规模学生(人)", lambda x: x["students_over_limit"], N0, 9),
                    Col("超标准班额(个)", lambda x: x["oversized_classes"], N0, 9),
                    Col("需增班级(个)", lambda x: x["classes_to_add"], N0, 9),
                    Col("需增教师（至标准，人）", lambda x: x["teachers_to_add"], N0, 10),
                    Col(
                        "需增教师（达到要求，人）",
                        lambda x: x["teachers_to_add_to_complies"],
                        N0,
                        10,
                    ),
                    Col("达到要求费用(元)", lambda x: x["cost_to_complies_yuan"], N0, 13),
                    Col("全部达标费用(元)", lambda x: x["cost_to_all_met_yuan"], N0, 13),
                ],
                rem["schools"],
            )
        others = rem["schools_total"] - len(rem["schools"])
        if others:
            s.note(f"其余 {others} 所学校无需补足。")
        s.sources(r["sources"]["remediation_schools"])
    _cv_blocks(s, r)
    if rem["unit_costs"] is not None:
        s.heading("测算单价")
        s.table(
            [
                Col("项目", lambda c: c["item_zh"], width=30),
                Col("单位 (unit)", lambda c: c["unit"], width=16),
                Col("单价(元)", lambda c: c["cost_yuan"], N0, 12),
            ],
            rem["unit_costs"],
        )
        s.sources(r["sources"]["unit_costs"])


def _cv_blocks(s: Sheet, r: dict) -> None:
    rem = r["remediation"]
    if rem["cv_problems"] is None:
        return
    s.heading("化解测算：补足后仍超过上限的差异系数与追加配置")
    if not rem["cv_problems"]:
        s.note("补足上述缺口后，各项差异系数均不超过上限，无需追加配置。")
        s.sources(r["sources"]["cv_problems"])
        return
    s.table(
        [
            Col("目标", lambda p: p["target_zh"], width=20, wrap=True),
            Col("学段", lambda p: p["stage_zh"], width=6),
            Col("指标", lambda p: p["short"], width=18),
            Col("参评学部数", lambda p: p["sections"], N0, 8),
            Col("补足后差异系数", lambda p: p["cv_after_needs"], CV, 9),
            Col("上限", lambda p: p["cv_limit"], N2, 7),
            Col("追加后差异系数", lambda p: p["cv_after_additions"], CV, 9),
            Col(
                "追加后是否达标",
                lambda p: p["within_limit"],
                width=8,
                shade=lambda p: shade_passed(p["within_limit"]),
            ),
            Col("追加费用(元)", lambda p: p["extra_cost_yuan"], N0, 13),
            Col("费用下界(元)", lambda p: p["lower_bound_yuan"], N0, 13),
            Col("方法 (method)", lambda p: p["method"], width=36, wrap=True),
        ],
        rem["cv_problems"],
    )
    s.sources(r["sources"]["cv_problems"])
    if rem["cv_additions"]:
        s.heading("追加配置（各校）")
        s.table(
            [
                Col("目标", lambda a: a["target_zh"], width=20, wrap=True),
                Col("学校标识码", lambda a: a["school_id"], width=13),
                Col("学校名称", lambda a: a["school_name"], width=24),
                Col("学段", lambda a: _whole_school(a["stage_zh"]), width=10),
                Col("指标", lambda a: a["short"], width=18),
                Col("追加", lambda a: a["addition"], N2, 9),
                Col("单位", lambda a: a["unit_zh"], width=8),
                Col("费用(元)", lambda a: a["cost_yuan"], N0, 12),
            ],
            rem["cv_additions"],
        )
        s.sources(r["sources"]["cv_additions"])


def plan_block(s: Sheet, r: dict) -> None:
    """The plan (化解计划) item by item, and the verdict after it."""
    after = r["plan"]
    s.heading("化解计划实施后")
    if after is None:
        s.note("仓库中尚无化解计划表（plan.county_verdict、marts.plan_effect）。")
        return
    if not after["has_plan"]:
        s.note(f"{r['year']} 学年未提供化解计划（化解计划.csv），没有计划实施后的结论。")
        s.sources(r["sources"]["plan_effect"])
        return
    plan = r["verdict"]["plan"]
    if plan:
        s.line("计划实施后的结论", plan["zh"], "ok" if plan["verdict"] == "recognised" else "fail")
        s.line("计划实施后达标项数", plan["items_passed"])
        if plan["failed"]:
            s.line("计划实施后仍未达标", "、".join(name for _, name in plan["failed"]))
    s.table(
        [
            Col("指标", lambda e: e["item_name"], width=30, wrap=True),
            Col("Item", lambda e: e["name_en"], width=26, wrap=True),
            Col("现状值", lambda e: e["actual_value"], N2, 10),
            Col(
                "现状",
                lambda e: e["actual_zh"],
                width=10,
                shade=lambda e: shade_passed(e["actual_passed"]),
            ),
            Col("计划后值", lambda e: e["plan_value"], N2, 10),
            Col(
                "计划后",
                lambda e: e["plan_zh"],
                width=10,
                shade=lambda e: shade_passed(e["plan_passed"]),
            ),
            Col("是否变化", lambda e: e["changed"], width=8),
            Col("计划后具体情况", lambda e: e["plan_detail"], width=60, wrap=True),
        ],
        after["effect"],
    )
    s.sources(r["sources"]["plan_effect"])


def monitoring_sheet(book: Book, r: dict) -> None:
    s = book.sheet("动态监测")
    s.title("动态监测")
    mon = r["monitoring"]
    if mon is None:
        s.note(
            "仓库中尚无动态监测表（marts.monitoring_index、marts.monitoring_summary、"
            "marts.early_warnings），本表从略。"
        )
        return
    if mon["is_baseline"]:
        s.note(f"{r['year']} 学年即基期：各项发展指数为 100，下一学年起与本学年比较。")
    if mon["summary"] is not None:
        s.heading("综合发展指数（基期 = 100）")
        s.table(
            [
                Col("学段", lambda x: x["stage_zh"], width=8),
                Col("基期", lambda x: x["baseline_year"], "0", 6),
                Col("综合发展指数", lambda x: x["composite_index"], PCT1, 12),
                Col("等级", lambda x: x["level_zh"], width=10, shade=_fall_shade),
                Col("Level", lambda x: x["level_en"], width=14),
                Col("上升", lambda x: x["indicators_risen"], N0, 6),
                Col("基本稳定", lambda x: x["indicators_stable"], N0, 8),
                Col("下降", lambda x: x["indicators_fallen"], N0, 6),
                Col("下降的指标", lambda x: x["fallen_zh"], width=40, wrap=True),
                Col("无指数的指标", lambda x: x["without_zh"], width=24, wrap=True),
            ],
            mon["summary"],
        )
        s.sources(r["sources"]["monitoring_summary"])
    if mon["index"] is not None:
        s.heading("各监测指标发展指数（基期 = 100）")
        s.table(
            [
                Col("学段", lambda x: x["stage_zh"], width=8),
                Col("指标", lambda x: x["indicator_name"], width=30, wrap=True),
                Col("基期", lambda x: x["baseline_year"], "0", 6),
                Col("基期值", lambda x: x["baseline_value"], N2, 10),
                Col("本期值", lambda x: x["value"], N2, 10),
                Col("指数", lambda x: x["index"], PCT1, 8, shade=_fall_shade),
                Col("等级", lambda x: x["level_zh"], width=10),
                Col("资源增长(%)", lambda x: x["resource_growth_pct"], PCT1, 10),
                Col("学生增长(%)", lambda x: x["student_growth_pct"], PCT1, 10),
                Col("说明", lambda x: x["note"], width=60, wrap=True),
            ],
            mon["index"],
        )
        s.sources(r["sources"]["monitoring_index"])
    if mon["warnings"] is not None:
        years = sorted({w["forecast_year"] for w in mon["warnings"]})
        when = "、".join(map(str, years)) + " 学年" if years else "下一学年"
        s.heading(f"预警（预测 {when}；预测不是评估结论）")
        if mon["warnings"]:
            s.table(
                [
                    Col("学校", lambda w: w["school_name"] or "县域（差异系数）", width=24),
                    Col("学段", lambda w: w["stage_zh"], width=8),
                    Col("指标", lambda w: w["indicator_name"], width=30, wrap=True),
                    Col("本年学生数", lambda w: w["students"], N0, 10),
                    Col("预测学生数", lambda w: w["projected_students"], N2, 10),
                    Col("本年值", lambda w: w["value"], N2, 10),
                    Col("预测值", lambda w: w["projected_value"], N2, 10),
                    Col("警戒线", lambda w: w["standard"], N2, 10),
                    Col("预警", lambda w: w["warning_zh"], width=36, wrap=True),
                ],
                mon["warnings"],
            )
            s.row += 1  # a blank row: the note is not a row of the table
            for method in mon["methods"]:
                s.note(f"预测方法 (method)：{method}")
        else:
            s.note("按预测，没有学校（学部）指标将跌破标准，也没有差异系数将超过上限。")
        s.sources(r["sources"]["early_warnings"])


def _fall_shade(row: dict) -> str | None:
    return "fail" if "fall" in (row["level"] or "") else None
