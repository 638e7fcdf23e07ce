"""Every validation rule rejects exactly the row that breaks it, and nothing else."""

import polars as pl
import pytest

from assets.pseudonym import pseudonymiser
from assets.validate_year import _drop_rows, _failing_rows, validate_year
from tests.helpers import enrollment, facilities, school, teachers, write_year

PRIMARY, NINE, MIDDLE = "0150112001", "0150112002", "0150112003"


def valid_year() -> dict[str, list[dict]]:
    return {
        "schools": [
            school(PRIMARY, "小学"),
            school(NINE, "九年一贯制学校"),
            school(MIDDLE, "完全中学"),
        ],
        "enrollment": [
            enrollment(PRIMARY, "小学", 400, 9, 1, 10),
            enrollment(NINE, "小学", 300),
            enrollment(NINE, "初中", 200),
            enrollment(MIDDLE, "初中", 300),
            enrollment(MIDDLE, "高中", 300),
        ],
        "teachers": teachers(PRIMARY, "小学", 3)
        + teachers(NINE, "初中", 2)
        + teachers(MIDDLE, "高中", 2),
        "facilities": [
            facilities(s, 3000, 200, 5000, 1_000_000, 12) for s in (PRIMARY, NINE, MIDDLE)
        ],
        "rooms": [
            {"school_id": PRIMARY, "room_type": "音乐", "area_m2": 96},
            {"school_id": PRIMARY, "room_type": "美术", "area_m2": 90},
        ],
        "finance": [
            {
                "school_id": s,
                "public_funds_budget_yuan": 400_000,
                "public_funds_allocated_yuan": 400_000,
                "per_student_standard_yuan": 800,
                "training_funds_yuan": 20_000,
            }
            for s in (PRIMARY, NINE, MIDDLE)
        ],
        "county": [
            {"county_code": "110101", "item": "layout_planned", "value": "是", "note": "规划"},
            {
                "county_code": "110101",
                "item": "social_recognition_pct",
                "value": "86.51",
                "note": "",
            },
            {"county_code": "110101", "item": "junior_graduates", "value": "11587", "note": ""},
        ],
    }


def validate(tmp_path, files):
    write_year(tmp_path, 2024, files)
    return validate_year(tmp_path / "2024", 2024, pseudonymiser("test-key-0123456789abcdef"))


def test_the_valid_year_is_accepted_whole(tmp_path):
    result = validate(tmp_path, valid_year())
    assert result.rejected.is_empty()
    assert {k: v.height for k, v in result.accepted.items()} == {
        "schools": 3,
        "enrollment": 5,
        "teachers": 7,
        "facilities": 3,
        "rooms": 2,
        "finance": 3,
        "county": 3,
        "plan": 0,  # optional, absent
    }
    county = result.accepted["county"].sort("item").select("item", "value_number", "value_yes")
    assert county.rows() == [
        ("junior_graduates", 11587.0, None),
        ("layout_planned", None, True),
        ("social_recognition_pct", 86.51, None),
    ]


def _set(file, index, **changes):
    def mutate(files):
        files[file][index].update(changes)

    return mutate


def _append(file, row):
    def mutate(files):
        files[file].append(row)

    return mutate


