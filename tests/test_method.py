"""DOMAIN.md §1 on a hand-worked district: every expected number is worked out in the comments.

The district (tests/district.py) runs through the real job into a DuckDB file once per module.
"""

import pytest

from tests import district as d
from tests.helpers import query, query_dicts, run_year, write_year
from tests.oracle import INDICATORS

YEAR = 2024


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, YEAR, d.district())
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    result = run_year(root, path, YEAR)
    assert result.success
    return path


def section(warehouse, school_id, stage):
    rows = query_dicts(
        warehouse,
        "SELECT * FROM indicators.school_sections WHERE year = ? AND school_id = ? AND stage = ?",
        [YEAR, school_id, stage],
    )
    assert len(rows) == 1, (school_id, stage)
    return rows[0]


def status(warehouse, school_id, stage):
    rows = query_dicts(
        warehouse,
        "SELECT * FROM marts.school_compliance WHERE year = ? AND school_id = ? AND stage = ?",
        [YEAR, school_id, stage],
    )
    return rows[0] if rows else None


def coefficient(warehouse, county, stage, indicator):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.coefficients WHERE year = ? AND "
        "county_code = ? AND stage = ? AND indicator = ?",
        [YEAR, county, stage, indicator],
    )[0]


def assert_values(row, expected):
    for column, value in expected.items():
        assert row[column] == pytest.approx(value, rel=1e-12), column


def test_single_stage_primary_all_seven_indicators(warehouse):
    # 400 students; 20 teachers: 18 with 专科 or higher (2 高中 are not) → 18×100/400 = 4.5;
    # backbone 4 (县级) → 4×100/400 = 1.0; PE/art 2 体育 + 1 音乐 + 1 美术 = 4 → 1.0;
    # teaching (2200 − 200 indoor)/400 = 5.0; sports (2800 + 200 indoor)/400 = 7.5;
    # equipment 1 000 000/400 = 2500; multimedia 10×100/400 = 2.5.
    row = section(warehouse, d.P1, "primary")
    assert row["resource_share"] == 1.0 and row["evaluated"] and row["data_complete"]
    assert (row["teachers"], row["qualified_teachers"]) == (20, 18)
    assert_values(
        row,
        {
            "qualified_teachers_per100": 4.5,
            "backbone_teachers_per100": 1.0,
            "pe_art_teachers_per100": 1.0,
            "teaching_area_per_student": 5.0,
            "sports_area_per_student": 7.5,
            "equipment_value_per_student": 2500.0,
            "multimedia_rooms_per100": 2.5,
        },
    )


def test_values_exactly_at_the_standard_meet_it(warehouse):
    # P1's backbone 1.0 (standard 1.0) and sports area 7.5 (standard 7.5) sit exactly on it.
    rows = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "SELECT indicator, value, standard, met FROM marts.school_indicator_compliance"
            " WHERE year = ? AND school_id = ? AND stage = 'primary'",
            [YEAR, d.P1],
        )
    }
    assert rows["backbone_teachers_per100"] == (1.0, 1.0, True)
    assert rows["sports_area_per_student"] == (7.5, 7.5, True)
    assert status(warehouse, d.P1, "primary")["status"] == "all_met"


def test_nine_year_split_one_to_one_point_one(warehouse):
    # A = 300 primary, B = 200 junior: weighted 300 and 1.1×200 = 220, total 520.
    # Shares 300/520 and 220/520. Teaching 5200 m² → primary 5200×300/520/300 = 10.0,
    # junior 5200×220/520/200 = 11.0; sports 10 400 → 20.0 / 22.0; equipment 2 600 000 →
    # 5000 / 5500; multimedia 26 → 26×(300/520)×100/300 = 5.0 / 26×(220/520)×100/200 = 5.5.
    primary, junior = section(warehouse, d.N9, "primary"), section(warehouse, d.N9, "junior")
    assert primary["resource_share"] == pytest.approx(300 / 520)
    assert junior["resource_share"] == pytest.approx(220 / 520)
    assert_values(
        primary,
        {
            "teaching_area_per_student": 10.0,
            "sports_area_per_student": 20.0,
            "equipment_value_per_student": 5000.0,
            "multimedia_rooms_per100": 5.0,
        },
    )
    assert_values(
        junior,
        {
            "teaching_area_per_student": 11.0,
            "sports_area_per_student": 22.0,
            "equipment_value_per_student": 5500.0,
            "multimedia_rooms_per100": 5.5,
        },
    )


