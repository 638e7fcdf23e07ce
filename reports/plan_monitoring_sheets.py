"""Workbook blocks for the tables other branches add: remediation and the plan's effect (on
the sheet 问题清单) and the monitoring (动态监测); a short note where the tables are absent."""

from __future__ import annotations

from reports.excel import Book, Col, Sheet, shade_passed

CV = "0.000"
N2 = "#,##0.00"
N0 = "#,##0"


def remediation_blocks(s: Sheet, r: dict) -> None:
    """Under the problems: what the remediation tables and the plan say, or a note."""
    rem = r["remediation"]
    if rem is None:
        s.heading("化解测算")
        s.note("仓库中尚无化解测算表（marts.remediation_needs 等），本表只列出问题。")
    else:
        if rem["county"] is not None:
            s.heading("化解测算：县域汇总（按学段、指标）")
            s.table(
                [
                    Col("学段", lambda c: c["stage_zh"], width=13),
                    Col("指标", lambda c: c["short"], width=24),
                    Col("未达标学部数", lambda c: c["sections_below"], N0, 8),
                    Col("缺口合计", lambda c: c["shortfall_total"], N2, 9),
                    Col("单位", lambda c: c["unit_zh"], width=8),
                    Col("费用(元)", lambda c: c["cost_yuan"], N0, 12),
                    Col("现状CV", lambda c: c["cv_before"], CV, 8),
                    Col("补足后CV", lambda c: c["cv_after_needs"], CV, 9),
                    Col("上限", lambda c: c["cv_limit"], N2, 7),
                    Col("为达CV另需", lambda c: c["extra_for_cv"], N2, 9),
                    Col("另需费用(元)", lambda c: c["extra_cost_yuan"], N0, 12),
                    Col("求解方法", lambda c: c["method"], width=24),
                ],
                rem["county"],
            )
            s.sources(r["sources"]["remediation_county"])
        if rem["needs"] is not None:
            s.heading("化解测算：各校（学部）需补足的资源")
            s.table(
                [
                    Col("学校标识码", lambda n: n["school_id"], width=13),
                    Col("学校名称", lambda n: n["school_name"], width=24),
                    Col("学段", lambda n: n["stage_zh"], width=8),
                    Col("指标", lambda n: n["short"], width=20),
                    Col("现值", lambda n: n["value"], N2, 9),
                    Col("标准", lambda n: n["standard"], N2, 7),
                    Col("单位", lambda n: n["unit_zh"], width=8),
                    Col("缺口（至标准）", lambda n: n["shortfall"], N2, 10),
                    Col("缺口（至85%）", lambda n: n["shortfall_to_85"], N2, 10),
                    Col("学校需增加", lambda n: n["school_addition"], N2, 10),
                    Col("费用(元)", lambda n: n["cost_yuan"], N0, 12),
                ],
                rem["needs"],
            )
            s.sources(r["sources"]["needs"])
        if rem["schools"] is not None:
            s.heading("化解测算：各校专用教室、规模与班额")
            s.table(
                [
                    Col("学校标识码", lambda x: x["school_id"], width=13),
                    Col("学校名称", lambda x: x["school_name"], width=24),
                    Col("需增音美教室(间)", lambda x: x["rooms_to_add"], N0, 10),
                    Col("超规模学生(人)", lambda x: x["students_over_limit"], N0, 10),
                    Col("超标准班额(个)", lambda x: x["oversized_classes"], N0, 10),
                    Col("需增班级(个)", lambda x: x["classes_to_add"], N0, 10),
                    Col("达到要求费用(元)", lambda x: x["cost_to_complies_yuan"], N0, 14),
                    Col("全部达标费用(元)", lambda x: x["cost_to_all_met_yuan"], N0, 14),
                ],
                rem["schools"],
            )
            s.sources(r["sources"]["remediation_schools"])
        if rem["cv_additions"] is not None:
            s.heading("化解测算：为使差异系数达标的追加配置")
            s.table(
                [
                    Col("学校标识码", lambda a: a["school_id"], width=13),
                    Col("学校名称", lambda a: a["school_name"], width=24),
                    Col("学段", lambda a: a["stage_zh"] or "全校", width=8),
                    Col("指标", lambda a: a["short"], width=20),
                    Col("追加", lambda a: a["addition"], N2, 9),
                    Col("单位", lambda a: a["unit_zh"], width=8),
                    Col("费用(元)", lambda a: a["cost_yuan"], N0, 12),
                ],
                rem["cv_additions"],
            )
            s.sources(r["sources"]["cv_additions"])
    if r["plan_effect"] is not None:
        s.heading("化解计划实施后的评估指标")
        if r["verdict"]["plan"]:
            s.line("计划实施后的结论", r["verdict"]["plan"]["zh"])
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
            ],
            r["plan_effect"],
        )
        s.sources(r["sources"]["plan_effect"])