# (mutation, file, the bad row's number in the file (header = row 1), column, rule)
CASES = {
    "empty cell": (_set("schools", 0, school_name=""), "schools", 2, "school_name", "required"),
    "text in an integer": (
        _set("enrollment", 0, students="暂缺"),
        "enrollment",
        2,
        "students",
        "integer",
    ),
    "fraction in an integer": (
        _set("enrollment", 0, classes="9.5"),
        "enrollment",
        2,
        "classes",
        "integer",
    ),
    "text in a number": (
        _set("facilities", 1, sports_field_area_m2="约5000"),
        "facilities",
        3,
        "sports_field_area_m2",
        "number",
    ),
    "NaN in a number": (
        _set("facilities", 1, sports_field_area_m2="NaN"),
        "facilities",
        3,
        "sports_field_area_m2",
        "number",
    ),
    "unknown school type": (
        _set("schools", 1, school_type="贵族学校"),
        "schools",
        3,
        "school_type",
        "code",
    ),
    "unknown stage": (_set("teachers", 0, stage="幼儿园"), "teachers", 2, "stage", "code"),
    "unknown education": (
        _set("teachers", 1, education="博士后"),
        "teachers",
        3,
        "education",
        "code",
    ),
    "bad yes/no": (_set("schools", 2, is_public="也许"), "schools", 4, "is_public", "yes_no"),
    "negative": (_set("enrollment", 1, students=-5), "enrollment", 3, "students", "non_negative"),
    "absurd size": (
        _set("enrollment", 1, students=10_000_000),
        "enrollment",
        3,
        "students",
        "plausible",
    ),
    "county code": (
        _set("schools", 0, county_code="50011"),
        "schools",
        2,
        "county_code",
        "county_code_format",
    ),
    "lost leading zero": (
        _set("facilities", 0, school_id="150112001"),
        "facilities",
        2,
        "school_id",
        "school_id_format",
    ),
    "built in the future": (
        _set("schools", 0, built_year=2031),
        "schools",
        2,
        "built_year",
        "built_year_range",
    ),
    "duplicate teacher": (
        lambda files: files["teachers"].append(dict(files["teachers"][0])),
        "teachers",
        9,
        "teacher_id",
        "unique_per_year",
    ),
    "duplicate section": (
        _append("enrollment", enrollment(NINE, "初中", 10)),
        "enrollment",
        7,
        "stage",
        "unique_per_year",
    ),
    "duplicate facility row": (
        _append("facilities", facilities(NINE, 1, 0, 1, 1, 1)),
        "facilities",
        5,
        "school_id",
        "unique_per_year",
    ),
    "indoor above teaching": (
        _set("facilities", 2, indoor_sports_area_m2=3500),
        "facilities",
        4,
        "indoor_sports_area_m2",
        "indoor_le_teaching_area",
    ),
    "oversized above classes": (
        _set("enrollment", 0, oversized_classes=10),
        "enrollment",
        2,
        "oversized_classes",
        "oversized_le_classes",
    ),
    "migrants above students": (
        _set("enrollment", 0, migrant_students=401),
        "enrollment",
        2,
        "migrant_students",
        "migrant_le_students",
    ),
    "unknown school": (
        _append("teachers", teachers("0150112099", "小学", 1)[0]),
        "teachers",
        9,
        "school_id",
        "unknown_school",
    ),
    "primary school with junior students": (
        _append("enrollment", enrollment(PRIMARY, "初中", 30)),
        "enrollment",
        7,
        "stage",
        "stage_not_allowed_for_type",
    ),
    "complete middle school with primary": (
        _append("enrollment", enrollment(MIDDLE, "小学", 30)),
        "enrollment",
        7,
        "stage",
        "stage_not_allowed_for_type",
    ),
    "nine-year school with senior": (
        _append("enrollment", enrollment(NINE, "高中", 30)),
        "enrollment",
        7,
        "stage",
        "stage_not_allowed_for_type",
    ),
    "teacher in a stage the school lacks": (
        _append("teachers", teachers(NINE, "高中", 1)[0]),
        "teachers",
        9,
        "stage",
        "stage_not_in_school",
    ),
    "unknown room type": (_set("rooms", 0, room_type="舞蹈"), "rooms", 2, "room_type", "code"),
    "room of an unknown school": (
        _set("rooms", 1, school_id="0150112099"),
        "rooms",
        3,
        "school_id",
        "unknown_school",
    ),
    "negative budget": (
        _set("finance", 0, public_funds_budget_yuan=-1),
        "finance",
        2,
        "public_funds_budget_yuan",
        "non_negative",
    ),
    "duplicate finance row": (
        _append(
            "finance",
            {
                "school_id": PRIMARY,
                "public_funds_budget_yuan": 1,
                "public_funds_allocated_yuan": 1,
                "per_student_standard_yuan": 1,
                "training_funds_yuan": 1,
            },
        ),
        "finance",
        5,
        "school_id",
        "unique_per_year",
    ),
    "unknown county item": (
        _set("county", 0, item="happiness_index"),
        "county",
        2,
        "item",
        "unknown_item",
    ),
    "percent above 100": (_set("county", 1, value="186.51"), "county", 3, "value", "value_type"),
    "percent given as a fraction sign": (
        _set("county", 1, value="86.51%"),
        "county",
        3,
        "value",
        "value_type",
    ),
    "fractional count": (_set("county", 2, value="11587.5"), "county", 4, "value", "value_type"),
    "yes/no item with a number": (_set("county", 0, value="2"), "county", 2, "value", "value_type"),
    "duplicate county item": (
        _append(
            "county", {"county_code": "110101", "item": "layout_planned", "value": "否", "note": ""}
        ),
        "county",
        5,
        "item",
        "unique_per_year",
    ),
    "county without schools": (
        _set("county", 2, county_code="110199"),
        "county",
        4,
        "county_code",
        "unknown_county",
    ),
}


def test_unknown_county_item_lists_the_known_ones(tmp_path):
    files = valid_year()
    files["county"][0]["item"] = "happiness_index"
    row = validate(tmp_path, files).rejected.row(0, named=True)
    assert "known items:" in row["message"] and "junior_graduates" in row["message"]


