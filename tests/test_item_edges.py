"""The edges of the guarantee items that the threshold tests do not reach (DOMAIN.md §3–§5).

tests/test_guarantee.py puts each item at its threshold; here each county sits where a
guard, a default or a denominator decides the result: a school without room rows, without a
finance row, without teachers or without pupils; a budget of 0 and of 1 yuan; float noise at
the 5 % of Q4; one of a pair of county figures missing; figures of exactly 1; empty notes;
rejected rows counted once each; salaries whose 万元 rounding sits next to a half. Every
school is a compliant school of tests/guarantee_district.py with the changes named.

- 150101: the school-by-school edges (schools 001–011); the figures teacher_avg_salary,
  nearby_enrollment_primary_pct, hs_quota_allocated, migrant_in_public, disabled_enrolled,
  monitoring_difference_rate and junior_entrants missing.
- 150102: a junior school beside a primary one; the other halves missing:
  civil_servant_avg_salary, nearby_enrollment_junior_pct, hs_quota_total, migrant_eligible,
  disabled_children, monitoring_level3, junior_graduates.
- 150103: care_system and hs_quota_rural missing; 1899 of 2000 disabled children enrolled;
  salaries 153 451 / 153 449.
- 150104: every ratio of county figures 1 / 1; care_system and monitoring_level3 answered
  是 with an empty note; salaries 153 449 / 153 451.
- 150105: one finance row and one teacher row rejected. 150106: two junior enrollment rows,
  two room rows and two finance rows rejected. 150107: a school without any teacher row.
  150108: a teaching point of 20 pupils, one class and one teacher, who rotated. 150109: a
  school without pupils or classes. 150110 and 150111: rotation shares a hair under 10 % and
  20 %, which take thousands of teachers to reach (tests/helpers.teachers).
- 150112: every share of county figures with a denominator of 0 (no disabled children, no
  eligible migrant children, no quality high-school places, no junior cohort): met, with no
  value (README, "A share of nobody").
- 150113: a junior cohort of 1; 10 high-school places of which none allocated; two teachers
  who rotated without being eligible.
- 150114: the denominators of 150112 at 0, their numerators missing: not judged.
- 150115: one rejected enrollment row (a complete middle school's junior row).
- 150116: a school without any equipment: one CV undefined (county value 0).
- 150118 and 150119: in each, a school whose schools row is rejected (school type 暂缺), and
  with it its enrollment, teacher, room and finance rows; a second school is complete.
"""

import duckdb
import openpyxl
import pytest

from reports.build import write_reports
from tests.guarantee_district import PASS_NUMBERS, compliant, county_items, rotate
from tests.helpers import query, query_dicts, run_year, teachers, write_year

YEAR = 2024
SCHOOL_EDGES, OTHER_HALVES, ROUNDING, ONES = "150101", "150102", "150103", "150104"
ONE_REJECTED, REJECTED_TWICE, NO_TEACHERS, TEACHING_POINT = (
    "150105",
    "150106",
    "150107",
    "150108",
)
NO_CLASSES, UNDER_10, UNDER_20 = "150109", "150110", "150111"
NOBODY, ONE_ENTRANT, NOBODY_UNANSWERED = "150112", "150113", "150114"
ONE_ENROLLMENT_REJECTED, NO_EQUIPMENT = "150115", "150116"
REJECTED_SCHOOL, REJECTED_LARGER_SCHOOL = "150118", "150119"
FILES = ("schools", "enrollment", "teachers", "facilities", "rooms", "finance")


def _merge(parts):
    return {name: [row for part in parts for row in part[name]] for name in FILES}


def _without(part, *files):
    for name in files:
        part[name] = []
    return part


def _county(county, numbers, drop=(), empty_notes=()):
    rows = [r for r in county_items(county, numbers) if r["item"] not in drop]
    for row in rows:
        if row["item"] in empty_notes:
            row["note"] = ""
    return rows


def _school_edges():
    a = "15010100"
    one_music_more = compliant(a + "01", "小学", {"primary": 540}, SCHOOL_EDGES, built=2017)
    one_music_more["rooms"].append({"school_id": a + "01", "room_type": "音乐", "area_m2": 96})
    budget_noise = compliant(a + "11", "小学", {"primary": 300}, SCHOOL_EDGES)
    # 20 000.01 / 400 000.20 is 5 % exactly; in floating point 4.999999999999999 %.
    budget_noise["finance"][0] |= {
        "public_funds_budget_yuan": 400_000.2,
        "training_funds_yuan": 20_000.01,
    }
    no_budget = compliant(a + "08", "小学", {"primary": 300}, SCHOOL_EDGES)
    no_budget["finance"][0]["public_funds_budget_yuan"] = 0.0
    tiny_budget = compliant(a + "09", "小学", {"primary": 300}, SCHOOL_EDGES, training=1.0)
    tiny_budget["finance"][0]["public_funds_budget_yuan"] = 1.0
    return _merge(
        [
            one_music_more,
            # A rural primary school of 60 pupils without a finance row.
            _without(
                compliant(a + "02", "小学", {"primary": 60}, SCHOOL_EDGES, location="rural"),
                "finance",
            ),
            # A special school of one pupil: 6000 / 1 = 6000 per pupil.
            compliant(
                a + "03",
                "特殊教育学校",
                {"primary": 1},
                SCHOOL_EDGES,
                allocated=6000.0,
                standard=7100.0,
            ),
            # A special school without a finance row.
            _without(compliant(a + "04", "特殊教育学校", {"primary": 30}, SCHOOL_EDGES), "finance"),
            # A special school without pupils this year (its row says 0 students, 0 classes).
            compliant(
                a + "05",
                "特殊教育学校",
                {"primary": 0},
                SCHOOL_EDGES,
                classes={"primary": 0},
                allocated=6000.0,
                standard=7100.0,
            ),
            # A primary school without pupils or classes: it still needs one room of each kind.
            compliant(a + "06", "小学", {"primary": 0}, SCHOOL_EDGES, classes={"primary": 0}),
            # A primary school of 6 classes without a single room row.
            compliant(a + "07", "小学", {"primary": 300}, SCHOOL_EDGES, rooms=0),
            no_budget,
            tiny_budget,
            # Built in 2016, the last year of the lower floors 73 / 67 m².
            compliant(
                a + "10", "小学", {"primary": 300}, SCHOOL_EDGES, built=2016, room_m2=(73, 67)
            ),
            budget_noise,
        ]
    )


