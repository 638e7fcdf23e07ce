"""A section dropped for bad data never leaves a county judged on what is left (issue 12, 6).

County 140101 has three junior schools that meet every standard, and a complete middle
school whose junior enrollment row is rejected (more oversized classes than classes) while its
senior row is accepted: the school keeps no compulsory section, so the junior CVs would be
computed over the three others as if the county had no fourth school. County 140102: a
nine-year school whose junior row is rejected; its primary section stays (marked incomplete).
County 140103 is the control: the same schools, nothing rejected, judged as usual. County
140104: three primary and three junior schools complete, and a complete middle school whose
junior row is rejected: the junior CVs wait, the primary CVs are judged. County 140105: three junior
schools and a school whose row of the schools file is rejected (an unknown school type): the
county may be missing a school, so its CVs wait. County 140106: primary and junior schools
complete, and a complete middle school whose junior row has a stage no one can read
(初中及以下, a spelling of another code list): both stages wait. 2023 holds the same schools
with nothing rejected, built after 2024: none of 2024's rejected rows may hold it back. In
2022, built first, 140101's complete middle school belonged to the control county: 2024's
rejected row of that school holds back 140101 only.
"""

import pytest

from tests.helpers import (
    enrollment,
    facilities,
    query,
    query_dicts,
    run_year,
    school,
    teachers,
    write_year,
)

YEAR = 2024
DROPPED_JUNIOR, NINE_YEAR, CONTROL = "140101", "140102", "140103"
ONE_STAGE_DROPPED, SCHOOL_DROPPED, STAGE_UNREADABLE = "140104", "140105", "140106"
CLEAN_YEAR = 2023
MOVED_YEAR = 2022  # 140101's complete middle school was then in the control county


# 1000 students meeting every standard of the stage (see tests/test_boundaries.py): school
# type, teachers of the stage, and facilities (teaching, sports, equipment, rooms).
COMPLIANT = {
    "初中": ("junior", 60, (6000, 0, 11000, 2_600_000, 25)),
    "小学": ("primary", 50, (5000, 0, 8000, 2_100_000, 25)),
}


def _school(school_id, county, kind):
    stage, staff, amounts = COMPLIANT[kind]
    return {
        "schools": [school(school_id, kind, county=county)],
        "enrollment": [enrollment(school_id, kind, 1000)],
        "teachers": teachers(school_id, stage, staff, "本科", "县级", "体育"),
        "facilities": [facilities(school_id, *amounts)],
    }


def _junior_school(school_id, county):
    return _school(school_id, county, "初中")


def _primary_school(school_id, county):
    return _school(school_id, county, "小学")


def district():
    parts = []
    for county in (DROPPED_JUNIOR, NINE_YEAR, CONTROL):
        parts += [_junior_school(f"{county}000{i}", county) for i in range(1, 4)]
    cm = f"{DROPPED_JUNIOR}0009"
    parts.append(
        {
            "schools": [school(cm, "完全中学", county=DROPPED_JUNIOR)],
            # 22 classes but 23 oversized: the junior row breaks oversized_le_classes.
            "enrollment": [
                enrollment(cm, "初中", 1000, classes=22, oversized=23),
                enrollment(cm, "高中", 800),
            ],
            "teachers": teachers(cm, "senior", 50, "本科"),
            "facilities": [facilities(cm, 12000, 0, 22000, 5_000_000, 50)],
        }
    )
    nine = f"{NINE_YEAR}0009"
    parts.append(
        {
            "schools": [school(nine, "九年一贯制学校", county=NINE_YEAR)],
            "enrollment": [
                enrollment(nine, "小学", 600),
                enrollment(nine, "初中", 400, classes=9, oversized=10),
            ],
            # and one junior teacher: rejected with the junior row, so two files hold rows back
            "teachers": teachers(nine, "primary", 40, "本科", "县级", "体育")
            + teachers(nine, "初中", 1),
            "facilities": [facilities(nine, 8000, 0, 15000, 3_000_000, 30)],
        }
    )
    control = f"{CONTROL}0009"
    parts.append(_junior_school(control, CONTROL))
    for i in range(1, 4):
        parts.append(_junior_school(f"{ONE_STAGE_DROPPED}000{i}", ONE_STAGE_DROPPED))
        parts.append(_primary_school(f"{ONE_STAGE_DROPPED}001{i}", ONE_STAGE_DROPPED))
        parts.append(_junior_school(f"{SCHOOL_DROPPED}000{i}", SCHOOL_DROPPED))
    # As 140101's complete middle school: the senior row keeps the school in the schools file.
    cm = f"{ONE_STAGE_DROPPED}0009"
    broken = _junior_school(cm, ONE_STAGE_DROPPED)
    broken["schools"] = [school(cm, "完全中学", county=ONE_STAGE_DROPPED)]
    broken["enrollment"] = [
        enrollment(cm, "初中", 1000, classes=22, oversized=23),
        enrollment(cm, "高中", 800),
    ]
    parts.append(broken)
    for i in range(1, 4):
        parts.append(_junior_school(f"{STAGE_UNREADABLE}000{i}", STAGE_UNREADABLE))
        parts.append(_primary_school(f"{STAGE_UNREADABLE}001{i}", STAGE_UNREADABLE))
    cm = f"{STAGE_UNREADABLE}0009"
    unreadable = _junior_school(cm, STAGE_UNREADABLE)
    unreadable["schools"] = [school(cm, "完全中学", county=STAGE_UNREADABLE)]
    unreadable["enrollment"] = [enrollment(cm, "初中及以下", 1000), enrollment(cm, "高中", 800)]
    parts.append(unreadable)
    unknown_type = _junior_school(f"{SCHOOL_DROPPED}0009", SCHOOL_DROPPED)
    unknown_type["schools"][0]["school_type"] = "幼儿园"  # not a school type of the contract
    parts.append(unknown_type)
    files = {"schools": [], "enrollment": [], "teachers": [], "facilities": []}
    for part in parts:
        for name in files:
            files[name] += part[name]
    return files


