"""DOMAIN.md §6, monitoring and early warning, on the hand-worked counties of
tests/monitoring_district.py.

Three school years run through the real job into one DuckDB file; the settings tests re-run 2024
on a copy with a province's reference files. Every expected number is worked out in a comment.
"""

import shutil

import pytest

from schemas.reference_data import BUNDLED_DIR
from tests import guarantee_district as g
from tests import monitoring_district as m
from tests import oracle
from tests.helpers import query, query_dicts, run_year, write_year


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    for year, files in m.district().items():
        write_year(root, year, files)
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    for year in m.YEARS:
        assert run_year(root, path, year).success
    return root, path


@pytest.fixture(scope="module")
def warehouse(built):
    return built[1]


def index(path, county, indicator, year=2024, stage="primary"):
    rows = query_dicts(
        path,
        "SELECT * FROM marts.monitoring_index WHERE year = ? AND county_code = ? AND stage = ? "
        "AND indicator = ?",
        [year, county, stage, indicator],
    )
    assert len(rows) == 1, (county, indicator)
    return rows[0]


def summary(path, county, year=2024, stage="primary"):
    return query_dicts(
        path,
        "SELECT * FROM marts.monitoring_summary WHERE year = ? AND county_code = ? AND stage = ?",
        [year, county, stage],
    )[0]


def projection(path, school_id, year=2024, stage="primary"):
    return query_dicts(
        path,
        "SELECT * FROM indicators.student_projections WHERE year = ? AND school_id = ? "
        "AND stage = ?",
        [year, school_id, stage],
    )[0]


def backbone_cv(path, county, year=2024, stage="primary"):
    return query(
        path,
        "SELECT cv FROM marts.coefficients WHERE year = ? AND county_code = ? AND stage = ? "
        "AND indicator = 'backbone_teachers_per100'",
        [year, county, stage],
    )[0][0]


def warnings_of(path, county, year=2024):
    return query_dicts(
        path,
        "SELECT * FROM marts.early_warnings WHERE year = ? AND county_code = ? "
        "ORDER BY kind, school_id, indicator",
        [year, county],
    )


# --- key indicators ---------------------------------------------------------------------------


def test_key_indicators_pool_the_evaluated_sections(warehouse):
    # County 120001 in 2024: S1 150 students 1000 m², S2 120 / 1100, S3 50 / 300, S5 100 / 1200
    # → 3600 m² / 420 students = 8.571428…; S2's one mental-health teacher: 1 × 1000 / 420;
    # that teacher has 本科, one level above primary's 专科: 1 of 1 teacher = 100 %.
    rows = {
        r["indicator"]: r
        for r in query_dicts(
            warehouse,
            "SELECT * FROM indicators.key_indicators WHERE year = 2024 AND county_code = ? "
            "AND stage = 'primary'",
            [m.DECOMPOSITION],
        )
    }
    assert len(rows) == 15
    # The sections behind them carry the 11 resource indicators only (DOMAIN.md §6); the four
    # quality indicators are county figures.
    section_indicators = query(
        warehouse,
        "SELECT school_id, count(*), count(DISTINCT indicator) FROM "
        "indicators.key_indicator_sections WHERE year = 2024 AND county_code = ? "
        "AND stage = 'primary' GROUP BY school_id ORDER BY school_id",
        [m.DECOMPOSITION],
    )
    assert len(section_indicators) == 4 and {(n, d) for _, n, d in section_indicators} == {(11, 11)}
    assert {
        indicator
        for (indicator,) in query(
            warehouse, "SELECT DISTINCT indicator FROM indicators.key_indicator_sections"
        )
    } == {
        *oracle.INDICATORS,  # the seven of §1
        "mid_title_teachers_per100",
        "mental_health_teachers_per1000",
        "higher_degree_teachers_pct",
        "public_funds_per_student",
    }
    area = rows["teaching_area_per_student"]
    assert (area["resource"], area["students"], area["sections"]) == (3600.0, 420, 4)
    assert area["value"] == pytest.approx(3600 / 420, rel=1e-15) and area["per_student"]
    mental = rows["mental_health_teachers_per1000"]
    assert (mental["resource"], mental["value"]) == (1.0, pytest.approx(1000 / 420, rel=1e-15))
    degree = rows["higher_degree_teachers_pct"]
    assert (degree["resource"], degree["denominator"], degree["value"]) == (1.0, 1, 100.0)
    # The same teacher is titled 一级: 1 × 100 / 420. Funds: 800 yuan × 420 / 420 students.
    assert rows["mid_title_teachers_per100"]["value"] == pytest.approx(100 / 420, rel=1e-15)
    assert rows["public_funds_per_student"]["value"] == 800.0
    assert {r["note"] for r in rows.values() if r["kind"] == "resource"} == {None}
    assert not degree["per_student"] and not rows["school_gap"]["higher_is_better"]
    # No junior section: every junior row says so.
    assert query(
        warehouse,
        "SELECT DISTINCT value, note FROM indicators.key_indicators WHERE year = 2024 AND "
        "county_code = ? AND stage = 'junior' AND kind = 'resource'",
        [m.DECOMPOSITION],
    ) == [(None, "该学段无参评学校")]


def key_indicator(path, county, indicator, year=2024, stage="primary"):
    return query_dicts(
        path,
        "SELECT * FROM indicators.key_indicators WHERE year = ? AND county_code = ? "
        "AND stage = ? AND indicator = ?",
        [year, county, stage, indicator],
    )[0]