def _junior_row_rejected(school_id, county):
    """A complete middle school whose junior enrollment row is rejected (21 oversized of
    900 // 45 = 20 classes); the senior row stays, so it keeps the school."""
    return compliant(
        school_id, "完全中学", {"junior": 900, "senior": 800}, county, oversized={"junior": 21}
    )


def _rejected_twice():
    c = "15010600"
    parts = [
        _junior_row_rejected(c + "01", REJECTED_TWICE),
        _junior_row_rejected(c + "02", REJECTED_TWICE),
        compliant(c + "03", "小学", {"primary": 500}, REJECTED_TWICE),
        compliant(c + "04", "小学", {"primary": 500}, REJECTED_TWICE),
    ]
    for room in parts[2]["rooms"]:
        room["area_m2"] = "暂缺"  # both room rows of school 003 rejected
    for part in parts[2:]:
        part["finance"][0]["training_funds_yuan"] = "暂缺"  # the finance rows of 003 and 004
    return _merge(parts)


def _school_rejected(part):
    """The school's schools row rejected (type 暂缺), and with it every other row of it."""
    part["schools"][0]["school_type"] = "暂缺"
    return part


def _rejected_school(county, pupils):
    rejected = _school_rejected(compliant(county + "0002", "小学", {"primary": pupils}, county))
    return _merge([compliant(county + "0001", "小学", {"primary": 500}, county), rejected])


def _no_equipment():
    part = compliant("1501160001", "小学", {"primary": 500}, NO_EQUIPMENT)
    part["facilities"][0]["equipment_value_yuan"] = 0.0
    return part


def _rotating(school_id, county, eligible, rotated, backbone_rotated):
    """A compliant school of 500 pupils plus ``eligible`` teachers to rotate: the first
    ``rotated`` of them rotated, of whom the first ``backbone_rotated`` county backbones."""
    part = compliant(school_id, "小学", {"primary": 500}, county)
    extra = teachers(school_id, "primary", backbone_rotated, "本科", "县级") + teachers(
        school_id, "primary", eligible - backbone_rotated
    )
    for n, row in enumerate(extra):
        row["rotation_eligible"], row["rotated"] = "是", "是" if n < rotated else "否"
    part["teachers"] += extra
    return part


COHORT = [
    "junior_entrants",
    "junior_transfers_in",
    "junior_resumed",
    "junior_transfers_out",
    "junior_suspended",
    "junior_deaths",
    "junior_graduates",
]


# The numerators of the shares whose denominators 150112 sets to 0.
NUMERATORS = ["disabled_enrolled", "migrant_in_public", "hs_quota_allocated", "junior_graduates"]


def _rotated_not_eligible(part):
    """Its first two (backbone) teachers rotated, though not rotation_eligible, and no
    teacher is eligible."""
    for row in part["teachers"]:
        row["rotation_eligible"], row["rotated"] = "否", "否"
    for row in part["teachers"][:2]:
        row["rotated"] = "是"
    return part


