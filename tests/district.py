"""A small district whose every number is worked out by hand in tests/test_method.py.

County 110101: one school per method case (single-stage, each split type, exclusions, zero
students, boundary values, each status class). County 110102: the CV cases. County 110103:
incomplete data (a rejected teacher row, a missing facilities row).
"""

from tests.helpers import enrollment, facilities, school, teachers

P1, N9, T12, CM = "1101010001", "1101010002", "1101010003", "1101010004"
TP_SMALL, TP_BIG, SPECIAL, N0 = "1101010005", "1101010006", "1101010007", "1101010008"
BOUNDARY, COMPLIES, BELOW_ONE, BELOW_TWO = "1101010009", "1101010010", "1101010011", "1101010012"
X1, X2, X3, J1, J2 = "1101020001", "1101020002", "1101020003", "1101020004", "1101020005"
REJECTED_TEACHER, NO_FACILITIES = "1101030001", "1101030002"


def _p1_like(school_id, equipment=1_000_000, multimedia=10):
    """400 primary students; 20 teachers: 18 qualified, 4 backbone, 4 PE/art (see test)."""
    return (
        [school(school_id, "小学")],
        [enrollment(school_id, "小学", 400)],
        teachers(school_id, "小学", 4, "本科", "县级", "语文")
        + teachers(school_id, "小学", 2, "专科", "无", "体育")
        + teachers(school_id, "小学", 1, "专科", "无", "音乐")
        + teachers(school_id, "小学", 1, "本科", "无", "美术")
        + teachers(school_id, "小学", 10, "本科", "无", "语文")
        + teachers(school_id, "小学", 2, "高中", "无", "数学"),
        [facilities(school_id, 2200, 200, 2800, equipment, multimedia)],
    )


