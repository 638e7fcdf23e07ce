"""A county for DOMAIN.md §8 (remediation), every number worked out in tests/test_remediation.py.

County 150101:
- SHORT_TWO: 400 primary pupils, 15 qualified teachers (3.75 per 100, 89 % of 4.2).
- SHORT_TWO_KINDS: 1000 primary pupils, 30 qualified (3.0) and 8 backbone (0.8) teachers.
- NINE: nine-year, 300 primary + 200 junior; 2000 m² teaching area, 1 100 000 yuan of equipment.
- MIDDLE: complete middle, 500 junior + 400 senior; 20 multimedia rooms.
- ROOMS: 30 primary classes, 1 music room and 2 art rooms of which one is 60 m².
- BIG: 2100 primary pupils (limit 2000) in 47 classes with 2 oversized.
- CROWDED: 1400 primary pupils in 30 classes (ceil(1400/45) = 32), 5 oversized.
- MORE_CLASSES: 1300 primary pupils in 24 classes, 8 oversized, 2 music and 2 art rooms: G3 is
  met now, not once G5's 5 classes are added (29 classes need 3 rooms of each kind).
Every other figure of every school meets its standard, so each test isolates one need.

County 150102, two junior schools of 1000 pupils meeting every junior standard but backbone
teachers: SPREAD_HIGH has 25 (2.5 per 100), SPREAD_LOW 9 (0.9, 90 % of 1.0). Its backbone CV is
over 0.45 now and while SPREAD_LOW stays at 90 % ("complies"), within it once SPREAD_LOW has its
one teacher more ("all met").

County 150103, SETTLED: one such junior school with 10 backbone teachers: nothing to add.

County 150104: NINE_TEACHERS, nine-year, 200 primary + 200 junior pupils, each section with 1
backbone teacher of the 2 it needs (teachers are per section, never shared); NOISY_ROOMS,
complete middle, 150 junior + 500 senior pupils and 15 multimedia rooms, whose school addition
is 3.0000000000000004 rooms in floating point: 3 after the comparison rounding, not 4;
PE_SHORT, a primary school of 500 pupils with 3 PE/art teachers (0.6 per 100, 67 % of 0.9) and
6 m² of sports ground a pupil (80 % of 7.5); ONE_OVER, 2001 primary pupils (limit 2000) and
nothing else to remedy; ONE_ROOM, 24 classes with 1 music and 2 art rooms (2 of each needed);
NOISY_MIDDLE and NOISY_NINE, whose junior multimedia gap to the standard and to 85 % are
6.000000000000001 and 5.000000000000001 rooms in floating point (6 and 5, not 7 and 6);
ONE_CLASS, 1000 pupils in 22 classes reported without an oversized one (23 are needed);
ONE_OVERSIZED, 1000 pupils in 24 classes, 1 oversized; POINT, a teaching point of 60 pupils
(≥ 50: evaluated) with 2 qualified teachers of the 2.52 it needs (no music or art rooms apply);
JUNIOR_CLASSES, a junior school of 1000 pupils in 18 classes (20 needed).

County 150105, two junior schools of 1000 pupils meeting every standard: WIDE_HIGH with 40
backbone teachers (4.0 per 100), WIDE_LOW with 10 (1.0). Nothing is below a standard, but the
backbone CV is 3 / 5 = 0.6 > 0.45: only extra teachers beyond the needs bring it under.

County 150106, ROOMS_ONLY: a primary school whose one lack is rooms (24 classes, 1 music and
1 art room): rooms are no addition of the needs scenario, which leaves the county out.
"""

from tests.helpers import enrollment, facilities, school, teachers

