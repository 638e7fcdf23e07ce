"""Three school years (2022-2024) of small counties whose monitoring numbers are worked out by
hand in tests/test_monitoring.py. One county per case: a county's key indicators, CVs and
projections never mix with another's.

Schools are primary schools unless said otherwise. "Generous" resources are 1.3 × the primary
standards for 100 students, so they stay met when students grow by a fifth; "ample" ones are
10 m² teaching and 15 m² sports area, 4000 yuan and 4 rooms per 100 students.
"""

from tests.helpers import enrollment, facilities, school, teachers

YEARS = (2022, 2023, 2024)

DECOMPOSITION = "120001"  # students grow faster than buildings; a school opens, one closes
S1, S2, S3, S4, S5 = (f"120001000{i}" for i in range(1, 6))
GAP = "120002"  # school_gap, the lower-is-better indicator
G1, G2 = "1200020001", "1200020002"
LATE = "120003"  # first in the warehouse in 2023; its county items are missing or 0 in 2023
L1 = "1200030001"
CV_AT_LIMIT = "120004"  # a CV exactly at its limit now, which the forecast pushes over
D1, D2 = "1200040001", "1200040002"
STATUS = "120005"  # status drops and standards crossed, one section per case
E1, E2, E3, E4, E5, E6 = (f"120005000{i}" for i in range(1, 7))
PROJECTION = "120006"  # the projection's edge cases and an integrated school's shares
F1, F2, F3, F4, F5 = (f"120006000{i}" for i in range(1, 6))
CV_HELD = "120007"  # a one-year section enters the projected CV at its current students
H1, H2, H3 = "1200070001", "1200070002", "1200070003"
CV_REACHES_LIMIT = "120008"  # the projected CV rounds to its limit: no warning
K1, K2 = "1200080001", "1200080002"
NEAR = "120009"  # projected values that round onto the standard and onto 85 % of it
N1, N2 = "1200090001", "1200090002"
GAP_ZERO = "120011"  # school_gap falls to 0: a lower-is-better index is undefined
Z1, Z2 = "1200110001", "1200110002"
PARTIAL = "120012"  # in 2024 P2 has no facilities row and a rejected teacher row
P1, P2 = "1200120001", "1200120002"
BOTH = "120013"  # a nine-year school falling in both stages; 2022 has a rejected teacher row
B9 = "1200130001"
CV_NEAR_NOW = "120014"  # a CV that rounds to its limit today, which the forecast pushes over
C1, C2 = "1200140001", "1200140002"
EMPTYING = "120015"  # a section projected to 0 students leaves the projected CVs
X1, X2 = "1200150001", "1200150002"
EMPTY_MEAN = "120016"  # the only section with backbone teachers empties: no projected mean
Y1, Y2 = "1200160001", "1200160002"
MEAN_ONE = "120017"  # a projected mean of exactly 1 backbone teacher per 100 students
M1, M2 = "1200170001", "1200170002"

# The bands' cut-points: county -> (teaching area m² in 2022 and 2023, in 2024), one school of
# 100 students; the index is (a / 100) / (b / 100) × 100 in binary floating point.
BAND_CASES = {
    "130101": (500.0, 550.0),  # 110.00000000000001
    "130102": (503.0, 553.3),  # 109.99999999999999
    "130103": (500.0, 550.5),  # 110.1
    "130104": (500.0, 549.5),  # 109.9
    "130105": (500.0, 510.0),  # 102.0
    "130106": (510.0, 520.2),  # 102.00000000000003
    "130107": (515.0, 525.3),  # 101.99999999999999
    "130108": (500.0, 509.5),  # 101.9
    "130109": (500.0, 490.5),  # 98.1
    "130110": (500.0, 490.0),  # 98.00000000000001
    "130111": (505.0, 494.9),  # 98.0
    "130112": (515.0, 504.7),  # 97.99999999999999
    "130113": (500.0, 450.5),  # 90.1
    "130114": (504.0, 453.6),  # 90.00000000000001
    "130115": (500.0, 450.0),  # 90.0
    "130116": (501.0, 450.9),  # 89.99999999999999
}


def staff(school_id, backbone=2, pe_art=2, others=2, pe_education="本科"):
    """Backbone (本科, 县级), PE (体育) and other (本科) primary teachers."""
    return (
        teachers(school_id, "小学", backbone, "本科", "县级", "语文")
        + teachers(school_id, "小学", pe_art, pe_education, "无", "体育")
        + teachers(school_id, "小学", others, "本科", "无", "语文")
    )


