"""The bundled sample end to end: the warehouse agrees with an independent oracle, every status
class and a failing CV appear, and 2024 reproduces the figures seed 002 publishes."""

from collections import Counter

import pytest

from assets.resources import DEFAULT_INPUT
from tests import oracle
from tests.helpers import query, query_dicts, run_year

YEARS = (2022, 2023, 2024)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "junheng.duckdb"
    for year in YEARS:
        assert run_year(DEFAULT_INPUT, path, year).success
    return path


def item(warehouse, year, code):
    return query_dicts(
        warehouse, "SELECT * FROM marts.county_compliance WHERE year = ? AND item = ?", [year, code]
    )[0]


@pytest.mark.parametrize("year", YEARS)
def test_sections_match_the_oracle(warehouse, year):
    expected = {(s["school_id"], s["stage"]): s for s in oracle.sections(DEFAULT_INPUT / str(year))}
    rows = query_dicts(warehouse, "SELECT * FROM indicators.school_sections WHERE year = ?", [year])
    assert {(r["school_id"], r["stage"]) for r in rows} == set(expected)
    for row in rows:
        want = expected[(row["school_id"], row["stage"])]
        assert row["evaluated"] == want["evaluated"]
        assert row["resource_share"] == pytest.approx(want["resource_share"], rel=1e-12)
        for indicator in oracle.INDICATORS:
            assert row[indicator] == pytest.approx(want[indicator], rel=1e-12), indicator


@pytest.mark.parametrize("year", YEARS)
def test_statuses_and_cvs_match_the_oracle(warehouse, year):
    expected = oracle.statuses(DEFAULT_INPUT / str(year))
    rows = query(
        warehouse,
        "SELECT school_id, stage, status, indicators_met, indicators_under_85 "
        "FROM marts.school_compliance WHERE year = ?",
        [year],
    )
    assert {(s, st): (status, met, under) for s, st, status, met, under in rows} == {
        k: (v["status"], v["met"], v["under_85"]) for k, v in expected.items()
    }
    cvs = oracle.coefficients(DEFAULT_INPUT / str(year))
    rows = query(
        warehouse,
        "SELECT county_code, stage, indicator, cv, passed FROM marts.coefficients WHERE year = ?",
        [year],
    )
    assert len(rows) == len(cvs) == 14
    for county, stage, indicator, cv, passed in rows:
        want = cvs[(county, stage, indicator)]
        assert cv == pytest.approx(want["cv"], rel=1e-9) and passed == want["passed"]


@pytest.mark.parametrize("year", YEARS)
def test_the_cv_items_name_the_largest_cv_and_what_failed(warehouse, year):
    # From the oracle's CVs: the largest of each stage, and the ones over the limit named.
    cvs = oracle.coefficients(DEFAULT_INPUT / str(year))
    for stage, limit in (("primary", 0.50), ("junior", 0.45)):
        mine = {k[2]: v for k, v in cvs.items() if k[1] == stage}
        expected = f"最大差异系数 {max(v['cv'] for v in mine.values()):.3f}, 上限 {limit:.2f}"
        # The sample's only CV over its limit: 2022, junior backbone teachers (see below).
        over = mine["backbone_teachers_per100"]
        if not over["passed"]:
            expected += f"; 超限: 每百名学生拥有县级及以上骨干教师数 {over['cv']:.3f}"
        assert item(warehouse, year, f"cv_{stage}")["detail"] == expected


def test_every_status_class_and_a_failing_cv_appear(warehouse):
    statuses = {
        s for (s,) in query(warehouse, "SELECT DISTINCT status FROM marts.school_compliance")
    }
    assert statuses == {"all_met", "complies", "below_standard"}
    failing = query(
        warehouse, "SELECT year, stage, indicator FROM marts.coefficients WHERE NOT passed"
    )
    assert failing == [(2022, "junior", "backbone_teachers_per100")]


def test_2024_classification_is_seed_002s(warehouse):
    # Seed 002: 87 schools all met, 3 comply, 2 with 5 met and 2 ≥ 85 %, 23 with 6 met and 1
    # under 85 %.
    rows = dict(
        query(
            warehouse,
            "SELECT status || ':' || indicators_met || ':' || "
            "indicators_under_85, count(*) FROM marts.school_compliance WHERE year = 2024 "
            "GROUP BY ALL",
        )
    )
    assert rows == {
        "all_met:7:0": 87,
        "complies:6:0": 3,
        "below_standard:5:0": 2,
        "below_standard:6:1": 23,
    }
    # The county item counts them the same way: 87 + 3 + 2 + 23 = 115, the 2 below standard
    # with no indicator under 85 % named apart.
    assert item(warehouse, 2024, "school_compliance")["detail"] == (
        "115 个参评学段: 87 所7项均达标, 3 所6项达标且余项≥85%, 25 所未达标 (其中 2 所余项均≥85%)"
    )


