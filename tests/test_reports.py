"""The county report of the bundled sample: every figure of the workbook equals the warehouse's,
the page says what the marts say (in words, with its sources), and a real Chromium opens it
offline, draws its charts and renders its Chinese.

The sample is run once for the module (three years, so the page has a history)."""

import hashlib
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import dagster as dg
import duckdb
import openpyxl
import pytest

from assets.resources import DEFAULT_INPUT
from pipelines.cli import OK, USAGE, main
from pipelines.definitions import build_definitions
from reports import queries
from reports.build import write_reports
from tests.helpers import QUIET, instance_with_years, query, query_dicts, run_year
from tests.report_helpers import (
    CHROMIUM_ARGS,
    FAIL_FILL,
    NEAR_FILL,
    between,
    block_rows,
    chromium_path,
    lines,
    sheet_text,
    squeezed,
    table_rows,
    visible_text,
)

YEAR, COUNTY = 2024, "500112"
SHEETS = [
    "概览",
    "学校资源配置",
    "差异系数",
    "政府保障",
    "教育质量",
    "问题清单",
    "动态监测",
    "数据质量",
]
CHARTS = 33  # charts on the sample's 2024 page (test_page_charts counts them)
PASSED_WORDS = {True: "达标", False: "未达标", None: "未判定"}
VETO_WORDS = {True: "不存在", False: "存在（一票否决）", None: "未判定"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "junheng.duckdb"
    for year in (2022, 2023, 2024):
        assert run_year(DEFAULT_INPUT, path, year).success
    return path


@pytest.fixture(scope="module")
def written(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        paths = write_reports(con, YEAR, out)
    return {p.suffix: p for p in paths}


@pytest.fixture(scope="module")
def book(written):
    return openpyxl.load_workbook(written[".xlsx"])


@pytest.fixture(scope="module")
def page(written):
    return written[".html"].read_text(encoding="utf-8")


def items(warehouse):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.county_compliance WHERE year = ? ORDER BY sort_order",
        [YEAR],
    )


def words(item):
    return (VETO_WORDS if item["part"] == "veto" else PASSED_WORDS)[item["passed"]]


# --- names and layout ----------------------------------------------------------------------


def test_one_workbook_and_one_page_named_as_the_contract_says(written):
    assert sorted(p.name for p in written.values()) == [
        f"{COUNTY}_{YEAR}_评估报告.html",
        f"{COUNTY}_{YEAR}_评估报告.xlsx",
    ]
    # One county in the warehouse: no summary
    assert not list(written[".xlsx"].parent.glob("*汇总*"))


def test_sheets_in_the_order_of_the_evaluation(book):
    assert book.sheetnames == SHEETS


# --- the workbook, figure by figure --------------------------------------------------------


def test_overview_verdict_and_every_item(book, warehouse):
    ws = book["概览"]
    lines = {row[0]: row[1] for row in ws.iter_rows(max_row=10, values_only=True) if row[0]}
    verdict = query_dicts(warehouse, "SELECT * FROM marts.county_verdict WHERE year = ?", [YEAR])[0]
    assert lines["区县代码"] == COUNTY and lines["学年"] == YEAR
    assert lines["结论"] == "未达标" and lines["Verdict"] == "not recognised"
    assert verdict["verdict"] == "not_recognised"
    assert lines["说明"] == verdict["summary"]
    assert (lines["达标项数"], lines["评估项数"]) == (verdict["items_passed"], verdict["items"])
    rows = table_rows(ws, "指标")
    expected = items(warehouse)
    assert len(rows) == len(expected) == 34
    for row, item in zip(rows, expected, strict=True):
        assert row["指标"] == item["item_name"]
        assert row["值"] == pytest.approx(item["value"], rel=1e-15)
        assert row["标准"] == pytest.approx(item["threshold"], rel=1e-15)
        assert row["结论"] == words(item)
        assert row["具体情况"] == item["detail"]


def test_overview_status_counts(book, warehouse):
    ws = book["概览"]
    counts = dict(
        query(
            warehouse,
            "SELECT status, count(*) FROM marts.school_compliance WHERE year = ? GROUP BY ALL",
            [YEAR],
        )
    )
    rows = {r["类别"]: r["所数"] for r in table_rows(ws, "类别")}
    # seed 002: 87 all met, 3 complying, 25 to remedy (2 with 5 met + 2 ≥ 85 %, 23 with 6 + 1)
    assert counts == {"all_met": 87, "complies": 3, "below_standard": 25}
    assert rows == {
        "参评学校（学部）": 115,
        "七项指标均达标": 87,
        "达到要求（6项达标、余项不低于85%）": 3,
        "未达要求，需化解": 25,
    }
    below = [
        (r["未达要求的学校：达标项数"], r["低于85%项数"], r["所数"])
        for r in table_rows(ws, "未达要求的学校：达标项数")
    ]
    assert below == [(6, 1, 23), (5, 0, 2)]


def test_school_sheet_has_every_value_standard_and_ratio(book, warehouse):
    ws = book["学校资源配置"]
    indicators = [
        i
        for (i,) in query(
            warehouse,
            "SELECT indicator FROM reference.standards WHERE year = ? AND stage = 'primary' "
            "ORDER BY sort_order",
            [YEAR],
        )
    ]
    expected = {
        (r["school_id"], r["stage"], r["indicator"]): r
        for r in query_dicts(
            warehouse,
            "SELECT * FROM marts.school_indicator_compliance WHERE year = ?",
            [YEAR],
        )
    }
    sections = {
        (r["school_id"], r["stage"]): r
        for r in query_dicts(
            warehouse, "SELECT * FROM marts.school_compliance WHERE year = ?", [YEAR]
        )
    }
    stage_of = {"小学": "primary", "初中": "junior"}
    status_words = {
        "all_met": "七项指标均达标",
        "complies": "达到要求（6项达标、余项不低于85%）",
        "below_standard": "未达要求，需化解",
    }
    assert ws.freeze_panes == "C3" and ws.auto_filter.ref == f"A2:AD{2 + len(sections)}"
    seen = set()
    shaded = 0
    for row in ws.iter_rows(min_row=3, max_row=2 + len(sections)):
        school_id, name, _type, stage, students = (c.value for c in row[:5])
        key = (school_id, stage_of[stage])
        section = sections[key]
        seen.add(key)
        assert (name, students) == (section["school_name"], section["students"])
        for position, indicator in enumerate(indicators):
            value, standard, ratio = row[5 + 3 * position : 8 + 3 * position]
            want = expected[(*key, indicator)]
            assert value.value == pytest.approx(want["value"], rel=1e-15)
            assert standard.value == want["standard"]
            assert ratio.value == pytest.approx(want["ratio_to_standard"], rel=1e-15)
            # Failing cells shaded as the official forms do: red under 85 %, amber otherwise
            fill = ratio.fill.fgColor.rgb
            if want["met"]:
                assert fill != FAIL_FILL and fill != NEAR_FILL
            else:
                assert fill == (NEAR_FILL if want["at_least_85"] else FAIL_FILL)
                shaded += 1
        met, under, status = (c.value for c in row[26:29])
        assert (met, under) == (section["indicators_met"], section["indicators_under_85"])
        assert status == status_words[section["status"]]
    assert seen == set(sections)
    not_met = query(
        warehouse,
        "SELECT count(*) FROM marts.school_indicator_compliance WHERE year = ? AND NOT met",
        [YEAR],
    )[0][0]
    assert shaded == not_met > 0


def test_coefficient_sheet_and_its_native_charts(book, warehouse):
    ws = book["差异系数"]
    rows = table_rows(ws, "学段")
    expected = {
        (r["stage"], r["indicator_name"]): r
        for r in query_dicts(warehouse, "SELECT * FROM marts.coefficients WHERE year = ?", [YEAR])
    }
    stage_of = {"小学": "primary", "初中": "junior"}
    assert len(rows) == len(expected) == 14
    assert [r["学段"] for r in rows] == ["小学"] * 7 + ["初中"] * 7
    for row in rows:
        want = expected[(stage_of[row["学段"]], row["指标"])]
        assert row["参评学校数"] == want["sections"] and row["学生数"] == want["students"]
        assert row["县域均值 X̄"] == pytest.approx(want["county_value"], rel=1e-15)
        assert row["标准差 S"] == pytest.approx(want["std_dev"], rel=1e-15)
        assert row["差异系数 CV"] == pytest.approx(want["cv"], rel=1e-15)
        assert row["上限"] == want["cv_limit"]
        assert row["结论"] == {True: "未超过上限", False: "超过上限"}[want["passed"]]
    # One column chart of the CVs per stage, combined with the limit as a line
    assert len(ws._charts) == 2
    for chart in ws._charts:
        references = [s.val.numRef.f for s in chart.series]
        assert references and all(r.startswith("差异系数!$I$") for r in references)


@pytest.mark.parametrize(
    "sheet, parts", [("政府保障", {"guarantee"}), ("教育质量", {"quality", "recognition", "veto"})]
)
def test_guarantee_and_quality_sheets(book, warehouse, sheet, parts):
    rows = table_rows(book[sheet], "指标")
    expected = [i for i in items(warehouse) if i["part"] in parts]
    assert len(rows) == len(expected) == {"政府保障": 15, "教育质量": 16}[sheet]
    for row, item in zip(rows, expected, strict=True):
        assert row["指标"] == item["item_name"] and row["结论"] == words(item)
        assert row["值"] == pytest.approx(item["value"], rel=1e-15)
        assert row["标准"] == pytest.approx(item["threshold"], rel=1e-15)
        assert row["具体情况"] == item["detail"]
        if item["part"] in ("guarantee", "quality"):
            assert row["序号"] == item["item"]


def test_problem_sheet_lists_failing_items_and_sections(book, warehouse):
    ws = book["问题清单"]
    failing = [i for i in items(warehouse) if i["passed"] is not True]
    rows = table_rows(ws, "指标")
    assert [r["指标"] for r in rows] == [i["item_name"] for i in failing]
    assert [r["具体情况"] for r in rows] == [i["detail"] for i in failing]
    below = query_dicts(
        warehouse,
        "SELECT * FROM marts.school_compliance WHERE year = ? AND status = 'below_standard'",
        [YEAR],
    )
    sections = table_rows(ws, "学校标识码")
    assert {(r["学校标识码"], r["达标项数"], r["低于85%项数"]) for r in sections} == {
        (b["school_id"], b["indicators_met"], b["indicators_under_85"]) for b in below
    }
    # Each failing indicator by its short name and ratio, e.g. '生均体育运动场馆 66.2%'
    ratios = dict(
        ((s, st), r)
        for s, st, r in query(
            warehouse,
            "SELECT school_id, stage, ratio_to_standard FROM marts.school_indicator_compliance "
            "WHERE year = ? AND NOT met AND indicator = 'sports_area_per_student'",
            [YEAR],
        )
    )
    first = next(r for r in sections if "生均体育运动场馆" in r["未达标指标（达标率）"])
    stage = {"小学": "primary", "初中": "junior"}[first["学段"]]
    ratio = ratios[(first["学校标识码"], stage)]
    assert f"生均体育运动场馆 {ratio * 100:.1f}%" in first["未达标指标（达标率）"]


def test_data_quality_sheet_lists_every_source_file(book, warehouse):
    rows = table_rows(book["数据质量"], "文件")
    files = query_dicts(
        warehouse, "SELECT * FROM audit.source_files WHERE year = ? ORDER BY file", [YEAR]
    )
    assert sorted((r["文件"], r["读入行"], r["接受"], r["拒绝"], r["SHA-256"]) for r in rows) == [
        (f["file"], f["rows_read"], f["rows_accepted"], f["rows_rejected"], f["sha256"])
        for f in files
    ]
    assert "没有被拒绝的数据行" in sheet_text(book["数据质量"])


def test_every_sheet_names_its_sources(book):
    for name in SHEETS:
        assert "数据来源：" in sheet_text(book[name]), name


def test_item_words_agree_with_the_marts_item_names(warehouse):
    """reference.report_labels names the items for years whose rows a report does not read
    (the history); it must say what marts.county_compliance.item_name says."""
    rows = query(
        warehouse,
        "SELECT DISTINCT c.item, c.item_name, l.label_zh, l.label_en "
        "FROM marts.county_compliance c LEFT JOIN reference.report_labels l "
        "ON l.year = c.year AND l.code_set = 'item' AND l.code = c.item",
    )
    assert len(rows) == 34
    for item, name, label_zh, label_en in rows:
        assert label_zh == name and label_en, item


# --- remediation, the plan and the monitoring: the sample's own tables ---------------------

STAGE_WORDS = {"primary": "小学", "junior": "初中"}
UNIT_WORDS = {"teachers": "人", "m2": "平方米", "yuan": "元", "rooms": "间"}
LEVEL_WORDS = {
    "significant_rise": "显著上升",
    "rise": "上升",
    "stable": "基本稳定",
    "fall": "下降",
    "significant_fall": "显著下降",
}
TARGET_WORDS = {"all_met": "七项指标全部达标", "complies": "达到要求（6项达标、余项不低于85%）"}


def rows_of(warehouse, table, year=YEAR, order="1"):
    return query_dicts(warehouse, f"SELECT * FROM {table} WHERE year = ? ORDER BY {order}", [year])


def approx(value):
    return None if value is None else pytest.approx(value, rel=1e-15)


def short_names(warehouse) -> dict[str, str]:
    return dict(
        query(
            warehouse,
            "SELECT code, label_zh FROM reference.report_labels "
            "WHERE year = ? AND code_set = 'indicator_short'",
            [YEAR],
        )
    )


def item_names(warehouse, codes: str | None) -> list[str]:
    names = {i["item"]: i["item_name"] for i in items(warehouse)}
    return [names[c.strip()] for c in (codes or "").split(",") if c.strip()]


@pytest.mark.parametrize(
    "code_set, sql",
    [
        (
            "unit",
            "SELECT unit FROM marts.remediation_needs UNION SELECT unit FROM "
            "marts.remediation_county UNION SELECT unit FROM marts.remediation_cv_additions",
        ),
        ("target", "SELECT target FROM marts.remediation_cv_problems"),
        ("cost_item", "SELECT item FROM reference.unit_costs"),
        ("level", "SELECT level FROM reference.monitoring_levels"),
        ("plan_verdict", "SELECT DISTINCT verdict FROM marts.county_verdict"),
        (
            "warning",
            "SELECT DISTINCT trim(w) FROM (SELECT unnest(string_split(warning, ';')) AS w "
            "FROM marts.early_warnings) WHERE w NOT LIKE '%→%'",
        ),
    ],
)
def test_every_code_of_the_remediation_and_monitoring_tables_has_words(warehouse, code_set, sql):
    """A code without words in reference.report_labels would be printed as itself (all years of
    the sample: 2022's CV additions have both targets, 2023 and 2024 warnings)."""
    codes = {c for (c,) in query(warehouse, sql)}
    labelled = {
        c
        for (c,) in query(
            warehouse,
            "SELECT code FROM reference.report_labels WHERE year = ? AND code_set = ?",
            [YEAR, code_set],
        )
    }
    assert codes and codes <= labelled, codes - labelled


def test_problem_sheet_remediation_per_stage_and_indicator(book, warehouse):
    rows = block_rows(book["问题清单"], "化解测算：按学段、指标汇总", "学段")
    expected = {
        (STAGE_WORDS[r["stage"]], r["indicator_name"]): r
        for r in rows_of(warehouse, "marts.remediation_county")
    }
    assert len(rows) == len(expected) == 14  # a row for each of marts.coefficients
    assert [r["学段"] for r in rows] == ["小学"] * 7 + ["初中"] * 7
    for row in rows:
        want = expected[(row["学段"], row["指标"])]
        assert row["未达标学部数"] == want["sections_below"]
        assert row["缺口合计（至标准）"] == approx(want["shortfall_total"])
        assert row["单位"] == UNIT_WORDS[want["unit"]]
        assert row["补足至标准费用(元)"] == approx(want["cost_yuan"])
        assert row["达到要求费用(元)"] == approx(want["cost_to_complies_yuan"])
        assert row["现状差异系数"] == approx(want["cv_before"])
        assert row["补足后差异系数"] == approx(want["cv_after_needs"])
        assert row["上限"] == want["cv_limit"]
        assert row["为使差异系数达标另需"] == approx(want["extra_for_cv"])
        assert row["另需费用(元)"] == approx(want["extra_cost_yuan"])
        assert row["方法 (method)"] == want["method"]


def test_problem_sheet_remediation_needs_of_each_section(book, warehouse):
    rows = block_rows(book["问题清单"], "化解测算：各校（学部）需补足的资源", "学校标识码")
    expected = {
        (r["school_id"], STAGE_WORDS[r["stage"]], r["indicator_name"]): r
        for r in rows_of(warehouse, "marts.remediation_needs")
    }
    # seed 002's 25 sections to remedy, one or two indicators each
    assert len(rows) == len(expected) == 30
    for row in rows:
        want = expected[(row["学校标识码"], row["学段"], row["指标"])]
        assert row["学校名称"] == want["school_name"]
        assert (row["现值"], row["标准"]) == (approx(want["value"]), want["standard"])
        assert row["单位"] == UNIT_WORDS[want["unit"]]
        assert row["缺口（至标准）"] == approx(want["shortfall"])
        assert row["缺口（至85%）"] == approx(want["shortfall_to_85"])
        assert row["学校需增加（至标准）"] == approx(want["school_addition"])
        assert row["费用（至标准，元）"] == approx(want["cost_yuan"])
        assert row["达到要求时保留在85%以上"] == ("是" if want["left_at_85"] else "否")
        assert row["学校需增加（达到要求）"] == approx(want["school_addition_to_complies"])
        assert row["费用（达到要求，元）"] == approx(want["cost_to_complies_yuan"])


def test_problem_sheet_remediation_of_each_school_and_unit_costs(book, warehouse):
    ws = book["问题清单"]
    rows = block_rows(ws, "化解测算：各校专用教室、规模、班额与教师", "学校标识码")
    schools = rows_of(warehouse, "marts.remediation_schools")
    fields = {
        "需增音乐教室(间)": "music_rooms_to_add",
        "需增美术教室(间)": "art_rooms_to_add",
        "超规模学生(人)": "students_over_limit",
        "超标准班额(个)": "oversized_classes",
        "需增班级(个)": "classes_to_add",
        "需增教师（至标准，人）": "teachers_to_add",
        "需增教师（达到要求，人）": "teachers_to_add_to_complies",
        "达到要求费用(元)": "cost_to_complies_yuan",
        "全部达标费用(元)": "cost_to_all_met_yuan",
    }
    # Listed: the schools with anything to add, move or pay (2024: every school has oversized
    # classes or too many students, so all 93)
    listed = [s for s in schools if any(s[f] for f in fields.values())]
    assert len(rows) == len(listed) == 93
    by_id = {s["school_id"]: s for s in listed}
    for row in rows:
        want = by_id[row["学校标识码"]]
        assert row["学校名称"] == want["school_name"]
        for header, column in fields.items():
            assert row[header] == approx(want[column]), header
    # The CVs: none is over its limit once the needs are met, so no extra additions
    assert rows_of(warehouse, "marts.remediation_cv_problems") == []
    assert "补足上述缺口后，各项差异系数均不超过上限，无需追加配置。" in sheet_text(ws)
    costs = {r["项目"]: r["单价(元)"] for r in block_rows(ws, "测算单价", "项目")}
    expected = {r["item"]: r["cost_yuan"] for r in rows_of(warehouse, "reference.unit_costs")}
    assert costs["专任教师（每人每年）"] == expected["teachers"] == 150_000
    assert costs["教学及辅助用房（每平方米）"] == expected["teaching_area_m2"]
    assert len(costs) == len(expected) == 7


def test_problem_sheet_plan_effect_item_by_item(book, warehouse):
    ws = book["问题清单"]
    after = rows_of(warehouse, "plan.county_verdict")[0]
    # The sample's plan (化解计划.csv) leaves G4 failing: students must move or a school be
    # built, which no addition does.
    assert after["verdict"] == "not_recognised" and "G4" in after["failed_items"]
    said = lines(ws)
    assert said["计划实施后的结论"] == "化解计划实施后仍未达标"
    assert said["计划实施后达标项数"] == after["items_passed"]
    assert said["计划实施后仍未达标"] == "、".join(item_names(warehouse, after["failed_items"]))
    rows = block_rows(ws, "化解计划实施后", "指标")
    effect = rows_of(warehouse, "marts.plan_effect", order="sort_order")
    details = dict(
        query(
            warehouse,
            "SELECT item, detail FROM plan.county_compliance WHERE year = ?",
            [YEAR],
        )
    )
    assert len(rows) == len(effect) == 34
    for row, want in zip(rows, effect, strict=True):
        words = VETO_WORDS if want["part"] == "veto" else PASSED_WORDS
        assert row["指标"] == want["item_name"]
        assert row["现状值"] == approx(want["actual_value"])
        assert row["现状"] == words[want["actual_passed"]]
        assert row["计划后值"] == approx(want["plan_value"])
        assert row["计划后"] == words[want["plan_passed"]]
        assert row["是否变化"] == ("是" if want["changed"] else "否")
        assert row["计划后具体情况"] == details[want["item"]]
    overview = lines(book["概览"])
    assert overview["化解计划实施后"] == "化解计划实施后仍未达标"
    assert overview["计划实施后未达标项"] == said["计划实施后仍未达标"]


def test_monitoring_sheet_index_levels_and_warnings(book, warehouse):
    ws = book["动态监测"]
    shorts = short_names(warehouse)
    summary = block_rows(ws, "综合发展指数", "学段")
    expected = rows_of(warehouse, "marts.monitoring_summary", order="stage DESC")
    assert [r["学段"] for r in summary] == ["小学", "初中"] and len(expected) == 2
    for row, want in zip(summary, expected, strict=True):
        assert (row["基期"], row["综合发展指数"]) == (2022, approx(want["composite_index"]))
        assert row["等级"] == LEVEL_WORDS[want["level"]] == want["level_name"]
        assert (row["上升"], row["基本稳定"], row["下降"]) == (
            want["indicators_risen"],
            want["indicators_stable"],
            want["indicators_fallen"],
        )
        fallen = [shorts[c.strip()] for c in (want["fallen"] or "").split(",") if c.strip()]
        assert (row["下降的指标"] or "") == "、".join(fallen)
    # the sample's junior backbone teachers fell sharply against 2022
    assert summary[1]["下降的指标"].startswith("县级及以上骨干教师")
    index = block_rows(ws, "各监测指标发展指数（基期 = 100）", "学段")
    expected = rows_of(warehouse, "marts.monitoring_index", order="stage DESC, sort_order")
    assert len(index) == len(expected) == 30
    for row, want in zip(index, expected, strict=True):
        assert (row["学段"], row["指标"]) == (STAGE_WORDS[want["stage"]], want["indicator_name"])
        assert (row["基期"], row["基期值"]) == (2022, approx(want["baseline_value"]))
        assert (row["本期值"], row["指数"]) == (approx(want["value"]), approx(want["index"]))
        assert row["等级"] == LEVEL_WORDS[want["level"]] == want["level_name"]
        assert row["资源增长(%)"] == approx(want["resource_growth_pct"])
        assert row["学生增长(%)"] == approx(want["student_growth_pct"])
        assert row["说明"] == want["note"]
    warnings = block_rows(ws, "预警（预测 2025 学年", "学校")
    expected = rows_of(warehouse, "marts.early_warnings")
    assert len(warnings) == len(expected) == 1
    row, want = warnings[0], expected[0]
    assert (row["学校"], row["指标"]) == (want["school_name"], want["indicator_name"])
    assert (row["本年学生数"], row["预测学生数"]) == (
        want["students"],
        approx(want["projected_students"]),
    )
    assert (row["本年值"], row["预测值"], row["警戒线"]) == (
        approx(want["value"]),
        approx(want["projected_value"]),
        approx(want["standard"]),
    )
    # 'falls below standard; all_met → complies', in words
    assert want["warning"] == "falls below standard; all_met → complies"
    assert row["预警"] == "将低于标准；七项指标均达标 → 达到要求（6项达标、余项不低于85%）"
    assert f"预测方法 (method)：{want['method']}" in sheet_text(ws)


# --- the page ------------------------------------------------------------------------------


def test_page_is_self_contained(page):
    # No script, stylesheet link, image, frame or font to fetch; the only URL is the SVG
    # namespace, which browsers never request.
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", page)
    assert "url(" not in page and "@import" not in page and "@font-face" not in page
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}


