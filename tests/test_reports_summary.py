"""Reports of a warehouse of several counties (the hand-worked district: three counties, one
with rejected rows): the summary against the warehouse, the queries per table, and the
sections that render tables other branches add (remediation, plan, monitoring).

Those tables are not produced on this branch: the tests below create them by hand in a copy
of the warehouse, with the columns CONTRACT.md gives them and a few rows, and check that the
reports show them and that the reports without them carry a short note instead."""

import shutil

import duckdb
import openpyxl
import pytest

from reports import queries
from reports.build import write_reports
from reports.queries import ReportDataError, load
from tests import district as d
from tests.helpers import query, query_dicts, run_year, write_year
from tests.report_helpers import sheet_text, table_rows, visible_text

YEAR = 2024
COUNTIES = ["110101", "110102", "110103"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, YEAR, d.district())
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    return path


@pytest.fixture(scope="module")
def written(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        write_reports(con, YEAR, out)
    return out


def test_a_workbook_and_page_per_county_and_a_summary(written):
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(
        [f"{c}_{YEAR}_评估报告.{ext}" for c in COUNTIES for ext in ("xlsx", "html")]
        + [f"{YEAR}_汇总.xlsx", f"{YEAR}_汇总.html"]
    )


def test_summary_counties_and_their_verdicts(written, warehouse):
    book = openpyxl.load_workbook(written / f"{YEAR}_汇总.xlsx")
    assert book.sheetnames == ["各县结论", "未达标项统计", "差异系数"]
    rows = table_rows(book["各县结论"], "区县代码")
    verdicts = query_dicts(
        warehouse, "SELECT * FROM marts.county_verdict WHERE year = ? ORDER BY 1, 2", [YEAR]
    )
    words = {"recognised": "达标", "not_recognised": "未达标", "incomplete": "数据不完整，未作结论"}
    assert [
        (r["区县代码"], r["区县名称"], r["结论"], r["达标项数"], r["评估项数"]) for r in rows
    ] == [
        (v["county_code"], v["county_name"], words[v["verdict"]], v["items_passed"], v["items"])
        for v in verdicts
    ]
    counts = dict(
        ((c, s), n)
        for c, s, n in query(
            warehouse,
            "SELECT county_code, status, count(*) FROM marts.school_compliance "
            "WHERE year = ? GROUP BY ALL",
            [YEAR],
        )
    )
    for row in rows:
        assert row["七项指标均达标"] == counts.get((row["区县代码"], "all_met"), 0)
        assert row["未达要求，需化解"] == counts.get((row["区县代码"], "below_standard"), 0)
        assert row["数据不完整"] == counts.get((row["区县代码"], "incomplete"), 0)


def test_summary_items_failing_most(written, warehouse):
    book = openpyxl.load_workbook(written / f"{YEAR}_汇总.xlsx")
    rows = table_rows(book["未达标项统计"], "部分")
    expected = {
        name: (failed, unjudged)
        for name, failed, unjudged in query(
            warehouse,
            "SELECT item_name, count(*) FILTER (WHERE passed = FALSE), "
            "count(*) FILTER (WHERE passed IS NULL) FROM marts.county_compliance "
            "WHERE year = ? GROUP BY item_name",
            [YEAR],
        )
    }
    assert len(rows) == 34
    assert {r["指标"]: (r["未达标区县数"], r["未判定区县数"]) for r in rows} == expected
    failed = [r["未达标区县数"] for r in rows]
    assert failed == sorted(failed, reverse=True) and failed[0] == 2


def test_summary_cvs_across_counties(written, warehouse):
    book = openpyxl.load_workbook(written / f"{YEAR}_汇总.xlsx")
    ws = book["差异系数"]
    headers = [c.value for c in ws[2]]
    expected = {
        (c, s, n): cv
        for c, s, n, cv in query(
            warehouse,
            "SELECT county_code, stage, indicator, cv FROM marts.coefficients WHERE year = ?",
            [YEAR],
        )
    }
    shorts = dict(
        query(
            warehouse,
            "SELECT code, label_zh FROM reference.report_labels "
            "WHERE year = ? AND code_set = 'indicator_short'",
            [YEAR],
        )
    )
    by_short = {v: k for k, v in shorts.items()}
    compared = 0
    for row in ws.iter_rows(min_row=3, values_only=True):
        if row[0] is None or str(row[0]).startswith("数据来源"):
            break
        for position, value in enumerate(row[2:]):
            stage = "primary" if position < 7 else "junior"
            key = (row[0], stage, by_short[headers[2 + position]])
            if key in expected:
                want = expected[key]
                assert value == (None if want is None else pytest.approx(want, rel=1e-15))
                compared += 1
    assert compared == len(expected)


def test_summary_page(written, warehouse):
    page = (written / f"{YEAR}_汇总.html").read_text(encoding="utf-8")
    text = visible_text(page)
    for (name,) in query(warehouse, "SELECT county_name FROM marts.county_verdict"):
        assert name in text
    assert page.count('<svg class="chart wide"') == 3  # items failing most; CVs per stage
    assert "数据来源：" in page and "<code>marts.county_compliance</code>" in page


def test_rejected_rows_of_a_county_in_its_data_quality_sheet(written, warehouse):
    # The rejected teacher row names its school only; its county comes through the sections
    rejected = query_dicts(
        warehouse,
        "SELECT * FROM audit.rejected_rows WHERE year = ? AND school_id LIKE '110103%' "
        "ORDER BY file, row_number",
        [YEAR],
    )
    assert rejected and rejected[0]["county_code"] is None
    book = openpyxl.load_workbook(written / f"110103_{YEAR}_评估报告.xlsx")
    ws = book["数据质量"]
    rows = table_rows(ws, "文件", start_row=_row_of(ws, "被拒绝的数据行"))
    assert [(r["文件"], r["行号"], r["规则"], r["问题与修改方法"]) for r in rows] == [
        (x["file"], x["row_number"], x["rule"], x["message"]) for x in rejected
    ]
    other = openpyxl.load_workbook(written / f"110101_{YEAR}_评估报告.xlsx")["数据质量"]
    assert "没有被拒绝的数据行" in sheet_text(other)


class CountingConnection:
    """A DuckDB connection that counts the queries sent through it."""

    def __init__(self, con):
        self.con, self.queries = con, 0

    def sql(self, *args, **kwargs):
        self.queries += 1
        return self.con.sql(*args, **kwargs)

    def execute(self, *args, **kwargs):
        self.queries += 1
        return self.con.execute(*args, **kwargs)


def test_one_query_per_table_whatever_the_number_of_counties(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        every, one = CountingConnection(con), CountingConnection(con)
        data = load(every, YEAR)
        load(one, YEAR, "110101")
    assert len(data.counties) == 3
    assert every.queries == one.queries
    # the core queries, the labels, and two looks at the catalogue
    assert every.queries == len(queries.CORE_QUERIES) + 3


# --- tables other branches add, made by hand with their CONTRACT.md columns ------------------

CONTRACT_TABLES = """
CREATE SCHEMA IF NOT EXISTS plan;
CREATE TABLE marts.remediation_needs (year INTEGER, county_code VARCHAR, school_id VARCHAR,
    stage VARCHAR, indicator VARCHAR, value DOUBLE, standard DOUBLE, unit VARCHAR,
    shortfall DOUBLE, shortfall_to_85 DOUBLE, school_addition DOUBLE, cost_yuan DOUBLE);
INSERT INTO marts.remediation_needs VALUES
    (2024, '110101', '1101010011', 'primary', 'equipment_value_per_student', 1500, 2000, 'yuan',
     200000, 80000, 200000, 200000);
CREATE TABLE marts.remediation_schools (year INTEGER, county_code VARCHAR, school_id VARCHAR,
    rooms_to_add INTEGER, students_over_limit INTEGER, oversized_classes INTEGER,
    classes_to_add INTEGER, cost_to_complies_yuan DOUBLE, cost_to_all_met_yuan DOUBLE);
INSERT INTO marts.remediation_schools VALUES
    (2024, '110101', '1101010011', 2, 0, 3, 1, 123456, 654321);
CREATE TABLE marts.remediation_county (year INTEGER, county_code VARCHAR, stage VARCHAR,
    indicator VARCHAR, sections_below INTEGER, shortfall_total DOUBLE, unit VARCHAR,
    cost_yuan DOUBLE, cv_before DOUBLE, cv_after_needs DOUBLE, cv_limit DOUBLE,
    extra_for_cv DOUBLE, extra_cost_yuan DOUBLE, method VARCHAR);
INSERT INTO marts.remediation_county VALUES
    (2024, '110101', 'primary', 'equipment_value_per_student', 1, 200000, 'yuan', 200000,
     0.61, 0.55, 0.5, 35000, 35000, 'clarabel: optimal');
CREATE TABLE marts.remediation_cv_additions (year INTEGER, county_code VARCHAR,
    school_id VARCHAR, stage VARCHAR, indicator VARCHAR, addition DOUBLE, unit VARCHAR,
    cost_yuan DOUBLE);
INSERT INTO marts.remediation_cv_additions VALUES
    (2024, '110101', '1101010012', NULL, 'equipment_value_per_student', 35000, 'yuan', 35000);
CREATE TABLE plan.county_verdict (year INTEGER, county_code VARCHAR, county_name VARCHAR,
    verdict VARCHAR, items BIGINT, items_passed BIGINT, failed_items VARCHAR,
    incomplete_items VARCHAR, summary VARCHAR);
INSERT INTO plan.county_verdict VALUES
    (2024, '110101', '县110101', 'recognised', 34, 34, NULL, NULL, '达标'),
    (2024, '110102', '县110102', 'not_recognised', 34, 33, 'G11', NULL, '未达标');
CREATE TABLE marts.plan_effect (year INTEGER, county_code VARCHAR, item VARCHAR,
    actual_value DOUBLE, actual_passed BOOLEAN, plan_value DOUBLE, plan_passed BOOLEAN);
INSERT INTO marts.plan_effect VALUES
    (2024, '110101', 'school_compliance', 66.6667, FALSE, 100, TRUE),
    (2024, '110101', 'G1', NULL, NULL, NULL, NULL);
CREATE TABLE marts.monitoring_index (year INTEGER, county_code VARCHAR, stage VARCHAR,
    indicator VARCHAR, baseline_year INTEGER, baseline_value DOUBLE, value DOUBLE,
    index DOUBLE, level VARCHAR, resource_growth_pct DOUBLE, student_growth_pct DOUBLE,
    note VARCHAR);
INSERT INTO marts.monitoring_index VALUES
    (2024, '110101', 'primary', 'teaching_area_per_student', 2022, 5.0, 4.4, 88.0,
     'significant_fall', 3.1, 17.2, NULL),
    (2024, '110101', 'primary', 'academic_quality_pct', 2022, 80, 90, 112.5, 'significant_rise',
     NULL, NULL, NULL),
    (2024, '110101', 'junior', 'school_gap', 2022, NULL, 0.2, NULL, NULL, NULL, NULL,
     'baseline missing');
CREATE TABLE marts.monitoring_summary (year INTEGER, county_code VARCHAR, stage VARCHAR,
    composite_index DOUBLE, level VARCHAR, indicators_risen INTEGER, indicators_stable INTEGER,
    indicators_fallen INTEGER, fallen VARCHAR);
INSERT INTO marts.monitoring_summary VALUES
    (2024, '110101', 'primary', 100.25, 'stable', 1, 0, 1, 'teaching_area_per_student');
CREATE TABLE marts.early_warnings (year INTEGER, county_code VARCHAR, school_id VARCHAR,
    stage VARCHAR, indicator VARCHAR, projected_students DOUBLE, projected_value DOUBLE,
    standard DOUBLE, warning VARCHAR, method VARCHAR);
INSERT INTO marts.early_warnings VALUES
    (2024, '110101', '1101010001', 'primary', 'sports_area_per_student', 460.5, 6.9, 7.5,
     'complies → below_standard', 'linear trend of 3 years');
"""


@pytest.fixture(scope="module")
def with_tables(warehouse, tmp_path_factory):
    """A copy of the warehouse with the other branches' tables, and its reports."""
    folder = tmp_path_factory.mktemp("contract")
    copy = folder / "w.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(CONTRACT_TABLES)
    with duckdb.connect(str(copy), read_only=True) as con:
        write_reports(con, YEAR, folder / "out")
    return folder / "out"


def test_plan_verdict_is_worded_met_after_remedy_only_when_recognised(with_tables):
    recognised = visible_text((with_tables / f"110101_{YEAR}_评估报告.html").read_text())
    assert "化解后达标" in recognised
    still = visible_text((with_tables / f"110102_{YEAR}_评估报告.html").read_text())
    assert "化解后达标" not in still and "化解计划实施后仍未达标" in still
    assert "教师交流轮岗" in still  # its plan's failed item, by name
    book = openpyxl.load_workbook(with_tables / f"110101_{YEAR}_评估报告.xlsx")
    lines = {r[0]: r[1] for r in book["概览"].iter_rows(max_row=12, values_only=True) if r[0]}
    assert lines["化解计划实施后"] == "化解后达标"
    summary = openpyxl.load_workbook(with_tables / f"{YEAR}_汇总.xlsx")
    plans = {
        r["区县代码"]: r["化解计划实施后"] for r in table_rows(summary["各县结论"], "区县代码")
    }
    assert plans == {"110101": "化解后达标", "110102": "化解计划实施后仍未达标", "110103": None}


def test_remediation_tables_in_the_problem_sheet_and_page(with_tables):
    book = openpyxl.load_workbook(with_tables / f"110101_{YEAR}_评估报告.xlsx")
    ws = book["问题清单"]
    text = sheet_text(ws)
    assert "仓库中尚无化解测算表" not in text
    rows = {
        title: table_rows(ws, first, start_row=_row_of(ws, title))
        for title, first in (
            ("化解测算：各校（学部）需补足的资源", "学校标识码"),
            ("化解测算：县域汇总（按学段、指标）", "学段"),
            ("化解测算：各校专用教室、规模与班额", "学校标识码"),
            ("化解测算：为使差异系数达标的追加配置", "学校标识码"),
            ("化解计划实施后的评估指标", "指标"),
        )
    }
    need = rows["化解测算：各校（学部）需补足的资源"][0]
    assert (need["学校标识码"], need["学段"], need["指标"], need["单位"]) == (
        "1101010011",
        "小学",
        "生均教学仪器设备值",
        "元",
    )
    assert (need["现值"], need["标准"], need["缺口（至标准）"], need["缺口（至85%）"]) == (
        1500,
        2000,
        200000,
        80000,
    )
    assert (need["学校需增加"], need["费用(元)"]) == (200000, 200000)
    county = rows["化解测算：县域汇总（按学段、指标）"][0]
    assert (county["现状CV"], county["补足后CV"], county["为达CV另需"], county["求解方法"]) == (
        0.61,
        0.55,
        35000,
        "clarabel: optimal",
    )
    school = rows["化解测算：各校专用教室、规模与班额"][0]
    assert (school["需增音美教室(间)"], school["需增班级(个)"], school["全部达标费用(元)"]) == (
        2,
        1,
        654321,
    )
    addition = rows["化解测算：为使差异系数达标的追加配置"][0]
    assert (addition["学段"], addition["追加"]) == ("全校", 35000)
    effect = rows["化解计划实施后的评估指标"]
    assert [(e["指标"], e["现状"], e["计划后"]) for e in effect] == [
        ("每校至少6项达标、余项不低于85%", "未达标", "达标"),
        ("规划布局合理", "未判定", "未判定"),
    ]
    page = visible_text((with_tables / f"110101_{YEAR}_评估报告.html").read_text())
    assert "化解测算：各校（学部）需补足的资源" in page and "200,000.00 元" in page
    assert "clarabel: optimal" in page and "654,321" in page


def test_monitoring_sheet_and_page(with_tables):
    book = openpyxl.load_workbook(with_tables / f"110101_{YEAR}_评估报告.xlsx")
    ws = book["动态监测"]
    summary = table_rows(ws, "学段", start_row=_row_of(ws, "综合发展指数"))[0]
    assert (summary["综合发展指数"], summary["等级"], summary["下降的指标"]) == (
        100.25,
        "基本稳定",
        "生均教学及辅助用房",
    )
    index = table_rows(ws, "学段", start_row=_row_of(ws, "各监测指标发展指数（基期 = 100）"))
    assert [(r["指标"], r["指数"], r["等级"], r["学生增长(%)"]) for r in index] == [
        # primary first, key indicators in the order of reference.report_labels
        ("生均教学及辅助用房", 88.0, "显著下降", 17.2),
        ("学业质量监测达标率", 112.5, "显著上升", None),
        ("校际差异", None, None, None),
    ]
    warning = table_rows(ws, "学校", start_row=_row_of(ws, "预警"))[0]
    assert warning["预警"] == "达到要求（6项达标、余项不低于85%） → 未达要求，需化解"
    assert warning["预测学生数"] == 460.5
    html = (with_tables / f"110101_{YEAR}_评估报告.html").read_text()
    text = visible_text(html)
    assert "仓库中尚无动态监测表" not in text
    assert "88.0 显著下降" in text and "112.5 显著上升" in text  # labels on the index bars
    # the index chart around 100, one per stage with rows
    assert html.count('aria-label="监测指标发展指数"') == 2
    # another county of the same warehouse has no rows: its sections are empty, not broken
    other = visible_text((with_tables / f"110102_{YEAR}_评估报告.html").read_text())
    assert "预警（预测 2025 学年）" in other


def test_a_table_off_contract_is_refused_with_its_missing_columns(warehouse, tmp_path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "CREATE TABLE marts.monitoring_summary (year INTEGER, county_code VARCHAR, "
            "stage VARCHAR, composite_index DOUBLE, level VARCHAR)"
        )
    with duckdb.connect(str(copy), read_only=True) as con, pytest.raises(ReportDataError) as err:
        load(con, YEAR)
    assert "marts.monitoring_summary lacks column(s) indicators_risen" in str(err.value)


def _row_of(ws, title: str) -> int:
    """The 1-based row of the block heading ``title`` (the heading may carry more words)."""
    for row in ws.iter_rows():
        if isinstance(row[0].value, str) and row[0].value.startswith(title):
            return row[0].row
    raise AssertionError(f"no block {title!r} in {ws.title}")
