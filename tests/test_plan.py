"""The plan (化解计划): validated like every file, applied by the same SQL, its verdict known by
hand; and the round trip `junheng plan` → file → `junheng run` → plan.county_verdict."""

import csv
import shutil

import pytest

from pipelines.cli import main
from tests import plan_district as p
from tests.helpers import query, query_dicts, run_year, write_csv, write_year

YEAR = 2024
HEADER = ["学校标识码", "学段", "措施", "数量", "说明"]
# County 160102's plan: two good rows, then one bad row per rule (file row numbers 2…).
SOME_PLAN = [
    [p.SHORT2, "小学", "补充县级及以上骨干教师", 4, "16 → 20 backbone teachers"],
    [p.CROWDED2, "初中", "增加班级", 0, "re-divide 18 classes: 900 / 50 = 18"],
    ["1601029999", "小学", "补充骨干教师", 1, ""],  # unknown_school
    [p.BIG, "", "新建学校", 1, ""],  # code (unknown action)
    [p.BIG, "高中", "补充骨干教师", 1, ""],  # compulsory_stage
    [p.BIG, "小学", "增加教学仪器设备值", 10000, ""],  # stage_not_for_facility
    [p.BIG, "", "补充骨干教师", 1, ""],  # stage_required
    [p.BIG, "小学", "补充骨干教师", 1.5, ""],  # whole_number
    [p.BIG, "", "增加体育运动场馆面积", -5, ""],  # amount_sign
    [p.BIG, "小学", "学生调整", -100, "no school takes them"],  # move_unbalanced
    [p.SHORT2, "初中", "补充骨干教师", 1, ""],  # stage_not_in_school
]
EXPECTED_REJECTIONS = [
    (4, "school_id", "unknown_school"),
    (5, "action", "code"),
    (6, "stage", "compulsory_stage"),
    (7, "stage", "stage_not_for_facility"),
    (8, "stage", "stage_required"),
    (9, "amount", "whole_number"),
    (10, "amount", "amount_sign"),
    (11, "amount", "move_unbalanced"),
    (12, "stage", "stage_not_in_school"),
]
MOVE_PLAN = [
    [p.BIG3, "小学", "学生调整", -100, "100 pupils to the new places at OTHER"],
    [p.OTHER, "小学", "学生调整", 100, ""],
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    year_dir = write_year(root, YEAR, p.district())
    rows = [dict(zip(HEADER, r, strict=True)) for r in SOME_PLAN + MOVE_PLAN]
    write_csv(year_dir / "化解计划.csv", rows, HEADER)
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    return path


def verdict(path, county, schema="marts"):
    return query_dicts(
        path,
        f"SELECT * FROM {schema}.county_verdict WHERE year = ? AND county_code = ?",
        [YEAR, county],
    )[0]


def test_bad_plan_rows_are_rejected_with_the_rule_and_the_good_ones_kept(warehouse):
    rejected = query(
        warehouse,
        "SELECT row_number, column_name, rule FROM audit.rejected_rows "
        "WHERE year = ? AND file_kind = 'plan' ORDER BY row_number, rule",
        [YEAR],
    )
    assert rejected == EXPECTED_REJECTIONS
    messages = query(warehouse, "SELECT message FROM audit.rejected_rows WHERE file_kind = 'plan'")
    assert all(m and len(m) > 20 for (m,) in messages)  # each says what to do
    accepted = query(
        warehouse,
        "SELECT school_id, stage, action, amount FROM staging.plan ORDER BY school_id, action",
    )
    assert accepted == [
        (p.SHORT2, "primary", "teachers_backbone", 4.0),
        (p.CROWDED2, "junior", "classes", 0.0),
        (p.BIG3, "primary", "students", -100.0),
        (p.OTHER, "primary", "students", 100.0),
    ]
    source = query_dicts(warehouse, "SELECT * FROM audit.source_files WHERE file_kind = 'plan'")[0]
    assert (source["rows_read"], source["rows_accepted"], source["rows_rejected"]) == (13, 4, 9)


def test_a_plan_that_fixes_some_items_and_not_others(warehouse):
    # Now: SHORT2 at 0.8 backbone per 100 (80 % < 85 %) → school_compliance fails; CROWDED2
    # has 2 oversized classes → G5 fails; BIG 2100 > 2000 → G4 fails.
    assert verdict(warehouse, p.SOME)["failed_items"] == "school_compliance, G4, G5"
    # With the plan: 16 + 4 = 20 backbone teachers / 2000 × 100 = 1.0 → all seven met; 18
    # classes ≥ ceil(900 / 50) = 18 → the 2 oversized classes become 0; G4 is untouched.
    after = verdict(warehouse, p.SOME, "plan")
    assert (after["verdict"], after["failed_items"]) == ("not_recognised", "G4")
    effect = {
        r["item"]: (r["actual_passed"], r["plan_passed"], r["changed"])
        for r in query_dicts(
            warehouse, "SELECT * FROM marts.plan_effect WHERE county_code = ?", [p.SOME]
        )
    }
    assert len(effect) == 34
    assert effect["school_compliance"] == (False, True, True)
    assert effect["G5"] == (False, True, True)
    assert effect["G4"] == (False, False, False)
    assert effect["G1"] == (True, True, False)
    row = query_dicts(
        warehouse,
        "SELECT * FROM plan.school_indicator_compliance "
        "WHERE school_id = ? AND indicator = 'backbone_teachers_per100'",
        [p.SHORT2],
    )[0]
    assert (row["value"], row["met"]) == (1.0, True)


def test_a_planned_hire_counts_only_for_its_indicator(warehouse):
    # The 4 hires raise backbone teachers, not the qualified count, and G9 / G12 count the
    # same teachers as before (the county's 300 real ones).
    now, after = (
        query_dicts(
            warehouse,
            f"SELECT * FROM {schema}.school_sections WHERE school_id = ? AND stage = 'primary'",
            [p.SHORT2],
        )[0]
        for schema in ("indicators", "plan")
    )
    assert after["backbone_teachers"] == now["backbone_teachers"] + 4
    assert after["qualified_teachers"] == now["qualified_teachers"]
    g9_now, g9_after = (
        query(
            warehouse,
            f"SELECT detail FROM {schema}.county_compliance WHERE county_code = ? AND item = 'G9'",
            [p.SOME],
        )[0][0]
        for schema in ("marts", "plan")
    )
    assert g9_now == g9_after


def test_moving_students_fixes_g4(warehouse):
    # 2100 − 100 = 2000 ≤ 2000; OTHER 500 + 100 = 600 still meets every standard.
    assert verdict(warehouse, p.MOVE)["failed_items"] == "G4"
    assert verdict(warehouse, p.MOVE, "plan")["verdict"] == "recognised"


def test_only_counties_with_a_plan_are_recomputed(warehouse):
    counties = query(warehouse, "SELECT DISTINCT county_code FROM plan.county_verdict ORDER BY 1")
    assert counties == [(p.SOME,), (p.MOVE,)]
    # Their inputs are theirs only: 160101 (no plan) reports its county items too.
    for table in ("schools", "county_items"):
        inputs = query(warehouse, f"SELECT DISTINCT county_code FROM plan_input.{table} ORDER BY 1")
        assert inputs == counties, table


@pytest.mark.slow
@pytest.mark.parametrize("target", ["all_met", "complies"])
def test_round_trip_suggested_plan_gives_a_recognised_county(tmp_path, target, capsys):
    # 160101 fails school_compliance, cv_junior (backbone 1.0 / 4.0 / 1.22 per 100) and G5;
    # additions alone fix all three, so the suggested plan, fed back, must be recognised.
    root, path = tmp_path / "in", tmp_path / "w.duckdb"
    year_dir = write_year(root, YEAR, p.district(only=p.ROUND_TRIP))
    assert main(["run", "--input", str(root), "--warehouse", str(path)]) == 0
    before = verdict(path, p.ROUND_TRIP)
    assert before["failed_items"] == "school_compliance, cv_junior, G5"
    plan_file = tmp_path / "plan.csv"
    code = main(
        [
            "plan",
            "--warehouse",
            str(path),
            "--year",
            str(YEAR),
            "--county",
            p.ROUND_TRIP,
            "--target",
            target,
            "--out",
            str(plan_file),
        ]
    )
    assert code == 0, capsys.readouterr()
    with plan_file.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and set(rows[0]) == set(HEADER)
    actions = {r["措施"] for r in rows}
    assert {"补充县级及以上骨干教师", "增加班级"} <= actions
    shutil.copy(plan_file, year_dir / "化解计划.csv")
    assert main(["run", "--input", str(root), "--warehouse", str(path)]) == 0
    after = verdict(path, p.ROUND_TRIP, "plan")
    assert (after["verdict"], after["failed_items"]) == ("recognised", None)
    # The CVs after the plan are the ordinary SQL's: every one within its limit.
    cvs = query(path, "SELECT count(*) FILTER (WHERE passed), count(*) FROM plan.coefficients")[0]
    assert cvs[0] == cvs[1] == 14
