"""Every condition of every guarantee and quality item, each failing alone (DOMAIN.md §2–§5).

tests/test_guarantee.py tries each item at its threshold; here each *condition* of an item
with several gets a county where only that condition fails, so dropping it from the SQL fails
a test. Each county is a passing county (tests/guarantee_district.py) with the changes named.

- 130201: G3 only the art rooms short; G4 a school at exactly 50 % migrants (no exception);
  G5 only a junior class oversized; G6 an urban teaching point under 100 pupils underfunded;
  G9/G12 a senior teacher untrained and uncertified (not counted); G11 only the 10 % rotation
  short; G13 only primary short; G15 only the care system missing; Q9 only level III missing;
  the veto veto_falsification unanswered.
- 130202: G6 a rural primary school of exactly 100 pupils underfunded (not a small school);
  G11 only the backbone share short; G14 with no quota to rural schools (not gating);
  G2 unanswered.
- 130203: only G8 fails (salary 1 yuan under): not recognised, with exactly that item.
- 130204: everything passes but the veto veto_major_incident is unanswered: incomplete, with
  no item known to fail.
"""

import pytest

from tests.guarantee_district import PASS_NUMBERS, compliant, county_items, rotate
from tests.helpers import query_dicts, run_year, teachers, write_year

YEAR = 2024
A, B, C, D = "130201", "130202", "130203", "130204"
FILES = ("schools", "enrollment", "teachers", "facilities", "rooms", "finance")


def _merge(parts):
    return {name: [row for part in parts for row in part[name]] for name in FILES}


def _county_rows(county, numbers, drop=(), answers=None):
    rows = [r for r in county_items(county, numbers) if r["item"] not in drop]
    for row in rows:
        if answers and row["item"] in answers:
            row["value"] = answers[row["item"]]
    return rows


def district():
    a = _merge(
        [
            # 12 classes → 1 room of each kind; built 2017, so the floors are 96 / 90 m²: the
            # art room is 89 m² < 90, the music room 96.
            compliant("1302010001", "小学", {"primary": 540}, A, built=2017, room_m2=(96, 89)),
            # 2400 pupils, 1200 migrants = 50 % exactly: not "more than 50 %" → limit 2000.
            compliant("1302010002", "小学", {"primary": 2400}, A, migrants={"primary": 1200}),
            # Nine-year: primary classes all standard, one junior class oversized.
            compliant(
                "1302010003",
                "九年一贯制学校",
                {"primary": 900, "junior": 600},
                A,
                oversized={"junior": 1},
            ),
            # An urban teaching point of 60 pupils: 100 × 800 = 80 000 required, 79 999 given.
            compliant(
                "1302010004", "教学点", {"primary": 60}, A, location="urban", allocated=79_999.0
            ),
            compliant("1302010005", "完全中学", {"junior": 900, "senior": 800}, A),
        ]
    )
    # The complete middle school's senior teacher: 100 hours, no certificate. G9 and G12
    # count primary and junior teachers only, so both still pass.
    senior = teachers("1302010005", "senior", 1, "本科", certified="否", hours=100)
    a["teachers"] += senior
    rotate(a["teachers"], eligible=100, rotated=9, backbone_rotated=2)  # 9 % < 10; 2/9 = 22 %
    a["county"] = _county_rows(
        A,
        PASS_NUMBERS | {"nearby_enrollment_primary_pct": 99.9},  # junior stays at 95
        drop=["veto_falsification"],
        answers={"care_system": "否", "monitoring_level3": "否"},  # rates stay passing
    )

    b = _merge(
        [
            # A rural primary school of exactly 100 pupils is not "under 100": G6 does not
            # apply, so its 79 999 < 80 000 does not fail the county.
            compliant(
                "1302020001", "小学", {"primary": 100}, B, location="rural", allocated=79_999.0
            ),
            compliant("1302020002", "小学", {"primary": 1000}, B),
        ]
    )
    rotate(b["teachers"], eligible=60, rotated=6, backbone_rotated=1)  # 10 %; 1/6 = 16.7 %
    b["county"] = _county_rows(B, PASS_NUMBERS | {"hs_quota_rural": 0}, drop=["four_unified"])

    c = _merge(
        [
            compliant("1302030001", "小学", {"primary": 800}, C),
            compliant("1302030002", "初中", {"junior": 600}, C),
        ]
    )
    rotate(c["teachers"], eligible=40, rotated=4, backbone_rotated=1)  # 10 %; 1/4 = 25 %
    c["county"] = _county_rows(C, PASS_NUMBERS | {"teacher_avg_salary": 153_399})

    d = _merge(
        [
            compliant("1302040001", "小学", {"primary": 800}, D),
            compliant("1302040002", "初中", {"junior": 600}, D),
        ]
    )
    rotate(d["teachers"], eligible=40, rotated=4, backbone_rotated=1)  # as C
    d["county"] = _county_rows(D, PASS_NUMBERS, drop=["veto_major_incident"])

    files = _merge([a, b, c, d])
    files["county"] = a["county"] + b["county"] + c["county"] + d["county"]
    return files


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, YEAR, district())
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    return path


