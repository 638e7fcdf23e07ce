"""Three counties for the guarantee, quality, recognition and veto items (tests/test_guarantee.py).

120101 passes every item, most of them exactly at the threshold; 120102 fails them, most just
below; 120103 has no county items (its verdict must be "incomplete").
"""

import math

from tests.helpers import enrollment, facilities, school, teachers

PASS, FAIL, NO_ITEMS = "120101", "120102", "120103"


def compliant(
    school_id,
    school_type,
    stages,
    county,
    built=2015,
    location="urban",
    classes=None,
    oversized=None,
    migrants=None,
    rooms=None,
    room_m2=(96, 90),
    allocated=None,
    standard=800.0,
    training=50_000.0,
):
    """A school whose sections meet all 7 standards, with rooms and finance rows.

    ``stages`` maps stage → students. Teachers per section: ceil(6 % of students) 本科, of
    whom ceil(1.2 %) county backbone and ceil(1.1 %) PE; facilities per weighted student:
    12 m² teaching, 20 m² sports, 5000 yuan, 0.05 multimedia rooms.
    """
    weights = {"primary": 1.0, "junior": 1.1, "senior": 1.32}
    classes = classes or {s: max(1, n // 45) for s, n in stages.items()}
    oversized = oversized or {}
    migrants = migrants or {}
    part = {
        "schools": [school(school_id, school_type, county=county, built=built, location=location)],
        "enrollment": [],
        "teachers": [],
        "rooms": [],
        "finance": [],
    }
    weighted = 0.0
    for stage, n in stages.items():
        part["enrollment"].append(
            enrollment(
                school_id, stage, n, classes[stage], oversized.get(stage, 0), migrants.get(stage, 0)
            )
        )
        weighted += weights[stage] * n
        backbone, pe = math.ceil(n * 0.012), math.ceil(n * 0.011)
        rest = math.ceil(n * 0.06) - backbone - pe
        part["teachers"] += (
            teachers(school_id, stage, backbone, "本科", "县级")
            + teachers(school_id, stage, pe, "本科", "无", "体育")
            + teachers(school_id, stage, rest, "本科")
        )
    part["facilities"] = [
        facilities(
            school_id, 12 * weighted, 0, 20 * weighted, 5000 * weighted, math.ceil(0.05 * weighted)
        )
    ]
    compulsory = sum(c for s, c in classes.items() if s != "senior")
    for _ in range(max(1, math.ceil(compulsory / 12)) if rooms is None else rooms):
        part["rooms"] += [
            {"school_id": school_id, "room_type": "音乐", "area_m2": room_m2[0]},
            {"school_id": school_id, "room_type": "美术", "area_m2": room_m2[1]},
        ]
    students = sum(n for s, n in stages.items() if s != "senior")
    part["finance"] = [
        {
            "school_id": school_id,
            "public_funds_budget_yuan": 1_000_000.0,
            "public_funds_allocated_yuan": students * standard if allocated is None else allocated,
            "per_student_standard_yuan": standard,
            "training_funds_yuan": training,
        }
    ]
    return part


def rotate(rows, eligible, rotated, backbone_rotated):
    """Mark ``eligible`` teachers eligible; ``rotated`` of them rotated, ``backbone_rotated``
    of those backbone (the first rows of a compliant school are its backbone teachers)."""
    backbone = [t for t in rows if t["backbone_level"] != "无"]
    others = [t for t in rows if t["backbone_level"] == "无"]
    chosen = backbone[:backbone_rotated] + others[: rotated - backbone_rotated]
    rest = [t for t in rows if t not in chosen]
    for t in chosen:
        t["rotation_eligible"], t["rotated"] = "是", "是"
    for t in rest[: eligible - rotated]:
        t["rotation_eligible"] = "是"


YES_NO = [
    "layout_planned",
    "four_unified",
    "staffing_allocated",
    "care_system",
    "charters_informatised",
    "it_in_teaching",
    "moral_education_good",
    "curriculum_complete",
    "no_excess_burden",
    "monitoring_level3",
]
VETOES = [
    "veto_exam_admission",
    "veto_school_choice",
    "veto_key_schools",
    "veto_unfilled_posts",
    "veto_major_incident",
    "veto_falsification",
]


def county_items(county, numbers, vetoes=()):
    rows = [
        {"county_code": county, "item": i, "value": "是", "note": f"{i} 证明材料"} for i in YES_NO
    ]
    rows += [
        {"county_code": county, "item": i, "value": "是" if i in vetoes else "否", "note": ""}
        for i in VETOES
    ]
    rows += [{"county_code": county, "item": i, "value": v, "note": ""} for i, v in numbers.items()]
    return rows


PASS_NUMBERS = {
    "teacher_avg_salary": 153400,
    "civil_servant_avg_salary": 153400,  # equal: ≥ holds
    "nearby_enrollment_primary_pct": 100,
    "nearby_enrollment_junior_pct": 95,
    "social_recognition_pct": 85,
    "hs_quota_total": 4000,
    "hs_quota_allocated": 2000,
    "hs_quota_rural": 1200,
    "migrant_eligible": 2000,
    "migrant_in_public": 1700,
    "disabled_children": 200,
    "disabled_enrolled": 190,
    "junior_entrants": 1000,
    "junior_transfers_in": 30,
    "junior_resumed": 10,
    "junior_transfers_out": 25,
    "junior_suspended": 14,
    "junior_deaths": 1,
    "junior_graduates": 950,
    "monitoring_difference_rate": 0.149,
}
FAIL_NUMBERS = PASS_NUMBERS | {
    "teacher_avg_salary": 153399,
    "nearby_enrollment_junior_pct": 94.9,
    "social_recognition_pct": 84.99,
    "hs_quota_allocated": 1999,
    "migrant_in_public": 1699,
    "disabled_enrolled": 189,
    "junior_graduates": 949,
    "monitoring_difference_rate": 0.15,
}


def district() -> dict[str, list[dict]]:
    parts = [
        # 120101: every school-based item passes, several exactly at the threshold.
        compliant("1201010001", "小学", {"primary": 2000}, PASS),  # 2000 = the limit
        compliant(
            "1201010002",
            "九年一贯制学校",
            {"primary": 1800, "junior": 1200},
            PASS,
            built=2008,
            room_m2=(73, 67),
        ),  # built ≤ 2010: 3000 limit; ≤ 2016: 73/67 m²
        compliant(
            "1201010003", "小学", {"primary": 99}, PASS, location="rural", allocated=80_000.0
        ),  # 100 × 800 exactly
        compliant(
            "1201010004",
            "特殊教育学校",
            {"primary": 40, "junior": 20},
            PASS,
            allocated=360_000.0,
            standard=7100.0,
        ),  # 360 000 / 60 = 6000 exactly
        compliant("1201010005", "完全中学", {"junior": 900, "senior": 800}, PASS),
        # 120102: failures just past each threshold.
        compliant(
            "1201020001",
            "小学",
            {"primary": 2001},
            FAIL,
            classes={"primary": 45},
            oversized={"primary": 3},
            training=49_900.0,
        ),  # 2001 > 2000; 4.99 %
        compliant("1201020002", "小学", {"primary": 2400}, FAIL, built=2010),
        compliant(
            "1201020003", "小学", {"primary": 2400}, FAIL, built=2012, migrants={"primary": 1201}
        ),  # 1201 / 2400 = 50.04 % > 50 %
        compliant("1201020004", "九年一贯制学校", {"primary": 1500, "junior": 1001}, FAIL),
        compliant("1201020005", "小学", {"primary": 300}, FAIL, built=2016, room_m2=(73, 67)),
        compliant("1201020006", "小学", {"primary": 300}, FAIL, built=2017, room_m2=(95, 90)),
        compliant(
            "1201020007",
            "小学",
            {"primary": 600},
            FAIL,
            built=2017,
            classes={"primary": 13},
            rooms=1,
        ),  # 13 classes need 2 of each
        compliant(
            "1201020008", "小学", {"primary": 99}, FAIL, location="rural", allocated=79_999.0
        ),
        compliant(
            "1201020009",
            "特殊教育学校",
            {"primary": 40, "junior": 20},
            FAIL,
            allocated=359_999.4,
            standard=7100.0,
        ),  # 5999.99 per student
        # 120103: fine schools, no county items.
        compliant("1201030001", "小学", {"primary": 500}, NO_ITEMS),
    ]
    files = {
        "schools": [],
        "enrollment": [],
        "teachers": [],
        "facilities": [],
        "rooms": [],
        "finance": [],
    }
    for part in parts:
        for name in files:
            files[name] += part[name]
    pass_teachers = [t for t in files["teachers"] if t["school_id"].startswith("120101")]
    fail_teachers = [t for t in files["teachers"] if t["school_id"].startswith("120102")]
    rotate(pass_teachers, eligible=100, rotated=10, backbone_rotated=2)  # 10 %, 20 %
    rotate(fail_teachers, eligible=100, rotated=9, backbone_rotated=1)  # 9 %, 11.1 %
    pass_teachers[0]["training_hours_5y"] = 360  # exactly the requirement
    fail_teachers[-1]["training_hours_5y"] = 359.5
    fail_teachers[-2]["certified"] = "否"
    files["county"] = county_items(PASS, PASS_NUMBERS) + county_items(
        FAIL, FAIL_NUMBERS, vetoes=["veto_key_schools"]
    )
    return files