def clean(files):
    """The same schools with every bad cell put right."""
    files = {name: [dict(row) for row in rows] for name, rows in files.items()}
    for row in files["enrollment"]:
        row["oversized_classes"] = 0
        row["stage"] = "初中" if row["stage"] == "初中及以下" else row["stage"]
    for row in files["schools"]:
        row["school_type"] = "初中" if row["school_type"] == "幼儿园" else row["school_type"]
    return files


def moved(files):
    """2022: the school whose junior row 2024 rejects belonged to the control county."""
    for row in files["schools"]:
        if row["school_id"] == f"{DROPPED_JUNIOR}0009":
            row["county_code"], row["county_name"] = CONTROL, f"县{CONTROL}"
    return files


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, YEAR, district())
    write_year(root, CLEAN_YEAR, clean(district()))
    write_year(root, MOVED_YEAR, moved(clean(district())))
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert run_year(root, path, MOVED_YEAR).success  # before: 2024 may not read its schools
    assert run_year(root, path, YEAR).success
    assert run_year(root, path, CLEAN_YEAR).success  # after: it sees 2024's rejected rows
    return path


def coefficients(warehouse, county, stage, year=YEAR):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.coefficients WHERE year = ? AND county_code = ? AND stage = ?",
        [year, county, stage],
    )


def item(warehouse, county, code):
    rows = query_dicts(
        warehouse,
        "SELECT * FROM marts.county_compliance WHERE year = ? AND county_code = ? AND item = ?",
        [YEAR, county, code],
    )
    return rows[0] if rows else None


def test_the_rows_are_really_rejected(warehouse):
    rules = query_dicts(
        warehouse,
        "SELECT school_id, rule FROM audit.rejected_rows WHERE year = ? AND school_id < ? "
        "ORDER BY school_id, rule",
        [YEAR, CONTROL],
    )
    assert rules == [
        {"school_id": f"{DROPPED_JUNIOR}0009", "rule": "oversized_le_classes"},
        {"school_id": f"{NINE_YEAR}0009", "rule": "oversized_le_classes"},
        {"school_id": f"{NINE_YEAR}0009", "rule": "stage_not_in_school"},
    ]


def test_the_files_holding_a_section_back_are_named_in_one_order(warehouse):
    # Two files hold the nine-year school's primary section back; the reason lists them by name
    # (string_agg without ORDER BY listed them in any order, so a re-run changed the warehouse).
    [reason] = query(
        warehouse,
        "SELECT incomplete_reason FROM indicators.school_sections "
        "WHERE year = ? AND school_id = ? AND stage = 'primary'",
        [YEAR, f"{NINE_YEAR}0009"],
    )[0]
    assert reason == (
        f"rejected rows in enrollment ({YEAR}/enrollment.csv), teachers ({YEAR}/teachers.csv)"
    )