def test_2024_reproduces_seed_002_figures(warehouse):
    # Seed 002 publishes: rotation 191 of 1463 (13.1 %), 41 backbone among them (21.5 %);
    # quotas 3027 of 4325 (70 %); retention 11587 / (11556 + 356 + 121 − 323 − 122 − 1) = 100 %;
    # disabled 676 / 676; salaries 16.59 vs 15.34 (10 000 yuan); satisfaction 86.51 %;
    # 2239 primary classes with 1104 standard (49.3 %), 949 junior with 810 (85.4 %);
    # 9508 teachers, all certified.
    assert item(warehouse, 2024, "G11")["detail"] == (
        "191 / 1463 = 13.06% ≥ 10%; 骨干教师 41 / 191 = 21.47% ≥ 20%"
    )
    assert round(item(warehouse, 2024, "G11")["value"], 1) == 13.1
    g14 = item(warehouse, 2024, "G14")
    assert g14["detail"].startswith("3027 / 4325 = 69.99% ≥ 50%") and round(g14["value"]) == 70
    assert item(warehouse, 2024, "Q1")["detail"] == (
        "11587 / (11556 + 356 + 121 − 323 − 122 − 1) = 11587 / 11587 = 100.00% ≥ 95% (公式: cohort)"
    )
    assert item(warehouse, 2024, "Q2")["detail"] == "676 / 676 = 100.00% ≥ 95%"
    assert item(warehouse, 2024, "G8")["detail"] == "教师年平均工资 16.59 万元 ≥ 公务员 15.34 万元"
    assert item(warehouse, 2024, "recognition")["detail"] == "综合满意度 86.51% ≥ 85%"
    assert item(warehouse, 2024, "G5")["detail"].startswith(
        "小学班级 2239 个, 标准班额 1104 个, 占比 49.3%; "
        "初中班级 949 个, 标准班额 810 个, 占比 85.4%"
    )
    assert (
        item(warehouse, 2024, "G12")["detail"]
        == "专任教师 9508 人, 持有教师资格证 9508 人, 持证率 100.00%"
    )
    # Seed 002: 144 965 compulsory students (101 188 primary, 43 777 junior).
    assert query(
        warehouse,
        "SELECT stage, sum(students) FROM indicators.school_sections WHERE "
        "year = 2024 GROUP BY stage ORDER BY stage",
    ) == [("junior", 43777), ("primary", 101188)]


def test_2024_verdict_names_what_the_district_had_to_remedy(warehouse):
    # Seed 002 writes 化解后达标 for the 25 sections and the class sizes and 综合评定达标 for
    # school size; the warehouse reports the facts: not recognised, failing exactly those three.
    verdict = query_dicts(warehouse, "SELECT * FROM marts.county_verdict WHERE year = 2024")[0]
    assert (verdict["verdict"], verdict["failed_items"]) == (
        "not_recognised",
        "school_compliance, G4, G5",
    )


def test_source_files_recorded_with_checksums(warehouse):
    rows = query(
        warehouse,
        "SELECT year, count(*), count(DISTINCT sha256), sum(rows_rejected) "
        "FROM audit.source_files GROUP BY year ORDER BY year",
    )
    # Eight contract files a year; the plan (化解计划) exists only in 2024 (a missing file is
    # recorded without a checksum).
    assert rows == [(2022, 8, 7, 0), (2023, 8, 7, 0), (2024, 8, 8, 0)]


@pytest.mark.parametrize("year", YEARS)
def test_key_indicators_match_the_oracle(warehouse, year):
    # The 15 key indicators of DOMAIN.md §6 per stage, recomputed from the files by the oracle.
    expected = oracle.key_indicators(DEFAULT_INPUT / str(year))
    rows = query(
        warehouse,
        "SELECT county_code, stage, indicator, value FROM indicators.key_indicators WHERE year = ?",
        [year],
    )
    assert len(rows) == len(expected) == 30
    for county, stage, indicator, value in rows:
        assert value == pytest.approx(expected[(county, stage, indicator)], rel=1e-9), indicator


