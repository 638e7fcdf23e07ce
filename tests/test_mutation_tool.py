"""The SQL mutator makes the one-change bugs it promises, keeps the model's comment block, and
undoes each change (tests/mutation/sql_mutants.py)."""

import json
import os
import subprocess
import sys
import time
from collections import Counter

import duckdb
import pytest

from assets.sql_models import SQL_DIR
from tests.mutation.__main__ import resident_kb, undecided
from tests.mutation.equivalent import EQUIVALENT
from tests.mutation.sql_mutants import baseline_text, header, mutants

MODEL = """-- 示例 | a model
-- n: 人数 | students
WITH t AS (
    SELECT 1 AS k, 100 AS n, 2.0 AS x, NULL AS m
    UNION ALL SELECT 2, 300, 4.0, 1
),
u AS (SELECT 1 AS j, 100 AS w)
SELECT
    sum(n * x) / sum(n) AS mean,
    round(0.85 * 10, 1) AS r,
    count(*) FILTER (WHERE x >= 3 AND n > 200 AND k = 2) AS big,
    CASE WHEN m IS NULL THEN 'none' WHEN NOT k = 2 THEN 'other' ELSE 'two' END AS label,
    coalesce(max(m), 0) AS top,
    bool_and(x > 1 OR n < 50) AS all_ok
FROM t
LEFT JOIN u ON u.j = t.k AND u.w = t.n
GROUP BY ALL
"""


def changes(operator):
    return {(m.before, m.after) for m in mutants("x.y", MODEL, [operator])}


def test_comparisons_flip_at_their_boundary_but_not_in_join_keys():
    assert changes("flip_comparison") == {
        ("x >= 3", "x > 3"),
        ("n > 200", "n >= 200"),
        ("k = 2", "k <> 2"),
        ("x > 1", "x >= 1"),
        ("n < 50", "n <= 50"),
    }


def test_numbers_move_by_one_in_their_last_digit():
    found = changes("nudge_number")
    assert {("0.85", "0.84"), ("0.85", "0.86"), ("2.0", "1.9"), ("2.0", "2.1")} <= found
    assert {("200", "199"), ("200", "201"), ("0", "-1"), ("0", "1")} <= found


def test_each_condition_of_an_and_chain_is_dropped_once():
    dropped = changes("drop_and_condition")
    assert ("x >= 3 AND n > 200 AND k = 2", "n > 200 AND k = 2") in dropped
    assert ("x >= 3 AND n > 200 AND k = 2", "x >= 3 AND k = 2") in dropped
    assert ("x >= 3 AND n > 200 AND k = 2", "x >= 3 AND n > 200") in dropped
    assert ("u.j = t.k AND u.w = t.n", "(u.w = t.n)") in dropped  # a join key
    assert len(dropped) == 5


def test_weights_are_dropped_from_aggregates():
    assert changes("unweight_aggregate") == {
        ("SUM(n * x)", "SUM(x)"),
        ("SUM(n * x)", "SUM(n)"),
        ("SUM(n)", "COUNT(n)"),
    }


def test_roundings_negations_null_tests_defaults_branches_and_extremes():
    assert changes("drop_rounding") == {("ROUND(0.85 * 10, 1)", "(0.85 * 10)")}
    assert changes("drop_not") == {("NOT k = 2", "k = 2")}
    assert changes("flip_null_test") == {("m IS NULL", "NOT m IS NULL")}
    assert changes("drop_coalesce_default") == {("COALESCE(MAX(m), 0)", "MAX(m)")}
    assert changes("swap_min_max") == {
        ("MAX(m)", "MIN(m)"),
        # sqlglot spells DuckDB's bool_and with a cast; the meaning is the same
        ("BOOL_AND(CAST(x > 1 OR n < 50 AS BOOLEAN))", "BOOL_OR(CAST(x > 1 OR n < 50 AS BOOLEAN))"),
    }
    assert len(changes("drop_case_branch")) == 2
    assert changes("drop_or_condition") == {
        ("x > 1 OR n < 50", "(n < 50)"),
        ("x > 1 OR n < 50", "(x > 1)"),
    }


