"""Sections and counties sitting exactly on the lines of DOMAIN.md §1 and §5.

Every standard is tried at the standard and just below it, the 85 % line at and just under it,
the CV limit at, just under, just over and in float noise over it, and the resources item with
9 of 10 sections complying. Expected values are worked out in the comments; a section of 1000
students makes "per 100" a count divided by 10.
"""

import pytest

from tests.helpers import (
    enrollment,
    facilities,
    query_dicts,
    run_year,
    school,
    teachers,
    write_year,
)

YEAR = 2024
STAGE_CODE = {"primary": "小学", "junior": "初中"}
# DOMAIN.md §1 for 1000 students: teacher counts, m², yuan and rooms exactly at the standard.
AT_STANDARD = {
    "primary": {
        "qualified": 42,  # 4.2 per 100
        "backbone": 10,  # 1.0
        "pe_art": 9,  # 0.9
        "teaching": 4500.0,  # 4.5 m²
        "sports": 7500.0,  # 7.5 m²
        "equipment": 2_000_000.0,  # 2000 yuan
        "multimedia": 23,  # 2.3 per 100
    },
    "junior": {
        "qualified": 53,  # 5.3
        "backbone": 10,  # 1.0
        "pe_art": 9,  # 0.9
        "teaching": 5800.0,  # 5.8
        "sports": 10200.0,  # 10.2
        "equipment": 2_500_000.0,  # 2500
        "multimedia": 24,  # 2.4
    },
}
# One step under the standard for 1000 students; each still ≥ 85 % of it.
JUST_BELOW = {
    "primary": {
        "qualified": 41,  # 4.1 / 4.2 = 97.6 %
        "backbone": 9,  # 0.9 / 1.0 = 90 %
        "pe_art": 8,  # 0.8 / 0.9 = 88.9 %
        "teaching": 4499.0,  # 4.499 / 4.5 = 99.98 %
        "sports": 7499.0,  # 7.499 / 7.5
        "equipment": 1_999_000.0,  # 1999 / 2000
        "multimedia": 22,  # 2.2 / 2.3 = 95.7 %
    },
    "junior": {
        "qualified": 52,  # 5.2 / 5.3 = 98.1 %
        "backbone": 9,
        "pe_art": 8,
        "teaching": 5799.0,
        "sports": 10199.0,
        "equipment": 2_499_000.0,
        "multimedia": 23,  # 2.3 / 2.4 = 95.8 %
    },
}
INDICATOR = {
    "qualified": "qualified_teachers_per100",
    "backbone": "backbone_teachers_per100",
    "pe_art": "pe_art_teachers_per100",
    "teaching": "teaching_area_per_student",
    "sports": "sports_area_per_student",
    "equipment": "equipment_value_per_student",
    "multimedia": "multimedia_rooms_per100",
}

STANDARDS, NINE, TEN, CV_NOISE, CV_EXACT, CV_JUNIOR, POINTS, NO_TEACHERS = (
    "130101",
    "130102",
    "130103",
    "130104",
    "130105",
    "130106",
    "130107",
    "130108",
)
NINE_YEAR_85 = "1301010099"


def section_files(school_id, stage, county, students=1000, **amounts):
    """One single-stage school. Each teacher counts in exactly one indicator: qualified
    (本科), backbone (县级 but 高中, so not qualified) or PE/art (体育, 高中, not backbone)."""
    kind = "小学" if stage == "primary" else "初中"
    a = AT_STANDARD[stage] | amounts
    return {
        "schools": [school(school_id, kind, county=county)],
        "enrollment": [enrollment(school_id, STAGE_CODE[stage], students)],
        "teachers": teachers(school_id, stage, a["qualified"], "本科", "无", "语文")
        + teachers(school_id, stage, a["backbone"], "高中", "县级", "语文")
        + teachers(school_id, stage, a["pe_art"], "高中", "无", "体育"),
        "facilities": [
            facilities(school_id, a["teaching"], 0, a["sports"], a["equipment"], a["multimedia"])
        ],
    }


def merge(parts):
    files = {"schools": [], "enrollment": [], "teachers": [], "facilities": []}
    for part in parts:
        for name in files:
            files[name] += part[name]
    return files


