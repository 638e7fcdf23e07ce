"""Build small input folders in the contract's formats and run the real pipeline on them."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import dagster as dg
import duckdb

from assets.partitions import add_years
from pipelines.definitions import build_definitions
from pipelines.jobs import WAREHOUSE_JOB
from schemas.contract import INPUT_FILES

_ids = itertools.count(1)

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def school(
    school_id,
    school_type,
    county="110101",
    name=None,
    location="urban",
    built=2005,
    public="是",
    boarding="否",
):
    return {
        "county_code": county,
        "county_name": f"县{county}",
        "school_id": school_id,
        "school_name": name or f"学校{school_id[-3:]}",
        "school_type": school_type,
        "location": location,
        "is_public": public,
        "is_boarding": boarding,
        "built_year": built,
    }


def enrollment(school_id, stage, students, classes=None, oversized=0, migrant=0):
    classes = max(1, students // 45) if classes is None else classes
    return {
        "school_id": school_id,
        "stage": stage,
        "students": students,
        "classes": classes,
        "oversized_classes": oversized,
        "migrant_students": migrant,
    }


def teachers(
    school_id,
    stage,
    n,
    education="本科",
    backbone="无",
    subject="语文",
    title="二级",
    certified="是",
    hours=400,
):
    return [
        {
            "teacher_id": f"T{next(_ids):07d}",
            "school_id": school_id,
            "stage": stage,
            "education": education,
            "title": title,
            "backbone_level": backbone,
            "subject": subject,
            "certified": certified,
            "training_hours_5y": hours,
            "rotation_eligible": "否",
            "rotated": "否",
        }
        for _ in range(n)
    ]


def facilities(school_id, teaching=0.0, indoor=0.0, field=0.0, equipment=0.0, multimedia=0):
    return {
        "school_id": school_id,
        "teaching_aux_area_m2": teaching,
        "indoor_sports_area_m2": indoor,
        "sports_field_area_m2": field,
        "equipment_value_yuan": equipment,
        "multimedia_classrooms": multimedia,
    }


def write_csv(
    path: Path, rows: list[dict], columns: list[str] | None = None, encoding: str = "utf-8"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or list(rows[0])
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([[row.get(c, "") for c in columns] for row in rows])
    return path


def write_year(root: Path, year: int, files: dict[str, list[dict]]) -> Path:
    """Write each file as an English-header UTF-8 CSV named by its contract name."""
    year_dir = root / str(year)
    for name, rows in files.items():
        write_csv(year_dir / f"{name}.csv", rows, [c.name for c in INPUT_FILES[name].columns])
    return year_dir


def instance_with_years(*years: int) -> dg.DagsterInstance:
    """An ephemeral instance that knows the years as partitions (``junheng run`` adds them)."""
    instance = dg.DagsterInstance.ephemeral()
    add_years(instance, years)
    return instance


def run_year(
    input_root: Path, warehouse: Path, year: int, instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInProcessResult:
    job = build_definitions(str(input_root), str(warehouse)).resolve_job_def(WAREHOUSE_JOB)
    instance = instance or instance_with_years(year)
    add_years(instance, [year])
    return job.execute_in_process(
        partition_key=str(year), instance=instance, run_config=QUIET, raise_on_error=False
    )


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def query_dicts(warehouse: Path, sql: str, params=None) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def snapshot_tables(path: Path, year: int | None = None) -> dict[str, list[tuple]]:
    """Every table's and view's rows (of one year, or all), sorted; ingestion times left out."""
    tables = [
        f"{s}.{t}"
        for s, t in query(
            path,
            "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal ORDER BY ALL",
        )
    ]
    where = "" if year is None else f" WHERE year = {int(year)}"
    return {
        table: query(
            path,
            f"SELECT * EXCLUDE (ingested_at) FROM {table}{where} ORDER BY ALL"
            if table == "audit.source_files"
            else f"SELECT * FROM {table}{where} ORDER BY ALL",
        )
        for table in tables
    }


def warehouse_in_memory(validated) -> duckdb.DuckDBPyConnection:
    """The method's SQL models run directly on one validated year, without Dagster (for
    property tests).

    Same reference files, same staging frames, same SQL text as the pipeline; the seven method
    models (DOMAIN.md §1–§5) are created in dependency order.
    """
    import polars as pl

    from assets.ingest import STAGING_TABLES
    from assets.sql_models import METHOD_MODELS, discover_models
    from schemas.reference_data import reference_names, reference_path

    con = duckdb.connect()
    models = [m for m in discover_models() if m.table in METHOD_MODELS]  # in dependency order
    for schema in {"reference", "staging", "audit", "indicators", "marts"}:
        con.execute(f"CREATE SCHEMA {schema}")
    year = validated.year
    for name in reference_names():
        frame = pl.read_csv(reference_path(name)).with_columns(pl.lit(year, pl.Int32).alias("year"))
        con.register("frame", frame)
        con.execute(f"CREATE TABLE reference.{name} AS SELECT * FROM frame").fetchall()
    tables = {t: validated.accepted[spec.name] for t, spec in STAGING_TABLES.items()}
    tables |= {"audit.source_files": validated.sources, "audit.rejected_rows": validated.rejected}
    for table, frame in tables.items():
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame").fetchall()
    for model in models:
        con.execute(f"CREATE TABLE {model.table} AS {model.sql}").fetchall()
    return con


def cli_command(input_root: Path, warehouse: Path, *years: int) -> list[str]:
    """``junheng run`` as its own process (what a user, cron or a second terminal starts)."""
    import sys

    command = [sys.executable, "-m", "pipelines.cli", "run", "--input", str(input_root)]
    command += ["--warehouse", str(warehouse)]
    return command + (["--year", *map(str, years)] if years else [])


def start_paused(command: list[str], point: str, marker: Path, timeout: float = 120):
    """Start ``command`` with the test hook that stops it at ``point`` (assets.warehouse
    .pause_point); return the process once it sits there, and its PID as it wrote it."""
    import os
    import subprocess
    import time

    from assets.warehouse import PAUSE_ENV

    env = os.environ | {PAUSE_ENV: f"{point}:{marker}"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + timeout
    while not (marker.exists() and marker.read_text()):
        if process.poll() is not None:
            raise AssertionError(f"never reached {point}: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"did not reach {point} within {timeout} s")
        time.sleep(0.02)
    return process, int(marker.read_text())