@pytest.mark.parametrize("case", CASES)
def test_rule_rejects_the_right_row(tmp_path, case):
    mutate, file, row_number, column, rule = CASES[case]
    files = valid_year()
    mutate(files)
    result = validate(tmp_path, files)
    hits = result.rejected.filter(
        (result.rejected["rule"] == rule) & (result.rejected["column_name"] == column)
    )
    assert hits["file"].to_list()[-1] == f"2024/{file}.csv"
    assert row_number in hits["row_number"].to_list()
    assert hits["message"].null_count() == 0
    # Nothing else is lost: every row is either accepted or rejected.
    source = result.sources.filter(result.sources["file_kind"] == file).row(0, named=True)
    assert source["rows_read"] == len(files[file])
    assert source["rows_accepted"] + source["rows_rejected"] == source["rows_read"]
    assert result.accepted[file].height == source["rows_accepted"]


def test_duplicates_reject_every_copy(tmp_path):
    files = valid_year()
    files["schools"].append(dict(files["schools"][0]))
    result = validate(tmp_path, files)
    rows = result.rejected.filter(result.rejected["rule"] == "unique_per_year")
    assert sorted(rows["row_number"].to_list()) == [2, 5]


def test_rows_of_a_rejected_school_say_so(tmp_path):
    files = valid_year()
    files["schools"][0]["school_type"] = "贵族学校"  # the primary school is rejected
    result = validate(tmp_path, files)
    rules = set(result.rejected.filter(result.rejected["school_id"] == PRIMARY)["rule"])
    assert rules == {"code", "school_rejected"}


def test_school_without_enrollment_is_rejected(tmp_path):
    files = valid_year()
    files["schools"].append(school("0150112004", "小学"))
    result = validate(tmp_path, files)
    row = result.rejected.filter(result.rejected["rule"] == "no_enrollment").row(0, named=True)
    assert (row["file"], row["row_number"], row["school_id"]) == (
        "2024/schools.csv",
        5,
        "0150112004",
    )


def test_bad_cells_spread_over_a_large_file_are_all_reported(tmp_path):
    # Regression: polars reads a large CSV in several chunks, and polars 2.1 panicked
    # ("assertion failed: i < self.len()") formatting messages for rows from several chunks.
    files = valid_year()
    many = teachers(PRIMARY, "小学", 12_000)
    for index in (10, 5_000, 11_990):
        many[index]["certified"] = "也许"
    files["teachers"] = many
    result = validate(tmp_path, files)
    rows = result.rejected.filter(result.rejected["rule"] == "yes_no")["row_number"].to_list()
    assert rows == [12, 5002, 11992]


def test_cells_of_spaces_are_empty_and_padded_cells_are_read(tmp_path):
    files = valid_year()
    files["teachers"][0]["education"] = "   "  # empty: required
    files["teachers"][1]["education"] = " 本科 "  # padded: read as bachelor
    files["enrollment"][0]["students"] = " 400 "
    result = validate(tmp_path, files)
    rows = result.rejected.select("file", "row_number", "column_name", "rule").rows()
    assert rows == [("2024/teachers.csv", 2, "education", "required")]
    assert "bachelor" in result.accepted["teachers"]["education"].to_list()
    assert result.accepted["enrollment"]["students"][0] == 400


def test_failing_rows_found_by_row_number_among_gaps():
    """Rows are found by their number, not their position: blank lines and rows dropped by
    earlier rules leave gaps (rows 4, 6–8 here), and a failure may name a row the frame no
    longer holds (4, 12) or name a row twice (9: two columns failed)."""
    frame = pl.DataFrame({"__row": [2, 3, 5, 9, 10], "v": ["a", "b", "c", "d", "e"]})
    failures = pl.DataFrame({"__row": [9, 4, 3, 12, 9]})
    assert _failing_rows(frame, failures)["v"].to_list() == ["b", "d"]
    assert _drop_rows(frame, failures)["v"].to_list() == ["a", "c", "e"]
    # Nothing failed: every row stays, none is rejected.
    none = failures.clear()
    assert _drop_rows(frame, none)["v"].to_list() == ["a", "b", "c", "d", "e"]
    assert _failing_rows(frame, none).height == 0
    # A failure past the last row, and one before the first.
    edges = pl.DataFrame({"__row": [1, 10, 11]})
    assert _failing_rows(frame, edges)["v"].to_list() == ["e"]
    assert _drop_rows(frame, edges)["v"].to_list() == ["a", "b", "c", "d"]
    with pytest.raises(AssertionError, match="out of order"):
        _drop_rows(frame.reverse(), failures)