def test_page_says_what_the_marts_say(page, warehouse):
    text = visible_text(page)
    verdict = query_dicts(warehouse, "SELECT * FROM marts.county_verdict WHERE year = ?", [YEAR])[0]
    assert "渝北区(示例)义务教育优质均衡发展评估报告" in text
    assert verdict["summary"] in text and "未达标" in text
    for item in items(warehouse):
        assert item["item_name"] in text and item["detail"] in text
    for name, cv in query(
        warehouse,
        "SELECT indicator_name, cv FROM marts.coefficients WHERE year = ?",
        [YEAR],
    ):
        assert name in text and f"{cv:.3f}" in text
    # The CV limits and the number of items, as the marts hold them
    limits = dict(
        query(
            warehouse,
            "SELECT DISTINCT stage, cv_limit FROM marts.coefficients WHERE year = ?",
            [YEAR],
        )
    )
    assert (
        f"要求小学 7 项指标校际差异系数均不大于 {limits['primary']:.2f}，"
        f"初中 7 项指标校际差异系数均不大于 {limits['junior']:.2f}。"
    ) in text
    parts = dict(
        query(
            warehouse,
            "SELECT part, count(*) FROM marts.county_compliance WHERE year = ? GROUP BY part",
            [YEAR],
        )
    )
    assert f"（三）政府保障程度（{parts['guarantee']} 项）" in text
    assert f"（四）教育质量（{parts['quality']} 项）" in text
    # Seed 002's sentence, from the status counts
    assert "115 所参评学校（学部）中：七项指标均达标 87 所" in text
    assert "23 所 6 项指标达标、1 项低于标准值85%" in text