def monitoring_sheet(book: Book, r: dict) -> None:
    s = book.sheet("动态监测")
    mon = r["monitoring"]
    if mon is None:
        s.title("动态监测")
        s.note(
            "仓库中尚无动态监测表（marts.monitoring_index、marts.monitoring_summary、"
            "marts.early_warnings），本表从略。"
        )
        return
    s.title("动态监测")
    if mon["summary"] is not None:
        s.heading("综合发展指数")
        s.table(
            [
                Col("学段", lambda x: x["stage_zh"], width=8),
                Col("综合发展指数", lambda x: x["composite_index"], "0.0", 12),
                Col(
                    "等级",
                    lambda x: x["level_zh"],
                    width=10,
                    shade=lambda x: "fail" if "fall" in (x["level"] or "") else None,
                ),
                Col("上升", lambda x: x["indicators_risen"], N0, 6),
                Col("基本稳定", lambda x: x["indicators_stable"], N0, 8),
                Col("下降", lambda x: x["indicators_fallen"], N0, 6),
                Col("下降的指标", lambda x: x["fallen_zh"], width=40, wrap=True),
            ],
            mon["summary"],
        )
        s.sources(r["sources"]["monitoring_summary"])
    if mon["index"] is not None:
        s.heading("各监测指标发展指数（基期 = 100）")
        s.table(
            [
                Col("学段", lambda x: x["stage_zh"], width=8),
                Col("指标", lambda x: x["short"], width=20),
                Col("基期", lambda x: x["baseline_year"], "0", 6),
                Col("基期值", lambda x: x["baseline_value"], N2, 10),
                Col("本期值", lambda x: x["value"], N2, 10),
                Col(
                    "指数",
                    lambda x: x["index"],
                    "0.0",
                    8,
                    shade=lambda x: "fail" if "fall" in (x["level"] or "") else None,
                ),
                Col("等级", lambda x: x["level_zh"], width=10),
                Col("资源增长(%)", lambda x: x["resource_growth_pct"], "0.0", 10),
                Col("学生增长(%)", lambda x: x["student_growth_pct"], "0.0", 10),
                Col("说明", lambda x: x["note"], width=30, wrap=True),
            ],
            mon["index"],
        )
        s.sources(r["sources"]["monitoring_index"])
    if mon["warnings"] is not None:
        s.heading(f"预警（预测 {r['year'] + 1} 学年；预测不是评估结论）")
        s.table(
            [
                Col("学校", lambda w: w["school_name"] or "县域（差异系数）", width=24),
                Col("学段", lambda w: w["stage_zh"], width=8),
                Col("指标", lambda w: w["short"], width=20),
                Col("预测学生数", lambda w: w["projected_students"], N0, 10),
                Col("预测值", lambda w: w["projected_value"], N2, 10),
                Col("标准/上限", lambda w: w["standard"], N2, 10),
                Col("预警", lambda w: w["warning_zh"], width=30, wrap=True),
                Col("方法", lambda w: w["method"], width=24, wrap=True),
            ],
            mon["warnings"],
        )
        s.sources(r["sources"]["early_warnings"])