def test_per_student_is_true_or_false_for_every_key_indicator(warehouse):
    # Per student: the resource indicators but the share of higher-degree teachers (whose
    # denominator is teachers); never NULL, so `WHERE NOT per_student` finds the quality ones.
    rows = query(
        warehouse,
        "SELECT DISTINCT indicator, kind, per_student FROM indicators.key_indicators "
        "ORDER BY indicator",
    )
    assert len(rows) == 15
    expected = {
        indicator: kind == "resource" and indicator != "higher_degree_teachers_pct"
        for indicator, kind, _ in rows
    }
    assert {indicator: per_student for indicator, _, per_student in rows} == expected
    assert sum(expected.values()) == 10


def test_key_indicator_notes_say_what_is_missing(warehouse):
    def got(county, indicator, **kw):
        row = key_indicator(warehouse, county, indicator, **kw)
        return row["value"], row["data_complete"], row["note"]

    # 120012 in 2024: P2 has no facilities row: teaching area from P1 alone, 585 / 100.
    assert got(m.PARTIAL, "teaching_area_per_student") == (
        5.85,
        False,
        "1 个参评学段缺少该指标的数据, 未计入",
    )
    # Teachers: P1 6 qualified, P2 5 (its 暂缺 row rejected) → 11 × 100 / 200, data incomplete.
    assert got(m.PARTIAL, "qualified_teachers_per100") == (
        5.5,
        False,
        "数据不完整: 有缺失或被拒绝的输入行",
    )
    assert got(m.PARTIAL, "public_funds_per_student") == (None, False, "参评学段均缺少该指标的数据")
    assert got(m.PARTIAL, "school_gap")[1:] == (False, "数据不完整: 差异系数未判定")
    # One school without teachers: the share of higher-degree teachers is 0 / 0.
    assert got("130101", "higher_degree_teachers_pct") == (None, True, "分母为 0, 指标无定义")
    # 120001: no junior section; of the primary CVs only teaching area and qualified teachers
    # have a mean above 0.
    assert got(m.DECOMPOSITION, "teaching_area_per_student", stage="junior") == (
        None,
        False,
        "该学段无参评学校",
    )
    assert got(m.DECOMPOSITION, "school_gap", stage="junior") == (None, False, "该学段无差异系数")
    assert got(m.DECOMPOSITION, "school_gap") == (None, True, "差异系数不全 (2 / 7 有定义)")
    assert got(m.LATE, "academic_quality_pct", year=2023) == (
        None,
        False,
        "县级指标 academic_quality_pct 缺失或被拒绝",
    )
    assert got(m.LATE, "academic_quality_pct") == (92.0, True, None)
    # Items are the county's own: 120001 reports none, though 120003 does.
    assert got(m.DECOMPOSITION, "academic_quality_pct") == (
        None,
        False,
        "县级指标 academic_quality_pct 缺失或被拒绝",
    )
    # L1's data is complete, but it has no finance row in 2024: no public funds to pool, and
    # the indicator is not complete.
    assert got(m.LATE, "public_funds_per_student") == (None, False, "参评学段均缺少该指标的数据")


def test_pooled_resource_indicators_are_the_cv_means(warehouse):
    # X̄ of §1 (Σ nᵢxᵢ / N) is the same pooled ratio as the key indicator (Σ resource / Σ n).
    rows = query(
        warehouse,
        "SELECT k.value, c.county_value FROM indicators.key_indicators k "
        "JOIN marts.coefficients c USING (year, county_code, stage, indicator)",
    )
    assert len(rows) > 100
    for value, county_value in rows:
        assert value == pytest.approx(county_value, rel=1e-12)


# --- index and levels -------------------------------------------------------------------------

# index = (2024 area / 100) / (baseline area / 100) × 100, as floats; level on the index rounded
# to 9 decimals: ≥ 110 significant_rise, ≥ 102 rise, > 98 stable, > 90 fall, else significant_fall.
BANDS = [
    ("130101", 110.00000000000001, "significant_rise"),  # 5.5 / 5.0: 1.1 is not exact in binary
    ("130102", 109.99999999999999, "significant_rise"),  # 5.533 / 5.03, rounds to 110
    ("130103", 110.1, "significant_rise"),  # 5.505 / 5.0
    ("130104", 109.89999999999999, "rise"),  # 5.495 / 5.0
    ("130105", 102.0, "rise"),  # 5.1 / 5.0
    ("130106", 102.00000000000003, "rise"),  # 5.202 / 5.1
    ("130107", 101.99999999999999, "rise"),  # 5.253 / 5.15, rounds to 102
    ("130108", 101.89999999999999, "stable"),  # 5.095 / 5.0
    ("130109", 98.10000000000001, "stable"),  # 4.905 / 5.0
    ("130110", 98.00000000000001, "fall"),  # 4.9 / 5.0, rounds to 98: not above 98
    ("130111", 98.0, "fall"),  # 4.949 / 5.05
    ("130112", 97.99999999999999, "fall"),  # 5.047 / 5.15
    ("130113", 90.10000000000001, "fall"),  # 4.505 / 5.0
    ("130114", 90.00000000000001, "significant_fall"),  # 4.536 / 5.04, rounds to 90
    ("130115", 90.0, "significant_fall"),  # 4.5 / 5.0
    ("130116", 89.99999999999999, "significant_fall"),  # 4.509 / 5.01
]


@pytest.mark.parametrize(("county", "expected", "level"), BANDS)
def test_levels_at_and_around_each_cut_point(warehouse, county, expected, level):
    before, latest = m.BAND_CASES[county]
    assert (latest / 100) / (before / 100) * 100 == expected  # the float the district makes
    row = index(warehouse, county, "teaching_area_per_student")
    assert (row["baseline_year"], row["baseline_value"]) == (2022, before / 100)
    assert row["index"] == expected and row["level"] == level
    # Students did not change: all of the change is resource growth.
    assert row["student_growth_pct"] == 0.0
    assert row["resource_growth_pct"] == pytest.approx((latest / before - 1) * 100, rel=1e-12)
    # The only index of the county (the other indicators have no resource), so the composite
    # is the same number and takes the same level.
    composite = summary(warehouse, county)
    assert composite["composite_index"] == expected and composite["level"] == level
    assert composite["indicators_with_index"] == 1