def test_page_words_not_codes(page):
    # Outside the 数据来源 lines, which name tables such as marts.school_compliance
    text = visible_text(re.sub(r'<p class="source">.*?</p>', "", page))
    for code in (
        "all_met",
        "below_standard",
        "not_recognised",
        "school_compliance",
        "backbone_teachers_per100",
    ):
        assert code not in text, code
    assert "未达要求，需化解" in text and "七项指标均达标" in text


def test_page_names_table_and_columns_under_every_section(page):
    sources = re.findall(r'<p class="source">数据来源：(.*?)</p>', page)
    named = " ".join(sources)
    for table in (
        "marts.county_verdict",
        "marts.school_compliance",
        "marts.school_indicator_compliance",
        "marts.coefficients",
        "marts.county_compliance",
        "audit.source_files",
        "audit.rejected_rows",
    ):
        assert f"<code>{table}</code>" in named, table
    assert len(sources) >= 12


def test_page_charts(page):
    # 14 ratio panels, 2 CV charts, the remediation's costs, 2 monitoring indices (one per
    # stage), 14 history panels (three years in the warehouse)
    assert page.count('<svg class="chart"') + page.count('<svg class="chart wide"') == CHARTS
    assert "<title>渝北区两路小学:" in page  # every bar names its school
    assert page.count('aria-label="各项指标补足费用（万元）"') == 1
    assert page.count('aria-label="监测指标发展指数"') == 2