COUNTY = "150101"
SHORT_TWO, SHORT_TWO_KINDS, NINE, MIDDLE = "1501010001", "1501010002", "1501010003", "1501010004"
ROOMS, BIG, CROWDED = "1501010005", "1501010006", "1501010007"
MORE_CLASSES = "1501010008"
SPREAD_COUNTY, SPREAD_HIGH, SPREAD_LOW = "150102", "1501020001", "1501020002"
SETTLED_COUNTY, SETTLED = "150103", "1501030001"
TWO_STAGE_COUNTY, NINE_TEACHERS, NOISY_ROOMS = "150104", "1501040001", "1501040002"
PE_SHORT, ONE_OVER, ONE_ROOM = "1501040003", "1501040004", "1501040005"
NOISY_MIDDLE, NOISY_NINE = "1501040006", "1501040007"
ONE_CLASS, ONE_OVERSIZED, POINT = "1501040008", "1501040009", "1501040010"
JUNIOR_CLASSES = "1501040011"
WIDE_COUNTY, WIDE_HIGH, WIDE_LOW = "150105", "1501050001", "1501050002"
ROOMS_ONLY_COUNTY, ROOMS_ONLY = "150106", "1501060001"


def staff(school_id, stage, qualified, backbone, pe_art):
    """Teachers who each count for exactly one teacher indicator (see tests/test_boundaries)."""
    return (
        teachers(school_id, stage, qualified, "本科", "无", "语文")
        + teachers(school_id, stage, backbone, "高中", "县级", "语文")
        + teachers(school_id, stage, pe_art, "高中", "无", "体育")
    )


def rooms(school_id, music=(96,), art=(90,)):
    return [{"school_id": school_id, "room_type": "音乐", "area_m2": a} for a in music] + [
        {"school_id": school_id, "room_type": "美术", "area_m2": a} for a in art
    ]


def finance(school_id):
    return {
        "school_id": school_id,
        "public_funds_budget_yuan": 1_000_000.0,
        "public_funds_allocated_yuan": 800_000.0,
        "per_student_standard_yuan": 800.0,
        "training_funds_yuan": 60_000.0,
    }


def school_files(school_id, school_type, county, enrollments, staff_rows, facility, room_rows):
    """One school's rows of every file (built 2015, the bundled finance figures)."""
    return {
        "schools": [school(school_id, school_type, county=county, built=2015)],
        "enrollment": enrollments,
        "teachers": staff_rows,
        "facilities": [facility],
        "rooms": room_rows,
        "finance": [finance(school_id)],
    }