def test_teachers_counted_by_the_stage_they_teach_not_split(warehouse):
    # N9 primary: 15 teachers, all 本科 → 15×100/300 = 5.0; 3 county backbone → 1.0;
    # 3 体育与健康 → 1.0. Junior: 14 teachers, 12 本科 (the 2 专科 do not count in junior)
    # → 12×100/200 = 6.0; 2 city backbone → 1.0; 2 音乐 → 1.0.
    assert_values(
        section(warehouse, d.N9, "primary"),
        {
            "qualified_teachers_per100": 5.0,
            "backbone_teachers_per100": 1.0,
            "pe_art_teachers_per100": 1.0,
        },
    )
    assert_values(
        section(warehouse, d.N9, "junior"),
        {
            "qualified_teachers_per100": 6.0,
            "backbone_teachers_per100": 1.0,
            "pe_art_teachers_per100": 1.0,
        },
    )


def test_twelve_year_split_with_senior_weight_one_point_three_two(warehouse):
    # A = B = C = 100: weighted 100, 110, 132; total 342. Teaching 3420 → primary
    # 3420×(100/342)/100 = 10.0, junior 3420×(110/342)/100 = 11.0; equipment 3 420 000 →
    # 10 000 / 11 000; multimedia 36 → 36×100/342 = 10.526… / 36×110/342 = 11.578….
    # Senior teachers (5) count nowhere; primary 6 teachers/100 = 6.0, junior 6 (硕士 counts).
    primary, junior = section(warehouse, d.T12, "primary"), section(warehouse, d.T12, "junior")
    assert primary["resource_share"] == pytest.approx(100 / 342)
    assert junior["resource_share"] == pytest.approx(110 / 342)
    assert_values(
        primary,
        {
            "teaching_area_per_student": 10.0,
            "equipment_value_per_student": 10000.0,
            "multimedia_rooms_per100": 36 * 100 / 342,
            "qualified_teachers_per100": 6.0,
        },
    )
    assert_values(
        junior,
        {
            "teaching_area_per_student": 11.0,
            "equipment_value_per_student": 11000.0,
            "multimedia_rooms_per100": 36 * 110 / 342,
            "qualified_teachers_per100": 6.0,
        },
    )


def test_complete_middle_school_split_one_to_one_point_two(warehouse):
    # B = 240 junior, C = 200 senior: weighted 240 and 1.2×200 = 240 → junior share 0.5.
    # Teaching 4800×0.5/240 = 10.0; sports 6000×0.5/240 = 12.5; equipment 1 800 000×0.5/240
    # = 3750; multimedia 20×0.5×100/240 = 4.1667. 14 junior teachers: 14×100/240 = 5.8333;
    # 3 national backbone → 1.25; 3 艺术 → 1.25.
    junior = section(warehouse, d.CM, "junior")
    assert junior["resource_share"] == pytest.approx(0.5)
    assert_values(
        junior,
        {
            "teaching_area_per_student": 10.0,
            "sports_area_per_student": 12.5,
            "equipment_value_per_student": 3750.0,
            "multimedia_rooms_per100": 1000 / 240,
            "qualified_teachers_per100": 1400 / 240,
            "backbone_teachers_per100": 1.25,
            "pe_art_teachers_per100": 1.25,
        },
    )
    assert not query(
        warehouse,
        "SELECT * FROM indicators.school_sections WHERE school_id = ? AND stage = 'senior'",
        [d.CM],
    )  # senior is not a section


