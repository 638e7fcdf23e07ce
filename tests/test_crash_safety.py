"""SIGKILL during `junheng run`: the warehouse holds the old or the new year, never a mix."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests import district as d
from tests.helpers import snapshot_tables, write_year

KILL_FRACTIONS = (0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.95)


def _run(input_root, warehouse, kill_after=None):
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "run",
        "--input",
        str(input_root),
        "--warehouse",
        str(warehouse),
        "--year",
        "2024",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy()
    )
    if kill_after is None:
        assert process.wait(timeout=300) in (0, 1)
        return time.perf_counter() - started
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return kill_after


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """Warehouses holding the old (v1) and the new (v2) 2024, and the v2 input."""
    base = tmp_path_factory.mktemp("crash")
    old_input, new_input = base / "v1", base / "v2"
    files = d.district()
    write_year(old_input, 2024, files)
    files["enrollment"] = [dict(r, students=r["students"] + 7) for r in files["enrollment"]]
    write_year(new_input, 2024, files)
    old, new = base / "old.duckdb", base / "new.duckdb"
    _run(old_input, old)
    shutil.copyfile(old, new)
    duration = _run(new_input, new)
    return {
        "old": old,
        "new": new,
        "input": new_input,
        "duration": duration,
        "old_tables": snapshot_tables(old),
        "new_tables": snapshot_tables(new),
    }


@pytest.mark.parametrize("fraction", KILL_FRACTIONS)
def test_kill_leaves_old_or_new_and_rerun_completes(versions, tmp_path, fraction):
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(versions["old"], warehouse)
    _run(versions["input"], warehouse, kill_after=versions["duration"] * fraction)
    after_kill = snapshot_tables(warehouse)  # it opens, and it is one of the two
    assert after_kill in (versions["old_tables"], versions["new_tables"])
    _run(versions["input"], warehouse)
    assert snapshot_tables(warehouse) == versions["new_tables"]
    assert not list(tmp_path.glob(".w.duckdb.build-*"))


def test_the_two_versions_differ(versions):
    # Otherwise the test above could not tell old from new.
    assert versions["old_tables"] != versions["new_tables"]