def test_level_names_and_groups(warehouse):
    row = index(warehouse, "130101", "teaching_area_per_student")
    assert (row["level_name"], row["movement"]) == ("显著上升", "risen")
    row = index(warehouse, "130116", "teaching_area_per_student")
    assert (row["level_name"], row["movement"]) == ("显著下降", "fallen")
    assert index(warehouse, "130109", "teaching_area_per_student")["movement"] == "stable"


def test_lower_is_better_school_gap(warehouse):
    # 120002: each of the 7 CVs is (k − 1) / (k + 1) for the school pair (x, kx), equal students:
    # 2022 k = 3 → 0.5; 2024 k = 2 → 1/3; 2023 k = 5 → 2/3. school_gap = their mean.
    # index = baseline / value × 100: 2024 0.5 / (1/3) × 100 = 150 → significant_rise (the
    # gap shrank); 2023 0.5 / (2/3) × 100 = 75 → significant_fall.
    rise = index(warehouse, m.GAP, "school_gap")
    assert rise["higher_is_better"] is False
    assert rise["baseline_value"] == pytest.approx(0.5, rel=1e-12)
    assert rise["value"] == pytest.approx(1 / 3, rel=1e-12)
    assert rise["index"] == pytest.approx(150, rel=1e-12) and rise["level"] == "significant_rise"
    assert rise["note"] is None
    fall = index(warehouse, m.GAP, "school_gap", year=2023)
    assert fall["index"] == pytest.approx(75, rel=1e-12) and fall["level"] == "significant_fall"
    assert (
        fall["note"]
        == "校际差异(差异系数均值)发展指数 75.0 (显著下降, 2022 年 0.5 → 2023 年 0.6667)"
    )
    # The resource indicators of the same county: (1 + 2) / (1 + 3) × 100 = 75, the other way:
    # G2's 3 backbone teachers became 2, for the same 100 students (a fall without new schools).
    backbone = index(warehouse, m.GAP, "backbone_teachers_per100")
    assert backbone["index"] == pytest.approx(75, rel=1e-12)
    assert backbone["note"] == (
        "每百名学生拥有县级及以上骨干教师数发展指数 75.0 (显著下降, 2022 年 2 → 2024 年 1.5): "
        "学生 +0.0%, 县级及以上骨干教师 -25.0%; "
        "降幅主要来自 学校002(学生 +0.0%, 县级及以上骨干教师 -33.3%)"
    )


def test_lower_is_better_index_of_a_zero_value_is_undefined(warehouse):
    # 120011: the gap falls from 0.5 to 0 (equal schools); 0.5 / 0 has no value.
    row = index(warehouse, m.GAP_ZERO, "school_gap")
    assert (row["value"], row["index"], row["level"]) == (0.0, None, None)
    assert row["note"] == "本年值为 0, 越低越好的指标指数无定义"


def test_missing_baseline_is_null_with_the_reason(warehouse):
    # 120003 is in the warehouse from 2023: its baseline is 2023 (the county's earliest year),
    # where academic_quality_pct was not reported and physical_health_pct was 0.
    quality = index(warehouse, m.LATE, "academic_quality_pct")
    assert (quality["baseline_year"], quality["baseline_value"], quality["value"]) == (
        2023,
        None,
        92.0,
    )
    assert (quality["index"], quality["level"]) == (None, None)
    assert (
        quality["note"] == "无基准: 2023 年无该指标数值: 县级指标 academic_quality_pct 缺失或被拒绝"
    )
    health = index(warehouse, m.LATE, "physical_health_pct")
    assert (health["baseline_value"], health["value"], health["index"]) == (0.0, 90.0, None)
    assert health["note"] == "基准值为 0 (2023 年), 指数无定义"
    # Not reported this year either: the reason is this year's.
    recognition = index(warehouse, m.LATE, "social_recognition_pct")
    assert recognition["note"].startswith("无基准: 2023 年无该指标数值")
    # Public funds: 80 000 / 100 = 800 yuan in 2023, no finance row in 2024.
    funds = index(warehouse, m.LATE, "public_funds_per_student")
    assert (funds["baseline_value"], funds["value"], funds["index"]) == (800.0, None, None)
    assert funds["note"] == "本年无该指标数值: 参评学段均缺少该指标的数据"
    late = summary(warehouse, m.LATE)
    assert "academic_quality_pct" in late["without_index"]
    assert "physical_health_pct" in late["without_index"]


def test_the_baseline_year_itself_is_100(warehouse):
    row = index(warehouse, m.DECOMPOSITION, "teaching_area_per_student", year=2022)
    assert (row["baseline_year"], row["index"], row["level"], row["note"]) == (
        2022,
        100.0,
        "stable",
        None,
    )


# --- why it moved -----------------------------------------------------------------------------

TEACHING_AREA_NOTE = (
    "生均教学及辅助用房面积发展指数 85.7 (显著下降, 2022 年 10 → 2024 年 8.571): "
    "学生 +5.0%, 教学及辅助用房面积 -10.0%; "
    "降幅主要来自 学校01(学生 +50.0%, 教学及辅助用房面积 +0.0%)、"
    "学校02(学生 +20.0%, 教学及辅助用房面积 +10.0%); "
    "基准年后新增学校 1 所(学生 50 人); 基准年后撤并或不再参评学校 1 所(基准年学生 100 人)"
)