def district():
    one_rejected = [
        compliant("1501050001", "小学", {"primary": 500}, ONE_REJECTED),
        compliant("1501050002", "小学", {"primary": 500}, ONE_REJECTED),
    ]
    one_rejected[0]["finance"][0]["training_funds_yuan"] = "暂缺"
    one_rejected[1]["teachers"][0]["rotated"] = "也许"  # not 是/否: the row is rejected
    point = compliant("1501080001", "教学点", {"primary": 20}, TEACHING_POINT, allocated=80_000.0)
    point["teachers"] = point["teachers"][:1]  # its one (county backbone) teacher
    rotate(point["teachers"], eligible=1, rotated=1, backbone_rotated=1)
    files = _merge(
        [
            _school_edges(),
            compliant("1501020001", "小学", {"primary": 500}, OTHER_HALVES),
            compliant("1501020002", "初中", {"junior": 600}, OTHER_HALVES),
            compliant("1501030001", "小学", {"primary": 500}, ROUNDING),
            compliant("1501040001", "小学", {"primary": 500}, ONES),
            *one_rejected,
            _rejected_twice(),
            _without(compliant("1501070001", "小学", {"primary": 500}, NO_TEACHERS), "teachers"),
            point,
            compliant("1501090001", "小学", {"primary": 0}, NO_CLASSES, classes={"primary": 0}),
            compliant("1501120001", "小学", {"primary": 500}, NOBODY),
            _rotated_not_eligible(compliant("1501130001", "小学", {"primary": 500}, ONE_ENTRANT)),
            compliant("1501140001", "小学", {"primary": 500}, NOBODY_UNANSWERED),
            _junior_row_rejected("1501150001", ONE_ENROLLMENT_REJECTED),
            _no_equipment(),
            _rejected_school(REJECTED_SCHOOL, 100),
            _rejected_school(REJECTED_LARGER_SCHOOL, 200),
        ]
    )
    halves = {
        SCHOOL_EDGES: [
            "teacher_avg_salary",
            "nearby_enrollment_primary_pct",
            "hs_quota_allocated",
            "migrant_in_public",
            "disabled_enrolled",
            "monitoring_difference_rate",
            "junior_entrants",
        ],
        OTHER_HALVES: [
            "civil_servant_avg_salary",
            "nearby_enrollment_junior_pct",
            "hs_quota_total",
            "migrant_eligible",
            "disabled_children",
            "monitoring_level3",
            "junior_graduates",
        ],
    }
    rounding = PASS_NUMBERS | {
        "teacher_avg_salary": 153_451,
        "civil_servant_avg_salary": 153_449,
        "disabled_children": 2000,
        "disabled_enrolled": 1899,
    }
    ones = PASS_NUMBERS | {
        "teacher_avg_salary": 153_449,
        "civil_servant_avg_salary": 153_451,
        "disabled_children": 1,
        "disabled_enrolled": 1,
        "hs_quota_total": 1,
        "hs_quota_allocated": 1,
        "hs_quota_rural": 1,
        "migrant_eligible": 1,
        "migrant_in_public": 1,
    }
    nobody = PASS_NUMBERS | {
        "disabled_children": 0,
        "disabled_enrolled": 0,
        "migrant_eligible": 0,
        "migrant_in_public": 0,
        "hs_quota_total": 0,
        "hs_quota_allocated": 0,
        "hs_quota_rural": 0,
        # cohort: 0 + 0 + 0 − 0 − 0 − 0 = 0
        **dict.fromkeys(COHORT, 0),
    }
    # cohort: 1 + 0 + 0 − 0 − 0 − 0 = 1, of whom 1 graduated.
    one_entrant = (
        PASS_NUMBERS
        | dict.fromkeys(COHORT, 0)
        | {
            "junior_entrants": 1,
            "junior_graduates": 1,
            "hs_quota_total": 10,
            "hs_quota_allocated": 0,
            "hs_quota_rural": 0,
        }
    )
    files["county"] = (
        _county(SCHOOL_EDGES, PASS_NUMBERS, drop=halves[SCHOOL_EDGES])
        + _county(OTHER_HALVES, PASS_NUMBERS, drop=halves[OTHER_HALVES])
        + _county(ROUNDING, rounding, drop=["care_system", "hs_quota_rural"])
        + _county(ONES, ones, empty_notes=["care_system", "monitoring_level3", "layout_planned"])
        + _county(NOBODY, nobody)
        + _county(ONE_ENTRANT, one_entrant)
        + _county(NOBODY_UNANSWERED, nobody, drop=NUMERATORS)
        + [
            row
            for county in (
                ONE_REJECTED,
                REJECTED_TWICE,
                NO_TEACHERS,
                TEACHING_POINT,
                NO_CLASSES,
                ONE_ENROLLMENT_REJECTED,
                NO_EQUIPMENT,
                REJECTED_SCHOOL,
                REJECTED_LARGER_SCHOOL,
            )
            for row in county_items(county, PASS_NUMBERS)
        ]
    )
    return files


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, YEAR, district())
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    return path


def item(warehouse, county, code):
    (row,) = query_dicts(
        warehouse,
        "SELECT * FROM marts.county_compliance WHERE year = ? AND county_code = ? AND item = ?",
        [YEAR, county, code],
    )
    return row


def school(warehouse, school_id):
    (row,) = query_dicts(
        warehouse,
        "SELECT * FROM indicators.school_guarantee WHERE year = ? AND school_id = ?",
        [YEAR, school_id],
    )
    return row


def test_rooms_are_counted_by_kind_and_a_school_without_rooms_has_none(warehouse):
    # 540 // 45 = 12 classes → 1 room of each kind; 2 music rooms and 1 art room reported.
    row = school(warehouse, "1501010001")
    assert (row["rooms_required"], row["music_rooms"], row["art_rooms"]) == (1, 2, 1)
    assert (row["music_rooms_counted"], row["art_rooms_counted"], row["g3_met"]) == (2, 1, True)
    # 300 // 45 = 6 classes → ceil(6 / 12) = 1 room of each kind; no room row at all: 0 / 1.
    row = school(warehouse, "1501010007")
    rooms = ("music_rooms", "music_rooms_counted", "art_rooms", "art_rooms_counted")
    assert [row[c] for c in rooms] == [0, 0, 0, 0]
    assert (row["rooms_required"], row["g3_met"]) == (1, False)
    # 0 classes: ceil(0 / 12) = 0, but a school needs at least 1 of each (setting "one").
    row = school(warehouse, "1501010006")
    assert row["rooms_required"] == 1
    # 0 pupils: no migrant share (0 / 0), so no "more than 50 %" exception: limit 2000.
    assert (row["migrant_share_pct"], row["size_limit"]) == (None, 2000)


def test_the_lower_room_floors_still_apply_to_a_school_built_in_2016(warehouse):
    row = school(warehouse, "1501010010")  # built 2016 ≤ 2016: 73 / 67 m², not 96 / 90
    assert (row["music_floor_m2"], row["art_floor_m2"], row["g3_met"]) == (73.0, 67.0, True)