def test_exclusions_stay_in_the_table_with_their_reason(warehouse):
    small, big = section(warehouse, d.TP_SMALL, "primary"), section(warehouse, d.TP_BIG, "primary")
    assert not small["evaluated"] and "fewer than 50" in small["exclusion_reason"]
    assert big["evaluated"] and big["exclusion_reason"] is None  # 60 ≥ 50
    for stage in ("primary", "junior"):
        special = section(warehouse, d.SPECIAL, stage)
        assert not special["evaluated"] and "special education" in special["exclusion_reason"]
        assert status(warehouse, d.SPECIAL, stage) is None  # never judged
    # Excluded sections never enter the CV: county 110101 primary counts 9 evaluated sections
    # (P1, COMPLIES, BELOW_ONE, BELOW_TWO, N9, T12, TP_BIG, N0, BOUNDARY).
    assert (
        coefficient(warehouse, "110101", "primary", "equipment_value_per_student")["sections"] == 9
    )


def test_zero_students_stage_is_excluded_and_the_other_stage_takes_all(warehouse):
    # N0: 200 primary, 0 junior → primary share 200/(200 + 1.1×0) = 1; junior excluded.
    # Equipment 400 000/200 = 2000 = the primary standard exactly.
    primary, junior = section(warehouse, d.N0, "primary"), section(warehouse, d.N0, "junior")
    assert primary["resource_share"] == 1.0
    assert junior["resource_share"] == 0.0 and not junior["evaluated"]
    assert junior["exclusion_reason"] == "no students in this stage"
    # No division by zero: DuckDB's x / 0 is inf or NaN, never an error, so a missing guard
    # would show here as a number, not as a crash.
    assert all(junior[code] is None for code in INDICATORS), junior
    assert_values(
        primary, {"equipment_value_per_student": 2000.0, "qualified_teachers_per100": 4.5}
    )
    assert status(warehouse, d.N0, "primary")["status"] == "all_met"


def test_float_noise_at_the_standard_cannot_flip_the_verdict(warehouse):
    # A = 55, B = 52: junior equipment = 255 000 × 1.1×52/(55 + 1.1×52) / 52
    #   = 255 000 × 1.1 / 112.2 = 2500 exactly in real numbers; in floating point
    #   DuckDB computes 2499.9999999999995, which a plain `value >= 2500` would fail.
    junior = section(warehouse, d.BOUNDARY, "junior")
    assert junior["equipment_value_per_student"] == pytest.approx(2500.0, abs=1e-9)
    met = query(
        warehouse,
        "SELECT met FROM marts.school_indicator_compliance WHERE year = ? "
        "AND school_id = ? AND stage = 'junior' AND indicator = "
        "'equipment_value_per_student'",
        [YEAR, d.BOUNDARY],
    )
    assert met == [(True,)]


@pytest.mark.parametrize(
    ("school_id", "expected"),
    [
        # P1: all 7 meet.
        (d.P1, ("all_met", 7, 0)),
        # Equipment 720 000/400 = 1800 = 90 % of 2000: 6 met, the 7th ≥ 85 % → complies.
        (d.COMPLIES, ("complies", 6, 0)),
        # Equipment 600 000/400 = 1500 = 75 % of 2000: 6 met, one under 85 % → below.
        (d.BELOW_ONE, ("below_standard", 6, 1)),
        # Equipment 1800 (90 %) and multimedia 9×100/400 = 2.25 (97.8 % of 2.3): 5 met → below.
        (d.BELOW_TWO, ("below_standard", 5, 0)),
    ],
)
def test_status_classes(warehouse, school_id, expected):
    row = status(warehouse, school_id, "primary")
    assert (row["status"], row["indicators_met"], row["indicators_under_85"]) == expected
    assert row["complies"] == (expected[0] in ("all_met", "complies"))


