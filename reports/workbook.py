"""The county workbook, sheets in the order of the evaluation: 概览, 学校资源配置, 差异系数,
政府保障, 教育质量, 问题清单, 动态监测, 数据质量."""

from __future__ import annotations

from pathlib import Path

from reports.excel import Book, Col, shade_passed
from reports.formatting import excel_format
from reports.plan_monitoring_sheets import monitoring_sheet, plan_block, remediation_blocks

PCT = "0.0%"
CV = "0.000"
N2 = "#,##0.00"
N0 = "#,##0"


def _item_cols(with_part: bool = False) -> list[Col]:
    """指标, Item, (部分), 序号, 值, 标准, 结论, Result, 具体情况: the same on every sheet."""
    part = [Col("部分", lambda i: i["part_zh"], width=12)] if with_part else []
    return [
        Col("指标", lambda i: i["item_name"], width=30, wrap=True),
        Col("Item", lambda i: i["name_en"], width=26, wrap=True),
        *part,
        Col("序号", lambda i: i["item"] if i["part"] in ("guarantee", "quality") else "", width=6),
        Col("值", lambda i: i["value"], N2, 12),
        Col("标准", lambda i: i["threshold"], N2, 10),
        Col("结论", lambda i: i["result_zh"], width=10, shade=lambda i: shade_passed(i["passed"])),
        Col("Result", lambda i: i["result_en"], width=10),
        Col("具体情况", lambda i: i["detail"], width=70, wrap=True),
    ]


def _overview(book: Book, r: dict) -> None:
    s = book.sheet("概览")
    v = r["verdict"]
    s.title(f"{r['county_name']}{r['year']}学年义务教育优质均衡发展评估报告")
    s.line("区县代码", r["county_code"])
    s.line("学年", r["year"])
    s.line("结论", v["zh"], "ok" if v["verdict"] == "recognised" else "fail")
    s.line("Verdict", v["en"])
    s.line("说明", v["summary"])
    s.line("达标项数", v["items_passed"])
    s.line("评估项数", v["items"])
    if v["plan"]:
        s.line(
            "化解计划实施后",
            v["plan"]["zh"],
            "ok" if v["plan"]["verdict"] == "recognised" else "fail",
        )
        if v["plan"]["failed"]:
            s.line("计划实施后未达标项", "、".join(name for _, name in v["plan"]["failed"]))
    s.sources(r["sources"]["verdict"] + (r["sources"]["plan"] if v["plan"] else []))
    s.heading("学校（学部）资源配置达标情况")
    classes = [
        {"zh": "参评学校（学部）", "en": "evaluated sections", "n": r["statuses"]["evaluated"]}
    ]
    classes += r["statuses"]["classes"]
    s.table(
        [
            Col("类别", lambda c: c["zh"], width=30),
            Col("Class", lambda c: c["en"], width=26),
            Col("所数", lambda c: c["n"], N0),
        ],
        classes,
    )
    if r["statuses"]["below"]:
        s.heading("未达要求的学校（学部）：按达标项数")
        s.table(
            [
                Col("未达要求的学校：达标项数", lambda b: b["met"], N0, 30),
                Col("低于85%项数", lambda b: b["under_85"], N0, 26),
                Col("所数", lambda b: b["n"], N0),
            ],
            r["statuses"]["below"],
        )
    s.sources(r["sources"]["statuses"])
    s.heading("全部评估指标")
    s.table(_item_cols(with_part=True), r["items"])
    s.sources(r["sources"]["items"])


def _ratio_shade(position: int):
    def shade(section: dict) -> str | None:
        value = section["values"][position]
        if value is None:
            return "na"
        return None if value["met"] else "near" if value["at_least_85"] else "fail"

    return shade


