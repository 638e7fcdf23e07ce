"""The performance rework changed no result: every table and view of a province year (40
counties, the generator's 0.1 % corrupted rows) matches its fingerprint taken before the rework.

The fingerprint (tests/fingerprint.py: row counts, a hash of every non-float column, sums and
extremes of every float column) in tests/golden/province_2024.json was taken at commit 057fd59,
the last before the rework (with the one fix made alongside: the files named in
`incomplete_reason` in a fixed order), by `junheng run` with this suite's pseudonym key:

    python -m pipelines.generate --scale province --out DIR
    JUNHENG_PSEUDONYM_KEY=test-key-0123456789abcdef junheng run --input DIR --warehouse W
    python -m tests.fingerprint W --out tests/golden/province_2024.json

A change that is meant to change results takes a new fingerprint the same way, and says why in
its commit. Re-taken twice since, each time after running the old and the new
county_compliance on one warehouse, which differed only in the details named: when the G6 and
G7 details began to print yuan to the fen; when the rows of a rejected school began to count in
its county (county 120102's one rejected school: e.g. G9 "9 rejected rows" → "109").
"""

import json
from pathlib import Path

import pytest

from pipelines.generate import generate
from tests.fingerprint import differences, fingerprint
from tests.helpers import run_year

GOLDEN = Path(__file__).parent / "golden" / "province_2024.json"


@pytest.mark.slow
def test_a_province_year_is_as_before_the_rework(tmp_path):
    generate(tmp_path / "inputs", "province", year=2024)  # the defaults: seed 1, 0.1 % bad rows
    warehouse = tmp_path / "w.duckdb"
    assert run_year(tmp_path / "inputs", warehouse, 2024).success
    found = differences(json.loads(GOLDEN.read_text(encoding="utf-8")), fingerprint(warehouse))
    assert not found, "\n".join(found[:20])