def test_every_mutant_keeps_the_comment_block_runs_and_differs():
    con = duckdb.connect()
    expected = sorted(con.sql(MODEL).fetchall())
    assert sorted(con.sql(baseline_text(MODEL)).fetchall()) == expected  # a faithful control
    found = mutants("x.y", MODEL)
    assert len({m.text for m in found}) == len(found)
    for mutant in found:
        assert header(mutant.text) == header(MODEL)
        assert mutant.text != baseline_text(MODEL)
        con.sql(mutant.text).fetchall()  # still valid SQL


@pytest.mark.parametrize(
    "model",
    ["marts/coefficients", "marts/school_compliance", "indicators/school_sections"],
)
def test_regenerated_models_parse_and_keep_their_header(model):
    from assets.sql_models import SQL_DIR

    text = (SQL_DIR / f"{model}.sql").read_text(encoding="utf-8")
    assert header(baseline_text(text)) == header(text)
    assert len({m.id for m in mutants(model.replace("/", "."), text)}) > 20


@pytest.mark.slow  # renders every mutant of the listed models' operators
def test_every_listed_equivalent_still_matches_a_mutant_of_its_model():
    # An entry whose model was edited since it was written argues for a mutant that no longer
    # exists: it must be rewritten or dropped, not left to excuse a different one.
    found: dict[tuple[str, str], list] = {}
    unmatched = []
    for model, operator, before, after, fragment, _ in EQUIVALENT:
        if (model, operator) not in found:
            schema, table = model.split(".")
            text = (SQL_DIR / schema / f"{table}.sql").read_text(encoding="utf-8")
            found[model, operator] = mutants(model, text, [operator])
        if not any(
            (m.before, m.after) == (before, after) and fragment in m.context
            for m in found[model, operator]
        ):
            unmatched.append((model, operator, before, after))
    assert unmatched == []


def test_a_run_can_skip_the_mutants_an_earlier_run_decided(tmp_path):
    # Killed and equivalent mutants are matched by model, change and context (ids shift when
    # a model is edited); a survivor, or the same change elsewhere, runs again.
    model = "marts.county_verdict"
    found = mutants(model, (SQL_DIR / "marts" / "county_verdict.sql").read_text(encoding="utf-8"))
    keys = Counter((m.describe(), m.context) for m in found)
    first, second, third = [m for m in found if keys[m.describe(), m.context] == 1][:3]

    def record(mutant, outcome, context=None):
        return {
            "model": model,
            "change": mutant.describe(),
            "context": context or mutant.context,
            "outcome": outcome,
        }

    results = tmp_path / "earlier.json"
    results.write_text(
        json.dumps(
            [record(first, "killed"), record(second, "survived"), record(third, "killed", "x")]
        ),
        encoding="utf-8",
    )
    left = undecided(found, [results])
    assert first not in left and second in left and third in left
    assert len(left) == len(found) - 1
    assert undecided(found, []) == found
    # Twice the same change in one context, decided once: one of the two runs again.
    twice = [m for m in found if m.operator == "flip_comparison"]  # `passed = FALSE`, twice
    assert len({(m.describe(), m.context) for m in twice}) == 1 and len(twice) == 2
    results.write_text(json.dumps([record(twice[0], "killed")]), encoding="utf-8")
    assert len(undecided(twice, [results])) == 1


def test_a_workers_memory_is_read_from_proc():
    # A process holding 200 MB more reads at least that much more; a process gone reads 0.
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; b = bytearray(200 << 20); sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        baseline = resident_kb(os.getpid())
        assert baseline > 10_000
        for _ in range(100):  # until the child has filled its buffer
            if resident_kb(child.pid) > 200 * 1024:
                break
            time.sleep(0.05)
        assert resident_kb(child.pid) > 200 * 1024
    finally:
        child.communicate(b"")
    assert resident_kb(child.pid) == 0