def district():
    parts = []
    # 130101: for each stage, one section exactly at every standard, one per indicator just
    # below it, and the 85 % line on teaching area (3825 / 1000 / 4.5 = 0.85) and backbone
    # (17 teachers / 2000 students × 100 = 0.85 of 1.0).
    for stage, prefix in (("primary", "13010101"), ("junior", "13010102")):
        parts.append(section_files(f"{prefix}00", stage, STANDARDS))
        for number, key in enumerate(JUST_BELOW[stage], start=1):
            parts.append(
                section_files(
                    f"{prefix}{number:02d}", stage, STANDARDS, **{key: JUST_BELOW[stage][key]}
                )
            )
        at_85 = 0.85 * AT_STANDARD[stage]["teaching"]  # 3825 / 4930 m²
        parts.append(section_files(f"{prefix}20", stage, STANDARDS, teaching=at_85))
        parts.append(section_files(f"{prefix}21", stage, STANDARDS, teaching=at_85 - 1))
        doubled = {k: v * 2 for k, v in AT_STANDARD[stage].items()}
        parts.append(
            section_files(f"{prefix}22", stage, STANDARDS, 2000, **(doubled | {"backbone": 17}))
        )
    parts.append(nine_year_at_85_in_float_noise())
    # 130102: 9 of 10 sections comply → 90 %, the item fails. 130103: 9 all_met + 1 complies
    # → all 10 comply → the item passes.
    for number in range(10):
        last = number == 9
        below = {"qualified": 41, "backbone": 9} if last else {}  # 5 met → below_standard
        parts.append(section_files(f"1301020{number:03d}", "primary", NINE, **below))
        mild = {"qualified": 41} if last else {}  # 6 met, the 7th ≥ 85 % → complies
        parts.append(section_files(f"1301030{number:03d}", "primary", TEN, **mild))
    parts += cv_counties()
    parts += teaching_points()
    # 130108: a primary school whose teachers file has no row for it (a new school, staff not
    # yet assigned): every teacher count is 0, not missing.
    no_staff = section_files("1301080001", "primary", NO_TEACHERS)
    parts.append(no_staff | {"teachers": []})
    # and a primary school with no pupil this year: its one section has no resource share.
    parts.append(section_files("1301080002", "primary", NO_TEACHERS, students=0))
    return merge(parts)


def teaching_points():
    """DOMAIN.md §1: a teaching point is evaluated from 50 students; 130107 has one of 50 and
    one of 49 (teaching_point_min_students = 50)."""
    parts = []
    for sid, students, kind in (
        ("1301070050", 50, "教学点"),
        ("1301070049", 49, "教学点"),
        ("1301070149", 49, "小学"),  # the 50 is for teaching points only
    ):
        parts.append(
            {
                "schools": [school(sid, kind, county=POINTS)],
                "enrollment": [enrollment(sid, "小学", students)],
                "teachers": teachers(sid, "primary", 3, "本科", "县级", "体育"),
                "facilities": [facilities(sid, 500, 0, 800, 150_000, 2)],
            }
        )
    return parts


def nine_year_at_85_in_float_noise():
    """A nine-year school, 200 primary and 106 junior students, 538 220 yuan of equipment.

    Weighted students 200 + 1.1 × 106 = 316.6; the primary share 200 / 316.6 and
    538 220 × 200 / 316.6 / 200 = 538 220 / 316.6 = 1700 yuan exactly (538 220 = 1700 × 200
    + 1870 × 106), which is 0.85 of 2000. In floating point it comes out 1699.9999999999998.
    Everything else comfortably meets its standard.
    """
    sid = NINE_YEAR_85
    return {
        "schools": [school(sid, "九年一贯制学校", county=STANDARDS)],
        "enrollment": [enrollment(sid, "小学", 200), enrollment(sid, "初中", 106)],
        "teachers": teachers(sid, "primary", 9, "本科", "县级", "体育")
        + teachers(sid, "junior", 6, "本科", "县级", "体育"),
        "facilities": [facilities(sid, 10_000, 0, 20_000, 538_220, 40)],
    }


