"""A section dropped for bad data never leaves a county judged on what is left (issue 12, 6).

County 140101 has three junior schools that meet every standard, and a complete middle
school whose junior enrollment row is rejected (more oversized classes than classes) while its
senior row is accepted: the school keeps no compulsory section, so the junior CVs would be
computed over the three others as if the county had no fourth school. County 140102: a
nine-year school whose junior row is rejected; its primary section stays (marked incomplete).
County 140103 is the control: the same schools, nothing rejected, judged as usual.
"""

import pytest

from tests.helpers import (
    enrollment,
    facilities,
    query_dicts,
    run_year,
    school,
    teachers,
    write_year,
)

YEAR = 2024
DROPPED_JUNIOR, NINE_YEAR, CONTROL = "140101", "140102", "140103"


def _junior_school(school_id, county):
    """1000 junior students meeting every standard (see tests/test_boundaries.py)."""
    return {
        "schools": [school(school_id, "初中", county=county)],
        "enrollment": [enrollment(school_id, "初中", 1000)],
        "teachers": teachers(school_id, "junior", 60, "本科", "县级", "体育"),
        "facilities": [facilities(school_id, 6000, 0, 11000, 2_600_000, 25)],
    }


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
            "teachers": teachers(nine, "primary", 40, "本科", "县级", "体育"),
            "facilities": [facilities(nine, 8000, 0, 15000, 3_000_000, 30)],
        }
    )
    control = f"{CONTROL}0009"
    parts.append(_junior_school(control, CONTROL))
    files = {"schools": [], "enrollment": [], "teachers": [], "facilities": []}
    for part in parts:
        for name in files:
            files[name] += part[name]
    return files


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, YEAR, district())
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    return path


def coefficients(warehouse, county, stage):
    return query_dicts(
        warehouse,
        "SELECT * FROM marts.coefficients WHERE year = ? AND county_code = ? AND stage = ?",
        [YEAR, county, stage],
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
        "SELECT school_id, rule FROM audit.rejected_rows WHERE year = ? ORDER BY school_id",
        [YEAR],
    )
    assert rules == [
        {"school_id": f"{DROPPED_JUNIOR}0009", "rule": "oversized_le_classes"},
        {"school_id": f"{NINE_YEAR}0009", "rule": "oversized_le_classes"},
    ]


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
        "SELECT verdict FROM marts.county_verdict WHERE county_code = ?",
        [DROPPED_JUNIOR],
    )[0]
    assert verdict["verdict"] == "incomplete"


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