def table_row_texts(page_html: str) -> list[str]:
    """The visible text of each table row of a piece of the page."""
    return [squeezed(row) for row in re.findall(r"<tr\b.*?</tr>", page_html, flags=re.S)]


def the_row(rows: list[str], *words: str) -> str:
    found = [r for r in rows if all(w in r for w in words)]
    assert len(found) == 1, (words, found)
    return found[0]


def amount(value, unit):
    """As the page writes an amount: whole teachers, rooms and yuan; m² to 0.01."""
    return f"{value:,.{2 if unit == 'm2' else 0}f}"


def wan(yuan):
    return f"{yuan / 10_000:,.2f} 万元"


def test_page_remediation_what_each_school_must_add_and_its_cost(page, warehouse):
    section = between(page, "remediation", "plan")
    rows = table_row_texts(section)
    shorts = short_names(warehouse)
    needs = rows_of(warehouse, "marts.remediation_needs")
    assert len(needs) == 30
    for n in needs:
        unit = UNIT_WORDS[n["unit"]]
        row = the_row(
            rows, n["school_name"], STAGE_WORDS[n["stage"]], shorts[n["indicator"]] + "："
        )
        assert f"{n['value']:,.2f} / {n['standard']:,.2f}" in row
        assert f"{amount(n['school_addition'], n['unit'])} {unit}，{wan(n['cost_yuan'])}" in row
        to_complies = n["school_addition_to_complies"]
        assert f"{amount(to_complies, n['unit'])} {unit}，{wan(n['cost_to_complies_yuan'])}" in row
    # By hand: 渝北区龙塔第二小学 (2440 pupils, 2.8689 qualified teachers per 100, so 70
    # teachers) needs ceil(4.2 × 2440 / 100 − 70) = ceil(32.48) = 33 teachers at 150 000 yuan a
    # year = 495.00 万元 to the standard; to 85 % of it (3.57): ceil(87.108 − 70) = 18, 270.00 万元.
    row = the_row(rows, "渝北区龙塔第二小学", "高于规定学历教师：")
    assert "2.87 / 4.20" in row and "33 人，495.00 万元" in row and "18 人，270.00 万元" in row
    # 渝北区两路小学: 4.9673 m² × 2533 pupils = 12 582.1 m² of sports ground; 7.5 × 2533 −
    # 12 582.1 = 6415.4 m² at 400 yuan = 2 566 160 yuan = 256.62 万元.
    row = the_row(rows, "渝北区两路小学", "生均体育运动场馆：")
    assert "6,415.40 平方米，256.62 万元" in row
    # The totals per stage and indicator, where some section falls short
    county = [r for r in rows_of(warehouse, "marts.remediation_county") if r["sections_below"]]
    for c in county:
        name = f"{STAGE_WORDS[c['stage']]} {shorts[c['indicator']]} "
        row = the_row([r for r in rows if r.startswith(name)], "万元")
        unit = UNIT_WORDS[c["unit"]]
        assert f"{amount(c['shortfall_total'], c['unit'])} {unit}" in row
        assert wan(c["cost_yuan"]) in row and wan(c["cost_to_complies_yuan"]) in row
    schools = rows_of(warehouse, "marts.remediation_schools")
    assert f"{len(schools)} 所学校中" in squeezed(section)
    for table in ("marts.remediation_county", "marts.remediation_needs", "reference.unit_costs"):
        assert f"<code>{table}</code>" in section, table