def test_a_school_without_a_finance_row_fails_g6_g7_and_q4(warehouse):
    # No finance row: nothing allocated, so nothing proves 100 × standard, 6000 per pupil or
    # 5 % of a budget: each check is FALSE, not unknown (the finance file itself is loaded).
    row = school(warehouse, "1501010002")  # rural, 60 pupils < 100
    assert (row["g6_applies"], row["public_funds_allocated_yuan"], row["g6_met"]) == (
        True,
        None,
        False,
    )
    assert (row["training_funds_pct"], row["q4_met"]) == (None, False)
    row = school(warehouse, "1501010004")  # special school
    assert (row["funds_per_student_yuan"], row["g7_met"], row["q4_met"]) == (None, False, False)
    g6 = item(warehouse, SCHOOL_EDGES, "G6")
    assert g6["passed"] is False
    # The school is named although neither its allocation nor its standard (both in the
    # finance row) is known: the detail says 无数据 for each instead of leaving it out.
    assert (
        g6["detail"]
        == "不足100名学生的学校 1 所, 按100人核定 0 所; 未按100人核定: 学校002 无数据 < 无数据"
    )


def test_g7_per_pupil_of_a_special_school_of_one_and_of_none(warehouse):
    # 6000 / 1 pupil = 6000 ≥ 6000; 6000 / 0 pupils is no figure: not met.
    row = school(warehouse, "1501010003")
    assert (row["compulsory_students"], row["funds_per_student_yuan"], row["g7_met"]) == (
        1,
        6000.0,
        True,
    )
    row = school(warehouse, "1501010005")
    assert (row["compulsory_students"], row["funds_per_student_yuan"], row["g7_met"]) == (
        0,
        None,
        False,
    )
    g7 = item(warehouse, SCHOOL_EDGES, "G7")
    assert (g7["value"], g7["passed"]) == (pytest.approx(100 / 3), False)  # 1 of 3 schools
    assert g7["detail"] == (
        "特殊教育学校 3 所, 生均公用经费不低于 6000 元 1 所 (学校003 6000.00 元); "
        "低于标准: 学校004 无数据、学校005 无数据 元"
    )


def test_q4_share_of_a_budget_of_0_and_of_1_yuan_and_in_float_noise(warehouse):
    # Budget 0: no share can be computed → not met. Budget 1 yuan, training 1 yuan: 100 %.
    row = school(warehouse, "1501010008")
    assert (row["training_funds_pct"], row["q4_met"]) == (None, False)
    row = school(warehouse, "1501010009")
    assert (row["training_funds_pct"], row["q4_met"]) == (100.0, True)
    # 20 000.01 × 100 / 400 000.20 = 5 % exactly, computed as 4.999999999999999 %: rounded to
    # comparison_decimals (9) it is 5.000000000 ≥ 5 → met.
    row = school(warehouse, "1501010011")
    assert row["training_funds_pct"] < 5.0 and row["q4_met"] is True
    # 11 schools, 3 not met: 002 and 004 (no finance row), 008 (budget 0).
    q4 = item(warehouse, SCHOOL_EDGES, "Q4")
    assert q4["detail"] == (
        "8 / 11 所学校培训经费不低于公用经费预算的 5%; "
        "未达标: 学校002 无经费数据、学校004 无经费数据、学校008 无经费数据"
    )


MISSING = {
    "G8": "county items teacher_avg_salary, civil_servant_avg_salary",
    "G13": "county items nearby_enrollment_primary_pct, nearby_enrollment_junior_pct",
    "G14": "county items hs_quota_total, hs_quota_allocated",
    "G15": "county items care_system, migrant_eligible, migrant_in_public",
    "Q2": "county items disabled_children, disabled_enrolled",
    "Q9": "county items monitoring_level3, monitoring_difference_rate",
    "Q1": "county items junior_entrants … junior_graduates",
}


@pytest.mark.parametrize(
    ("county", "code"),
    [(SCHOOL_EDGES, code) for code in MISSING]
    + [(OTHER_HALVES, code) for code in MISSING]
    + [(ROUNDING, "G15")],
)
def test_one_missing_figure_of_an_item_says_what_is_missing(warehouse, county, code):
    # 150101 lacks one figure of each pair, 150102 the other; 150103 only the care system.
    row = item(warehouse, county, code)
    assert (row["passed"], row["detail"]) == (None, f"missing or rejected: {MISSING[code]}")


def test_figures_of_one_are_ratios_of_100_percent(warehouse):
    expected = {
        "Q2": (100.0, "1 / 1 = 100.00% ≥ 95%"),
        "G14": (100.0, "1 / 1 = 100.00% ≥ 50%; 分配到农村初中 1 / 1 = 100.00%"),
        # An empty note adds nothing, not a NULL (G1: a yes/no item; G15 and Q9: with figures).
        "G1": (1.0, "是"),
        "G15": (100.0, "关爱体系: 是; 随迁子女 1 / 1 = 100.00% ≥ 85%"),
        "Q9": (0.149, "Ⅲ级以上: 是; 校际差异率 0.149 < 0.15"),
    }
    for code, (value, detail) in expected.items():
        row = item(warehouse, ONES, code)
        assert (row["value"], row["passed"], row["detail"]) == (value, True, detail), code


def test_ratios_just_under_and_without_the_rural_share(warehouse):
    # Q2: 1899 / 2000 = 94.95 % < 95 %.
    q2 = item(warehouse, ROUNDING, "Q2")
    assert (q2["value"], q2["passed"], q2["detail"]) == (94.95, False, "1899 / 2000 = 94.95% < 95%")
    # G14 without hs_quota_rural: 2000 / 4000 = 50 % passes and the rural part is left out.
    g14 = item(warehouse, ROUNDING, "G14")
    assert (g14["passed"], g14["detail"]) == (True, "2000 / 4000 = 50.00% ≥ 50%")