def test_growth_decomposition_names_the_schools_behind_a_fall(warehouse):
    # 2022: S1, S2, S4, S5 with 100 students and 1000 m² each → 4000 / 400 = 10.
    # 2024: S1 150 / 1000, S2 120 / 1100, S3 (new) 50 / 300, S5 100 / 1200 → 3600 / 420.
    # index = (3600 / 420) / 10 × 100 = 85.714 → significant_fall (≤ 90);
    # resources 3600 / 4000 − 1 = −10 %, students 420 / 400 − 1 = +5 %; 0.9 / 1.05 = 0.857.
    # Each school: its area change minus what its student change needed at the baseline's
    # 10 m²: S1 0 − 10 × 50 = −500, S2 100 − 10 × 20 = −100, S5 200 − 0 = +200 (not a fall).
    row = index(warehouse, m.DECOMPOSITION, "teaching_area_per_student")
    assert row["index"] == pytest.approx(3600 / 420 / 10 * 100, rel=1e-12)
    assert row["level"] == "significant_fall"
    assert row["resource_growth_pct"] == pytest.approx(-10, rel=1e-12)
    assert row["student_growth_pct"] == pytest.approx(5, rel=1e-12)
    assert row["note"] == TEACHING_AREA_NOTE


def test_a_school_opened_after_the_baseline_is_not_a_fall(warehouse):
    # S3 opened in 2024 with 6 m² per student, below the county's 10: counted as a fall it would
    # stand between S1 (−500) and S2 (−100) with 300 − 10 × 50 = −200. It is not named; it is
    # counted among the new schools, and S4 (closed) among the schools gone.
    note = index(warehouse, m.DECOMPOSITION, "teaching_area_per_student")["note"]
    named = note.split("降幅主要来自 ")[1].split(";")[0]
    assert named.startswith("学校01(") and "、学校02(" in named and "学校03" not in named
    assert "学校05" not in named and "学校04" not in named


def test_a_section_without_the_resource_at_either_end(warehouse):
    # Mental-health teachers: S2 has the county's only one. 2022: 1 × 1000 / 400 = 2.5; 2024:
    # 1000 / 420 = 2.381 → index 95.238 → fall. S1 had none and has none while it grew by 50
    # students: 0 − (1 / 400) × 50 = −0.125, S2 0 − (1 / 400) × 20 = −0.05, S5 0 (not < 0).
    row = index(warehouse, m.DECOMPOSITION, "mental_health_teachers_per1000")
    assert row["index"] == pytest.approx((1000 / 420) / (1000 / 400) * 100, rel=1e-12)
    assert row["level"] == "fall"
    assert (
        "降幅主要来自 学校01(学生 +50.0%, 心理健康教师 0 → 0)、"
        "学校02(学生 +20.0%, 心理健康教师 +0.0%);" in row["note"]
    )


def test_each_stage_of_an_integrated_school_is_explained_in_its_stage(warehouse):
    # B9: 2100 m², shares 100 : 110 in 2022 (1000 / 1100 m² for 100 + 100 students: 10 and
    # 11) and 150 : 165 in 2024 (1000 / 1100 m² for 150 + 150: 6.667 and 7.333): both 66.7.
    # 2022 has a rejected teacher row: the comparison says its data is incomplete.
    for stage, before, after in (("primary", 10, 6.667), ("junior", 11, 7.333)):
        row = index(warehouse, m.BOTH, "teaching_area_per_student", stage=stage)
        assert row["index"] == pytest.approx(200 / 3, rel=1e-12)
        assert row["note"] == (
            f"生均教学及辅助用房面积发展指数 66.7 (显著下降, 2022 年 {before} → 2024 年 {after}): "
            "学生 +50.0%, 教学及辅助用房面积 +0.0%; "
            "降幅主要来自 九年一贯制学校B9(学生 +50.0%, 教学及辅助用房面积 +0.0%); 数据不完整"
        )
    # Not a per-student indicator: 4 of 4 primary teachers above 专科 in 2022, 2 of 4 in 2024.
    degree = index(warehouse, m.BOTH, "higher_degree_teachers_pct")
    assert (degree["index"], degree["resource_growth_pct"], degree["student_growth_pct"]) == (
        50.0,
        None,
        None,
    )
    assert degree["note"] == (
        "教师学历提升(高于规定学历一级的教师占比)发展指数 50.0 (显著下降, 2022 年 100 → 2024 年 50)"
        "; 数据不完整"
    )


def test_a_fall_computed_from_incomplete_data_says_so(warehouse):
    # 120012: 2022 P1 700 m² / 100, P2 700 / 90 → 1400 / 190 = 7.368; 2024 only P1 has
    # facilities: 585 / 100 → index 79.4. P1: (585 − 700) − 7.368 × 0 = −115.
    row = index(warehouse, m.PARTIAL, "teaching_area_per_student")
    assert row["index"] == pytest.approx(5.85 / (1400 / 190) * 100, rel=1e-12)
    assert row["note"] == (
        "生均教学及辅助用房面积发展指数 79.4 (显著下降, 2022 年 7.368 → 2024 年 5.85): "
        "学生 -47.4%, 教学及辅助用房面积 -58.2%; "
        "降幅主要来自 学校001(学生 +0.0%, 教学及辅助用房面积 -16.4%); 数据不完整"
    )


def test_summary_counts_and_composite(warehouse):
    # 120001 in 2024: qualified, mid-title and mental-health teachers 95.238 (fall), teaching
    # area 85.714 (significant_fall), higher-degree share and public funds 100 (stable); the
    # other 9 have no index (no resource in the baseline, no county items).
    row = summary(warehouse, m.DECOMPOSITION)
    expected = (3 * 400 / 420 * 100 + 3600 / 420 / 10 * 100 + 2 * 100) / 6
    assert row["composite_index"] == pytest.approx(expected, rel=1e-12)
    assert (row["level"], row["level_name"]) == ("fall", "下降")
    assert (row["indicators"], row["indicators_with_index"]) == (15, 6)
    assert (row["indicators_risen"], row["indicators_stable"], row["indicators_fallen"]) == (
        0,
        2,
        4,
    )
    assert row["fallen"] == (
        "qualified_teachers_per100, teaching_area_per_student, mid_title_teachers_per100, "
        "mental_health_teachers_per1000"
    )
    # 120002: 7 resource indices of 75, the gap 150 (risen), higher-degree share 100 (stable).
    gap = summary(warehouse, m.GAP)
    assert (gap["indicators_risen"], gap["indicators_stable"], gap["indicators_fallen"]) == (
        1,
        1,
        7,
    )
    assert gap["composite_index"] == pytest.approx((7 * 75 + 150 + 100) / 9, rel=1e-12)
    assert gap["level"] == "significant_fall"


