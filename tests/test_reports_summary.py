"""Reports of a warehouse of several counties (the hand-worked district: three counties, one
with rejected rows): the summary against the warehouse, one query per table whatever the
number of counties, and each county's own remediation and monitoring rows in its report.

The verdict after a plan comes from the plan district (tests/plan_district.py) with a plan file
whose effect is worked by hand: one county recognised with it, one still failing G4, one
without a plan."""

import shutil

import duckdb
import openpyxl
import pytest

from reports import queries
from reports.build import write_reports
from reports.queries import ReportDataError, load
from tests import district as d
from tests import plan_district as p
from tests.helpers import query, query_dicts, run_year, write_csv, write_year
from tests.report_helpers import (
    block_rows,
    lines,
    row_of,
    sheet_text,
    squeezed,
    table_rows,
    visible_text,
)

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
    assert book.sheetnames == ["各县结论", "未达标项统计", "差异系数", "动态监测"]
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
    limits = dict(query(warehouse, "SELECT DISTINCT stage, cv_limit FROM marts.coefficients"))
    assert f"虚线为上限（小学 {limits['primary']:.2f}，初中 {limits['junior']:.2f}）" in text


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
    rows = table_rows(ws, "文件", start_row=row_of(ws, "被拒绝的数据行"))
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