def test_page_plan_effect_item_by_item_and_the_verdict_after_it(page, warehouse):
    section = between(page, "plan", "monitoring")
    text = squeezed(section)
    after = rows_of(warehouse, "plan.county_verdict")[0]
    failed = "、".join(item_names(warehouse, after["failed_items"]))
    assert (after["items_passed"], after["items"], failed) == (33, 34, "学校规模")
    assert f"化解计划实施后仍未达标，{after['items_passed']}/{after['items']} 项达标" in text
    assert f"仍未达标：{failed}" in text
    # Shown: the items the plan changes or that fail before or after it; the sample's plan
    # fixes school_compliance and G5 and leaves G4.
    effect = rows_of(warehouse, "marts.plan_effect", order="sort_order")
    shown = [e for e in effect if e["changed"] or not (e["actual_passed"] and e["plan_passed"])]
    assert [e["item"] for e in shown] == ["school_compliance", "G4", "G5"]
    details = dict(
        query(warehouse, "SELECT item, detail FROM plan.county_compliance WHERE year = ?", [YEAR])
    )
    rows = table_row_texts(section)
    assert len(rows) == 1 + len(shown)
    for e in shown:
        row = the_row(rows, e["item_name"])
        before, plan = PASSED_WORDS[e["actual_passed"]], PASSED_WORDS[e["plan_passed"]]
        assert f"{before} {e['actual_value']:,.2f} {plan} {e['plan_value']:,.2f}" in row
        assert details[e["item"]] in row
    assert f"其余 {len(effect) - len(shown)} 项现状与计划实施后均达标" in text  # 31
    # and beside the verdict at the top
    assert "化解计划实施后仍未达标" in visible_text(between(page, "verdict", "indicators"))