def cv_pair(prefix, county, stage, students, backbone, pe_art=(0, 0), qualified=(0, 0)):
    """Two sections of ``students`` each; the CV tests read one indicator at a time."""
    parts = []
    for i in range(2):
        sid = f"{prefix}{i}"
        parts.append(
            {
                "schools": [school(sid, STAGE_CODE[stage], county=county)],
                "enrollment": [enrollment(sid, STAGE_CODE[stage], students)],
                "teachers": teachers(sid, stage, backbone[i], "高中", "县级", "语文")
                + teachers(sid, stage, pe_art[i], "高中", "无", "体育")
                + teachers(sid, stage, qualified[i], "本科", "无", "语文"),
                "facilities": [facilities(sid, 5000, 0, 10000, 2_500_000, 30)],
            }
        )
    return parts


def cv_counties():
    return (
        # 130104 primary: 501 students each, 15 and 5 backbone → exactly 3 : 1, CV 0.5 in
        # exact arithmetic, 0.5000000000000001 in floating point.
        cv_pair("130104000", CV_NOISE, "primary", 501, (15, 5))
        # 130105 primary, 1000 each: backbone 30 / 10 → 3.0, 1.0; X̄ = 2, S = 1, CV = 0.5
        # exactly (at the limit). PE 31 / 10 → CV = 21/41 = 0.5122 (over). Qualified 29 / 10 →
        # CV = 19/39 = 0.4872 (under).
        + cv_pair("130105000", CV_EXACT, "primary", 1000, (30, 10), (31, 10), (29, 10))
        # 130105 junior, 1006 each: backbone 29 / 11 → CV = 18/40 = 0.45 exactly in floats too.
        + cv_pair("130105100", CV_EXACT, "junior", 1006, (29, 11), (31, 10), (29, 12))
        # 130106 junior, 1002 each: backbone 29 / 11 → 0.45, computed 0.45000000000000007.
        + cv_pair("130106000", CV_JUNIOR, "junior", 1002, (29, 11))
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, YEAR, district())
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    return path


def compliance(warehouse, school_id, stage):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.school_compliance WHERE year = ? AND school_id = ? AND stage = ?",
        [YEAR, school_id, stage],
    )[0]


def indicator(warehouse, school_id, stage, code):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.school_indicator_compliance "
        "WHERE year = ? AND school_id = ? AND stage = ? AND indicator = ?",
        [YEAR, school_id, stage, code],
    )[0]


def coefficient(warehouse, county, stage, code):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.coefficients "
        "WHERE year = ? AND county_code = ? AND stage = ? AND indicator = ?",
        [YEAR, county, stage, code],
    )[0]


def county_item(warehouse, county, item):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.county_compliance WHERE year = ? AND county_code = ? AND item = ?",
        [YEAR, county, item],
    )[0]


@pytest.mark.parametrize("stage", ["primary", "junior"])
def test_every_value_exactly_at_its_standard_meets_it(warehouse, stage):
    prefix = "13010101" if stage == "primary" else "13010102"
    for key, code in INDICATOR.items():
        row = indicator(warehouse, f"{prefix}00", stage, code)
        # per 100: count × 100 / 1000 students; per student: amount / 1000 students.
        per = 10 if key in ("qualified", "backbone", "pe_art", "multimedia") else 1000
        assert row["value"] == pytest.approx(AT_STANDARD[stage][key] / per, rel=1e-12), code
        assert (row["ratio_to_standard"], row["met"]) == (pytest.approx(1.0), True), code
    assert compliance(warehouse, f"{prefix}00", stage)["status"] == "all_met"


@pytest.mark.parametrize("stage", ["primary", "junior"])
@pytest.mark.parametrize("key", list(INDICATOR))
def test_just_below_a_standard_is_not_met_but_complies(warehouse, stage, key):
    # Moving a standard down past the value (4.2 → 4.0 for qualified primary: 4.1 ≥ 4.0) or
    # up past the section at the standard would change one of these two tests.
    prefix = "13010101" if stage == "primary" else "13010102"
    number = list(INDICATOR).index(key) + 1
    school_id = f"{prefix}{number:02d}"
    row = indicator(warehouse, school_id, stage, INDICATOR[key])
    assert (row["met"], row["at_least_85"]) == (False, True)
    assert 0.85 < row["ratio_to_standard"] < 1
    status = compliance(warehouse, school_id, stage)
    assert (status["indicators_met"], status["indicators_under_85"], status["status"]) == (
        6,
        0,
        "complies",
    )