def item(warehouse, county, code):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.county_compliance WHERE year = ? AND county_code = ? AND item = ?",
        [YEAR, county, code],
    )[0]


def school(warehouse, school_id):
    return query_dicts(
        warehouse,
        "SELECT * FROM indicators.school_guarantee WHERE year = ? AND school_id = ?",
        [YEAR, school_id],
    )[0]


def verdict(warehouse, county):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.county_verdict WHERE year = ? AND county_code = ?",
        [YEAR, county],
    )[0]


def test_g3_fails_on_the_art_rooms_alone(warehouse):
    row = school(warehouse, "1302010001")
    # 540 // 45 = 12 classes → ceil(12 / 12) = 1 room of each kind.
    assert (row["rooms_required"], row["music_rooms_counted"], row["art_rooms_counted"]) == (
        1,
        1,
        0,
    )
    assert row["g3_met"] is False
    assert item(warehouse, A, "G3")["passed"] is False


def test_g4_exactly_half_migrants_is_no_exception(warehouse):
    # 1200 / 2400 = 50.00 %, not more than 50 % → limit 2000 < 2400 → fails.
    row = school(warehouse, "1302010002")
    assert (row["migrant_share_pct"], row["size_exception"], row["size_limit"]) == (
        50.0,
        False,
        2000,
    )
    assert row["g4_met"] is False


def test_g5_fails_on_one_oversized_junior_class_alone(warehouse):
    row = school(warehouse, "1302010003")
    assert (row["primary_oversized"], row["junior_oversized"], row["g5_met"]) == (0, 1, False)
    g5 = item(warehouse, A, "G5")
    # Classes: 540//45 = 12, 2400//45 = 53, 900//45 = 20 + 600//45 = 13, 60//45 = 1,
    # complete middle junior 900//45 = 20 → primary 86, junior 33; 1 junior oversized.
    assert g5["passed"] is False
    assert (
        "小学班级 86 个, 标准班额 86 个, 占比 100.0%; 初中班级 33 个, 标准班额 32 个"
        in g5["detail"]
    )


def test_g6_applies_to_teaching_points_and_rural_schools_under_100_only(warehouse):
    row = school(warehouse, "1302010004")  # urban teaching point, 60 pupils
    assert (row["g6_applies"], row["funds_required_yuan"], row["g6_met"]) == (True, 80_000.0, False)
    assert item(warehouse, A, "G6")["passed"] is False
    row = school(warehouse, "1302020001")  # rural primary, exactly 100 pupils
    assert (row["g6_applies"], row["g6_met"]) == (False, None)
    g6 = item(warehouse, B, "G6")
    assert g6["passed"] is True and g6["detail"] == "无不足100名学生的村小学和教学点"