# --- projection -------------------------------------------------------------------------------


def test_projection_is_the_least_squares_line_unrounded(warehouse):
    # F3: 100, 110, 130 in 2022-2024; x = year − 2024 = −2, −1, 0; x̄ = −1, ȳ = 340 / 3;
    # slope = ((−1)(100 − ȳ) + 0 + (1)(130 − ȳ)) / 2 = 30 / 2 = 15; at 2025 (x = 1):
    # ȳ + 15 × (1 − x̄) = 113.333 + 30 = 143.333…, not rounded.
    row = projection(warehouse, m.F3)
    assert (row["years_used"], row["first_year"], row["forecast_year"]) == (3, 2022, 2025)
    assert row["slope"] == pytest.approx(15, rel=1e-12)
    assert row["projected_students"] == pytest.approx(430 / 3, rel=1e-12)
    assert row["method"] == (
        "forecast (预测): linear_trend, least squares over 2022–2024 (3 years), evaluated at 2025"
    )
    # 2023's projection uses 2022 and 2023 only, though 2024 is in the warehouse: 110 + 10.
    assert projection(warehouse, m.F3, year=2023)["projected_students"] == pytest.approx(120)


def test_projection_needs_two_years(warehouse):
    # F4: 100, 90 in 2023-2024 → the line through both: 80 in 2025. F2: only 2024 → none.
    assert projection(warehouse, m.F4)["projected_students"] == pytest.approx(80, rel=1e-12)
    assert projection(warehouse, m.F4)["years_used"] == 2
    # Two points fix the line: its slope (90 − 100) / 1 = −10 is shown.
    assert projection(warehouse, m.F4)["slope"] == pytest.approx(-10, rel=1e-12)
    single = projection(warehouse, m.F2)
    assert (single["years_used"], single["slope"], single["projected_students"]) == (1, None, None)
    assert single["method"] == "no projection: 1 year(s) of data in the last 3, at least 2 needed"


def test_projection_never_below_zero(warehouse):
    # F1: 100, 40, 10 → ȳ = 50, slope = ((−1)(50) + (1)(−40)) / 2 = −45; at x = 1:
    # 50 − 45 × 2 = −40 → 0 students.
    row = projection(warehouse, m.F1)
    assert row["slope"] == pytest.approx(-45, rel=1e-12) and row["projected_students"] == 0.0


def test_an_integrated_school_keeps_this_years_split(warehouse):
    # F5, nine-year: primary 300 (→ 400 in 2025: 200, 300 → +100), junior 200 (→ 200).
    # 2024 shares: primary 300 / (300 + 1.1 × 200) = 300 / 520; teaching 2808 × 300 / 520 =
    # 1620 m² → 5.4 m² (met). Held: 1620 / 400 = 4.05 = 90 % of 4.5 → all_met → complies.
    # Re-split for 400 pupils it would be 2808 × 400 / 620 / 400 = 4.53: no warning at all.
    # The county's only warning: F1–F4 have no resources (their CVs have a mean of 0) and F5
    # is its only junior section (junior CVs 0, now and next year).
    (row,) = warnings_of(warehouse, m.PROJECTION)
    assert row["school_id"] == m.F5
    assert (row["stage"], row["indicator"]) == ("primary", "teaching_area_per_student")
    assert (row["students"], row["projected_students"]) == (300, 400.0)
    assert row["value"] == pytest.approx(5.4, rel=1e-12)
    assert row["projected_value"] == pytest.approx(4.05, rel=1e-12)
    assert (row["standard"], row["status"], row["projected_status"]) == (4.5, "all_met", "complies")
    assert row["warning"] == "falls below standard; all_met → complies"
    assert row["method"] == (
        "forecast (预测): linear_trend, least squares over 2023–2024 (2 years), evaluated at "
        "2025; resources held as in 2024"
    )


# --- early warnings ---------------------------------------------------------------------------


