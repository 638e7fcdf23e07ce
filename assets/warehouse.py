"""The DuckDB warehouse: connections with a clear message when busy, and atomic yearly writes.

Every write replaces exactly one year of one table in one transaction:
``BEGIN; DELETE … WHERE year = ?; INSERT INTO … BY NAME SELECT …; COMMIT`` (ROLLBACK on any
error), so re-running a year is idempotent and a failure leaves the previous rows in place.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

# Every asset that writes carries this pool; dagster_home/dagster.yaml admits one at a time.
DUCKDB_POOL = "duckdb_warehouse"

# The storage format DuckDB 1.x clients read (the duckdb-cli package, DBeaver's JDBC driver):
# DuckDB 2 writes a newer one by default, which they refuse. v1.0.0 is also what 1.x clients
# write themselves by default. A file keeps the version it was created with.
STORAGE_VERSION = "v1.0.0"


class WarehouseBusyError(Exception):
    pass


class WarehouseStorageError(Exception):
    pass


# DuckDB names the file's catalog after its stem: reference.duckdb would hide the schema.
RESERVED_NAMES = {"raw", "reference", "staging", "audit", "indicators", "marts"}


def check_name(path: Path) -> None:
    """Refuse marts.duckdb and the like (also as the build copy .marts.duckdb.build-…)."""
    if path.name.lstrip(".").split(".")[0].lower() in RESERVED_NAMES:
        raise ValueError(
            f"the warehouse file {path.name} is named like one of its schemas; DuckDB would "
            "confuse the two. Name it differently, e.g. junheng.duckdb"
        )


@contextmanager
def connect(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(path)
    check_name(path)
    creates = not read_only and not path.exists()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            str(path),
            read_only=read_only,
            config={} if read_only else {"storage_compatibility_version": STORAGE_VERSION},
        )
    except duckdb.IOException as exc:
        holder = re.search(r"held in (.*?) \(PID (\d+)\)", str(exc))
        who = f"{holder.group(1)} (PID {holder.group(2)})" if holder else "another process"
        raise WarehouseBusyError(
            f"the warehouse {path} is locked by {who}: DuckDB lets one process write, or "
            "several read, never both. Close that DuckDB CLI / DBeaver / Python session (a "
            "read-only one does not block a run) or wait for it to finish, and run again"
        ) from None
    try:
        if creates and storage_version(con) != STORAGE_VERSION:
            raise WarehouseStorageError(f"{path} was created with storage {storage_version(con)}")
        yield con
    finally:
        con.close()


def storage_version(con: duckdb.DuckDBPyConnection) -> str:
    """The storage format of the connection's file, e.g. 'v1.0.0' (DuckDB tags it 'v1.0.0+')."""
    tags = con.execute(
        "SELECT tags FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0][0]
    return tags.get("storage_version", "unknown").rstrip("+")


def copy_readable(source: Path, target: Path, version: str) -> None:
    """Copy the warehouse file; one in another storage format (an older run's DuckDB 2 default,
    which 1.x clients cannot open) is rewritten table by table, with its comments, at
    STORAGE_VERSION."""
    if version == STORAGE_VERSION:
        shutil.copyfile(source, target)
        return
    try:
        with connect(target) as con:
            literal = "'" + str(source).replace("'", "''") + "'"
            execute(con, f"ATTACH {literal} AS previous_warehouse (READ_ONLY)")
            target_db = con.execute("SELECT current_database()").fetchall()[0][0]
            execute(con, f"COPY FROM DATABASE previous_warehouse TO {quote(target_db)}")
            execute(con, "DETACH previous_warehouse")
    except duckdb.Error as exc:
        target.unlink(missing_ok=True)
        raise WarehouseStorageError(
            f"{source} is stored in DuckDB format {version}, which DuckDB 1.x clients cannot "
            f"open, and rewriting it as {STORAGE_VERSION} failed: {exc}. Move the file away and "
            "run every year again to rebuild it"
        ) from None


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list:
    """Run a statement to completion (DuckDB 2 keeps a result open until it is fetched)."""
    return con.execute(sql, params or []).fetchall()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def qualified(table: str) -> str:
    schema, name = table.split(".")
    return f"{quote(schema)}.{quote(name)}"


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    rows = con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return {name: dtype for name, dtype, *_ in rows}


def _ensure_table(
    con: duckdb.DuckDBPyConnection, table: str, relation: str, comments: dict[str, str] | None
) -> None:
    schema, _ = table.split(".")
    execute(con, f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
    incoming = _columns(con, relation)
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        table.split("."),
    ).fetchall()[0][0]
    if not exists:
        columns = ", ".join(f"{quote(c)} {t}" for c, t in incoming.items())
        execute(con, f"CREATE TABLE {qualified(table)} ({columns})")
    else:
        # The contract changes only by adding columns; older years get NULL in them.
        current = _columns(con, qualified(table))
        for column, dtype in incoming.items():
            if column not in current:
                execute(con, f"ALTER TABLE {qualified(table)} ADD COLUMN {quote(column)} {dtype}")
    if comments:
        apply_comments(con, table, comments)


def apply_comments(con: duckdb.DuckDBPyConnection, table: str, comments: dict[str, str]) -> None:
    """``comments['']`` is the table's comment, other keys are column names."""
    present = _columns(con, qualified(table))
    for column, text in comments.items():
        literal = "'" + text.replace("'", "''") + "'"
        if column == "":
            execute(con, f"COMMENT ON TABLE {qualified(table)} IS {literal}")
        elif column in present:
            execute(con, f"COMMENT ON COLUMN {qualified(table)}.{quote(column)} IS {literal}")


@dataclass(frozen=True)
class Write:
    table: str  # "schema.table"
    relation: str  # a table, view or parenthesised subquery holding exactly one year
    comments: dict[str, str] | None = None


def replace_year(con: duckdb.DuckDBPyConnection, year: int, writes: list[Write]) -> dict[str, int]:
    """Replace each table's rows of ``year`` by its relation, all in one transaction.

    Returns the rows written per table. Rows of other years are never touched; a relation
    holding another year is refused, since it would duplicate that year.
    """
    counts = {}
    execute(con, "BEGIN TRANSACTION")
    try:
        for write in writes:
            _ensure_table(con, write.table, write.relation, write.comments)
            stray = con.execute(
                f"SELECT count(*) FROM {write.relation} WHERE year IS DISTINCT FROM ?", [year]
            ).fetchall()[0][0]
            if stray:
                raise ValueError(f"{write.table}: {stray} rows are not of year {year}")
            execute(con, f"DELETE FROM {qualified(write.table)} WHERE year = ?", [year])
            execute(
                con, f"INSERT INTO {qualified(write.table)} BY NAME SELECT * FROM {write.relation}"
            )
            counts[write.table] = con.execute(
                f"SELECT count(*) FROM {qualified(write.table)} WHERE year = ?", [year]
            ).fetchall()[0][0]
        execute(con, "COMMIT")
    except BaseException:
        execute(con, "ROLLBACK")
        raise
    return counts


# --- one run, one atomic publication --------------------------------------------------------
#
# A run builds into a copy of the warehouse and renames the copy over the original only when
# every step succeeded. Analysts who hold the old file open keep reading it; a crash or a failed
# step leaves the original as it was, so no year is ever half-written.


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold ``<warehouse>.lock`` for the run; a second run stops at once, naming the first."""
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise WarehouseBusyError(
                f"another junheng run ({holder}) is writing {path}; wait for it to finish "
                "(or stop it) and run again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"PID {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_build(path: Path, run_id: str) -> Path:
    """Copy the published warehouse (if any) to a build file for this run."""
    build = path.with_name(f".{path.name}.build-{run_id}")
    for stale in path.parent.glob(f".{path.name}.build-*"):
        stale.unlink()  # left by a killed run; we hold the run lock, so nobody uses it
    if path.exists():
        wal = path.with_name(path.name + ".wal")
        # Opening read-write fails fast if anyone writes to the file; checkpointing folds a
        # WAL left by an outside writer into the file so the copy misses nothing.
        with connect(path, read_only=not wal.exists()) as con:
            if wal.exists():
                execute(con, "CHECKPOINT")
            version = storage_version(con)
        copy_readable(path, build, version)
    return build


def publish_build(build: Path, path: Path) -> None:
    """Atomically replace the warehouse by the finished build file."""
    if not build.exists():
        return
    with connect(build) as con:
        execute(con, "CHECKPOINT")
    with build.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(build, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def discard_build(build: Path) -> None:
    for leftover in (build, build.with_name(build.name + ".wal")):
        leftover.unlink(missing_ok=True)