def generous(school_id, teaching=585.0, field=975.0, equipment=260_000.0, multimedia=3):
    """4.5 × 1.3 × 100 m², 7.5 × 1.3 × 100 m², 2000 × 1.3 × 100 yuan, 2.3 × 1.3 → 3 rooms."""
    return facilities(school_id, teaching, 0.0, field, equipment, multimedia)


def ample(school_id, per100=1.0):
    return facilities(
        school_id,
        round(1000 * per100, 1),
        0,
        round(1500 * per100, 1),
        round(400_000 * per100),
        round(4 * per100),  # 0.51 × 4 → 2 rooms
    )


class District:
    def __init__(self):
        self.files = {
            y: {"schools": [], "enrollment": [], "teachers": [], "facilities": []} for y in YEARS
        }

    def add(self, year, county, school_id, students, staff_rows, facility, kind="小学", **kw):
        """One school in one year; ``students`` is a number (primary) or enrollment rows."""
        if isinstance(students, int):
            students = [enrollment(school_id, "小学", students)]
        files = self.files[year]
        files["schools"].append(school(school_id, kind, county=county, **kw))
        files["enrollment"] += students
        files["teachers"] += staff_rows
        if facility is not None:  # None: the school has no facilities row
            files["facilities"].append(facility)

    def finance(self, year, school_id, students):
        """A finance row: 800 yuan a student allocated (1000 budgeted, 60 for training)."""
        self.files[year].setdefault("finance", []).append(
            {
                "school_id": school_id,
                "public_funds_budget_yuan": 1000 * students,
                "public_funds_allocated_yuan": 800 * students,
                "per_student_standard_yuan": 800,
                "training_funds_yuan": 60 * students,
            }
        )

    def each_year(self, county, school_id, students_by_year, staff_rows, facility):
        for year, students in students_by_year.items():
            self.add(year, county, school_id, students, staff_rows, facility)


