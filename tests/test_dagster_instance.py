"""One Dagster instance for the CLI and the UI, and events that agree with the warehouse."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter
from dagster._core.storage.event_log.sqlite import sqlite_event_log
from sqlalchemy import create_engine

from assets import sql_models, year_build
from assets.partitions import school_years
from assets.year_build import BUILD_STEP
from pipelines.cli import WAREHOUSE_BUSY, main
from pipelines.definitions import build_definitions
from pipelines.instance import (
    DEFAULT_DAGSTER_HOME,
    PID_TAG,
    dagster_home,
    open_instance,
    reuse_event_log_engines,
)
from tests import district as d
from tests.helpers import instance_with_years, run_year, snapshot_tables, write_year

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh instance folder with the project's dagster.yaml, as DAGSTER_HOME."""
    folder = tmp_path / "dagster_home"
    folder.mkdir()
    shutil.copy(DEFAULT_DAGSTER_HOME / "dagster.yaml", folder)
    monkeypatch.setenv("DAGSTER_HOME", str(folder))
    return folder


def _materialised_keys(instance, run_id) -> set[str]:
    return {
        record.dagster_event.asset_key.to_user_string()
        for record in instance.all_logs(run_id)
        if record.dagster_event and record.dagster_event.is_step_materialization
    }


def test_the_default_instance_is_the_projects_dagster_home(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME")
    assert dagster_home() == PROJECT_DIR / "dagster_home"
    assert (dagster_home() / "dagster.yaml").is_file()
    monkeypatch.setenv("DAGSTER_HOME", "/elsewhere")
    assert dagster_home() == Path("/elsewhere")


def test_a_cli_run_shows_in_the_instance_with_materialisations_and_checks(home, tmp_path):
    root = tmp_path / "in"
    write_year(root, 2023, d.district())
    write_year(root, 2024, d.district()).rename(root / "2024学年")
    code = main(["run", "--input", str(root), "--warehouse", str(tmp_path / "w.duckdb")])
    assert code == 1  # the district has a rejected teacher row by design

    with open_instance() as instance:
        # The partitions are the years of the input root, whatever the folder is called.
        assert instance.get_dynamic_partitions(school_years.name) == ["2023", "2024"]
        runs = instance.get_runs()
        assert [r.status for r in runs] == [DagsterRunStatus.SUCCESS] * 2
        assert {r.tags["dagster/partition"] for r in runs} == {"2023", "2024"}
        assert all(r.tags[PID_TAG] == str(os.getpid()) for r in runs)

        graph = build_definitions().resolve_asset_graph()
        for key in _year_keys(graph):
            assert instance.get_materialized_partitions(key) == {"2023", "2024"}, key
        event = instance.get_latest_materialization_event(dg.AssetKey(["marts", "coefficients"]))
        metadata = event.asset_materialization.metadata
        assert metadata["cvs_over_limit"].value >= 1  # 110102's junior backbone CV (test_method)
        assert metadata["dagster/row_count"].value > 0

        checks = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            list(graph.asset_check_keys)
        )
        assert len(checks) == len(graph.asset_check_keys) == 6
        by_name = {key.name: record for key, record in checks.items()}
        assert by_name["no_rejected_rows"].status.value == "FAILED"  # WARN: one rejected row
        assert by_name["resource_shares_sum_to_one"].status.value == "SUCCEEDED"
        assert by_name["cv_within_limits"].status.value == "FAILED"
        assert {r.run_id for r in checks.values()} <= {r.run_id for r in runs}


def test_the_cli_instance_keeps_one_event_log_engine_per_file(home, monkeypatch):
    # Dagster's SQLite event log makes (and compiles statements for) a new engine per event;
    # `junheng run`'s instance keeps one per database file (pipelines.instance).
    with open_instance() as instance:
        storage = instance.event_log_storage
        engines = []  # the engines themselves: an id() of a freed one can come back
        for _ in range(3):
            with storage.index_connection() as conn:
                engines.append(conn.engine)
        assert len({id(e) for e in engines}) == 1
        # Asked once per asset a run materialises; answered on the kept engine, where Dagster's
        # own has_table makes a new one each time.
        made = []
        monkeypatch.setattr(
            sqlite_event_log,
            "create_engine",
            lambda *a, **k: made.append(a) or create_engine(*a, **k),
        )
        assert storage.has_table("dynamic_partitions")
        assert not storage.has_table("no_such_table")
        with engines[0].connect() as conn:
            conn.exec_driver_sql("CREATE TABLE no_such_table (x INTEGER)")
            conn.commit()
        assert storage.has_table("no_such_table")  # a missing table is asked again
        assert made == []
    with dg.DagsterInstance.get() as plain:  # Dagster's own, as the UI and the daemon get it
        engines = []
        for _ in range(2):
            with plain.event_log_storage.index_connection() as conn:
                engines.append(conn.engine)
        assert len({id(e) for e in engines}) == 2


def test_other_event_log_storages_are_left_as_they_are():
    storage = object.__new__(dg.DagsterInstance)  # anything that is not Dagster's SQLite one
    reuse_event_log_engines(storage)
    assert "_connect" not in vars(storage)