def test_status_drop_and_standard_warning_rows(warehouse):
    # 120005, 80, 90, 100 students → 110 (× 100 / 110); E4, E5 60, 80, 100 → 120 (× 100 / 120).
    # E1 teaching 4.725 (105 %) → 4.295 (95.5 %): met → not met, all_met → complies.
    # E2 sports 6.75 (90 %, complies) → 6.136 (81.8 %): under 85 %, complies → below_standard;
    #    the line crossed is 85 % of 7.5 = 6.375.
    # E3 (below_standard: sports 50 %) equipment 2100 → 1909.1 (95.5 %): falls below, no drop;
    #    its teaching 4.05 (90 %) → 3.68 (81.8 %) crosses 85 % without a drop: no row.
    # E4 teaching 4.55 (101.1 %) → 3.792 (84.3 %): all_met → below_standard, line 3.825.
    # E5 the same teaching, but below_standard already (sports 50 %): falls below, line 4.5.
    # E6 teaching 4.725 and sports 7.875 (105 %) → 95.5 %: 5 met, 2 at 85 % or more is
    #    below_standard (6 must be met), on both rows; the lines crossed are the standards.
    rows = warnings_of(warehouse, m.STATUS)
    got = [
        (r["school_id"], r["indicator"], r["standard"], r["status"], r["projected_status"],
         r["warning"])
        for r in rows
    ]  # fmt: skip
    assert got == [
        (m.E1, "teaching_area_per_student", 4.5, "all_met", "complies",
         "falls below standard; all_met → complies"),
        (m.E2, "sports_area_per_student", pytest.approx(6.375), "complies", "below_standard",
         "complies → below_standard"),
        (m.E3, "equipment_value_per_student", 2000.0, "below_standard", "below_standard",
         "falls below standard"),
        (m.E4, "teaching_area_per_student", pytest.approx(3.825), "all_met", "below_standard",
         "falls below standard; all_met → below_standard"),
        (m.E5, "teaching_area_per_student", 4.5, "below_standard", "below_standard",
         "falls below standard"),
        (m.E6, "sports_area_per_student", 7.5, "all_met", "below_standard",
         "falls below standard; all_met → below_standard"),
        (m.E6, "teaching_area_per_student", 4.5, "all_met", "below_standard",
         "falls below standard; all_met → below_standard"),
    ]  # fmt: skip
    by_school = {r["school_id"]: r for r in rows}
    assert by_school[m.E1]["projected_value"] == pytest.approx(472.5 / 110, rel=1e-12)
    assert by_school[m.E2]["projected_value"] == pytest.approx(675 / 110, rel=1e-12)
    assert by_school[m.E4]["projected_value"] == pytest.approx(455 / 120, rel=1e-12)
    assert {r["kind"] for r in rows} == {"section"}
    assert {(r["year"], r["forecast_year"]) for r in rows} == {(2024, 2025)}


def test_values_landing_on_a_line_stay_on_it(warehouse):
    # N1: 342 m² / 75 = 4.56; × 75 / 76 = 4.4999999999999991 → 0.9999999999999998 of 4.5,
    # 1 at 9 decimals: still met. N2: 306 / 70 = 4.371 (97 %, complies) → × 70 / 80 = 3.825 →
    # 0.8499999999999999 of 4.5, 0.85 at 9 decimals: still ≥ 85 %, still complies.
    assert projection(warehouse, m.N1)["projected_students"] == 76.0
    assert projection(warehouse, m.N2)["projected_students"] == 80.0
    assert warnings_of(warehouse, m.NEAR) == []


def test_cv_warning_rows(warehouse):
    # 120004: backbone 2 and 6 per 100 → X̄ 4, S 2, CV 0.5 = the limit (passes). Forecast:
    # D1 100 → 120 students (200 / 120 = 1.667), D2 100 → 80 (600 / 80 = 7.5), X̄' = 800 / 200;
    # S'² = 0.6 × (1.667 − 4)² + 0.4 × (7.5 − 4)² = 3.2667 + 4.9 = 8.1667 → CV' 0.7144 > 0.5.
    # PE/art (2 and 10 → CV 0.667) is over its limit already: no row. Other CVs go 0 → 0.204.
    (row,) = warnings_of(warehouse, m.CV_AT_LIMIT)
    assert (row["kind"], row["school_id"], row["stage"], row["indicator"]) == (
        "cv",
        None,
        "primary",
        "backbone_teachers_per100",
    )
    assert (row["students"], row["projected_students"], row["value"]) == (200, 200.0, 0.5)
    assert row["projected_value"] == pytest.approx((8 + 1 / 6) ** 0.5 / 4, rel=1e-12)
    assert (row["standard"], row["warning"]) == (0.5, "CV over limit")
    assert row["method"] == (
        "forecast (预测): linear_trend over the last 3 years, evaluated at 2025, sections "
        "without a projection at their current students; resources held as in 2024"
    )


def test_a_section_without_projection_enters_the_cv_at_its_students(warehouse):
    # 120007 = 120004 + H3 (2024 only, 50 students, backbone 4 per 100, held at 50).
    # Now: X̄ = (200 + 600 + 200) / 250 = 4, S² = (100 × 4 + 100 × 4 + 0) / 250 = 3.2,
    # CV = 1.789 / 4 = 0.447. Forecast: weights 120, 80, 50 (250); X̄' = 1000 / 250 = 4;
    # S'² = (120 × 2.333² + 80 × 3.5² + 0) / 250 = 6.5333 → CV' = 0.639 > 0.5.
    (row,) = warnings_of(warehouse, m.CV_HELD)
    assert (row["students"], row["projected_students"]) == (250, 250.0)
    assert row["value"] == pytest.approx(3.2**0.5 / 4, rel=1e-12)
    assert row["projected_value"] == pytest.approx((1633 + 1 / 3) ** 0.5 / 250**0.5 / 4, rel=1e-12)


def test_a_cv_forecast_on_its_limit_is_no_warning(warehouse):
    # 120008: K1 51 students with 1 backbone teacher (flat), K2 52 → 51 with 3: the projected
    # values are 1 and 3 per 51 on equal weights → CV' = 2 / 4 = 0.5000000000000001 in floats,
    # 0.5 at 9 decimals: not over the limit. Today's CV: 0.49 (passes).
    cv = backbone_cv(warehouse, m.CV_REACHES_LIMIT)
    assert cv == pytest.approx(0.4903, abs=1e-4)
    assert projection(warehouse, m.K2)["projected_students"] == 51.0
    assert warnings_of(warehouse, m.CV_REACHES_LIMIT) == []


def test_a_cv_today_on_its_limit_is_within_it(warehouse):
    # 120014: backbone 1 and 3 for 75 students each → CV 0.5000000000000001, 0.5 at 9
    # decimals: within its limit. Forecast: C1 85 students, C2 65 → 100 / 85 = 1.176 and
    # 300 / 65 = 4.615, X̄' = 400 / 150; S'² = (85 × 1.490² + 65 × 1.949²) / 150 → CV' 0.639.
    (row,) = warnings_of(warehouse, m.CV_NEAR_NOW)
    assert (row["indicator"], row["value"]) == ("backbone_teachers_per100", 0.5000000000000001)
    a, b, mean = 100 / 85, 300 / 65, 400 / 150
    cv = ((85 * (a - mean) ** 2 + 65 * (b - mean) ** 2) / 150) ** 0.5 / mean
    assert row["projected_value"] == pytest.approx(cv, rel=1e-12)