def test_salaries_in_wan_yuan_round_each_side_of_a_half(warehouse):
    # 153 451 / 10 000 = 15.3451 → 15.35; 153 449 / 10 000 = 15.3449 → 15.34.
    g8 = item(warehouse, ROUNDING, "G8")
    assert (g8["passed"], g8["detail"]) == (True, "教师年平均工资 15.35 万元 ≥ 公务员 15.34 万元")
    g8 = item(warehouse, ONES, "G8")
    assert (g8["passed"], g8["detail"]) == (False, "教师年平均工资 15.34 万元 < 公务员 15.35 万元")


@pytest.mark.parametrize(
    ("codes", "files"),
    [
        (("G6", "G7", "Q4"), "schools, enrollment or finance"),
        (("G9", "G11", "G12"), "schools or teachers"),
    ],
)
def test_one_rejected_row_withholds_the_items_of_its_file(warehouse, codes, files):
    # 150105 has one rejected finance row and one rejected teacher row.
    for code in codes:
        row = item(warehouse, ONE_REJECTED, code)
        assert (row["passed"], row["detail"]) == (
            None,
            f"incomplete: 1 rejected rows in {files}",
        ), code


def test_rejected_rows_are_counted_one_by_one(warehouse):
    # 2 junior enrollment rows; 2 room rows; 2 finance rows: G4 counts schools and
    # enrollment (2), G3 adds the rooms (2 + 2 = 4), G6 adds the finance rows (2 + 2 = 4).
    assert item(warehouse, REJECTED_TWICE, "G4")["detail"] == (
        "incomplete: 2 rejected rows in schools or enrollment"
    )
    assert item(warehouse, REJECTED_TWICE, "G3")["detail"] == (
        "incomplete: 4 rejected rows in schools, enrollment or rooms"
    )
    assert item(warehouse, REJECTED_TWICE, "G6")["detail"] == (
        "incomplete: 4 rejected rows in schools, enrollment or finance"
    )


def test_the_rows_of_a_rejected_school_count_in_its_county(warehouse):
    # School 002 of 150118 is rejected; its other rows are rejected with it (school_rejected)
    # and carry no county code of their own: they are its county's, through its schools row.
    # Its rows: 1 schools, 1 enrollment, 6 teachers (ceil(6 % of 100)), 2 rooms, 1 finance.
    expected = {
        "G4": "incomplete: 2 rejected rows in schools or enrollment",  # 1 + 1
        "G3": "incomplete: 4 rejected rows in schools, enrollment or rooms",  # 1 + 1 + 2
        "G6": "incomplete: 3 rejected rows in schools, enrollment or finance",  # 1 + 1 + 1
        "G9": "incomplete: 7 rejected rows in schools or teachers",  # 1 + 6
    }
    for code, detail in expected.items():
        row = item(warehouse, REJECTED_SCHOOL, code)
        assert (row["passed"], row["detail"]) == (None, detail), code
    # 150119's rejected school has 200 pupils: 12 teachers (ceil(6 % of 200)); each county
    # counts its own school's rows only.
    g9 = item(warehouse, REJECTED_LARGER_SCHOOL, "G9")
    assert g9["detail"] == "incomplete: 13 rejected rows in schools or teachers"  # 1 + 12


def test_one_rejected_enrollment_row_withholds_every_item_of_pupils_and_classes(warehouse):
    # One row, not "more than one": each item built on enrollment names it.
    for code in ("G4", "G5"):
        row = item(warehouse, ONE_ENROLLMENT_REJECTED, code)
        assert (row["passed"], row["detail"]) == (
            None,
            "incomplete: 1 rejected rows in schools or enrollment",
        ), code
    g3 = item(warehouse, ONE_ENROLLMENT_REJECTED, "G3")
    assert (g3["passed"], g3["detail"]) == (
        None,
        "incomplete: 1 rejected rows in schools, enrollment or rooms",
    )
    # Its one compulsory section was in that row: no section to count, and the detail still
    # says why (it was NULL: printf of the missing counts).
    resources = item(warehouse, ONE_ENROLLMENT_REJECTED, "school_compliance")
    assert (resources["value"], resources["passed"]) == (None, None)
    assert resources["detail"] == (
        "0 个参评学段: 0 所7项均达标, 0 所6项达标且余项≥85%, 0 所未达标 (其中 0 所余项均≥85%)"
        "; incomplete: 1 rejected rows in schools or enrollment"
    )


def test_a_county_without_teachers_rotates_none(warehouse):
    row = school(warehouse, "1501070001")
    counts = ("teachers", "teachers_under_training_hours", "teachers_uncertified")
    assert [row[c] for c in counts] == [0, 0, 0]
    # No teacher, no share of trained or certified teachers (0 / 0 is no figure): the detail
    # says so with a dash instead of vanishing.
    assert item(warehouse, NO_TEACHERS, "G9")["detail"] == "0 / 0 = — 的专任教师完成 360 学时"
    assert item(warehouse, NO_TEACHERS, "G12")["detail"] == (
        "专任教师 0 人, 持有教师资格证 0 人, 持证率 —"
    )
    assert (
        item(warehouse, NO_TEACHERS, "G9")["value"],
        item(warehouse, NO_TEACHERS, "G12")["value"],
    ) == (None, None)
    g11 = item(warehouse, NO_TEACHERS, "G11")
    assert (g11["value"], g11["passed"]) == (None, False)
    assert g11["detail"] == "0 / 0 = — < 10%; 骨干教师 0 / 0 = — < 20%"


