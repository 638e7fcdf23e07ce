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
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from assets.system_errors import writing_problem

# Every asset that writes carries this pool; dagster_home/dagster.yaml admits one at a time.
DUCKDB_POOL = "duckdb_warehouse"

# The storage format DuckDB 1.x clients read (the duckdb-cli package, DBeaver's JDBC driver):
# DuckDB 2 writes a newer one by default, which they refuse. v1.0.0 is also what 1.x clients
# write themselves by default. A file keeps the version it was created with.
STORAGE_VERSION = "v1.0.0"


class WarehouseBusyError(Exception):
    pass


class WarehouseWriteError(Exception):
    """The system refused a write (a full disk, a folder junheng may not write in)."""


def _refused(exc: BaseException, path: Path) -> None:
    """Raise WarehouseWriteError if the system refused the write that raised ``exc``."""
    if path.name.startswith(".") and ".build-" in path.name:  # a run's copy: name the original
        path = path.with_name(path.name[1:].split(".build-")[0])
    problem = writing_problem(exc, path)
    if problem is not None:
        raise WarehouseWriteError(problem) from None


class WarehouseStorageError(Exception):
    pass


# DuckDB names the file's catalog after its stem: reference.duckdb would hide the schema.
RESERVED_NAMES = {
    *("raw", "reference", "staging", "audit", "indicators", "marts"),
    *("needs", "needs_input", "plan", "plan_input"),
}


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
        _refused(exc, path)
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
    except (duckdb.Error, OSError) as exc:
        _refused(exc, path)
        raise
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


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, str]]:
    """Name, type and comment of each column of the table or view ``schema.name``, in order."""
    return con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        table.split("."),
    ).fetchall()


