"""Counties for the plan (化解计划) tests: every item passes except those built to fail.

- ROUND_TRIP 160101: SHORT (2000 primary pupils, 16 backbone teachers: 0.8 per 100, under
  85 %), CROWDED (900 junior pupils in 18 classes, 2 of them oversized), and two junior schools
  of 1000 pupils with 10 and 40 backbone teachers (1.0 and 4.0 per 100: both meet the standard,
  but the junior backbone CV is far over 0.45). Fails school_compliance, cv_junior and G5.
- SOME 160102: BIG (2100 primary pupils, limit 2000), SHORT2 and CROWDED2 like the above.
  Fails school_compliance, G4 and G5; its plan fixes the last two, not G4.
- MOVE 160103: BIG3 (2100) and OTHER (500 primary pupils): fails G4 only; moving 100 pupils
  from BIG3 to OTHER fixes it.
"""

from tests.guarantee_district import PASS_NUMBERS, compliant, county_items, rotate

ROUND_TRIP, SOME, MOVE = "160101", "160102", "160103"
SHORT, CROWDED, JA, JB = "1601010001", "1601010002", "1601010003", "1601010004"
BIG, SHORT2, CROWDED2 = "1601020001", "1601020002", "1601020003"
BIG3, OTHER = "1601030001", "1601030002"
FILES = ("schools", "enrollment", "teachers", "facilities", "rooms", "finance")


def _backbone(part, count):
    """Make exactly ``count`` of the school's teachers county-level backbone teachers."""
    for index, row in enumerate(part["teachers"]):
        row["backbone_level"] = "县级" if index < count else "无"
    return part


def county_files(county, parts):
    """One county's files from its schools' parts, with rotation and passing county items."""
    files = {name: [row for part in parts for row in part[name]] for name in FILES}
    # 10 % of 100 eligible teachers rotated, 2 of them backbone (G11 at its threshold).
    rotate(files["teachers"], eligible=100, rotated=10, backbone_rotated=2)
    files["county"] = county_items(county, PASS_NUMBERS)
    return files


def _short(school_id, county):
    return _backbone(compliant(school_id, "小学", {"primary": 2000}, county), 16)


def _crowded(school_id, county):
    return compliant(
        school_id, "初中", {"junior": 900}, county, classes={"junior": 18}, oversized={"junior": 2}
    )


def district(only: str | None = None) -> dict[str, list[dict]]:
    counties = [
        county_files(
            ROUND_TRIP,
            [
                _short(SHORT, ROUND_TRIP),
                _crowded(CROWDED, ROUND_TRIP),
                _backbone(compliant(JA, "初中", {"junior": 1000}, ROUND_TRIP), 10),
                _backbone(compliant(JB, "初中", {"junior": 1000}, ROUND_TRIP), 40),
            ],
        ),
        county_files(
            SOME,
            [
                compliant(BIG, "小学", {"primary": 2100}, SOME),
                _short(SHORT2, SOME),
                _crowded(CROWDED2, SOME),
            ],
        ),
        county_files(
            MOVE,
            [
                compliant(BIG3, "小学", {"primary": 2100}, MOVE),
                compliant(OTHER, "小学", {"primary": 500}, MOVE),
            ],
        ),
    ]
    if only:
        counties = [c for c in counties if c["county"][0]["county_code"] == only]
    return {name: [row for c in counties for row in c[name]] for name in (*FILES, "county")}
