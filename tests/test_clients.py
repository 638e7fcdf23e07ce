"""The warehouse opens in the clients analysts have (the DuckDB 1.x CLI), and `dg` loads the
code location."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from assets.warehouse import STORAGE_VERSION, connect, storage_version
from pipelines.cli import main
from tests import district as d
from tests.helpers import query, snapshot_tables, write_year

BIN = Path(sys.executable).parent
PROJECT_DIR = Path(__file__).resolve().parent.parent
STATUS_SQL = (
    "SELECT year, status, count(*) AS n FROM marts.school_compliance GROUP BY ALL ORDER BY ALL"
)


def duckdb_cli(*args: str) -> subprocess.CompletedProcess:
    """The `duckdb` binary of the duckdb-cli package (1.x), as analysts install it."""
    return subprocess.run([str(BIN / "duckdb"), *args], capture_output=True, text=True, timeout=120)


def cli_rows(warehouse: Path, sql: str) -> list[tuple]:
    result = duckdb_cli("-readonly", "-csv", "-noheader", str(warehouse), "-c", sql)
    assert result.returncode == 0, result.stderr
    return [tuple(line.split(",")) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, 2023, d.district())
    write_year(root, 2024, d.district())
    warehouse = tmp_path_factory.mktemp("wh") / "junheng.duckdb"
    assert main(["run", "--input", str(root), "--warehouse", str(warehouse)]) == 1
    return root, warehouse


def test_the_cli_is_a_1x_client():
    assert duckdb_cli("--version").stdout.startswith("v1.")


def test_the_duckdb_1x_cli_reads_a_mart_of_a_real_run(built):
    _, warehouse = built
    expected = [tuple(str(v) for v in row) for row in query(warehouse, STATUS_SQL)]
    assert len(expected) >= 4  # both years, several statuses
    assert cli_rows(warehouse, STATUS_SQL) == expected
    comment = cli_rows(
        warehouse,
        "SELECT comment FROM duckdb_columns() "
        "WHERE table_name = 'county_verdict' AND column_name = 'verdict'",
    )
    assert comment and "|" in comment[0][0]


def test_every_file_a_run_creates_is_in_the_storage_version_1x_reads(tmp_path):
    with connect(tmp_path / "new.duckdb") as con:
        assert storage_version(con) == STORAGE_VERSION == "v1.0.0"
    # DuckDB 2 left to itself writes a format the 1.x CLI refuses: the reason for all this.
    duckdb.connect(str(tmp_path / "default.duckdb")).close()
    refused = duckdb_cli("-readonly", str(tmp_path / "default.duckdb"), "-c", "SELECT 1")
    assert refused.returncode != 0 and "version" in refused.stderr.lower()


def test_a_warehouse_an_older_run_wrote_in_2x_storage_is_migrated(built, tmp_path):
    root, warehouse = built
    old = tmp_path / "junheng.duckdb"
    # What an older run left: the same tables, in DuckDB 2's default storage.
    con = duckdb.connect(str(old))
    con.execute(f"ATTACH '{warehouse}' AS built (READ_ONLY)").fetchall()
    con.execute("COPY FROM DATABASE built TO junheng").fetchall()
    con.close()
    with connect(old, read_only=True) as con:
        assert storage_version(con) != STORAGE_VERSION
    assert duckdb_cli("-readonly", str(old), "-c", "SELECT 1").returncode != 0
    before_2023 = snapshot_tables(old, 2023)

    assert main(["run", "--input", str(root), "--warehouse", str(old), "--year", "2024"]) == 1

    with connect(old, read_only=True) as con:
        assert storage_version(con) == STORAGE_VERSION
    assert snapshot_tables(old, 2023) == before_2023  # the year not re-run came across whole
    assert cli_rows(old, STATUS_SQL) == cli_rows(warehouse, STATUS_SQL)
    assert query(old, "SELECT comment FROM duckdb_tables() WHERE table_name = 'coefficients'")[0][0]


def dg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "dg"), *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300
    )


def test_dg_list_defs_lists_the_code_location():
    result = dg("list", "defs", "--json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    keys = {a["asset_key"] for a in listed["assets"]}
    assert {"marts/county_verdict", "staging/teachers", "reference/standards"} <= keys
    verdict = next(a for a in listed["assets"] if a["asset_key"] == "marts/county_verdict")
    assert verdict["group_name"] == "marts"
    assert "marts/county_compliance" in verdict["dependency_keys"]
    assert sorted(j["name"] for j in listed["jobs"]) == ["reports_job", "warehouse_job"]
    assert [s["name"] for s in listed["schedules"]] == ["annual_ingestion"]
    assert [s["name"] for s in listed["sensors"]] == ["new_year_folders"]
    assert len(listed["asset_checks"]) == 6


def test_dg_check_defs_passes():
    result = dg("check", "defs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def test_shutil_finds_the_clients_in_the_environment():
    # README tells analysts to run `duckdb` and `dg` from the project's .venv/bin.
    assert shutil.which("duckdb", path=str(BIN)) and shutil.which("dg", path=str(BIN))