def test_page_monitoring_against_2022_and_the_early_warning(page, warehouse):
    section = between(page, "monitoring", "history")
    text = squeezed(section)
    shorts = short_names(warehouse)
    assert "以 2022 学年为基期" in text
    for s in rows_of(warehouse, "marts.monitoring_summary"):
        stage = STAGE_WORDS[s["stage"]]
        assert f"{s['composite_index']:.1f} {stage}综合发展指数 · {LEVEL_WORDS[s['level']]}" in text
        assert (
            f"{stage} {s['indicators']} 项监测指标中上升 {s['indicators_risen']} 项、"
            f"基本稳定 {s['indicators_stable']} 项、下降 {s['indicators_fallen']} 项"
        ) in text
    index = rows_of(warehouse, "marts.monitoring_index")
    assert len(index) == 30 and {i["baseline_year"] for i in index} == {2022}
    for i in index:  # each bar's label, and each fall explained by its note
        assert f"{i['index']:.1f} {LEVEL_WORDS[i['level']]}" in text
        if "fall" in i["level"]:
            assert f"{shorts[i['indicator']]}：{i['note']}" in text
    # By hand: junior backbone teachers 1.2395 per 100 against 1.5836 in 2022:
    # 1.2395 / 1.5836 × 100 = 78.27, under 90: 显著下降.
    assert "78.3 显著下降" in text
    # The early warning, by hand: 渝北区双凤桥村小教学点 had 78, 81, 84 pupils in 2022–2024, a
    # line rising by 3 a year: 87 in 2025; its 2 multimedia rooms (2.381 per 100 × 84) give
    # 2 × 100 / 87 = 2.299 per 100, under the standard 2.3.
    row = the_row(table_row_texts(section), "渝北区双凤桥村小教学点")
    assert "84 → 87" in row and "2.381 → 2.299" in row and "2.300" in row
    assert "将低于标准；七项指标均达标 → 达到要求（6项达标、余项不低于85%）" in row
    assert "预警（预测 2025 学年）" in text and "预警为预测，不是评估结论" in text
    for table in ("marts.monitoring_summary", "marts.monitoring_index", "marts.early_warnings"):
        assert f"<code>{table}</code>" in section, table