def test_senior_teachers_do_not_count_for_g9_and_g12(warehouse):
    assert item(warehouse, A, "G9")["passed"] is True
    assert item(warehouse, A, "G12")["passed"] is True


def test_g11_fails_on_each_of_its_two_rates_alone(warehouse):
    g11 = item(warehouse, A, "G11")  # 9 / 100 = 9 % < 10 %; backbone 2 / 9 = 22.22 % ≥ 20 %
    assert g11["passed"] is False
    assert g11["detail"] == "9 / 100 = 9.00% < 10%; 骨干教师 2 / 9 = 22.22% ≥ 20%"
    g11 = item(warehouse, B, "G11")  # 6 / 60 = 10 % ≥ 10 %; backbone 1 / 6 = 16.67 % < 20 %
    assert g11["passed"] is False
    assert g11["detail"] == "6 / 60 = 10.00% ≥ 10%; 骨干教师 1 / 6 = 16.67% < 20%"
    assert item(warehouse, C, "G11")["passed"] is True  # 10 %; 1 / 4 = 25 %


def test_g13_fails_on_primary_alone(warehouse):
    g13 = item(warehouse, A, "G13")  # primary 99.9 % < 100 %; junior 95 % ≥ 95 %
    assert g13["passed"] is False
    assert g13["detail"] == "小学 99.90% (标准 100%), 初中 95.00% (标准 ≥ 95%)"


def test_g14_does_not_depend_on_the_rural_share(warehouse):
    g14 = item(warehouse, B, "G14")  # 2000 / 4000 = 50 %, none of it to rural schools
    assert g14["passed"] is True and "分配到农村初中 0 / 2000 = 0.00%" in g14["detail"]


def test_g15_fails_on_the_care_system_alone(warehouse):
    g15 = item(warehouse, A, "G15")  # care 否; migrants 1700 / 2000 = 85 % ≥ 85 %
    assert (g15["value"], g15["passed"]) == (85.0, False)
    assert g15["detail"].startswith("关爱体系: 否")


def test_q9_fails_on_level_three_alone(warehouse):
    q9 = item(warehouse, A, "Q9")  # level III 否; difference rate 0.149 < 0.15
    assert (q9["value"], q9["passed"]) == (0.149, False)
    assert "校际差异率 0.149 < 0.15" in q9["detail"]


@pytest.mark.parametrize(
    ("county", "code", "required"),
    [(A, "veto_falsification", "否"), (B, "G2", "是")],
)
def test_an_unanswered_yes_no_item_is_not_judged(warehouse, county, code, required):
    # Missing is neither 是 nor 否: the item is not judged and the verdict is incomplete.
    row = item(warehouse, county, code)
    assert (row["value"], row["passed"]) == (None, None)
    assert row["detail"].startswith("missing or rejected: county item")
    result = verdict(warehouse, county)
    assert result["verdict"] == "incomplete" and code in result["incomplete_items"].split(", ")


def test_each_county_fails_exactly_the_items_changed(warehouse):
    assert verdict(warehouse, A)["failed_items"].split(", ") == [
        "G3",
        "G4",
        "G5",
        "G6",
        "G11",
        "G13",
        "G15",
        "Q9",
    ]
    assert verdict(warehouse, B)["failed_items"] == "G11"
    result = verdict(warehouse, C)
    assert (result["verdict"], result["failed_items"], result["incomplete_items"]) == (
        "not_recognised",
        "G8",
        None,
    )
    assert (result["items"], result["items_passed"]) == (34, 33)


def test_an_incomplete_county_with_no_failed_item_says_only_what_is_unjudged(warehouse):
    result = verdict(warehouse, D)
    assert (result["verdict"], result["failed_items"], result["incomplete_items"]) == (
        "incomplete",
        None,
        "veto_major_incident",
    )
    assert result["summary"] == "数据不完整, 未作结论: 未判定项 重大安全责任事故或严重违纪违规"
