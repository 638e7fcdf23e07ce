"""The Dagster instance `junheng run` records its runs in: ``$DAGSTER_HOME`` if set, else the
project's ``dagster_home/``, the one the README starts the UI and the daemon with. So runs from
the command line, the schedule, the sensor and the UI share partitions, materialisations,
check results and run history.
"""

from __future__ import annotations

import os
import socket
import threading
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)

from assets.resources import PROJECT_DIR
from assets.warehouse import DUCKDB_POOL

DEFAULT_DAGSTER_HOME = PROJECT_DIR / "dagster_home"
PID_TAG, HOST_TAG = "junheng/pid", "junheng/host"


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME).expanduser().resolve()


def open_instance() -> dg.DagsterInstance:
    home = dagster_home()
    if not home.is_dir():
        raise FileNotFoundError(
            f"DAGSTER_HOME {home} is not a folder: create it, or unset DAGSTER_HOME to use "
            f"{DEFAULT_DAGSTER_HOME}"
        )
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    reuse_event_log_engines(instance.event_log_storage)
    ensure_pool_limit(instance)  # ready for the UI's backfills too
    return instance


def reuse_event_log_engines(storage) -> None:
    """Let this process's SQLite event log keep one SQLAlchemy engine per database file.

    Dagster's SQLite event log makes a new engine and opens a new SQLite connection for every
    event it stores (three or more per asset a run materialises): each new engine compiles
    every statement afresh, and closing the file's last connection checkpoints its write-ahead
    log. In a district run that is about two seconds of the ten. A kept engine keeps its
    connection open between writes (SQLAlchemy's default pool); each event is still its own
    committed transaction, so what is written, and when, is unchanged, and an idle connection
    holds no lock the UI or the daemon would wait for. Only this process's instance is changed,
    and only when the storage is the SQLite one this was written against.
    """
    from sqlalchemy import create_engine

    if type(storage) is not SqliteEventLogStorage or not all(
        hasattr(storage, name) for name in ("_db_lock", "_initdb", "_initialized_dbs")
    ):
        return
    engines = {}

    @contextmanager
    def connect(shard: str):
        with storage._db_lock:
            engine = engine_for(shard)
            if shard not in storage._initialized_dbs:
                storage._initdb(engine)
                storage._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    made = threading.Lock()  # not the storage's: `connect` holds that one while it asks

    def engine_for(shard: str):
        with made:
            if shard not in engines:
                engines[shard] = create_engine(
                    storage.conn_string_for_shard(shard),
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
            return engines[shard]

    present: set[str] = set()

    def has_table(table_name: str) -> bool:
        # Asked before every dynamic-partition lookup (once per asset a run materialises), each
        # time through a new engine. A table, once there, stays; one missing is asked again
        # (`dagster instance migrate` in another process may add it).
        if table_name not in present:
            engine = engine_for(INDEX_SHARD_NAME)
            # Not under the storage's lock: Dagster may ask while it holds a connection.
            with engine.connect() as conn:
                if engine.dialect.has_table(conn, table_name):
                    present.add(table_name)
        return table_name in present

    def dispose() -> None:
        for engine in engines.values():
            engine.dispose()  # closes the kept connections
        engines.clear()
        dagster_dispose()

    dagster_dispose = storage.dispose
    storage._connect = connect
    storage.has_table = has_table
    storage.dispose = dispose


def ensure_pool_limit(instance: dg.DagsterInstance) -> None:
    """Give the ``duckdb_warehouse`` pool its limit (dagster.yaml) before runs are queued.

    Dagster creates a pool's limit when it first sees a queued run use the pool, after the
    batch of runs it dequeues with it was let through: the first runs the sensor or a backfill
    queues would all start at once, and all but one stop on the warehouse lock.
    """
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        storage.initialize_concurrency_limit_to_default(DUCKDB_POOL)


def cli_run_tags() -> dict[str, str]:
    """Tags that let a later `junheng run` tell a run whose process died from a live one."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_runs_of_dead_processes(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs a killed `junheng run` on this host left unfinished.

    Nothing else would: the daemon watches only the runs it launched. A run left started
    would show as in progress for ever and hold the ``duckdb_warehouse`` pool.
    """
    stale = instance.get_runs(
        filters=RunsFilter(
            statuses=[
                DagsterRunStatus.NOT_STARTED,
                DagsterRunStatus.STARTING,
                DagsterRunStatus.STARTED,
            ],
            tags={HOST_TAG: socket.gethostname()},
        )
    )
    failed = []
    for run in stale:
        pid = int(run.tags.get(PID_TAG, "0"))
        if pid and not _alive(pid):
            instance.report_run_failed(
                run, f"the junheng process (PID {pid}) that ran this run ended without finishing it"
            )
            if instance.event_log_storage.supports_global_concurrency_limits:
                instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            failed.append(run.run_id)
    return failed