def district() -> dict[str, list[dict]]:
    parts = [
        _p1_like(P1),
        _p1_like(COMPLIES, equipment=720_000),
        _p1_like(BELOW_ONE, equipment=600_000),
        _p1_like(BELOW_TWO, equipment=720_000, multimedia=9),
        (
            [school(N9, "九年一贯制学校")],
            [enrollment(N9, "primary", 300), enrollment(N9, "junior", 200)],
            teachers(N9, "primary", 3, "bachelor", "county", "语文")
            + teachers(N9, "primary", 3, "bachelor", "none", "体育与健康")
            + teachers(N9, "primary", 9, "bachelor", "none", "语文")
            + teachers(N9, "junior", 2, "本科", "市级", "数学")
            + teachers(N9, "junior", 2, "本科", "无", "音乐")
            + teachers(N9, "junior", 8, "本科", "无", "语文")
            + teachers(N9, "junior", 2, "专科", "无", "语文"),
            [facilities(N9, 5200, 0, 10400, 2_600_000, 26)],
        ),
        (
            [school(T12, "twelve_year")],
            [
                enrollment(T12, "primary", 100),
                enrollment(T12, "junior", 100),
                enrollment(T12, "senior", 100),
            ],
            teachers(T12, "primary", 1, "本科", "县级", "语文")
            + teachers(T12, "primary", 1, "本科", "无", "体育")
            + teachers(T12, "primary", 4, "本科", "无", "语文")
            + teachers(T12, "junior", 1, "硕士", "省级", "语文")
            + teachers(T12, "junior", 1, "本科", "无", "美术")
            + teachers(T12, "junior", 4, "本科", "无", "语文")
            + teachers(T12, "senior", 5, "本科", "无", "语文"),
            [facilities(T12, 3420, 0, 6840, 3_420_000, 36)],
        ),
        (
            [school(CM, "完全中学")],
            [enrollment(CM, "初中", 240), enrollment(CM, "高中", 200)],
            teachers(CM, "初中", 3, "本科", "国家级", "语文")
            + teachers(CM, "初中", 3, "本科", "无", "艺术")
            + teachers(CM, "初中", 8, "本科", "无", "语文")
            + teachers(CM, "高中", 6, "本科", "无", "语文"),
            [facilities(CM, 4800, 0, 6000, 1_800_000, 20)],
        ),
        (
            [
                school(TP_SMALL, "教学点", location="rural"),
                school(TP_BIG, "教学点", location="rural"),
            ],
            [enrollment(TP_SMALL, "小学", 30), enrollment(TP_BIG, "小学", 60)],
            teachers(TP_SMALL, "小学", 2, "专科")
            + teachers(TP_BIG, "小学", 1, "专科", "县级", "语文")
            + teachers(TP_BIG, "小学", 1, "专科", "无", "体育")
            + teachers(TP_BIG, "小学", 1, "专科", "无", "语文"),
            [
                facilities(TP_SMALL, 150, 0, 300, 60_000, 1),
                facilities(TP_BIG, 300, 0, 600, 150_000, 2),
            ],
        ),
        (
            [school(SPECIAL, "特殊教育学校")],
            [enrollment(SPECIAL, "小学", 50), enrollment(SPECIAL, "初中", 30)],
            teachers(SPECIAL, "小学", 10) + teachers(SPECIAL, "初中", 6),
            [facilities(SPECIAL, 1000, 0, 1000, 500_000, 8)],
        ),
        (
            [school(N0, "nine_year")],
            [enrollment(N0, "primary", 200), enrollment(N0, "junior", 0, classes=0)],
            teachers(N0, "primary", 2, "专科", "县级", "语文")
            + teachers(N0, "primary", 2, "专科", "无", "音乐")
            + teachers(N0, "primary", 5, "专科", "无", "语文"),
            [facilities(N0, 1000, 0, 1600, 400_000, 5)],
        ),
        (
            [school(BOUNDARY, "nine_year")],
            [enrollment(BOUNDARY, "primary", 55), enrollment(BOUNDARY, "junior", 52)],
            teachers(BOUNDARY, "primary", 1, "本科", "县级", "语文")
            + teachers(BOUNDARY, "primary", 1, "本科", "无", "体育")
            + teachers(BOUNDARY, "primary", 1, "本科", "无", "语文")
            + teachers(BOUNDARY, "junior", 1, "本科", "县级", "语文")
            + teachers(BOUNDARY, "junior", 1, "本科", "无", "美术")
            + teachers(BOUNDARY, "junior", 1, "本科", "无", "语文"),
            [facilities(BOUNDARY, 1122, 0, 2244, 255_000, 12)],
        ),
        # County 110102: the CV cases.
        (
            [
                school(X1, "小学", county="110102"),
                school(X2, "小学", county="110102"),
                school(X3, "小学", county="110102"),
                school(J1, "初中", county="110102"),
                school(J2, "初中", county="110102"),
            ],
            [
                enrollment(X1, "小学", 100),
                enrollment(X2, "小学", 200),
                enrollment(X3, "小学", 100),
                enrollment(J1, "初中", 100),
                enrollment(J2, "初中", 100),
            ],
            teachers(X1, "小学", 1, "本科", "县级")
            + teachers(X1, "小学", 1, "本科", "无")
            + teachers(X2, "小学", 11, "本科", "县级")
            + teachers(X3, "小学", 7, "本科", "县级")
            + teachers(J1, "初中", 1, "本科", "县级")
            + teachers(J2, "初中", 3, "本科", "县级"),
            [
                facilities(X1, 500, 0, 800, 250_000, 3),
                facilities(X2, 1000, 0, 1600, 500_000, 6),
                facilities(X3, 500, 0, 800, 250_000, 3),
                facilities(J1, 600, 0, 1100, 300_000, 3),
                facilities(J2, 600, 0, 1100, 300_000, 3),
            ],
        ),
        # County 110103: incomplete data.
        (
            [
                school(REJECTED_TEACHER, "小学", county="110103"),
                school(NO_FACILITIES, "小学", county="110103"),
            ],
            [enrollment(REJECTED_TEACHER, "小学", 100), enrollment(NO_FACILITIES, "小学", 100)],
            teachers(REJECTED_TEACHER, "小学", 5, "本科", "县级", "体育")
            + teachers(REJECTED_TEACHER, "小学", 1, "暂缺")
            + teachers(NO_FACILITIES, "小学", 5, "本科", "县级", "体育"),
            [facilities(REJECTED_TEACHER, 500, 0, 800, 250_000, 3)],
        ),
    ]
    files = {"schools": [], "enrollment": [], "teachers": [], "facilities": []}
    for part in parts:
        for name, rows in zip(files, part, strict=True):
            files[name] += rows
    return files