def test_2024_index_against_2022_matches_the_oracle(warehouse):
    # index = 2024 / 2022 × 100 (2022 / 2024 for school_gap, lower is better), default bands.
    base = oracle.key_indicators(DEFAULT_INPUT / "2022")
    now = oracle.key_indicators(DEFAULT_INPUT / "2024")
    rows = query_dicts(warehouse, "SELECT * FROM marts.monitoring_index WHERE year = 2024")
    assert len(rows) == 30 and {r["baseline_year"] for r in rows} == {2022}
    for row in rows:
        key = (row["county_code"], row["stage"], row["indicator"])
        ratio = base[key] / now[key] if row["indicator"] == "school_gap" else now[key] / base[key]
        assert row["index"] == pytest.approx(ratio * 100, rel=1e-9), key
        assert row["level"] == oracle.monitoring_level(ratio * 100), key
    # The junior backbone teachers crowded into three schools in 2022 (see generate.py) fell.
    fallen = {r["indicator"] for r in rows if r["movement"] == "fallen"}
    assert fallen == {"backbone_teachers_per100", "sports_area_per_student"}
    composite = dict(
        query(warehouse, "SELECT stage, level FROM marts.monitoring_summary WHERE year = 2024")
    )
    assert composite == {"primary": "rise", "junior": "rise"}


def test_2024_plan_fixes_everything_but_school_size(warehouse):
    # Seed 002: 25 sections and the class sizes "化解后达标"; school size accepted by review
    # ("综合评定达标"), which no addition gives. The sample's plan (sample_data/2024/化解计划.csv,
    # written by `junheng plan --target complies`) leaves exactly G4.
    after = query(
        warehouse, "SELECT verdict, failed_items FROM plan.county_verdict WHERE year = 2024"
    )
    assert after == [("not_recognised", "G4")]
    changed = query(
        warehouse,
        "SELECT item, actual_passed, plan_passed FROM marts.plan_effect "
        "WHERE year = 2024 AND changed ORDER BY sort_order",
    )
    assert changed == [("school_compliance", False, True), ("G5", False, True)]
    below = query(
        warehouse, "SELECT count(*) FROM plan.school_compliance WHERE year = 2024 AND NOT complies"
    )
    assert below == [(0,)]


@pytest.mark.parametrize("year", YEARS)
def test_rooms_are_counted_in_their_own_year(warehouse, year):
    # The sample's schools are in all three years: a room row matched to every year's copy of
    # its school would count twice in 2023 and three times in 2024.
    rows = oracle.read_file(DEFAULT_INPUT / str(year), "rooms")
    reported = Counter((r["school_id"], r["room_type"]) for r in rows)
    counted = query(
        warehouse,
        "SELECT school_id, music_rooms, art_rooms FROM indicators.school_guarantee WHERE year = ?",
        [year],
    )
    assert counted and sum(reported.values()) > 0
    for school_id, music, art in counted:
        assert (music, art) == (reported[school_id, "music"], reported[school_id, "art"]), school_id


def test_2022_county_remediation_carries_the_cv_solvers_extra_teachers(warehouse):
    # 2022 junior backbone teachers: CV 0.635 now and 0.590 once its 7 sections below receive
    # their 22 teachers, over 0.45: the solver's extra additions (target all_met) are the row's
    # extra units and cost, and its method is the problem's. Every other row needs none.
    rows = query_dicts(
        warehouse,
        "SELECT * FROM marts.remediation_county WHERE year = 2022 ORDER BY stage, indicator",
    )
    extra = query(
        warehouse,
        "SELECT stage, indicator, sum(addition), sum(cost_yuan) FROM "
        "marts.remediation_cv_additions WHERE year = 2022 AND target = 'all_met' GROUP BY ALL",
    )
    [(stage, indicator, units, cost)] = extra
    [(method,)] = query(
        warehouse,
        "SELECT method FROM marts.remediation_cv_problems WHERE year = 2022 "
        "AND target = 'all_met' AND stage = ? AND indicator = ?",
        [stage, indicator],
    )
    assert (stage, indicator) == ("junior", "backbone_teachers_per100") and units > 0
    solved = [row for row in rows if row["extra_for_cv"] > 0]
    assert [(row["stage"], row["indicator"]) for row in solved] == [(stage, indicator)]
    [row] = solved
    assert (row["extra_for_cv"], row["extra_cost_yuan"], row["method"]) == (units, cost, method)
    assert units * 150_000 == cost  # whole teachers at the default unit cost
    assert (row["sections_below"], row["shortfall_total"]) == (7, 22)
    assert row["cv_before"] > row["cv_after_needs"] > row["cv_limit"] == 0.45
    others = [row for row in rows if row is not solved[0]]
    assert len(others) == 13 and all(row["extra_cost_yuan"] == 0 for row in others)