def test_one_query_per_table_whatever_the_number_of_counties(warehouse, tmp_path):
    """Every report of the year (three counties and the summary) against one county's: the
    same queries, one per table read, and none while the reports are written."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        every, one = CountingConnection(con), CountingConnection(con)
        assert len(write_reports(every, YEAR, tmp_path / "all")) == 3 * 2 + 2
        assert len(write_reports(one, YEAR, tmp_path / "one", "110101")) == 2
        present = load(con, YEAR).present
    # the district's warehouse has every table the reports read
    assert present == set(queries.OPTIONAL_TABLES)
    assert every.queries == one.queries
    # the core queries, the optional tables, the labels, and one look at the catalogue
    assert every.queries == len(queries.CORE_QUERIES) + len(queries.OPTIONAL_TABLES) + 2


# --- each county's remediation and monitoring, from the district's own tables ---------------


def problems_sheet(written, county):
    return openpyxl.load_workbook(written / f"{county}_{YEAR}_评估报告.xlsx")["问题清单"]


@pytest.mark.parametrize("county", COUNTIES)
def test_each_county_lists_its_own_remediation_needs(written, warehouse, county):
    ws = problems_sheet(written, county)
    needs = query_dicts(
        warehouse,
        "SELECT * FROM marts.remediation_needs WHERE year = ? AND county_code = ? "
        "ORDER BY stage DESC, school_id, indicator",
        [YEAR, county],
    )
    stage = {"primary": "小学", "junior": "初中"}
    if needs:
        rows = block_rows(ws, "化解测算：各校（学部）需补足的资源", "学校标识码")
        assert [(r["学校标识码"], r["学段"], r["指标"]) for r in rows] == [
            (n["school_id"], stage[n["stage"]], n["indicator_name"]) for n in needs
        ]
        for row, want in zip(rows, needs, strict=True):
            assert row["学校需增加（至标准）"] == pytest.approx(want["school_addition"], rel=1e-15)
            assert row["费用（至标准，元）"] == pytest.approx(want["cost_yuan"], rel=1e-15)
    else:  # 110103: its sections are incomplete, so nothing is judged below a standard
        assert "没有低于标准的学校（学部）指标。" in sheet_text(ws)
    totals = block_rows(ws, "化解测算：按学段、指标汇总", "学段")
    counted = query(
        warehouse,
        "SELECT count(*) FROM marts.remediation_county WHERE year = ? AND county_code = ?",
        [YEAR, county],
    )[0][0]
    assert len(totals) == counted == {"110101": 14, "110102": 14, "110103": 7}[county]


def test_remediation_needs_worked_by_hand(written):
    rows = {
        (r["学校标识码"], r["指标"]): r
        for r in block_rows(
            problems_sheet(written, "110101"), "化解测算：各校（学部）需补足的资源", "学校标识码"
        )
    }
    # BELOW_ONE: 600 000 yuan of equipment for 400 pupils = 1500 a pupil; the standard 2000 needs
    # 2000 × 400 − 600 000 = 200 000 yuan, 85 % of it (1700) 680 000 − 600 000 = 80 000.
    below_one = rows[(d.BELOW_ONE, "生均教学仪器设备值")]
    assert (below_one["现值"], below_one["标准"]) == (1500, 2000)
    assert below_one["缺口（至标准）"] == 200_000
    assert below_one["缺口（至85%）"] == pytest.approx(80_000, rel=1e-12)
    assert below_one["学校需增加（至标准）"] == below_one["费用（至标准，元）"] == 200_000
    # BELOW_TWO: 9 multimedia rooms for 400 pupils = 2.25 per 100 < 2.3: ceil(2.3 × 4 − 9) =
    # ceil(0.2) = 1 room at 40 000 yuan.
    below_two = rows[(d.BELOW_TWO, "每百名学生拥有网络多媒体教室数")]
    assert (below_two["学校需增加（至标准）"], below_two["费用（至标准，元）"]) == (1, 40_000)


def test_cvs_still_over_their_limit_after_the_needs(written, warehouse):
    for county in COUNTIES:
        ws = problems_sheet(written, county)
        problems = query_dicts(
            warehouse,
            "SELECT * FROM marts.remediation_cv_problems WHERE year = ? AND county_code = ? "
            "ORDER BY target, stage DESC, indicator",
            [YEAR, county],
        )
        if not problems:
            assert "补足上述缺口后，各项差异系数均不超过上限，无需追加配置。" in sheet_text(ws)
            continue
        rows = block_rows(ws, "化解测算：补足后仍超过上限的差异系数与追加配置", "目标")
        assert len(rows) == len(problems)
        for row, want in zip(rows, problems, strict=True):
            assert row["补足后差异系数"] == pytest.approx(want["cv_after_needs"], rel=1e-15)
            assert row["追加后差异系数"] == pytest.approx(want["cv_after_additions"], rel=1e-15)
            assert row["追加费用(元)"] == pytest.approx(want["extra_cost_yuan"], rel=1e-15)
        additions = query(
            warehouse,
            "SELECT count(*) FROM marts.remediation_cv_additions "
            "WHERE year = ? AND county_code = ?",
            [YEAR, county],
        )[0][0]
        assert len(block_rows(ws, "追加配置（各校）", "目标")) == additions


def test_a_year_that_is_its_own_baseline(written, warehouse):
    """One year in the warehouse: it is the baseline, so every index that exists is 100 and
    the composite 100 (基本稳定: above 98, under 102); nothing projected (one year)."""
    for county in COUNTIES:
        book = openpyxl.load_workbook(written / f"{county}_{YEAR}_评估报告.xlsx")
        ws = book["动态监测"]
        assert f"{YEAR} 学年即基期" in sheet_text(ws)
        index = block_rows(ws, "各监测指标发展指数（基期 = 100）", "学段")
        expected = query_dicts(
            warehouse,
            "SELECT * FROM marts.monitoring_index WHERE year = ? AND county_code = ? "
            "ORDER BY stage DESC, sort_order",
            [YEAR, county],
        )
        assert len(index) == len(expected) == 30
        for row, want in zip(index, expected, strict=True):
            assert row["指数"] == (None if want["index"] is None else 100)
            assert row["说明"] == want["note"]
        assert "按预测，没有学校（学部）指标将跌破标准" in sheet_text(ws)
        page = visible_text((written / f"{county}_{YEAR}_评估报告.html").read_text())
        assert f"{YEAR} 学年即动态监测的基期" in page
    # 110103's junior sections all lack data: no index at all, so no composite
    page = (written / f"110103_{YEAR}_评估报告.html").read_text()
    junior = query_dicts(
        warehouse,
        "SELECT * FROM marts.monitoring_summary WHERE county_code = '110103' AND stage = 'junior'",
    )[0]
    assert junior["composite_index"] is None and junior["indicators_with_index"] == 0
    assert "— 初中综合发展指数" in visible_text(page)


def test_summary_monitoring(written, warehouse):
    rows = table_rows(openpyxl.load_workbook(written / f"{YEAR}_汇总.xlsx")["动态监测"], "区县代码")
    expected = query_dicts(
        warehouse,
        "SELECT * FROM marts.monitoring_summary WHERE year = ? ORDER BY county_code, stage DESC",
        [YEAR],
    )
    stage = {"primary": "小学", "junior": "初中"}
    assert [(r["区县代码"], r["学段"], r["综合发展指数"], r["等级"]) for r in rows] == [
        (m["county_code"], stage[m["stage"]], m["composite_index"], m["level_name"])
        for m in expected
    ]
    page = (written / f"{YEAR}_汇总.html").read_text(encoding="utf-8")
    assert 'id="monitoring"' in page and "<code>marts.monitoring_summary</code>" in page


def test_no_plan_this_year(written):
    """The plan tables exist but hold no row: the report says no plan was given, and claims no
    verdict after one."""
    for county in COUNTIES:
        page = visible_text((written / f"{county}_{YEAR}_评估报告.html").read_text())
        assert f"{YEAR} 学年未提供化解计划" in page
        assert "化解后达标" not in page and "化解计划实施后仍未达标" not in page
        sheet = sheet_text(problems_sheet(written, county))
        assert f"{YEAR} 学年未提供化解计划（化解计划.csv）" in sheet


# --- the verdict after a plan (the plan district) ------------------------------------------

PLAN_HEADER = ["学校标识码", "学段", "措施", "数量", "说明"]
PLAN = [
    # 160102: 16 + 4 = 20 backbone teachers for 2000 pupils = 1.0 per 100, the standard; 18
    # classes for 900 junior pupils ≥ ceil(900 / 50) = 18, so no oversized class. BIG's 2100
    # pupils (over 2000) stay: G4 still fails.
    [p.SHORT2, "小学", "补充县级及以上骨干教师", 4, ""],
    [p.CROWDED2, "初中", "增加班级", 0, ""],
    # 160103: 100 pupils from BIG3 (2100) to OTHER: 2000 ≤ 2000, G4 met, nothing else fails.
    [p.BIG3, "小学", "学生调整", -100, ""],
    [p.OTHER, "小学", "学生调整", 100, ""],
]


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    root = tmp_path_factory.mktemp("plan_inputs")
    year_dir = write_year(root, YEAR, p.district())
    write_csv(
        year_dir / "化解计划.csv",
        [dict(zip(PLAN_HEADER, r, strict=True)) for r in PLAN],
        PLAN_HEADER,
    )
    path = tmp_path_factory.mktemp("plan_wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    out = tmp_path_factory.mktemp("plan_reports")
    with duckdb.connect(str(path), read_only=True) as con:
        write_reports(con, YEAR, out)
    return out


def test_plan_verdict_is_worded_met_after_remedy_only_when_recognised(planned):
    # 160103 has primary schools only: 33 items (no junior CV), all met with the plan
    recognised = squeezed((planned / f"{p.MOVE}_{YEAR}_评估报告.html").read_text())
    assert "化解后达标，全部 33 项评估指标达标（现状结论仍为“未达标”）" in recognised
    still = squeezed((planned / f"{p.SOME}_{YEAR}_评估报告.html").read_text())
    assert "化解后达标" not in still
    assert "化解计划实施后仍未达标，33/34 项达标；仍未达标：学校规模" in still
    without = visible_text((planned / f"{p.ROUND_TRIP}_{YEAR}_评估报告.html").read_text())
    assert "化解后达标" not in without and f"{YEAR} 学年未提供化解计划" in without
    book = openpyxl.load_workbook(planned / f"{p.MOVE}_{YEAR}_评估报告.xlsx")
    assert lines(book["概览"])["化解计划实施后"] == "化解后达标"
    book = openpyxl.load_workbook(planned / f"{p.SOME}_{YEAR}_评估报告.xlsx")
    assert lines(book["概览"])["计划实施后未达标项"] == "学校规模"
    summary = openpyxl.load_workbook(planned / f"{YEAR}_汇总.xlsx")
    plans = {
        r["区县代码"]: r["化解计划实施后"] for r in table_rows(summary["各县结论"], "区县代码")
    }
    assert plans == {p.ROUND_TRIP: None, p.SOME: "化解计划实施后仍未达标", p.MOVE: "化解后达标"}
    page = visible_text((planned / f"{YEAR}_汇总.html").read_text())
    assert "1 化解后达标" in page


def test_without_a_plan_anywhere_the_summary_has_no_plan_column(written):
    summary = openpyxl.load_workbook(written / f"{YEAR}_汇总.xlsx")
    assert "化解计划实施后" not in table_rows(summary["各县结论"], "区县代码")[0]


def test_a_table_off_contract_is_refused_with_its_missing_columns(warehouse, tmp_path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("ALTER TABLE marts.monitoring_summary DROP COLUMN indicators_risen")
    with duckdb.connect(str(copy), read_only=True) as con, pytest.raises(ReportDataError) as err:
        load(con, YEAR)
    assert "marts.monitoring_summary lacks column(s) indicators_risen" in str(err.value)
