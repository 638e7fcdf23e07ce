"""SIGKILL during `junheng run` at each critical point of the copy-and-swap: the warehouse holds
the old or the new year (which one is known for each point), never a mix, and a re-run
completes and cleans up.

The points are observable through the test hook ``JUNHENG_PAUSE_AT`` (assets.warehouse
.pause_point): the run stops exactly there, writes its PID, and the test kills it.
"""

import shutil
import signal
import subprocess

import pytest

from tests import district as d
from tests.helpers import cli_command, snapshot_tables, start_paused, write_year

# Where the run is killed, and which warehouse must be left: before the rename the published
# file is untouched; after it, the new one is complete (it was checkpointed and synced first).
KILL_POINTS = {
    "lock_taken": "old",  # the run lock is held, the PID not yet written, nothing copied
    "build_copied": "old",  # the build copy exists, nothing written into it yet
    "mid_transaction": "old",  # inside a table's transaction in the build: DELETE done
    "before_rename": "old",  # the build is complete and synced, not yet renamed
    "after_rename": "new",  # renamed over the warehouse; the directory not yet synced
}


def _run(input_root, warehouse):
    completed = subprocess.run(
        cli_command(input_root, warehouse, 2024), capture_output=True, text=True, timeout=300
    )
    assert completed.returncode in (0, 1), completed.stderr


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
    _run(new_input, new)
    return {
        "old": old,
        "input": new_input,
        "old_tables": snapshot_tables(old),
        "new_tables": snapshot_tables(new),
    }


@pytest.mark.slow
@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_at_each_point_leaves_old_or_new_and_rerun_completes(versions, tmp_path, point):
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(versions["old"], warehouse)
    process, pid = start_paused(
        cli_command(versions["input"], warehouse, 2024), point, tmp_path / "paused"
    )
    assert pid == process.pid
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    after_kill = snapshot_tables(warehouse)  # it opens, and it is the expected one of the two
    assert after_kill == versions[f"{KILL_POINTS[point]}_tables"]
    _run(versions["input"], warehouse)
    assert snapshot_tables(warehouse) == versions["new_tables"]
    assert not list(tmp_path.glob(".w.duckdb.build-*"))


def test_the_two_versions_differ(versions):
    # Otherwise the test above could not tell old from new.
    assert versions["old_tables"] != versions["new_tables"]