def _sections(book: Book, r: dict) -> None:
    s = book.sheet("学校资源配置")
    lead = [
        Col("学校标识码", lambda x: x["school_id"], width=13),
        Col("学校名称", lambda x: x["school_name"], width=24),
        Col("办学类型", lambda x: x["type_zh"], width=12),
        Col("学段", lambda x: x["stage_zh"], width=6),
        Col("在校生数", lambda x: x["students"], N0, 9),
    ]
    cols, groups = list(lead), [("学校（学部）", len(lead))]
    for position, indicator in enumerate(r["indicators"]):
        number = excel_format(0 if indicator["unit_en"] == "yuan per student" else 2)

        def field(key, position=position):
            return lambda x: x["values"][position][key] if x["values"][position] else None

        shade = _ratio_shade(position)
        cols += [
            Col("值", field("value"), number, 9, shade),
            Col("标准", field("standard"), number, 7),
            Col("达标率", field("ratio_to_standard"), PCT, 8, shade),
        ]
        groups.append((f"{indicator['name']}（{indicator['unit']}）", 3))
    tail = [
        Col("达标项数", lambda x: x["indicators_met"], N0, 7),
        Col("低于85%项数", lambda x: x["indicators_under_85"], N0, 8),
        Col(
            "类别",
            lambda x: x["status_zh"],
            width=22,
            shade=lambda x: None if x["status"] in ("all_met", "complies") else "fail",
        ),
        Col("Status", lambda x: x["status_en"], width=22),
    ]
    cols += tail
    groups.append(("达标情况", len(tail)))
    s.table(cols, r["sections"], filters=True, freeze_cols=2, group_headers=groups)
    s.ws.set_row(0, 45)
    s.sources(r["sources"]["ratios"] + r["sources"]["statuses"])