def test_a_killed_cli_run_is_marked_failed_by_the_next_one(home, tmp_path):
    write_year(tmp_path / "in", 2024, d.district())
    command = [sys.executable, "-m", "pipelines.cli", "run", "--input", str(tmp_path / "in")]
    command += ["--warehouse", str(tmp_path / "w.duckdb")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with open_instance() as instance:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not instance.get_runs(
                filters=RunsFilter(statuses=[DagsterRunStatus.STARTED])
            ):
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    with open_instance() as instance:
        killed = instance.get_runs()[0]
        assert killed.status == DagsterRunStatus.STARTED  # nothing else would end it

    assert main(["run", "--input", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb")])
    with open_instance() as instance:
        assert instance.get_run_by_id(killed.run_id).status == DagsterRunStatus.FAILURE
        message = [r.message for r in instance.all_logs(killed.run_id)][-1]
        assert f"(PID {process.pid}) that ran this run ended" in message
        assert instance.get_runs()[0].status == DagsterRunStatus.SUCCESS


def _year_keys(graph) -> set[dg.AssetKey]:
    """The tables a year's build writes (the reports group writes files, in its own job)."""
    return {key for key in graph.materializable_asset_keys if key.path[0] != "reports"}


def _failing_last_model(sql_dir: Path) -> Path:
    """A copy of dbt_like_sql/ with one more model, read from every other model's table so it
    is built last, that fails."""
    last = [m.table for m in sql_models.discover_models()]
    shutil.copytree(sql_models.SQL_DIR, sql_dir)
    (sql_dir / "marts" / "zz_fails_last.sql").write_text(
        "-- fails at run time: the verdict text is not a number\n"
        "SELECT v.year, v.county_code, CAST(v.verdict AS INTEGER) AS verdict_number\n"
        "FROM marts.county_verdict AS v\n"
        + "".join(f"CROSS JOIN (SELECT count(*) FROM {t}) AS t{i}\n" for i, t in enumerate(last)),
        encoding="utf-8",
    )
    return sql_dir


def test_a_run_that_fails_on_its_last_model_reports_nothing(tmp_path, monkeypatch):
    root = tmp_path / "in"
    write_year(root, 2024, d.district())
    warehouse = tmp_path / "w.duckdb"
    instance = instance_with_years(2024)
    published = run_year(root, warehouse, 2024, instance)
    assert published.success
    before = snapshot_tables(warehouse)

    monkeypatch.setattr(sql_models, "SQL_DIR", _failing_last_model(tmp_path / "sql"))
    assert sql_models.discover_models()[-1].table == "marts.zz_fails_last"
    failed = run_year(root, warehouse, 2024, instance)

    assert not failed.success
    failure = next(e for e in failed.all_events if e.is_step_failure)
    assert failure.step_key == BUILD_STEP
    assert failure.step_failure_data.user_failure_data.description.startswith(
        "marts.zz_fails_last (sql/marts/zz_fails_last.sql): ConversionException:"
    )
    assert snapshot_tables(warehouse) == before  # nothing published
    # ... and nothing reported: every table keeps the materialisation of the published run.
    assert _materialised_keys(instance, failed.run_id) == set()
    graph = build_definitions().resolve_asset_graph()
    for key in _year_keys(graph) - {dg.AssetKey(["marts", "zz_fails_last"])}:
        latest = instance.get_latest_materialization_event(key)
        assert latest.run_id == published.run_id, key
    for record in instance.event_log_storage.get_latest_asset_check_execution_by_key(
        list(graph.asset_check_keys)
    ).values():
        assert record.status.value != "SUCCEEDED" or record.run_id == published.run_id


def test_a_successful_run_reports_every_table_once_after_publishing(tmp_path):
    root = tmp_path / "in"
    write_year(root, 2024, d.district())
    instance = instance_with_years(2024)
    result = run_year(root, tmp_path / "w.duckdb", 2024, instance)
    graph = build_definitions().resolve_asset_graph()
    expected = {k.to_user_string() for k in _year_keys(graph)}
    assert _materialised_keys(instance, result.run_id) == expected
    messages = [r.message for r in instance.all_logs(result.run_id)]
    published = next(i for i, m in enumerate(messages) if "published to" in m)
    first_report = next(
        i
        for i, r in enumerate(instance.all_logs(result.run_id))
        if r.dagster_event and r.dagster_event.is_step_materialization
    )
    assert published < first_report


HOLD_LOCK = (
    "import sys, time; from pathlib import Path; from assets.warehouse import run_lock\n"
    "with run_lock(Path(sys.argv[1])):\n"
    "    print('ready', flush=True); time.sleep(float(sys.argv[2]))\n"
)


def _hold_run_lock(warehouse: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_DIR,
    )
    assert holder.stdout.readline().strip() == "ready"
    return holder


def test_a_queued_run_waits_for_the_warehouse_and_the_command_does_not(
    tmp_path, monkeypatch, capsys
):
    # Runs from the UI, the schedule or the sensor wait for another writer; `junheng run` stops.
    monkeypatch.setattr(year_build, "LOCK_RETRY_SECONDS", 0.2)
    write_year(tmp_path / "in", 2024, d.district())
    warehouse = tmp_path / "w.duckdb"
    holder = _hold_run_lock(warehouse, 3)
    try:
        instance = instance_with_years(2024)
        result = run_year(tmp_path / "in", warehouse, 2024, instance)
    finally:
        holder.wait(timeout=60)
    assert result.success
    messages = [r.message for r in instance.all_logs(result.run_id)]
    assert any(m.startswith("waiting: another junheng run") for m in messages)

    holder = _hold_run_lock(warehouse, 30)
    try:
        code = main(["run", "--input", str(tmp_path / "in"), "--warehouse", str(warehouse)])
    finally:
        holder.kill()
    assert code == WAREHOUSE_BUSY
    assert "another junheng run" in capsys.readouterr().err