def test_a_section_projected_to_no_students_leaves_the_cvs(warehouse):
    # 120015: X2 goes 300, 180, 60 → −60 → 0 students. With no students it has no value: it
    # leaves the weights and, with the resources it holds, the mean; X1 alone has every CV 0.
    # Today backbone 2 and 5 per 100 for 100 and 60 students: X̄ = 500 / 160 = 3.125,
    # S² = (100 × 1.125² + 60 × 1.875²) / 160 = 2.109, CV 0.465 (within). Were X2's 300 kept in
    # the mean, X̄' = 500 / 100 = 5 and X1 alone would be |2 − 5| / 5 = 0.6 over the limit.
    assert projection(warehouse, m.X2)["projected_students"] == 0.0
    cv = backbone_cv(warehouse, m.EMPTYING)
    assert cv == pytest.approx(2.109375**0.5 / 3.125, rel=1e-12)
    assert warnings_of(warehouse, m.EMPTYING) == []


def test_a_stage_whose_sections_with_the_resource_all_empty_has_no_projected_cv(warehouse):
    # 120016: backbone 0 per 100 at Y1 (100 students, flat) and 1 at Y2 (500 → 0): today
    # X̄ = 500 / 600, S² = (100 × (5/6)² + 500 × (1/6)²) / 600 = 5/36, CV = √5/6 / (5/6) = 0.447.
    # Next year only Y1 weighs and it has none: X̄' = 0, the CV is undefined, not a warning.
    assert projection(warehouse, m.Y2)["projected_students"] == 0.0
    cv = backbone_cv(warehouse, m.EMPTY_MEAN)
    assert cv == pytest.approx(0.2**0.5, rel=1e-12)
    assert warnings_of(warehouse, m.EMPTY_MEAN) == []


def test_a_projected_cv_around_a_mean_of_one(warehouse):
    # 120017: one backbone teacher for 100 students at M1 and M2 today (CV 0); next year 150
    # and 50 students: values 100 / 150 and 100 / 50, X̄' = 200 / 200 = 1 exactly,
    # S'² = (150 × (1/3)² + 50 × 1²) / 200 = 1/3 → CV' = 0.577 > 0.5. Every other CV too.
    rows = [r for r in warnings_of(warehouse, m.MEAN_ONE) if r["kind"] == "cv"]
    assert len(rows) == 7
    (backbone,) = [r for r in rows if r["indicator"] == "backbone_teachers_per100"]
    assert (backbone["value"], backbone["projected_students"]) == (0.0, 200.0)
    assert backbone["projected_value"] == pytest.approx(3**-0.5, rel=1e-12)


def test_a_section_with_incomplete_data_gets_no_warning(warehouse):
    # 120012: P2 (no facilities row, a rejected teacher) has 1 backbone teacher for 100 students
    # (the standard) and grows 90 → 100 → 105: 0.952 would fall below, but its status is
    # incomplete. It is judged when its data is.
    assert projection(warehouse, m.P2)["projected_students"] == pytest.approx(105, rel=1e-12)
    assert warnings_of(warehouse, m.PARTIAL) == []


def test_only_changes_are_listed(warehouse):
    # In 2024 nothing else would cross a line: the decomposition, gap, late, band and near
    # counties have no warning, and each county above lists only its own cases.
    counties = query(
        warehouse, "SELECT DISTINCT county_code FROM marts.early_warnings WHERE year = 2024"
    )
    assert sorted(c for (c,) in counties) == [
        m.CV_AT_LIMIT,
        m.STATUS,
        m.PROJECTION,
        m.CV_HELD,
        m.CV_NEAR_NOW,
        m.MEAN_ONE,
    ]


# --- settings ---------------------------------------------------------------------------------

OTHER_BANDS = """level,label_zh,lower_bound,lower_bound_inclusive,movement,sort_order
rise,上升,105.0,true,risen,10
stable,持平,95.0,true,stable,20
fall,下降,,false,fallen,30
"""