@pytest.mark.parametrize("year", YEARS)
def test_county_remediation_rows_add_up_their_years_needs_only(warehouse, year):
    # One row per CV of the year (2 stages × 7 indicators), each the sum of that year's needs of
    # its stage and indicator, and its CV once those are met: an earlier year, built into the
    # same warehouse, must not add in.
    rows = query_dicts(warehouse, "SELECT * FROM marts.remediation_county WHERE year = ?", [year])
    assert len(rows) == 14
    sums: dict = {}
    for need in query_dicts(
        warehouse, "SELECT * FROM marts.remediation_needs WHERE year = ?", [year]
    ):
        total = sums.setdefault((need["stage"], need["indicator"]), [0, 0.0, 0.0, 0.0])
        total[0] += 1
        total[1] += need["shortfall"]
        total[2] += need["cost_yuan"]
        total[3] += need["cost_to_complies_yuan"]
    after = dict(
        ((stage, indicator), cv)
        for stage, indicator, cv in query(
            warehouse,
            "SELECT stage, indicator, cv FROM needs.coefficients WHERE year = ?",
            [year],
        )
    )
    extra = {
        (stage, indicator): units
        for stage, indicator, units in query(
            warehouse,
            "SELECT stage, indicator, sum(addition) FROM marts.remediation_cv_additions "
            "WHERE year = ? AND target = 'all_met' GROUP BY ALL",
            [year],
        )
    }
    methods = dict(
        ((stage, indicator), method)
        for stage, indicator, method in query(
            warehouse,
            "SELECT stage, indicator, method FROM marts.remediation_cv_problems "
            "WHERE year = ? AND target = 'all_met'",
            [year],
        )
    )
    assert sums and len(after) == 14
    for row in rows:
        key = (row["stage"], row["indicator"])
        count, shortfall, cost, to_complies = sums.get(key, [0, 0.0, 0.0, 0.0])
        assert row["sections_below"] == count, key
        assert row["shortfall_total"] == pytest.approx(shortfall, rel=1e-12), key
        assert row["cost_yuan"] == pytest.approx(cost, rel=1e-12), key
        assert row["cost_to_complies_yuan"] == pytest.approx(to_complies, rel=1e-12), key
        assert row["cv_after_needs"] == after[key], key
        assert row["extra_for_cv"] == extra.get(key, 0), key
        within = "within the limit once the needs are met: no extra additions"
        assert row["method"] == methods.get(key, within), key


# A year's remediation and plan tables read no other year: built into a warehouse that holds
# 2022 and 2023 too, 2024's rows are those of 2024 built alone. (The monitoring tables read
# earlier years by design, and are left out.)
YEAR_ALONE_TABLES = (
    "marts.coefficients",
    "marts.county_verdict",
    "marts.remediation_needs",
    "marts.remediation_schools",
    "marts.remediation_county",
    "marts.remediation_cv_additions",
    "marts.remediation_cv_problems",
    "marts.plan_effect",
    "needs.coefficients",
    "plan.county_verdict",
)


def _same_rows(rows, expected, table):
    assert len(rows) == len(expected), table
    for row, other in zip(rows, expected, strict=True):
        for column, value in other.items():
            if isinstance(value, float):
                assert row[column] == pytest.approx(value, rel=1e-9, abs=1e-9), (table, column)
            else:
                assert row[column] == value, (table, column, other)


def test_2024s_remediation_is_the_same_with_or_without_the_earlier_years(
    warehouse, tmp_path_factory
):
    alone = tmp_path_factory.mktemp("alone") / "junheng.duckdb"
    assert run_year(DEFAULT_INPUT, alone, 2024).success
    for table in YEAR_ALONE_TABLES:
        sql = f"SELECT * FROM {table} WHERE year = 2024 ORDER BY ALL"
        _same_rows(query_dicts(warehouse, sql), query_dicts(alone, sql), table)
    # 2024 has needs and a plan, but no CV the needs leave over its limit.
    assert query(alone, "SELECT count(*) FROM marts.remediation_needs")[0][0] > 0
    assert query(alone, "SELECT count(*) FROM marts.remediation_cv_problems")[0][0] == 0
