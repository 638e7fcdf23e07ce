"""Properties of the readers and the formulas, tried on generated inputs (hypothesis)."""

import random

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.pseudonym import pseudonymiser
from assets.reading import InputFileError, read_input_file
from assets.validate_year import validate_year
from schemas.contract import ENROLLMENT, SCHOOLS
from tests.helpers import (
    enrollment,
    facilities,
    school,
    teachers,
    warehouse_in_memory,
    write_year,
)

PSEUDONYMISE = pseudonymiser("test-key-0123456789abcdef")
FAST = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_any_bytes_parse_or_give_a_clear_error(tmp_path, data, suffix):
    path = tmp_path / f"schools{suffix}"
    path.write_bytes(data)
    try:
        raw = read_input_file(path, SCHOOLS)
    except InputFileError as error:
        assert str(path) in str(error) and error.fix
    else:
        assert set(raw.frame.columns) >= {c.name for c in SCHOOLS.columns}


@FAST
@given(rows=st.lists(st.lists(st.text(max_size=6), min_size=6, max_size=8), max_size=6))
def test_any_cells_under_a_valid_header_are_accepted_or_rejected_never_lost(tmp_path, rows):
    header = [c.alias for c in ENROLLMENT.columns]
    lines = [",".join(header)] + [
        ",".join(f'"{c.replace(chr(34), "")}"' for c in row) for row in rows
    ]
    path = tmp_path / "在校生.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        raw = read_input_file(path, ENROLLMENT)
    except InputFileError as error:
        assert error.fix
        return
    assert raw.frame["__row"].n_unique() == raw.frame.height


def _district(seed: int, split_students: list[tuple[int, int, int]]):
    """Schools of every integrated type with the given (primary, junior, senior) students."""
    types = ["nine_year", "twelve_year", "complete_middle", "primary", "junior"]
    files = {"schools": [], "enrollment": [], "teachers": [], "facilities": []}
    for index, (a, b, c) in enumerate(split_students):
        school_id = f"13010100{index:02d}"
        kind = types[index % len(types)]
        stages = {
            "nine_year": {"primary": a, "junior": b},
            "twelve_year": {"primary": a, "junior": b, "senior": c},
            "complete_middle": {"junior": b, "senior": c},
            "primary": {"primary": a},
            "junior": {"junior": b},
        }[kind]
        files["schools"].append(school(school_id, kind, county="130101"))
        for stage, n in stages.items():
            files["enrollment"].append(enrollment(school_id, stage, n))
            files["teachers"] += teachers(school_id, stage, 1 + n // 20, "本科", "县级", "体育")
        files["facilities"].append(
            facilities(
                school_id,
                10.0 * (a + b + c) + 7,
                1.0,
                20.0 * (a + b + c) + 3,
                5000.0 * (a + b + c) + 11,
                1 + (a + b + c) // 40,
            )
        )
    rng = random.Random(seed)
    for rows in files.values():
        rng.shuffle(rows)
    return files


def _sections(tmp_path, files, year=2024):
    write_year(tmp_path, year, files)
    con = warehouse_in_memory(validate_year(tmp_path / str(year), year, PSEUDONYMISE))
    return con


# Up to 1000 students per stage keeps equipment × 10 under the plausibility cap of 2e9 yuan.
students = st.lists(
    st.tuples(st.integers(1, 1000), st.integers(1, 1000), st.integers(0, 1000)),
    min_size=5,
    max_size=10,
)


@FAST
@given(split=students)
def test_split_shares_sum_to_one(tmp_path, split):
    con = _sections(tmp_path, _district(0, split))
    # With the senior share added back (1.32 or 1.2 per senior student), every school sums to 1.
    rows = con.execute("""
        SELECT s.school_id, sum(s.resource_share) + coalesce(any_value(
            e.students * w.weight / (SELECT sum(e2.students * coalesce(w2.weight, 1))
                FROM staging.enrollment e2 JOIN staging.schools s2 USING (year, school_id)
                LEFT JOIN reference.split_weights w2
                    ON w2.school_type = s2.school_type AND w2.stage = e2.stage
                WHERE e2.school_id = s.school_id)), 0) AS total
        FROM indicators.school_sections s
        LEFT JOIN staging.enrollment e ON e.school_id = s.school_id AND e.stage = 'senior'
        LEFT JOIN reference.split_weights w
            ON w.school_type = s.school_type AND w.stage = 'senior'
        GROUP BY s.school_id""").fetchall()
    assert rows and all(total == pytest.approx(1.0, abs=1e-12) for _, total in rows)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(split=students, seed=st.integers(0, 10_000))
def test_indicators_do_not_depend_on_row_order(tmp_path, split, seed):
    ordered = (
        _sections(tmp_path / "a", _district(0, split))
        .sql("SELECT * FROM marts.coefficients ORDER BY ALL")
        .pl()
    )
    shuffled = (
        _sections(tmp_path / "b", _district(seed + 1, split))
        .sql("SELECT * FROM marts.coefficients ORDER BY ALL")
        .pl()
    )
    # Same numbers up to float summation order.
    for column in ordered.columns:
        if ordered[column].dtype == pl.Float64:
            assert ordered[column].to_list() == pytest.approx(shuffled[column].to_list(), rel=1e-12)
        else:
            assert ordered[column].to_list() == shuffled[column].to_list()


def _cv(con, indicator):
    return con.execute(
        "SELECT stage, cv FROM marts.coefficients WHERE indicator = ? ORDER BY stage", [indicator]
    ).fetchall()


@FAST
@given(split=students, factor=st.sampled_from([0.5, 3.0, 10.0, 0.01]))
def test_cv_is_scale_invariant(tmp_path, split, factor):
    files = _district(0, split)
    base = _cv(_sections(tmp_path / "a", files), "equipment_value_per_student")
    for row in files["facilities"]:
        row["equipment_value_yuan"] *= factor
    scaled = _cv(_sections(tmp_path / "b", files), "equipment_value_per_student")
    assert [s for s, _ in base] == [s for s, _ in scaled]
    assert [cv for _, cv in scaled] == pytest.approx([cv for _, cv in base], rel=1e-9)


@FAST
@given(n=st.integers(2, 8), size=st.integers(50, 3000))
def test_cv_is_zero_for_identical_sections(tmp_path, n, size):
    files = {"schools": [], "enrollment": [], "teachers": [], "facilities": []}
    for index in range(n):
        school_id = f"14010100{index:02d}"
        files["schools"].append(school(school_id, "小学", county="140101"))
        files["enrollment"].append(enrollment(school_id, "小学", size))
        files["teachers"] += teachers(school_id, "小学", 3, "本科", "县级", "体育")
        files["facilities"].append(
            facilities(school_id, 5.0 * size, 0, 8.0 * size, 2100.0 * size, 3)
        )
    con = _sections(tmp_path, files)
    cvs = con.execute("SELECT indicator, cv FROM marts.coefficients").fetchall()
    assert len(cvs) == 7 and all(cv == pytest.approx(0.0, abs=1e-12) for _, cv in cvs)


@pytest.mark.parametrize(("profile", "derandomised"), [("ci", True), ("dev", False)])
def test_ci_replays_the_same_examples_and_local_runs_search(profile, derandomised):
    import os
    import subprocess
    import sys

    code = (
        "import tests.conftest; from hypothesis import settings; "
        "print(settings.default.derandomize, settings.default.database is None)"
    )
    env = os.environ | {"HYPOTHESIS_PROFILE": profile}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == [str(derandomised), str(derandomised)], out.stderr