def test_a_dropped_junior_section_leaves_the_junior_cvs_unjudged(warehouse):
    rows = coefficients(warehouse, DROPPED_JUNIOR, "junior")
    assert len(rows) == 7 and all(r["sections"] == 3 for r in rows)  # the three left
    for row in rows:
        assert (row["data_complete"], row["passed"]) == (False, None), row["indicator"]
        assert "1 rejected enrollment row(s)" in row["note"]
    assert item(warehouse, DROPPED_JUNIOR, "cv_junior")["passed"] is None
    assert item(warehouse, DROPPED_JUNIOR, "school_compliance")["passed"] is None
    verdict = query_dicts(
        warehouse,
        "SELECT verdict FROM marts.county_verdict WHERE year = ? AND county_code = ?",
        [YEAR, DROPPED_JUNIOR],
    )[0]
    assert verdict["verdict"] == "incomplete"
    # Nor is an unjudged CV remedied from the partial data: the county's remediation row says
    # why, in the CV's own note, with no extra additions.
    remedied = query_dicts(
        warehouse,
        "SELECT c.note, r.method, r.extra_for_cv FROM marts.remediation_county AS r "
        "JOIN marts.coefficients AS c USING (year, county_code, stage, indicator) "
        "WHERE r.year = ? AND r.county_code = ? AND r.stage = 'junior'",
        [YEAR, DROPPED_JUNIOR],
    )
    assert len(remedied) == 7
    for row in remedied:
        assert row["method"] == "not judged: " + row["note"] and row["extra_for_cv"] == 0


def test_a_nine_year_school_missing_its_junior_row(warehouse):
    # The primary section is there but incomplete; the junior section is gone. Both CVs wait.
    for stage in ("primary", "junior"):
        for row in coefficients(warehouse, NINE_YEAR, stage):
            assert row["passed"] is None, (stage, row["indicator"])
    assert item(warehouse, NINE_YEAR, "school_compliance")["passed"] is None


def test_the_control_county_is_judged(warehouse):
    rows = coefficients(warehouse, CONTROL, "junior")
    assert all(r["data_complete"] and r["passed"] is True for r in rows)
    assert item(warehouse, CONTROL, "school_compliance")["passed"] is True


def test_a_rejected_row_holds_back_only_the_cvs_of_its_stage(warehouse):
    for row in coefficients(warehouse, ONE_STAGE_DROPPED, "junior"):
        assert (row["rejected_enrollment_rows"], row["passed"]) == (1, None), row["indicator"]
    for row in coefficients(warehouse, ONE_STAGE_DROPPED, "primary"):
        assert row["rejected_enrollment_rows"] == 0 and row["data_complete"], row["indicator"]
        assert row["passed"] is True, row["indicator"]


def test_a_rejected_school_row_holds_back_the_county(warehouse):
    rejected = query_dicts(
        warehouse,
        "SELECT rule FROM audit.rejected_rows WHERE year = ? AND file_kind = 'schools'",
        [YEAR],
    )
    assert [r["rule"] for r in rejected] == ["code"]  # the unknown school type only
    rows = coefficients(warehouse, SCHOOL_DROPPED, "junior")
    assert len(rows) == 7
    for row in rows:
        assert (row["rejected_school_rows"], row["data_complete"], row["passed"]) == (
            1,
            False,
            None,
        )
        assert "1 rejected school row(s)" in row["note"]
    for row in coefficients(warehouse, CONTROL, "junior"):
        assert (row["rejected_school_rows"], row["rejected_enrollment_rows"]) == (0, 0)


def test_a_stage_no_one_can_read_holds_back_both_stages(warehouse):
    for stage in ("primary", "junior"):
        for row in coefficients(warehouse, STAGE_UNREADABLE, stage):
            assert (row["rejected_enrollment_rows"], row["passed"]) == (1, None), row["indicator"]


def test_another_years_rejected_rows_hold_back_nothing(warehouse):
    assert query_dicts(
        warehouse, "SELECT count(*) AS n FROM audit.rejected_rows WHERE year = ?", [CLEAN_YEAR]
    ) == [{"n": 0}]
    for county in (DROPPED_JUNIOR, NINE_YEAR, ONE_STAGE_DROPPED, SCHOOL_DROPPED, STAGE_UNREADABLE):
        rows = coefficients(warehouse, county, "junior", CLEAN_YEAR)
        assert len(rows) == 7
        for row in rows:
            assert (row["rejected_school_rows"], row["rejected_enrollment_rows"]) == (0, 0)
            assert row["data_complete"] and row["passed"] is not None, (county, row["indicator"])