def _coefficients(book: Book, r: dict) -> None:
    s = book.sheet("差异系数")
    cols = [
        Col("学段", lambda c: c["stage_zh"], width=6),
        Col("指标", lambda c: c["indicator_name"], width=34, wrap=True),
        Col("简称", lambda c: c["short"], width=16),
        Col("Indicator", lambda c: c["name_en"], width=30, wrap=True),
        Col("参评学校数", lambda c: c["sections"], N0, 8),
        Col("学生数", lambda c: c["students"], N0, 9),
        Col("县域均值 X̄", lambda c: c["county_value"], N2, 10),
        Col("标准差 S", lambda c: c["std_dev"], N2, 10),
        Col("差异系数 CV", lambda c: c["cv"], CV, 9, lambda c: shade_passed(c["passed"])),
        Col("上限", lambda c: c["cv_limit"], N2, 7),
        Col("结论", lambda c: c["result_zh"], width=10, shade=lambda c: shade_passed(c["passed"])),
        Col("Result", lambda c: c["result_en"], width=12),
        Col("说明", lambda c: c["note"], width=30, wrap=True),
    ]
    first, _ = s.table(cols, r["coefficients"], filters=True, freeze_cols=0)
    s.sources(r["sources"]["coefficients"])
    anchor = s.row + 1
    for stage in ("primary", "junior"):
        rows = [i for i, c in enumerate(r["coefficients"]) if c["stage"] == stage]
        if not rows:
            continue
        top, bottom = first + rows[0], first + rows[-1]
        name = r["coefficients"][rows[0]]["stage_zh"]
        chart = book.workbook.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "差异系数",
                "categories": ["差异系数", top, 2, bottom, 2],
                "values": ["差异系数", top, 8, bottom, 8],
                "fill": {"color": "#3A6EA5"},
                "data_labels": {"value": True, "num_format": CV},
            }
        )
        limit = book.workbook.add_chart({"type": "line"})
        limit.add_series(
            {
                "name": "上限",
                "categories": ["差异系数", top, 2, bottom, 2],
                "values": ["差异系数", top, 9, bottom, 9],
                "line": {"color": "#C0392B", "dash_type": "dash", "width": 1.5},
                "marker": {"type": "none"},
            }
        )
        chart.combine(limit)
        chart.set_title({"name": f"{name}各项指标差异系数与上限"})
        chart.set_y_axis({"min": 0, "num_format": "0.00", "major_gridlines": {"visible": False}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": 300})
        s.ws.insert_chart(anchor, 1, chart)
        anchor += 16


def _items_sheet(book: Book, name: str, r: dict, parts: tuple[str, ...]) -> None:
    s = book.sheet(name)
    rows = [i for i in r["items"] if i["part"] in parts]
    s.table(_item_cols(with_part=len(parts) > 1), rows, filters=True, freeze_cols=0)
    s.sources(r["sources"]["items"])


def _problems(book: Book, r: dict) -> None:
    s = book.sheet("问题清单")
    s.title("未达标或未判定的评估指标")
    if r["problem_items"]:
        s.table(_item_cols(with_part=True), r["problem_items"])
    else:
        s.note("全部评估指标达标。")
    s.heading("未达要求的学校（学部）")
    if r["problem_sections"]:
        s.table(
            [
                Col("学校标识码", lambda x: x["school_id"], width=13),
                Col("学校名称", lambda x: x["school_name"], width=24),
                Col("学段", lambda x: x["stage_zh"], width=8),
                Col("在校生数", lambda x: x["students"], N0, 9),
                Col("达标项数", lambda x: x["indicators_met"], N0, 8),
                Col("低于85%项数", lambda x: x["indicators_under_85"], N0, 8),
                Col("未达标指标（达标率）", _not_met_text, width=50, wrap=True),
                Col("类别", lambda x: x["status_zh"], width=20, shade=lambda x: "fail"),
            ],
            r["problem_sections"],
        )
    else:
        s.note("所有参评学校（学部）均达到要求。")
    s.sources(r["sources"]["problems"])
    remediation_blocks(s, r)
    plan_block(s, r)


def _not_met_text(section: dict) -> str:
    parts = [f"{name} {ratio * 100:.1f}%" for name, ratio, _ in section["not_met"]]
    return "；".join(parts) or (section["incomplete_reason"] or "")


def _data_quality(book: Book, r: dict) -> None:
    s = book.sheet("数据质量")
    s.title("读入的文件")
    s.table(
        [
            Col("文件", lambda f: f["file"], width=28),
            Col("类别", lambda f: f["file_kind"], width=11),
            Col("状态", lambda f: f["status_zh"], width=8),
            Col("编码", lambda f: f["encoding"], width=10),
            Col("读入行", lambda f: f["rows_read"], N0, 9),
            Col("接受", lambda f: f["rows_accepted"], N0, 9),
            Col(
                "拒绝",
                lambda f: f["rows_rejected"],
                N0,
                8,
                shade=lambda f: "fail" if f["rows_rejected"] else None,
            ),
            Col("SHA-256", lambda f: f["sha256"], width=20),
        ],
        r["quality"]["files"],
    )
    s.sources(r["sources"]["source_files"])
    s.heading("被拒绝的数据行")
    if r["quality"]["rejected"]:
        s.table(
            [
                Col("文件", lambda x: x["file"], width=28),
                Col("行号", lambda x: x["row_number"], N0, 7),
                Col("列", lambda x: x["column_name"], width=14),
                Col("规则", lambda x: x["rule"], width=14),
                Col("值", lambda x: x["value"], width=14),
                Col("问题与修改方法", lambda x: x["message"], width=70, wrap=True),
                Col(
                    "区县", lambda x: "未能确定" if x["unattributed"] else x["county_code"], width=9
                ),
            ],
            r["quality"]["rejected"],
        )
    else:
        s.note("没有被拒绝的数据行。")
    if r["quality"]["unattributed_elsewhere"]:
        s.note(
            f"另有 {r['quality']['unattributed_elsewhere']} 行被拒绝的数据无法确定所属区县，"
            "见 audit.rejected_rows。"
        )
    s.sources(r["sources"]["rejected_rows"])


def write_county(report: dict, path: Path) -> Path:
    book = Book(path)
    _overview(book, report)
    _sections(book, report)
    _coefficients(book, report)
    _items_sheet(book, "政府保障", report, ("guarantee",))
    _items_sheet(book, "教育质量", report, ("quality", "recognition", "veto"))
    _problems(book, report)
    monitoring_sheet(book, report)
    _data_quality(book, report)
    return book.close()