# --- a warehouse without the remediation, plan and monitoring tables -----------------------

# The tables a warehouse built before remediation (DOMAIN.md §8) and monitoring (§6) lacks
LATER_TABLES = (
    "marts.remediation_needs",
    "marts.remediation_schools",
    "marts.remediation_county",
    "marts.remediation_cv_problems",
    "marts.remediation_cv_additions",
    "reference.unit_costs",
    "plan.county_verdict",
    "plan.county_compliance",
    "marts.plan_effect",
    "marts.monitoring_index",
    "marts.monitoring_summary",
    "marts.early_warnings",
)


@pytest.fixture(scope="module")
def without(warehouse, tmp_path_factory):
    """The sample's reports from a copy of its warehouse with those tables dropped."""
    folder = tmp_path_factory.mktemp("without")
    copy = folder / "junheng.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for table in LATER_TABLES:
            con.execute(f"DROP TABLE {table}")
    with duckdb.connect(str(copy), read_only=True) as con:
        assert not queries.load(con, YEAR).present
        paths = write_reports(con, YEAR, folder / "out")
    return {p.suffix: p for p in paths}


def test_workbook_without_those_tables_has_short_notes(without, book):
    short = openpyxl.load_workbook(without[".xlsx"])
    assert short.sheetnames == SHEETS
    problems = sheet_text(short["问题清单"])
    assert "仓库中尚无化解测算表" in problems and "仓库中尚无化解计划表" in problems
    assert "化解测算：" not in problems and "计划实施后的结论" not in problems
    monitoring = short["动态监测"]
    assert "仓库中尚无动态监测表" in sheet_text(monitoring) and monitoring.max_row <= 3
    overview = lines(short["概览"])
    assert "化解计划实施后" not in overview  # no plan table: no verdict after a plan claimed
    # The rest is the same report: the overview's lines and the problems before the notes
    assert {k: v for k, v in overview.items() if "数据来源" not in str(k)} == {
        k: v
        for k, v in lines(book["概览"]).items()
        if "计划" not in str(k) and "数据来源" not in str(k)
    }
    assert table_rows(short["问题清单"], "学校标识码") == table_rows(book["问题清单"], "学校标识码")
    for name in SHEETS:
        assert "数据来源：" in sheet_text(short[name]) or name == "动态监测", name


def test_page_without_those_tables_has_short_notes(without):
    page = without[".html"].read_text(encoding="utf-8")
    text = visible_text(page)
    for note in ("仓库中尚无化解测算表", "仓库中尚无化解计划表", "仓库中尚无动态监测表"):
        assert note in text, note
    assert "化解后达标" not in text and "化解计划实施后仍未达标" not in text
    # 14 ratio panels, 2 CV charts, 14 history panels: no cost chart, no index chart
    assert page.count('<svg class="chart"') + page.count('<svg class="chart wide"') == 30
    assert 'aria-label="监测指标发展指数"' not in page


# --- the browser ---------------------------------------------------------------------------