def test_weighted_cv_passes_where_unweighted_dispersion_would_fail(warehouse):
    # DOMAIN.md §1's formula on 100, 200, 100 students with 1, 11, 7 backbone teachers →
    # x = 1, 5.5, 7 per 100. X̄ = (1 + 11 + 7)×100/400 = 4.75.
    # Deviations −3.75, 0.75, 2.25; squares 14.0625, 0.5625, 5.0625.
    # Weighted: S² = 0.25·14.0625 + 0.5·0.5625 + 0.25·5.0625 = 3.515625 + 0.28125 + 1.265625
    #   = 5.0625 → S = 2.25; CV = 2.25/4.75 = 0.473684… ≤ 0.50 → passes.
    # Unweighted around X̄: S² = 19.6875/3 = 6.5625 → S = 2.5617, CV = 0.5393 > 0.50 (fails);
    # unweighted mean 4.5 as well: S² = (12.25 + 1 + 6.25)/3 = 6.5, CV = 0.5666 (fails).
    row = coefficient(warehouse, "110102", "primary", "backbone_teachers_per100")
    assert (row["sections"], row["students"]) == (3, 400)
    assert_values(row, {"county_value": 4.75, "std_dev": 2.25, "cv": 2.25 / 4.75})
    assert row["cv_limit"] == 0.5 and row["passed"] is True and row["data_complete"]


def test_cv_over_the_junior_limit_fails(warehouse):
    # J1, J2: 100 students each with 1 and 3 backbone teachers → 1 and 3 per 100.
    # X̄ = 2; S = sqrt(0.5·1 + 0.5·1) = 1; CV = 0.5 > 0.45 → fails.
    row = coefficient(warehouse, "110102", "junior", "backbone_teachers_per100")
    assert_values(row, {"county_value": 2.0, "std_dev": 1.0, "cv": 0.5, "cv_limit": 0.45})
    assert row["passed"] is False


def test_cv_of_identical_sections_is_zero_and_undefined_when_mean_is_zero(warehouse):
    # Teaching area 500/100 = 1000/200 = 5 m² in all three primary schools → CV 0.
    row = coefficient(warehouse, "110102", "primary", "teaching_area_per_student")
    assert row["cv"] == 0.0 and row["passed"] is True
    # No PE/art teachers anywhere: X̄ = 0, the CV is undefined, not passed and not failed.
    row = coefficient(warehouse, "110102", "primary", "pe_art_teachers_per100")
    assert row["county_value"] == 0.0 and row["cv"] is None and row["passed"] is None
    assert "undefined" in row["note"]


def test_rejected_input_flags_the_section_and_the_county(warehouse):
    rejected = section(warehouse, d.REJECTED_TEACHER, "primary")
    assert not rejected["data_complete"] and "teachers" in rejected["incomplete_reason"]
    # 5 accepted teachers count, the rejected one does not: 5×100/100 = 5.0.
    assert rejected["qualified_teachers_per100"] == 5.0
    assert status(warehouse, d.REJECTED_TEACHER, "primary")["status"] == "incomplete"
    row = coefficient(warehouse, "110103", "primary", "qualified_teachers_per100")
    assert row["data_complete"] is False and row["passed"] is None
    assert row["incomplete_sections"] == 2


def test_missing_facilities_row_is_never_computed_from_zeros(warehouse):
    row = section(warehouse, d.NO_FACILITIES, "primary")
    assert not row["data_complete"] and "no facilities row" in row["incomplete_reason"]
    for indicator in (
        "teaching_area_per_student",
        "sports_area_per_student",
        "equipment_value_per_student",
        "multimedia_rooms_per100",
    ):
        assert row[indicator] is None
    assert row["qualified_teachers_per100"] == 5.0  # teachers are still known
    compliance = status(warehouse, d.NO_FACILITIES, "primary")
    assert (compliance["status"], compliance["indicators_missing"]) == ("incomplete", 4)


def test_complete_counties_are_judged(warehouse):
    rows = query(
        warehouse,
        "SELECT DISTINCT data_complete FROM marts.coefficients "
        "WHERE year = ? AND county_code IN ('110101', '110102')",
        [YEAR],
    )
    assert rows == [(True,)]