def _rerun_2024(built, tmp_path, monkeypatch, settings: dict, files: dict | None = None):
    """Copy the warehouse and re-run 2024 with a province's settings (and other files)."""
    root, path = built
    override = tmp_path / "province"
    override.mkdir()
    lines = (BUNDLED_DIR / "settings.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        name, value = line.split(",")[:2]
        if name in settings:
            lines[i] = line.replace(f"{name},{value},", f"{name},{settings[name]},", 1)
    (override / "settings.csv").write_text("".join(lines), encoding="utf-8")
    for name, text in (files or {}).items():
        (override / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("JUNHENG_REFERENCE_DIR", str(override))
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(path, copy)
    return run_year(root, copy, 2024), copy


@pytest.fixture(scope="module")
def province(built, tmp_path_factory):
    """2024 re-run with baseline 2023, one school named, a 2-year window and other bands."""
    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp("province")
    settings = {
        "monitoring_baseline_year": "2023",
        "monitoring_top_schools": "1",
        "projection_window_years": "2",
    }
    result, copy = _rerun_2024(
        built, tmp_path, monkeypatch, settings, {"monitoring_levels.csv": OTHER_BANDS}
    )
    monkeypatch.undo()
    assert result.success
    return copy


def test_another_baseline_year_and_fewer_schools_named(province):
    # Against 2023: S1 125 / 1000, S2 110 / 1050, S4 100 / 1000, S5 100 / 1100 → 4150 / 435.
    # index = (3600 / 420) / (4150 / 435) × 100 = 89.845; under the province's bands (< 95) a
    # fall. S1: 0 − 9.540 × 25 = −238.5; S2: 50 − 9.540 × 10 = −45.4: only S1 is named.
    row = index(province, m.DECOMPOSITION, "teaching_area_per_student")
    assert (row["baseline_year"], row["baseline_value"]) == (2023, pytest.approx(4150 / 435))
    assert row["index"] == pytest.approx((3600 / 420) / (4150 / 435) * 100, rel=1e-12)
    assert (row["level"], row["level_name"]) == ("fall", "下降")
    assert row["note"] == (
        "生均教学及辅助用房面积发展指数 89.8 (下降, 2023 年 9.54 → 2024 年 8.571): "
        "学生 -3.4%, 教学及辅助用房面积 -13.3%; "
        "降幅主要来自 学校01(学生 +20.0%, 教学及辅助用房面积 +0.0%); "
        "基准年后新增学校 1 所(学生 50 人); 基准年后撤并或不再参评学校 1 所(基准年学生 100 人)"
    )
    # The late county now has its 2023 baseline for every indicator it reported in 2023 too.
    assert index(province, m.LATE, "teaching_area_per_student")["index"] == 100.0


@pytest.mark.parametrize(
    ("county", "level"),
    [
        ("130101", "rise"),  # 110.00000000000001 ≥ 105
        ("130104", "rise"),  # 109.9
        ("130108", "stable"),  # 101.9 ≥ 95
        ("130111", "stable"),  # 98.0
        ("130113", "fall"),  # 90.1 < 95
        ("130116", "fall"),  # 89.99999999999999
    ],
)
def test_other_bands(province, county, level):
    # The band counties have the same area in 2022 and 2023, so the indices are unchanged.
    assert index(province, county, "teaching_area_per_student")["level"] == level
    assert summary(province, county)["level"] == level


def test_another_projection_window(province):
    # Window 2: F3's line through (2023, 110), (2024, 130) → 150 in 2025 (143.3 with 3 years).
    row = projection(province, m.F3)
    assert (row["years_used"], row["first_year"]) == (2, 2023)
    assert row["projected_students"] == pytest.approx(150, rel=1e-12)
    # F4 has exactly the 2 years needed.
    assert projection(province, m.F4)["projected_students"] == pytest.approx(80, rel=1e-12)


def test_a_baseline_year_the_county_lacks(built, tmp_path, monkeypatch):
    # Baseline 2022 for everyone: the late county has no 2022.
    result, copy = _rerun_2024(built, tmp_path, monkeypatch, {"monitoring_baseline_year": "2022"})
    assert result.success
    row = index(copy, m.LATE, "teaching_area_per_student")
    assert (row["baseline_year"], row["index"], row["level"]) == (2022, None, None)
    assert row["note"] == "无基准: 2022 年无该县数据"
    assert summary(copy, m.LATE)["composite_index"] is None


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("monitoring_baseline_year", "first", "monitoring_baseline_year must be earliest or a"),
        ("projection_method", "quadratic", "projection_method must be linear_trend; got"),
        ("projection_min_years", "1", "projection_min_years must be 2 or more"),
    ],
)
def test_an_invalid_setting_fails_the_year_clearly(
    built, tmp_path, monkeypatch, setting, value, message
):
    result, _ = _rerun_2024(built, tmp_path, monkeypatch, {setting: value})
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    error, messages = failure.step_failure_data.error, []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    assert any(message in text for text in messages), messages


# --- the optional county items ----------------------------------------------------------------


def test_monitoring_items_are_validated_like_the_other_county_items(tmp_path):
    files = g.district()
    files["county"] += [
        {"county_code": g.PASS, "item": "academic_quality_pct", "value": "120", "note": ""},
        {"county_code": g.PASS, "item": "physical_health_pct", "value": "0.93", "note": ""},
        {"county_code": g.FAIL, "item": "academic_quality_pct", "value": "88.5", "note": ""},
    ]
    write_year(tmp_path / "in", 2024, files)
    assert run_year(tmp_path / "in", tmp_path / "w.duckdb", 2024).success
    rejected = query(
        tmp_path / "w.duckdb",
        "SELECT value, rule, message FROM audit.rejected_rows WHERE file_kind = 'county' "
        "ORDER BY value",
    )
    assert [(v, r) for v, r, _ in rejected] == [("0.93", "value_type"), ("120", "value_type")]
    assert "item 'academic_quality_pct' needs a percent between 0 and 100" in rejected[1][2]
    assert query(
        tmp_path / "w.duckdb",
        "SELECT value_number FROM staging.county_items WHERE item = 'academic_quality_pct'",
    ) == [(88.5,)]


def test_monitoring_items_do_not_enter_the_verdict(tmp_path):
    # The same counties with and without the two items (one county reports very low ones):
    # every item and verdict is the same.
    plain, with_items = g.district(), g.district()
    with_items["county"] += [
        {"county_code": g.PASS, "item": "academic_quality_pct", "value": "12", "note": ""},
        {"county_code": g.PASS, "item": "physical_health_pct", "value": "3", "note": ""},
    ]
    tables = {}
    for name, files in (("plain", plain), ("with_items", with_items)):
        write_year(tmp_path / name, 2024, files)
        assert run_year(tmp_path / name, tmp_path / f"{name}.duckdb", 2024).success
        tables[name] = [
            query(tmp_path / f"{name}.duckdb", f"SELECT * FROM marts.{t} ORDER BY ALL")
            for t in ("county_compliance", "county_verdict")
        ]
    assert tables["plain"] == tables["with_items"]
    verdict = query(
        tmp_path / "with_items.duckdb",
        "SELECT verdict FROM marts.county_verdict WHERE county_code = ?",
        [g.PASS],
    )
    assert verdict == [("recognised",)]