def test_page_in_a_real_browser_offline(written, tmp_path):
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    url = written[".html"].resolve().as_uri()
    requests, errors = [], []

    def route(r):  # only the page itself may load; anything else is recorded and refused
        if unquote(r.request.url) != unquote(url):
            requests.append(r.request.url)
            return r.abort()
        return r.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for width, name in ((1280, "desktop"), (390, "phone")):
                context = browser.new_context(viewport={"width": width, "height": 900})

                context.route("**/*", route)
                tab = context.new_page()
                tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                tab.on("pageerror", lambda e: errors.append(str(e)))
                tab.goto(url, wait_until="load")
                charts = tab.evaluate(
                    """() => Array.from(document.querySelectorAll('svg.chart')).map(s => {
                        const b = s.getBoundingClientRect();
                        return [b.width, b.height,
                                s.querySelectorAll('rect, circle, polyline').length];
                    })"""
                )
                assert len(charts) == CHARTS
                assert all(w > 100 and h > 50 and marks > 0 for w, h, marks in charts), charts
                # No wider than the screen: a phone reader scrolls down, not sideways
                assert tab.evaluate("document.documentElement.scrollWidth") <= width
                glyphs = tab.evaluate(CJK_GLYPHS)
                assert glyphs["ink"] > 0, "the CJK glyph drew nothing"
                assert glyphs["cjk_differ"], "均 and 衡 drew the same box: no CJK font"
                assert glyphs["tofu_stable"], "two unassigned code points drew differently"
                assert glyphs["not_tofu"], "均 drew like an unassigned code point (tofu)"
                tab.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    assert requests == [] and errors == []
    assert (tmp_path / "phone.png").stat().st_size > 50_000


# Draw two CJK characters and two unassigned code points (U+0379, U+0380) in the page's font.
# The unassigned ones come out as the same fallback box ("tofu"); without a CJK font, so would
# 均 and 衡.
CJK_GLYPHS = """() => {
    const font = '32px ' + getComputedStyle(document.body).fontFamily;
    const pixels = ch => {
        const c = document.createElement('canvas');
        c.width = 48; c.height = 48;
        const g = c.getContext('2d');
        g.font = font; g.fillStyle = '#000'; g.textBaseline = 'top';
        g.fillText(ch, 4, 4);
        return Array.from(g.getImageData(0, 0, 48, 48).data.filter((_, i) => i % 4 === 3));
    };
    const a = pixels('均'), b = pixels('衡');
    const tofu = pixels('\\u0379'), tofu2 = pixels('\\u0380');
    const same = (x, y) => x.every((v, i) => v === y[i]);
    return {ink: a.filter(v => v > 0).length, cjk_differ: !same(a, b),
            tofu_stable: same(tofu, tofu2), not_tofu: !same(a, tofu)};
}"""


# --- the command and the assets ------------------------------------------------------------


def test_report_command_writes_the_files_and_refuses_unknown_years(warehouse, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["report", "--warehouse", str(warehouse), "--year", "2023", "--out", str(out)]
    assert main(args) == OK
    assert sorted(p.name for p in out.iterdir()) == [
        f"{COUNTY}_2023_评估报告.html",
        f"{COUNTY}_2023_评估报告.xlsx",
    ]
    assert main(["report", "--warehouse", str(warehouse), "--year", "2019"]) == USAGE
    assert (
        "no year 2019 in the warehouse (years there: 2022, 2023, 2024)" in capsys.readouterr().err
    )
    args = ["report", "--warehouse", str(warehouse), "--year", "2024", "--county", "999999"]
    assert main(args) == USAGE
    assert "no county 999999 in 2024 (counties there: 500112)" in capsys.readouterr().err
    assert main(["report", "--warehouse", str(tmp_path / "none.duckdb"), "--year", "2024"]) == USAGE


def test_report_assets_write_the_files_and_name_them_in_metadata(warehouse, tmp_path, monkeypatch):
    copy = tmp_path / "junheng.duckdb"
    shutil.copy(warehouse, copy)
    monkeypatch.setenv("JUNHENG_REPORTS", str(tmp_path / "out"))
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    job = build_definitions(str(DEFAULT_INPUT), str(copy)).resolve_job_def("reports_job")
    result = job.execute_in_process(
        partition_key="2024", instance=instance_with_years(2024), run_config=QUIET
    )
    assert result.success
    # Report assets read the warehouse and write files only: the warehouse is byte for byte
    # what it was, and no report asset writes a warehouse table.
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    assert not list(copy.parent.glob("*.wal"))
    materialisations = [
        e.event_specific_data.materialization for e in result.get_asset_materialization_events()
    ]
    metadata = {m.asset_key.to_user_string(): m.metadata for m in materialisations}
    files = metadata["reports/county_reports"]["files"].value
    assert sorted(files) == sorted(
        str(tmp_path / "out" / f"{COUNTY}_2024_评估报告{s}") for s in (".html", ".xlsx")
    )
    assert all(Path(f).is_file() for f in files)
    assert metadata["reports/summary"]["files"].value == []  # one county: no summary
    # Not part of warehouse_job: an ingest does not write reports
    warehouse_job = build_definitions().resolve_job_def("warehouse_job")
    assert not any(k.path[0] == "reports" for k in warehouse_job.asset_layer.selected_asset_keys)


@pytest.mark.parametrize("asset", ["county_reports", "summary"])
def test_report_assets_depend_on_the_tables_the_reports_read(asset):
    graph = build_definitions().resolve_asset_graph()
    node = graph.get(dg.AssetKey(["reports", asset]))
    deps = {k.to_user_string().replace("/", ".") for k in node.parent_keys}
    assert deps == queries.tables_read()
    # the remediation, plan and monitoring tables are read and named like the marts
    assert deps >= {
        "marts.county_verdict",
        "marts.coefficients",
        "reference.report_labels",
        "reference.unit_costs",
        "marts.remediation_needs",
        "marts.remediation_schools",
        "marts.remediation_county",
        "marts.remediation_cv_additions",
        "marts.remediation_cv_problems",
        "plan.county_verdict",
        "plan.county_compliance",
        "marts.plan_effect",
        "marts.monitoring_index",
        "marts.monitoring_summary",
        "marts.early_warnings",
    }
    # every one is built by the year build (an unknown key would be an external stub)
    assert all(graph.get(k).is_materializable for k in node.parent_keys)