def primary_school(school_id, students, classes, qualified, backbone, pe_art, **extra):
    """A primary school at or above every facility standard for ``students`` (but a sports
    field of ``field`` m² a pupil, if given)."""
    n = students
    field = extra.get("field", 7.5)
    return school_files(
        school_id,
        "小学",
        extra.get("county", COUNTY),
        [
            enrollment(
                school_id, "小学", n, classes, extra.get("oversized", 0), extra.get("migrant", 0)
            )
        ],
        staff(school_id, "primary", qualified, backbone, pe_art),
        facilities(school_id, 4.5 * n, 0, field * n, 2000 * n, -(-23 * n // 1000)),
        extra.get("rooms") or rooms(school_id, (96,) * 3, (90,) * 3),
    )


def junior_school(school_id, backbone, county=SPREAD_COUNTY, classes=20):
    """A junior school of 1000 pupils in 20 classes at every junior standard but backbone."""
    n = 1000
    return school_files(
        school_id,
        "初级中学",
        county,
        [enrollment(school_id, "初中", n, classes)],
        staff(school_id, "junior", 53, backbone, 9),
        facilities(school_id, 5.8 * n, 0, 10.2 * n, 2500 * n, 24),
        rooms(school_id, (96,) * 2, (90,) * 2),
    )


def two_stage_county() -> list[dict]:
    # NINE_TEACHERS: weighted pupils 200 + 1.1 × 200 = 420, shares 200/420 and 220/420; its
    # facilities meet both stages' standards (e.g. teaching area max(4.5 × 200 × 420/200,
    # 5.8 × 200 × 420/220) = 2214.5 ≤ 2300 m²).
    nine = school_files(
        NINE_TEACHERS,
        "九年一贯制学校",
        TWO_STAGE_COUNTY,
        [
            enrollment(NINE_TEACHERS, "小学", 200, 5),
            enrollment(NINE_TEACHERS, "初中", 200, 4),
        ],
        staff(NINE_TEACHERS, "primary", 9, 1, 2) + staff(NINE_TEACHERS, "junior", 11, 1, 2),
        facilities(NINE_TEACHERS, 2300, 0, 4000, 1_000_000, 10),
        rooms(NINE_TEACHERS),
    )
    # NOISY_ROOMS: junior share 150 / (150 + 1.2 × 500) = 0.2; 15 rooms × 0.2 = 3 for 150
    # pupils (2.0 per 100). Its other facilities meet 150 junior pupils' standards at 0.2.
    middle = school_files(
        NOISY_ROOMS,
        "完全中学",
        TWO_STAGE_COUNTY,
        [
            enrollment(NOISY_ROOMS, "初中", 150, 3),
            enrollment(NOISY_ROOMS, "高中", 500, 10),
        ],
        staff(NOISY_ROOMS, "junior", 8, 2, 2) + teachers(NOISY_ROOMS, "senior", 30),
        facilities(NOISY_ROOMS, 4400, 0, 7700, 1_900_000, 15),
        rooms(NOISY_ROOMS),
    )
    pe_short = primary_school(PE_SHORT, 500, 12, 21, 5, 3, field=6.0, county=TWO_STAGE_COUNTY)
    # 2001 pupils: 45 classes of ≤ 45, ceil(45 / 12) = 4 rooms of each kind; 84.042 qualified,
    # 20.01 backbone and 18.009 PE/art teachers needed.
    one_over = primary_school(
        ONE_OVER,
        2001,
        45,
        85,
        21,
        19,
        county=TWO_STAGE_COUNTY,
        rooms=rooms(ONE_OVER, (96,) * 4, (90,) * 4),
    )
    one_room = primary_school(
        ONE_ROOM,
        1000,
        24,
        42,
        10,
        9,
        county=TWO_STAGE_COUNTY,
        rooms=rooms(ONE_ROOM, (96,), (90, 90)),
    )
    # NOISY_MIDDLE: junior share 360 / (360 + 1.2 × 950) = 0.24; 11 rooms × 0.24 = 2.64 for
    # 360 pupils, 2.4 × 3.6 = 8.64 needed. Other facilities: the junior standards ÷ 0.24.
    noisy_middle = school_files(
        NOISY_MIDDLE,
        "完全中学",
        TWO_STAGE_COUNTY,
        [
            enrollment(NOISY_MIDDLE, "初中", 360, 8),
            enrollment(NOISY_MIDDLE, "高中", 950, 19),
        ],
        staff(NOISY_MIDDLE, "junior", 20, 4, 4) + teachers(NOISY_MIDDLE, "senior", 60),
        facilities(NOISY_MIDDLE, 8800, 0, 15400, 3_800_000, 11),
        rooms(NOISY_MIDDLE, (96,) * 3, (90,) * 3),
    )
    # NOISY_NINE: 400 primary + 1000 junior pupils, junior share 1100 / 1500; 21 rooms ×
    # 1100/1500 = 15.4 for 1000 junior pupils, 24 needed, 85 %: 20.4.
    noisy_nine = school_files(
        NOISY_NINE,
        "九年一贯制学校",
        TWO_STAGE_COUNTY,
        [
            enrollment(NOISY_NINE, "小学", 400, 9),
            enrollment(NOISY_NINE, "初中", 1000, 20),
        ],
        staff(NOISY_NINE, "primary", 17, 4, 4) + staff(NOISY_NINE, "junior", 53, 10, 9),
        facilities(NOISY_NINE, 8000, 0, 14000, 3_500_000, 21),
        rooms(NOISY_NINE, (96,) * 3, (90,) * 3),
    )
    # 1000 pupils: 42 qualified, 10 backbone, 9 PE/art teachers; 22 or 24 classes need 2 rooms
    # of each kind.
    one_class = primary_school(ONE_CLASS, 1000, 22, 42, 10, 9, county=TWO_STAGE_COUNTY)
    one_oversized = primary_school(
        ONE_OVERSIZED, 1000, 24, 42, 10, 9, oversized=1, county=TWO_STAGE_COUNTY
    )
    point = school_files(
        POINT,
        "教学点",
        TWO_STAGE_COUNTY,
        [enrollment(POINT, "小学", 60, 2)],
        staff(POINT, "primary", 2, 1, 1),
        facilities(POINT, 4.5 * 60, 0, 7.5 * 60, 2000 * 60, 2),
        [],
    )
    return [
        nine,
        middle,
        pe_short,
        one_over,
        one_room,
        noisy_middle,
        noisy_nine,
        one_class,
        one_oversized,
        point,
        junior_school(JUNIOR_CLASSES, 10, county=TWO_STAGE_COUNTY, classes=18),
    ]


def district() -> dict[str, list[dict]]:
    parts = [
        # 4.2 × 400 / 100 = 16.8 qualified needed, 15 present; backbone 4 = 1.0, PE 4 ≥ 3.6.
        primary_school(SHORT_TWO, 400, 9, 15, 4, 4),
        # 42 qualified and 10 backbone needed; 30 and 8 present; PE 9 = 0.9.
        primary_school(SHORT_TWO_KINDS, 1000, 23, 30, 8, 9),
        school_files(
            NINE,
            "九年一贯制学校",
            COUNTY,
            [enrollment(NINE, "小学", 300, 7), enrollment(NINE, "初中", 200, 4)],
            staff(NINE, "primary", 13, 3, 3) + staff(NINE, "junior", 11, 2, 2),
            facilities(NINE, 2000, 0, 5000, 1_100_000, 12),
            rooms(NINE),
        ),
        school_files(
            MIDDLE,
            "完全中学",
            COUNTY,
            [enrollment(MIDDLE, "初中", 500, 10), enrollment(MIDDLE, "高中", 400, 8)],
            staff(MIDDLE, "junior", 27, 5, 5) + teachers(MIDDLE, "senior", 30),
            facilities(MIDDLE, 6000, 0, 10000, 2_500_000, 20),
            rooms(MIDDLE, (96, 96), (90, 90)),
        ),
        # 30 classes need ceil(30 / 12) = 3 rooms of each kind: 1 music, 2 art of which one
        # is 60 m² (built 2015 ≤ 2016: floor 67 m², so it does not count).
        primary_school(ROOMS, 1350, 30, 57, 14, 13, rooms=rooms(ROOMS, (96,), (90, 60))),
        primary_school(BIG, 2100, 47, 89, 21, 19, oversized=2),
        primary_school(CROWDED, 1400, 30, 59, 14, 13, oversized=5),
        primary_school(
            MORE_CLASSES,
            1300,
            24,
            55,
            13,
            12,
            oversized=8,
            rooms=rooms(MORE_CLASSES, (96,) * 2, (90,) * 2),
        ),
        junior_school(SPREAD_HIGH, 25),
        junior_school(SPREAD_LOW, 9),
        junior_school(SETTLED, 10, county=SETTLED_COUNTY),
        *two_stage_county(),
        junior_school(WIDE_HIGH, 40, county=WIDE_COUNTY),
        junior_school(WIDE_LOW, 10, county=WIDE_COUNTY),
        primary_school(
            ROOMS_ONLY,
            1000,
            24,
            42,
            10,
            9,
            county=ROOMS_ONLY_COUNTY,
            rooms=rooms(ROOMS_ONLY, (96,), (90,)),
        ),
    ]
    files = {n: [] for n in ("schools", "enrollment", "teachers", "facilities", "rooms", "finance")}
    for part in parts:
        for name in files:
            files[name] += part[name]
    return files
