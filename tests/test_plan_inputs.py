"""The plan's input tables (plan_input.*, views over staging): each addition of a plan applied,
row by row, on one county whose plan adds classes, music and art rooms and teaching area.

Classes (CONTRACT.md, plan): k classes make a stage's oversized classes 0 when
classes + k ≥ ceil(students / limit), else max(0, oversized − k); limits 45 (primary) and
50 (junior). Rooms (G3): the floor area of the school's building year unless the note says
``area_m2=<m²>``: 73 / 67 m² for schools built in or before 2016, else 96 / 90 m².
"""

from collections import Counter

import pytest

from tests.guarantee_district import compliant
from tests.helpers import query, query_dicts, run_year, write_csv, write_year
from tests.plan_district import county_files
from tests.test_plan import HEADER

# The same schools three times, the same plan in 2023 and 2024, none in 2022: a year reads
# only its own rows, and a year without a plan has no plan inputs.
YEARS = (2022, 2023, 2024)
COUNTY = "170101"
OLD, NEW, NOTED, FEW, SPARE = (f"170101000{i}" for i in range(1, 6))
PLAN = [
    [OLD, "小学", "增加班级", 1, "18 + 1 = 19 < ceil(900 / 45) = 20"],
    [NEW, "初中", "增加班级", 1, "16 + 1 = 17 < ceil(880 / 50) = 18"],
    [NOTED, "小学", "增加班级", 1, "11 + 1 = 12 = ceil(500 / 45)"],
    [FEW, "初中", "增加班级", 2, "17 + 2 = 19 < 20, more classes than oversized ones"],
    [OLD, "", "增加音乐专用教室", 1, ""],
    [OLD, "", "增加美术专用教室", 1, ""],
    [NEW, "", "增加音乐专用教室", 2, ""],
    [NEW, "", "增加美术专用教室", 1, ""],
    [NOTED, "", "增加音乐专用教室", 1, "area_m2 = 120"],
    [NOTED, "", "增加美术专用教室", 1, "新建 area_m2=60.5"],
    [OLD, "", "增加教学及辅助用房面积", 500, ""],
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    schools = [
        compliant(OLD, "小学", {"primary": 900}, COUNTY, built=2016,
                  classes={"primary": 18}, oversized={"primary": 4}),
        compliant(NEW, "初中", {"junior": 880}, COUNTY, built=2017,
                  classes={"junior": 16}, oversized={"junior": 3}),
        compliant(NOTED, "小学", {"primary": 500}, COUNTY, built=2020,
                  classes={"primary": 11}, oversized={"primary": 1}),
        compliant(FEW, "初中", {"junior": 1000}, COUNTY, built=2020,
                  classes={"junior": 17}, oversized={"junior": 1}),
        # No classes planned: its oversized class stays.
        compliant(SPARE, "小学", {"primary": 450}, COUNTY, built=2020,
                  classes={"primary": 10}, oversized={"primary": 1}),
    ]  # fmt: skip
    root = tmp_path_factory.mktemp("inputs")
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    for year in YEARS:
        year_dir = write_year(root, year, county_files(COUNTY, schools))
        if year > 2022:
            rows = [dict(zip(HEADER, r, strict=True)) for r in PLAN]
            write_csv(year_dir / "化解计划.csv", rows, HEADER)
        assert run_year(root, path, year).success
    assert query(path, "SELECT count(*) FROM audit.rejected_rows")[0][0] == 0
    return path


def rows_2024(warehouse, sql):
    return query(warehouse, sql.format(where="WHERE year = 2024"))


def test_classes_added(warehouse):
    rows = rows_2024(
        warehouse,
        "SELECT school_id, stage, students, classes, oversized_classes FROM plan_input.enrollment "
        "{where} ORDER BY school_id",
    )
    assert rows == [
        (OLD, "primary", 900, 19, 3),  # 19 < 20: 4 − 1 oversized left
        (NEW, "junior", 880, 17, 2),  # 17 < ceil(17.6) = 18: 3 − 1 left
        (NOTED, "primary", 500, 12, 0),  # 12 ≥ ceil(11.1) = 12: none left
        (FEW, "junior", 1000, 19, 0),  # 19 < 20: max(0, 1 − 2) = 0
        (SPARE, "primary", 450, 10, 1),
    ]


def test_rooms_added_with_the_floor_area_of_the_building_year_or_the_note(warehouse):
    def rooms(table):
        sql = f"SELECT school_id, room_type, area_m2 FROM {table} {{where}}"
        return Counter(rows_2024(warehouse, sql))

    added = rooms("plan_input.rooms") - rooms("staging.rooms")
    assert added == {
        (OLD, "music", 73.0): 1,  # built 2016: the old floors
        (OLD, "art", 67.0): 1,
        (NEW, "music", 96.0): 2,  # built 2017
        (NEW, "art", 90.0): 1,
        (NOTED, "music", 120.0): 1,  # the note's area
        (NOTED, "art", 60.5): 1,
    }
    assert sum(rooms("plan_input.rooms").values()) == sum(rooms("staging.rooms").values()) + 7


def test_teaching_area_added_to_its_school_only(warehouse):
    columns = (
        "teaching_aux_area_m2, sports_field_area_m2, equipment_value_yuan, multimedia_classrooms"
    )

    def facilities(table):
        sql = f"SELECT school_id, {columns} FROM {table} {{where}}"
        return {row[0]: row[1:] for row in rows_2024(warehouse, sql)}

    before, after = facilities("staging.facilities"), facilities("plan_input.facilities")
    # Nothing else changes, at OLD or elsewhere (a school without an addition adds 0).
    assert after == {**before, OLD: (before[OLD][0] + 500, *before[OLD][1:])}
    # Weighted pupils × 12 m² (guarantee_district.compliant): primary × 1, junior × 1.1.
    assert {school: row[0] for school, row in before.items()} == {
        OLD: 10_800.0,
        NEW: pytest.approx(11_616.0),
        NOTED: 6000.0,
        FEW: pytest.approx(13_200.0),
        SPARE: 5400.0,
    }


def test_the_plan_county_is_recomputed_in_the_years_of_its_plan(warehouse):
    rows = query_dicts(warehouse, "SELECT year, county_code FROM plan.county_verdict ORDER BY 1")
    assert rows == [{"year": 2023, "county_code": COUNTY}, {"year": 2024, "county_code": COUNTY}]
    for table in ("schools", "enrollment", "teachers", "facilities", "rooms", "county_items"):
        years = query(warehouse, f"SELECT DISTINCT year FROM plan_input.{table} ORDER BY 1")
        assert years == [(2023,), (2024,)], table