@pytest.mark.parametrize("stage", ["primary", "junior"])
def test_exactly_85_percent_complies_and_just_under_does_not(warehouse, stage):
    prefix = "13010101" if stage == "primary" else "13010102"
    # Teaching area 3825 m² / 1000 / 4.5 = 0.85 (junior 4930 / 1000 / 5.8 = 0.85).
    row = indicator(warehouse, f"{prefix}20", stage, "teaching_area_per_student")
    assert (row["met"], row["at_least_85"]) == (False, True)
    assert compliance(warehouse, f"{prefix}20", stage)["status"] == "complies"
    # 3824 m² / 1000 / 4.5 = 0.8498 (junior 4929 / 5800 = 0.8498): under 85 %.
    row = indicator(warehouse, f"{prefix}21", stage, "teaching_area_per_student")
    assert (row["met"], row["at_least_85"]) == (False, False)
    status = compliance(warehouse, f"{prefix}21", stage)
    assert (status["indicators_met"], status["indicators_under_85"], status["status"]) == (
        6,
        1,
        "below_standard",
    )
    # 17 backbone teachers × 100 / 2000 students = 0.85 of 1.0.
    row = indicator(warehouse, f"{prefix}22", stage, "backbone_teachers_per100")
    assert row["value"] == 0.85 and (row["met"], row["at_least_85"]) == (False, True)
    assert compliance(warehouse, f"{prefix}22", stage)["status"] == "complies"


def test_float_noise_at_85_percent_cannot_flip_the_status(warehouse):
    row = indicator(warehouse, NINE_YEAR_85, "primary", "equipment_value_per_student")
    assert row["value"] < 1700  # the noise is really there: 1699.9999999999998
    assert row["value"] == pytest.approx(1700, rel=1e-12)
    assert (row["met"], row["at_least_85"]) == (False, True)
    assert compliance(warehouse, NINE_YEAR_85, "primary")["status"] == "complies"


def test_nine_of_ten_sections_complying_fails_the_resources_item(warehouse):
    # 9 all_met + 1 below_standard: (9 + 0) × 100 / 10 = 90 % < 100 %.
    row = county_item(warehouse, NINE, "school_compliance")
    assert (row["value"], row["threshold"], row["passed"]) == (90.0, 100.0, False)
    # 9 all_met + 1 complies: (9 + 1) × 100 / 10 = 100 %.
    row = county_item(warehouse, TEN, "school_compliance")
    assert (row["value"], row["passed"]) == (100.0, True)
    assert "9 所7项均达标, 1 所6项达标且余项≥85%, 0 所未达标" in row["detail"]


def test_cv_in_float_noise_over_the_limit_passes(warehouse):
    # 15 / 5 backbone over 501 students each: CV is 0.5 exactly, 0.5000000000000001 computed.
    row = coefficient(warehouse, CV_NOISE, "primary", "backbone_teachers_per100")
    assert row["cv"] > 0.5 and row["cv"] == pytest.approx(0.5, rel=1e-12)
    assert row["passed"] is True
    # Junior: 29 / 11 over 1002 each: 18/40 = 0.45, computed 0.45000000000000007.
    row = coefficient(warehouse, CV_JUNIOR, "junior", "backbone_teachers_per100")
    assert row["cv"] > 0.45 and row["cv"] == pytest.approx(0.45, rel=1e-12)
    assert (row["cv_limit"], row["passed"]) == (0.45, True)