def test_a_teaching_point_with_one_class_and_one_teacher(warehouse):
    # One teacher, trained, certified, eligible and rotated, a county backbone: every rate
    # of one is 1 / 1 = 100 %.
    expected = {
        "G9": (100.0, True, "1 / 1 = 100.00% 的专任教师完成 360 学时"),
        "G12": (100.0, True, "专任教师 1 人, 持有教师资格证 1 人, 持证率 100.00%"),
        "G11": (100.0, True, "1 / 1 = 100.00% ≥ 10%; 骨干教师 1 / 1 = 100.00% ≥ 20%"),
    }
    for code, want in expected.items():
        row = item(warehouse, TEACHING_POINT, code)
        assert (row["value"], row["passed"], row["detail"]) == want, code
    # 20 // 45 → 1 class, not oversized: 1 / 1 = 100 %; no junior class, so no junior share.
    g5 = item(warehouse, TEACHING_POINT, "G5")
    assert (g5["value"], g5["detail"]) == (
        100.0,
        "小学班级 1 个, 标准班额 1 个, 占比 100.0%; 初中班级 0 个, 标准班额 0 个, 占比 —; "
        "0 所学校有超标准班额",
    )
    # G6: 20 pupils < 100, funded as 100: 80 000 yuan ≥ 100 × 800 = 80 000 → 1 of 1 school,
    # 1 × 100 / 1 = 100 %; none falls short, so none is listed (and the detail stays).
    g6 = item(warehouse, TEACHING_POINT, "G6")
    assert (g6["value"], g6["passed"], g6["detail"]) == (
        100.0,
        True,
        "不足100名学生的学校 1 所, 按100人核定 1 所",
    )
    # A teaching point is no school of G3 and G4: none of 0 schools fails, no share is shown.
    for code in ("G3", "G4"):
        row = item(warehouse, TEACHING_POINT, code)
        assert (row["value"], row["passed"]) == (None, True), code


def test_without_rooms_and_finance_files_their_items_are_not_judged(tmp_path):
    # The rooms and finance files are optional: without them G3, G6, G7 and Q4 wait, and
    # every school's check of them is unknown, not failed.
    files = {k: v for k, v in district().items() if k not in ("rooms", "finance")}
    write_year(tmp_path / "in", YEAR, files)
    path = tmp_path / "w.duckdb"
    assert run_year(tmp_path / "in", path, YEAR).success
    row = school(path, "1501010002")  # rural, 60 pupils: G6 applies
    assert (row["g3_met"], row["g6_applies"], row["g6_met"], row["q4_met"]) == (
        None,
        True,
        None,
        None,
    )
    assert school(path, "1501010004")["g7_met"] is None  # special school
    g3 = item(path, SCHOOL_EDGES, "G3")
    assert (g3["value"], g3["passed"], g3["detail"]) == (
        None,
        None,
        "missing: rooms file (音美专用教室)",
    )
    # 150102 has no special school and no small school, yet without the file its G6 and G7
    # wait too: the file the item is read from is missing, whatever it would hold.
    for county in (SCHOOL_EDGES, OTHER_HALVES):
        for code in ("G6", "G7", "Q4"):
            row = item(path, county, code)
            assert (row["value"], row["passed"], row["detail"]) == (
                None,
                None,
                "missing: finance file (学校经费)",
            ), (county, code)


def test_a_county_without_classes_has_no_share_of_standard_classes(warehouse):
    g5 = item(warehouse, NO_CLASSES, "G5")  # 0 classes, 0 oversized: nothing fails
    assert (g5["value"], g5["passed"]) == (None, True)
    assert g5["detail"] == (
        "小学班级 0 个, 标准班额 0 个, 占比 —; 初中班级 0 个, 标准班额 0 个, 占比 —; "
        "0 所学校有超标准班额"
    )