def district() -> dict[int, dict[str, list[dict]]]:
    d = District()

    # Decomposition: teaching area; S2 keeps one mental-health teacher (本科, 一级), the others
    # have no teachers. Public funds: 800 yuan per student every year.
    area = {  # school: {year: (students, teaching area m²)}
        S1: {2022: (100, 1000.0), 2023: (125, 1000.0), 2024: (150, 1000.0)},
        S2: {2022: (100, 1000.0), 2023: (110, 1050.0), 2024: (120, 1100.0)},
        S3: {2024: (50, 300.0)},  # opened after the baseline
        S4: {2022: (100, 1000.0), 2023: (100, 1000.0)},  # closed after 2023
        S5: {2022: (100, 1000.0), 2023: (100, 1100.0), 2024: (100, 1200.0)},  # builds ahead
    }
    for school_id, years in area.items():
        for year, (students, teaching) in years.items():
            mental = teachers(school_id, "小学", 1, "本科", "无", "心理健康", title="一级")
            rows = mental if school_id == S2 else []
            name = f"学校{school_id[-2:]}"
            d.add(year, DECOMPOSITION, school_id, students, rows, facilities(school_id, teaching),
                  name=name)  # fmt: skip
            d.finance(year, school_id, students)

    # school_gap: the second school has k times the first one's resources for the same 100
    # students, so each of the 7 values is (x, kx) and each CV (k − 1) / (k + 1).
    for county, first, second, ks in ((GAP, G1, G2, (3, 5, 2)), (GAP_ZERO, Z1, Z2, (3, 1, 1))):
        for year, k in zip(YEARS, ks, strict=True):
            for school_id, f in ((first, 1), (second, k)):
                resources = facilities(school_id, 500 * f, 0, 800 * f, 200_000 * f, 2 * f)
                d.add(year, county, school_id, 100, staff(school_id, f, f, 3 * f), resources)

    d.each_year(LATE, L1, {2023: 100, 2024: 100}, staff(L1), generous(L1))
    # … and its public funds are reported in 2023 (its baseline) but not in 2024.
    d.finance(2023, L1, 100)

    # Backbone 2 and 6 per 100 → X̄ 4, S 2, CV 0.5; the first school grows, the second shrinks.
    # PE/art 2 and 10 per 100: CV 0.67, over its limit already. The second school's PE teachers
    # have 高中 (not qualified) so both have 6 qualified teachers per 100.
    for county, first, second in ((CV_AT_LIMIT, D1, D2), (CV_HELD, H1, H2)):
        d.each_year(county, first, {2022: 60, 2023: 80, 2024: 100}, staff(first), ample(first))
        d.each_year(county, second, {2022: 140, 2023: 120, 2024: 100},
                    staff(second, 6, 10, 0, "高中"), ample(second))  # fmt: skip
    # … and H3, new in 2024 with 50 students: backbone and PE/art 4 per 100, qualified 6.
    d.add(2024, CV_HELD, H3, 50, staff(H3, 2, 2, 1, "高中"), ample(H3, 0.5))

    # K1 stays at 51 students with 1 backbone teacher; K2 goes 54, 53, 52 → 51 with 3.
    d.each_year(CV_REACHES_LIMIT, K1, {2022: 51, 2023: 51, 2024: 51}, staff(K1, 1, 1, 2),
                ample(K1, 0.51))  # fmt: skip
    d.each_year(CV_REACHES_LIMIT, K2, {2022: 54, 2023: 53, 2024: 52}, staff(K2, 3, 1, 0),
                ample(K2, 0.52))  # fmt: skip

    # Landing on a line: N1 73, 74, 75 → 76 students with 342 m²; N2 50, 60, 70 → 80 with 306 m².
    d.each_year(NEAR, N1, {2022: 73, 2023: 74, 2024: 75}, staff(N1), generous(N1, teaching=342.0))
    d.each_year(NEAR, N2, {2022: 50, 2023: 60, 2024: 70}, staff(N2), generous(N2, teaching=306.0))

    # Status cases: 80, 90, 100 students → 110 (E4, E5: 60, 80, 100 → 120).
    rising, steep = {2022: 80, 2023: 90, 2024: 100}, {2022: 60, 2023: 80, 2024: 100}
    d.each_year(STATUS, E1, rising, staff(E1), generous(E1, teaching=472.5))
    d.each_year(STATUS, E2, rising, staff(E2), generous(E2, field=675.0))
    d.each_year(STATUS, E3, rising, staff(E3),
                generous(E3, teaching=405.0, field=375.0, equipment=210_000.0))  # fmt: skip
    d.each_year(STATUS, E4, steep, staff(E4), generous(E4, teaching=455.0))
    d.each_year(STATUS, E5, steep, staff(E5), generous(E5, teaching=455.0, field=375.0))
    d.each_year(STATUS, E6, rising, staff(E6), generous(E6, teaching=472.5, field=787.5))

    # Backbone 1 and 3 for 75 students each: CV 0.5000000000000001 today, 0.5 at 9 decimals.
    # C1 grows 55, 65, 75 → 85, C2 shrinks 95, 85, 75 → 65.
    d.each_year(CV_NEAR_NOW, C1, {2022: 55, 2023: 65, 2024: 75}, staff(C1, 1, 2, 3), generous(C1))
    d.each_year(CV_NEAR_NOW, C2, {2022: 95, 2023: 85, 2024: 75}, staff(C2, 3, 2, 1), generous(C2))

    # X1 stays at 100 students, X2 goes 300, 180, 60 → 0 with a fifth of X1's facilities and
    # 3 backbone teachers: backbone 2 and 5 per 100 today, CV 0.465, within its limit.
    d.each_year(EMPTYING, X1, {2022: 100, 2023: 100, 2024: 100}, staff(X1), generous(X1))
    d.each_year(EMPTYING, X2, {2022: 300, 2023: 180, 2024: 60}, staff(X2, 3, 1, 0),
                generous(X2, 117.0, 195.0, 52_000.0, 1))  # fmt: skip

    # Y1 stays at 100 students without backbone teachers; Y2 goes 1500, 1000, 500 → 0 with 5.
    # Backbone 0 and 1 per 100 today: X̄ 500 / 600, CV √(100 / 500) = 0.447, within its limit.
    d.each_year(EMPTY_MEAN, Y1, {2022: 100, 2023: 100, 2024: 100}, staff(Y1, 0), generous(Y1))
    d.each_year(EMPTY_MEAN, Y2, {2022: 1500, 2023: 1000, 2024: 500}, staff(Y2, 5),
                generous(Y2))  # fmt: skip

    # M1 goes 50, 100 → 150 students and M2 150, 100 → 50, one backbone teacher each: every
    # value equal today (CV 0), backbone 100 / 150 and 100 / 50 next year around X̄' = 1.
    d.each_year(MEAN_ONE, M1, {2023: 50, 2024: 100}, staff(M1, 1), generous(M1))
    d.each_year(MEAN_ONE, M2, {2023: 150, 2024: 100}, staff(M2, 1), generous(M2))

    # Projection edge cases (no resources: their statuses cannot drop) and a nine-year school
    # whose primary students grow: 200 → 300 (→ 400), junior 200 → 200.
    d.each_year(PROJECTION, F1, {2022: 100, 2023: 40, 2024: 10}, [], facilities(F1))
    d.each_year(PROJECTION, F2, {2024: 70}, [], facilities(F2))
    d.each_year(PROJECTION, F3, {2022: 100, 2023: 110, 2024: 130}, [], facilities(F3))
    d.each_year(PROJECTION, F4, {2023: 100, 2024: 90}, [], facilities(F4))
    nine_year_staff = (
        teachers(F5, "primary", 5, "本科", "县级", "语文")
        + teachers(F5, "primary", 5, "本科", "无", "体育")
        + teachers(F5, "primary", 10, "本科", "无", "语文")
        + teachers(F5, "junior", 3, "本科", "县级", "语文")
        + teachers(F5, "junior", 3, "本科", "无", "体育")
        + teachers(F5, "junior", 6, "本科", "无", "语文")
    )
    for year, primary in ((2023, 200), (2024, 300)):
        students = [enrollment(F5, "primary", primary), enrollment(F5, "junior", 200)]
        d.add(year, PROJECTION, F5, students, nine_year_staff,
              facilities(F5, 2808.0, 0, 6000.0, 1_600_000, 20), kind="九年一贯制学校")  # fmt: skip

    # Incomplete data in 2024: P2 has no facilities row, and one of its teachers is rejected
    # (暂缺). 2022: both complete, 700 m² each; P2 90 students (→ 105 in 2025).
    d.add(2022, PARTIAL, P1, 100, staff(P1), generous(P1, teaching=700.0))
    d.add(2022, PARTIAL, P2, 90, staff(P2, backbone=1), generous(P2, teaching=700.0))
    d.add(2024, PARTIAL, P1, 100, staff(P1), generous(P1))
    d.add(2024, PARTIAL, P2, 100, staff(P2, backbone=1) + teachers(P2, "小学", 1, "暂缺"), None)

    # Nine-year B9: 2100 m² both years; 100 + 100 students in 2022 (shares 100 : 110 → 10 and
    # 11 m²), 150 + 150 in 2024 (→ 6.667 and 7.333 m²). Primary teachers: 4 本科 in 2022, 2 本科
    # and 2 专科 in 2024 (the share above the required degree falls from 100 % to 50 %).
    for year, n, degrees in ((2022, 100, ("本科", "本科")), (2024, 150, ("本科", "专科"))):
        rows = (
            teachers(B9, "primary", 2, degrees[0])
            + teachers(B9, "primary", 2, degrees[1])
            + teachers(B9, "junior", 2, "本科")
            + (teachers(B9, "junior", 1, "暂缺") if year == 2022 else [])
        )
        students = [enrollment(B9, "primary", n), enrollment(B9, "junior", n)]
        d.add(year, BOTH, B9, students, rows, facilities(B9, 2100.0), kind="九年一贯制学校",
              name="九年一贯制学校B9")  # fmt: skip

    # The bands: one school of 100 students with teaching area only.
    for county, (before, latest) in BAND_CASES.items():
        school_id = county + "0001"
        for year in YEARS:
            area_m2 = latest if year == 2024 else before
            d.add(year, county, school_id, 100, [], facilities(school_id, area_m2))

    # County items: only the late county reports the monitoring items, from 2023 on.
    d.files[2023]["county"] = [
        {"county_code": LATE, "item": "physical_health_pct", "value": "0", "note": ""},
    ]
    d.files[2024]["county"] = [
        {"county_code": LATE, "item": "academic_quality_pct", "value": "92", "note": ""},
        {"county_code": LATE, "item": "physical_health_pct", "value": "90", "note": ""},
    ]
    return d.files