def test_cv_at_just_under_and_just_over_the_limit(warehouse):
    # Primary limit 0.50: backbone 3.0 / 1.0 → X̄ = (1000·3 + 1000·1)/2000 = 2,
    # S = sqrt(0.5·1 + 0.5·1) = 1, CV = 0.5 → passes at the limit.
    row = coefficient(warehouse, CV_EXACT, "primary", "backbone_teachers_per100")
    assert (row["county_value"], row["std_dev"], row["cv"], row["passed"]) == (2.0, 1.0, 0.5, True)
    # PE 3.1 / 1.0: X̄ = 2.05, S = 1.05, CV = 1.05/2.05 = 21/41 = 0.5122 > 0.50 → fails.
    row = coefficient(warehouse, CV_EXACT, "primary", "pe_art_teachers_per100")
    assert row["cv"] == pytest.approx(21 / 41) and row["passed"] is False
    # Qualified 2.9 / 1.0: CV = 0.95/1.95 = 19/39 = 0.4872 → passes.
    row = coefficient(warehouse, CV_EXACT, "primary", "qualified_teachers_per100")
    assert row["cv"] == pytest.approx(19 / 39) and row["passed"] is True
    # Junior limit 0.45: backbone 29 / 11 over 1006 each → CV = 18/40 = 0.45 (exact) passes;
    # PE 31 / 10 → 21/41 = 0.5122 fails; qualified 29 / 12 → 17/41 = 0.4146 passes.
    row = coefficient(warehouse, CV_EXACT, "junior", "backbone_teachers_per100")
    assert (row["cv"], row["cv_limit"], row["passed"]) == (0.45, 0.45, True)
    row = coefficient(warehouse, CV_EXACT, "junior", "pe_art_teachers_per100")
    assert row["cv"] == pytest.approx(21 / 41) and row["passed"] is False
    row = coefficient(warehouse, CV_EXACT, "junior", "qualified_teachers_per100")
    assert row["cv"] == pytest.approx(17 / 41) and row["passed"] is True
    # A failed CV fails its stage's item.
    assert county_item(warehouse, CV_EXACT, "cv_primary")["passed"] is False
    assert county_item(warehouse, CV_EXACT, "cv_junior")["passed"] is False


def test_a_teaching_point_of_exactly_50_students_is_evaluated_and_of_49_is_not(warehouse):
    rows = query_dicts(
        warehouse,
        "SELECT school_id, evaluated, exclusion_reason FROM indicators.school_sections "
        "WHERE year = ? AND county_code = ? ORDER BY school_id",
        [YEAR, POINTS],
    )
    assert [(r["school_id"], r["evaluated"]) for r in rows] == [
        ("1301070049", False),
        ("1301070050", True),
        ("1301070149", True),  # a primary school of 49 is evaluated
    ]
    assert "50" in rows[0]["exclusion_reason"] and rows[1]["exclusion_reason"] is None


def test_a_section_without_any_teacher_row_counts_zero_teachers(warehouse):
    row = query_dicts(
        warehouse,
        "SELECT * FROM indicators.school_sections WHERE year = ? AND school_id = '1301080001'",
        [YEAR],
    )[0]
    counts = ("teachers", "qualified_teachers", "backbone_teachers", "pe_art_teachers")
    assert [row[c] for c in counts] == [0, 0, 0, 0]
    # 0 teachers / 1000 students × 100 = 0.0 per 100 (a number: the section is evaluated).
    assert row["qualified_teachers_per100"] == 0.0 and row["pe_art_teachers_per100"] == 0.0
    assert compliance(warehouse, "1301080001", "primary")["status"] == "below_standard"


def test_a_school_without_any_student_has_no_resource_share(warehouse):
    # share = weighted students / their sum over the school = 0 / 0: undefined, never 0 or NaN.
    row = query_dicts(
        warehouse,
        "SELECT * FROM indicators.school_sections WHERE year = ? AND school_id = '1301080002'",
        [YEAR],
    )[0]
    assert row["resource_share"] is None and not row["evaluated"]
    assert row["exclusion_reason"] == "no students in this stage"


def test_the_indicators_not_met_are_listed_with_their_ratio_to_standard(warehouse):
    # 1301020009: qualified 41 / 1000 × 100 = 4.1 of 4.2 → 97.619… % → "97.6%"; backbone
    # 9 / 1000 × 100 = 0.9 of 1.0 → "90.0%"; listed by indicator code.
    row = compliance(warehouse, "1301020009", "primary")
    assert row["indicators_not_met"] == (
        "backbone_teachers_per100 90.0%, qualified_teachers_per100 97.6%"
    )
    assert compliance(warehouse, "1301010100", "primary")["indicators_not_met"] is None