@pytest.fixture(scope="module")
def rotation_warehouse(tmp_path_factory):
    """Two counties of 15 000 teachers in their own warehouse, built only for this test."""
    files = _merge(
        [
            # 1000 / 10 009 = 9.991 % < 10 %; backbone 200 / 1000 = 20 %.
            _rotating("1501100001", UNDER_10, eligible=10_009, rotated=1000, backbone_rotated=200),
            # 5001 / 5001 = 100 %; backbone 1000 / 5001 = 19.996 % < 20 %.
            _rotating("1501110001", UNDER_20, eligible=5001, rotated=5001, backbone_rotated=1000),
        ]
    )
    files["county"] = county_items(UNDER_10, PASS_NUMBERS) + county_items(UNDER_20, PASS_NUMBERS)
    root = tmp_path_factory.mktemp("rotation_inputs")
    write_year(root, YEAR, files)
    path = tmp_path_factory.mktemp("rotation_wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    return path


def test_rotation_shares_a_hair_under_their_limits_fail(rotation_warehouse):
    warehouse = rotation_warehouse
    # 1000 × 100 / 10 009 = 9.991 % < 10 % (printed 9.99 %): fails on the share rotated.
    g11 = item(warehouse, UNDER_10, "G11")
    assert (g11["value"], g11["passed"]) == (pytest.approx(100_000 / 10_009), False)
    assert g11["detail"] == "1000 / 10009 = 9.99% < 10%; 骨干教师 200 / 1000 = 20.00% ≥ 20%"
    # 1000 × 100 / 5001 = 19.996 % < 20 %, printed 20.00 % yet below: fails on the backbones.
    g11 = item(warehouse, UNDER_20, "G11")
    assert (g11["value"], g11["passed"]) == (100.0, False)
    assert g11["detail"] == "5001 / 5001 = 100.00% ≥ 10%; 骨干教师 1000 / 5001 = 20.00% < 20%"


def test_g5_is_met_by_a_school_without_oversized_classes(warehouse):
    row = school(warehouse, "1501010001")  # 12 primary classes, 0 oversized
    assert (row["primary_oversized"], row["junior_oversized"], row["g5_met"]) == (0, 0, True)


def test_a_junior_school_has_no_primary_classes_rather_than_unknown_ones(warehouse):
    # 600 // 45 = 13 junior classes, no primary stage: 0 primary classes, not NULL, so its
    # rooms (ceil(13 / 12) = 2) and its G5 are judged.
    row = school(warehouse, "1501020002")
    classes = ("primary_classes", "primary_oversized", "junior_classes", "junior_oversized")
    assert [row[c] for c in classes] == [0, 0, 13, 0]
    assert (row["rooms_required"], row["g3_met"], row["g5_met"]) == (2, True, True)


def test_a_county_whose_teachers_are_none_eligible_rotates_0_of_0(warehouse):
    # 150104's teachers are all rotation_eligible 否: 0 / 0 eligible, 0 / 0 backbones.
    g11 = item(warehouse, ONES, "G11")
    assert (g11["value"], g11["passed"]) == (None, False)
    assert g11["detail"] == "0 / 0 = — < 10%; 骨干教师 0 / 0 = — < 20%"


def test_a_share_of_nobody_is_met_without_a_value(warehouse):
    # No disabled child, no eligible migrant child, no quality high-school place, no junior
    # cohort: nobody the item concerns was left out, so each item is met; its share 0 / 0 is
    # no number (NULL, not 0 and not NaN) and the detail says why the item is met.
    expected = {
        "Q2": "0 / 0: 无适龄残疾儿童少年, 视为达标",
        "G15": "关爱体系: 是 (care_system 证明材料); "
        "随迁子女 0 / 0: 无符合条件的随迁子女, 视为达标",
        "G14": "0 / 0: 无优质高中招生名额, 视为达标",
        "Q1": "入学 + 转入 + 复学 − 转出 − 休学 − 死亡 = 0: "
        "无初中入学学生, 视为达标 (公式: cohort)",
    }
    for code, detail in expected.items():
        row = item(warehouse, NOBODY, code)
        assert (row["value"], row["passed"], row["detail"]) == (None, True, detail), code
    (verdict,) = query_dicts(
        warehouse,
        "SELECT verdict, incomplete_items FROM marts.county_verdict WHERE county_code = ?",
        [NOBODY],
    )
    assert verdict["incomplete_items"] is None


def test_a_cohort_of_one_and_places_none_allocated(warehouse):
    # Q1: 1 / (1 + 0 + 0 − 0 − 0 − 0) = 100 %. G14: 0 / 10 = 0 % < 50 %, and the rural share
    # of 0 allocated places is no number.
    q1 = item(warehouse, ONE_ENTRANT, "Q1")
    assert (q1["value"], q1["passed"]) == (100.0, True)
    assert q1["detail"] == ("1 / (1 + 0 + 0 − 0 − 0 − 0) = 1 / 1 = 100.00% ≥ 95% (公式: cohort)")
    g14 = item(warehouse, ONE_ENTRANT, "G14")
    assert (g14["value"], g14["passed"]) == (0.0, False)
    assert g14["detail"] == "0 / 10 = 0.00% < 50%; 分配到农村初中 0 / 0 = —"


def test_teachers_rotated_without_being_eligible_are_no_share(warehouse):
    # 2 rotated, both backbone, of 0 eligible: rotated / eligible is no number, so the 10 % is
    # not reached (G11 asks that eligible teachers rotate) although 2 / 2 backbones is 100 %.
    g11 = item(warehouse, ONE_ENTRANT, "G11")
    assert (g11["value"], g11["passed"]) == (None, False)
    assert g11["detail"] == "2 / 0 = — < 10%; 骨干教师 2 / 2 = 100.00% ≥ 20%"


def test_the_report_of_a_county_of_nobody_says_why_its_items_are_met(warehouse, tmp_path):
    # The page and the workbook carry the detail of an item met with no value, not a blank.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        paths = write_reports(con, YEAR, tmp_path, county=NOBODY)
    page = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    assert "无适龄残疾儿童少年, 视为达标" in page
    book = openpyxl.load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert "0 / 0: 无优质高中招生名额, 视为达标" in cells


def test_a_share_of_nobody_whose_numerator_is_missing_is_not_judged(warehouse):
    # 0 disabled children but no answer for the enrolled ones (and so on): a figure is missing,
    # so the item is not judged, whatever its denominator.
    for code in ("G14", "G15", "Q1", "Q2"):
        row = item(warehouse, NOBODY_UNANSWERED, code)
        assert (row["value"], row["passed"]) == (None, None), code
        assert row["detail"] == f"missing or rejected: {MISSING[code]}", code


def test_q4_of_a_county_of_one_school_is_its_share_of_schools(warehouse):
    # 1 school of 1 spends ≥ 5 % of its budget on training: 1 × 100 / 1 = 100 %.
    q4 = item(warehouse, ONES, "Q4")
    assert (q4["value"], q4["passed"]) == (100.0, True)
    # No school falls short: nothing is listed, and the detail is not lost with the list.
    assert q4["detail"] == "1 / 1 所学校培训经费不低于公用经费预算的 5%"


def test_a_county_without_special_or_small_schools_says_so(warehouse):
    # 150102 has a primary school of 500 and a junior school of 600: no special school, no
    # school under 100 pupils. 0 of 0 is no share (value NULL); nobody falls short (met).
    g6 = item(warehouse, OTHER_HALVES, "G6")
    assert (g6["value"], g6["passed"]) == (None, True)  # NULL, not the NaN of 0 / 0
    assert g6["detail"] == "无不足100名学生的村小学和教学点"
    g7 = item(warehouse, OTHER_HALVES, "G7")
    assert (g7["value"], g7["passed"]) == (None, True)
    assert g7["detail"] == "无特殊教育学校"


def test_the_shares_of_a_county_of_one_school_are_of_one(warehouse):
    # 150103: one compliant primary school of 500 pupils: 1 of 1 section complies (1 / 1 =
    # 100 %), 1 of 1 school has its music and art rooms (100 %), all its classes are of
    # standard size (500 // 45 = 11 classes, none oversized: 100 %).
    values = {
        code: item(warehouse, ROUNDING, code)["value"] for code in ("school_compliance", "G3", "G5")
    }
    assert values == {"school_compliance": 100.0, "G3": 100.0, "G5": 100.0}
    # None falls short, so none is listed; the count alone is the detail. G4: 500 pupils, a
    # primary school built in 2015 with no migrant majority: limit 2000.
    details = {code: item(warehouse, ROUNDING, code)["detail"] for code in ("G3", "G4")}
    assert details == {
        "G3": "1 / 1 所学校按每12班1间配齐达标音乐、美术专用教室",
        "G4": "1 / 1 所学校规模不超过上限 (2000/2500, 2010年及以前建成或随迁子女过半 2400/3000)",
    }


def test_one_undefined_cv_is_counted_as_one_not_judged(warehouse):
    # One school without equipment: the county's equipment value per pupil is 0, so that CV
    # (σ / 0) is undefined and not judged; the other six are 0 / x = 0.
    cv = item(warehouse, NO_EQUIPMENT, "cv_primary")
    assert cv["passed"] is None
    assert cv["detail"].endswith("; 1 项数据不完整未判定")


def test_one_incomplete_section_is_counted_and_holds_the_resources_item_back(warehouse):
    # 150105: of its two schools, one lost a teacher row (its section is incomplete), the
    # other has all 7 indicators: 1 of 2 = 50 %, not judged.
    row = item(warehouse, ONE_REJECTED, "school_compliance")
    assert (row["value"], row["passed"]) == (50.0, None)
    assert row["detail"] == (
        "2 个参评学段: 1 所7项均达标, 0 所6项达标且余项≥85%, 0 所未达标 (其中 0 所余项均≥85%)"
        ", 1 所数据不完整"
    )


def test_each_year_is_judged_on_its_own_rejected_rows_and_answers(tmp_path):
    # 150117 in 2023: two teacher rows of its school 001 rejected (counted as two, not as one
    # school) and a veto answered 是; in 2024 clean and no veto. 2024 must not inherit 2023's
    # rejected rows or its answer (joins on the year).
    # School 002 (100 pupils: 1 schools row, 6 teacher rows) is rejected in both years: in
    # 2023 in 150117, in 2024 in 150120 (its schools row moved county). Its 2024 rows are
    # 150120's only, not also 150117's through its 2023 schools row.
    county, moved_to = "150117", "150120"
    for year, vetoes in ((2023, ["veto_key_schools"]), (2024, [])):
        parts = [compliant("1501170001", "小学", {"primary": 500}, county)]
        if year == 2023:
            for teacher in parts[0]["teachers"][:2]:
                teacher["rotated"] = "也许"  # not 是/否: the row is rejected
        rejected = compliant("1501170002", "小学", {"primary": 100}, county)
        if year == 2024:
            parts.append(compliant("1501200001", "小学", {"primary": 500}, moved_to))
            rejected["schools"][0]["county_code"] = moved_to
        files = _merge([*parts, _school_rejected(rejected)])
        files["county"] = county_items(county, PASS_NUMBERS, vetoes=vetoes)
        if year == 2024:
            files["county"] += county_items(moved_to, PASS_NUMBERS)
        write_year(tmp_path / "in", year, files)
    path = tmp_path / "w.duckdb"
    for year in (2023, 2024):
        assert run_year(tmp_path / "in", path, year).success
    found = {
        (r["year"], r["county_code"], r["item"]): (r["passed"], r["detail"])
        for r in query_dicts(
            path,
            "SELECT year, county_code, item, passed, detail FROM marts.county_compliance "
            "WHERE item IN ('G9', 'veto_key_schools')",
        )
    }
    # 2 teacher rows of 001 + 002's schools row and 6 teacher rows = 9.
    assert found[2023, county, "G9"] == (None, "incomplete: 9 rejected rows in schools or teachers")
    assert found[2024, county, "G9"][0] is True
    assert found[2024, moved_to, "G9"] == (
        None,
        "incomplete: 7 rejected rows in schools or teachers",  # 1 + 6
    )
    assert found[2023, county, "veto_key_schools"][0] is False
    assert found[2024, county, "veto_key_schools"][0] is True


def test_an_undefined_cv_is_not_remedied_but_its_school_gets_its_equipment(warehouse):
    # 150116's one primary school of 500 pupils has no equipment: the CV is σ / 0, undefined
    # with complete data, so its remediation row says "not judged" with the CV's note, adds
    # nothing for the CV, and still lists the need, 2000 × 500 = 1 000 000 yuan. Once met,
    # one section alone has a CV of 0.
    [(note,)] = query(
        warehouse,
        "SELECT note FROM marts.coefficients WHERE county_code = ? AND stage = 'primary' "
        "AND indicator = 'equipment_value_per_student' AND data_complete AND cv IS NULL",
        [NO_EQUIPMENT],
    )
    [row] = query_dicts(
        warehouse,
        "SELECT * FROM marts.remediation_county WHERE county_code = ? AND stage = 'primary' "
        "AND indicator = 'equipment_value_per_student'",
        [NO_EQUIPMENT],
    )
    assert row["method"] == "not judged: " + note and row["extra_for_cv"] == 0
    assert (row["sections_below"], row["cost_yuan"]) == (1, 1_000_000)
    assert row["cv_before"] is None and row["cv_after_needs"] == 0.0