def _add_new_columns(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> None:
    """The contract changes only by adding columns; older years get NULL in them."""
    current = _columns(con, qualified(table))
    for column, dtype in _columns(con, relation).items():
        if column not in current:
            execute(con, f"ALTER TABLE {qualified(table)} ADD COLUMN {quote(column)} {dtype}")


def _kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """'table', 'view', or None when ``schema.name`` is neither."""
    rows = con.execute(
        "SELECT 'table' FROM duckdb_tables() WHERE schema_name = $1 AND table_name = $2 "
        "UNION ALL SELECT 'view' FROM duckdb_views() WHERE schema_name = $1 AND view_name = $2",
        name.split("."),
    ).fetchall()
    return rows[0][0] if rows else None


def replace_view(
    con: duckdb.DuckDBPyConnection, view: str, query: str, comments: dict[str, str] | None
) -> None:
    """Store ``query`` as the view ``schema.name``: every year at once, computed when read."""
    execute(con, f"CREATE SCHEMA IF NOT EXISTS {quote(view.split('.')[0])}")
    if _kind(con, view) == "table":  # a model that was a table is a view now
        execute(con, f"DROP TABLE {qualified(view)}")
    execute(con, f"CREATE OR REPLACE VIEW {qualified(view)} AS\n{query}")
    if comments:
        apply_comments(con, view, comments, kind="view")


def apply_comments(
    con: duckdb.DuckDBPyConnection, name: str, comments: dict[str, str], kind: str
) -> None:
    """``comments['']`` is the table's (or view's: ``kind``) comment, other keys are column
    names.

    Only the comments that differ are written: on a re-run they all match, and each COMMENT
    is a catalog change of its own.
    """
    present = {column: comment for column, _, comment in table_columns(con, name)}
    catalog = "duckdb_views()" if kind == "view" else "duckdb_tables()"
    present[""] = con.execute(
        f"SELECT comment FROM {catalog} WHERE schema_name = ? AND {kind}_name = ?",
        name.split("."),
    ).fetchall()[0][0]
    for column, text in comments.items():
        if column not in present or present[column] == text:
            continue
        literal = "'" + text.replace("'", "''") + "'"
        if column == "":
            execute(con, f"COMMENT ON {kind.upper()} {qualified(name)} IS {literal}")
        else:
            execute(con, f"COMMENT ON COLUMN {qualified(name)}.{quote(column)} IS {literal}")


@dataclass(frozen=True)
class Write:
    table: str  # "schema.table"
    relation: str  # a table, view or parenthesised subquery holding exactly one year
    comments: dict[str, str] | None = None
    # The relation holds only the year by construction (`… WHERE year = <year>`, a validated
    # frame whose year column was set to it): no stray year to look for.
    of_year_only: bool = False


def replace_year(con: duckdb.DuckDBPyConnection, year: int, writes: list[Write]) -> dict[str, int]:
    """Replace each table's rows of ``year`` by its relation, all in one transaction.

    Returns the rows written per table. Rows of other years are never touched; a relation
    holding another year is refused, since it would duplicate that year.
    """
    try:
        return _replace_year(con, year, writes, add_columns=False)
    except duckdb.BinderException as exc:
        if "does not have a column" not in str(exc):
            raise
    # A model gained a column since its table was made: add it, then write the year again.
    # (Describing every relation up front would bind each query twice on every run.)
    return _replace_year(con, year, writes, add_columns=True)


def _replace_year(
    con: duckdb.DuckDBPyConnection, year: int, writes: list[Write], add_columns: bool
) -> dict[str, int]:
    counts = {}
    execute(con, "BEGIN TRANSACTION")
    try:
        for write in writes:
            if not write.of_year_only:
                stray = con.execute(
                    f"SELECT count(*) FROM {write.relation} WHERE year IS DISTINCT FROM ?", [year]
                ).fetchall()[0][0]
                if stray:
                    raise ValueError(f"{write.table}: {stray} rows are not of year {year}")
            counts[write.table] = _write_year_rows(con, year, write, add_columns)
        execute(con, "COMMIT")
    except BaseException:
        # A failed write (a full disk) may have ended the transaction already; the error to
        # report is that one, not "no transaction is active".
        with suppress(duckdb.Error):
            execute(con, "ROLLBACK")
        raise
    return counts


def _write_year_rows(
    con: duckdb.DuckDBPyConnection, year: int, write: Write, add_columns: bool
) -> int:
    """Replace one table's year inside the caller's transaction; the rows written."""
    kind = _kind(con, write.table)
    if kind == "view":  # a model that was a view is a table now
        execute(con, f"DROP VIEW {qualified(write.table)}")
    if kind != "table":
        execute(con, f"CREATE SCHEMA IF NOT EXISTS {quote(write.table.split('.')[0])}")
        [(rows,)] = execute(
            con, f"CREATE TABLE {qualified(write.table)} AS SELECT * FROM {write.relation}"
        )
    else:
        if add_columns:
            _add_new_columns(con, write.table, write.relation)
        execute(con, f"DELETE FROM {qualified(write.table)} WHERE year = ?", [year])
        pause_point("mid_transaction")
        [(rows,)] = execute(
            con, f"INSERT INTO {qualified(write.table)} BY NAME SELECT * FROM {write.relation}"
        )
    if write.comments:
        apply_comments(con, write.table, write.comments, kind="table")
    return rows


# --- one run, one atomic publication --------------------------------------------------------
#
# A run builds into a copy of the warehouse and renames the copy over the original only when
# every step succeeded. Analysts who hold the old file open keep reading it; a crash or a failed
# step leaves the original as it was, so no year is ever half-written.


PAUSE_ENV = "JUNHENG_PAUSE_AT"
PAUSE_POINTS = ("lock_taken", "build_copied", "mid_transaction", "before_rename", "after_rename")


def pause_point(point: str) -> None:
    """Test hook: with ``JUNHENG_PAUSE_AT=<point>:<marker file>`` the process writes its PID to
    the marker and sleeps at that point, so a test can kill it exactly there. Unset: nothing."""
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    wanted, _, marker = spec.partition(":")
    if wanted == point:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(3600)


def _lock_holder(handle) -> str | None:
    """The PID holding the flock on ``handle``'s file, read from the kernel's lock table.

    The kernel records the holder the instant the lock is taken, so there is no moment at
    which the lock is held but its holder unknown (the PID written into the file comes later).
    """
    status = os.fstat(handle.fileno())
    file_id = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    try:
        table = Path("/proc/locks").read_text(encoding="ascii")
    except OSError:  # not Linux: fall back on what the holder wrote into the file
        return None
    for line in table.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 2281 fe:00:1136 0 EOF"; waiters are marked "->".
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == file_id:
            return fields[4]
    return None


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold ``<warehouse>.lock`` for the run; a second run stops at once, naming the first."""
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _lock_holder(handle)
            handle.seek(0)
            holder = f"PID {pid}" if pid else handle.read().strip() or "unknown"
            raise WarehouseBusyError(
                f"another junheng run ({holder}) is writing {path}; wait for it to finish "
                "(or stop it) and run again"
            ) from None
        pause_point("lock_taken")
        handle.seek(0)
        handle.truncate()
        handle.write(f"PID {os.getpid()}")  # for a person looking at the file
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
        try:
            copy_readable(path, build, version)
        except OSError as exc:
            build.unlink(missing_ok=True)
            _refused(exc, path)
            raise
    pause_point("build_copied")
    return build


def publish_build(build: Path, path: Path) -> None:
    """Atomically replace the warehouse by the finished build file."""
    if not build.exists():
        return
    with connect(build) as con:
        execute(con, "CHECKPOINT")
    with build.open("rb") as handle:
        os.fsync(handle.fileno())
    pause_point("before_rename")
    os.replace(build, path)
    pause_point("after_rename")
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def discard_build(build: Path) -> None:
    for leftover in (build, build.with_name(build.name + ".wal")):
        leftover.unlink(missing_ok=True)
