"""The ``new_year_folders`` sensor: a year folder that appears or changes is built by itself.

Each tick (every minute while the daemon runs it; stopped by default) looks at the year folders
under the input root (``assets.year_folders``):

- a year not yet a partition is added as one at once;
- a folder whose files changed since the last tick (name, size, modification time) is waited
  for: its files must stay unchanged between two ticks, the required files (schools,
  enrollment, teachers, facilities) be present, and no Excel lock file (``~$…``) or partial
  download be left in it;
- no year is launched while a run of the warehouse job is queued or in progress (one started
  from the UI or by `junheng run` included): the warehouse takes one writer;
- then the content hash of its input files (sha256 of each, as ``audit.source_files`` records
  them) is compared with what the warehouse holds for that year and what this sensor launched
  last: only new content launches a run of that year. The run key holds the published and the
  new hash, so an unchanged folder never re-runs, and a folder put back as it was does.
"""

import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

from assets.partitions import school_years
from assets.reading import InputFileError, find_year_files, sha256_of
from assets.resources import InputsResource, WarehouseResource
from assets.warehouse import WarehouseBusyError
from pipelines.instance import ensure_pool_limit, fail_runs_of_dead_processes
from pipelines.jobs import warehouse_job
from schemas.contract import REQUIRED_FILES

TICK_SECONDS = 60
EXCEL_LOCK_PREFIX = "~$"  # Excel keeps ~$name.xlsx beside a workbook it has open
PARTIAL_SUFFIXES = (".crdownload", ".part", ".partial", ".download", ".tmp")


def _in_progress(path: Path) -> bool:
    return path.name.startswith(EXCEL_LOCK_PREFIX) or path.name.lower().endswith(PARTIAL_SUFFIXES)


def stat_signature(folder: Path) -> str:
    """Changes whenever a file is added, removed, grows or is rewritten."""
    entries = sorted(
        f"{p.name}\t{p.stat().st_size}\t{p.stat().st_mtime_ns}"
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".")
    )
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


def content_hash(files: dict[str, str]) -> str:
    """One hash of the year's input files: ``{label: sha256}``, labels as in audit.source_files."""
    lines = "".join(f"{label}\t{sha}\n" for label, sha in sorted(files.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def _folder_files(folder: Path) -> dict[str, str]:
    found, _ = find_year_files(folder)
    return {f"{folder.name}/{p.name}": sha256_of(p) for p in found.values()}


def _published_hashes(warehouse: WarehouseResource) -> dict[int, str]:
    """Content hash per year of the files the warehouse was last built from."""
    if not Path(warehouse.path).is_file():
        return {}
    try:
        with warehouse.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT year, file, sha256 FROM audit.source_files WHERE status = 'loaded'"
            ).fetchall()
    except (WarehouseBusyError, duckdb.Error):  # busy, or no audit table yet: nothing known
        return {}
    by_year: dict[int, dict[str, str]] = {}
    for year, file, sha in rows:
        by_year.setdefault(year, {})[file] = sha
    return {year: content_hash(files) for year, files in by_year.items()}


def _active_run(instance: dg.DagsterInstance) -> str | None:
    """The id of a queued or running warehouse run, if any."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(job_name=warehouse_job.name, statuses=IN_PROGRESS_RUN_STATUSES),
        limit=1,
    )
    return records[0].dagster_run.run_id if records else None


def _not_ready(folder: Path) -> str | None:
    """Why the folder cannot be built yet, or None."""
    busy = sorted(p.name for p in folder.iterdir() if _in_progress(p))
    if busy:
        return f"{', '.join(busy)} still open or being copied"
    try:
        found, _ = find_year_files(folder)
    except InputFileError as exc:
        return str(exc)
    missing = [f"{s.name} ({s.alias})" for s in REQUIRED_FILES if s.name not in found]
    if missing:
        return f"waiting for {', '.join(missing)}"
    return None


@dg.sensor(
    job=warehouse_job,
    minimum_interval_seconds=TICK_SECONDS,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Build a school year when its folder appears or changes, once its files settle.",
)
def new_year_folders(
    context: dg.SensorEvaluationContext, inputs: InputsResource, warehouse: WarehouseResource
):
    root = Path(inputs.root)
    if not root.is_dir():
        return dg.SkipReason(f"{root}: the input folder does not exist")
    folders = inputs.year_folders()
    for problem in folders.refused:
        context.log.warning(problem)
    previous = json.loads(context.cursor) if context.cursor else {}
    cursor: dict[str, dict] = {}
    published = None
    notes, requests = list(folders.refused), []
    fail_runs_of_dead_processes(context.instance)  # a killed `junheng run` would block it
    active = _active_run(context.instance)
    for year, folder in sorted(folders.years.items()):
        key = str(year)
        before = previous.get(key, {})
        state = cursor[key] = {"stat": stat_signature(folder), "launched": before.get("launched")}
        if state["stat"] != before.get("stat"):
            notes.append(f"{folder}: new or changed; waiting until its files stay unchanged")
            continue
        reason = _not_ready(folder)
        if reason:
            notes.append(f"{folder}: {reason}")
            continue
        state["hash"] = before.get("hash") or content_hash(_folder_files(folder))
        if published is None:
            published = _published_hashes(warehouse)
        if state["hash"] in (published.get(year), state["launched"]):
            continue  # the warehouse holds it, or its run was launched already
        if active:
            notes.append(f"{folder}: ready; waiting for run {active} to finish")
            continue
        requests.append(
            dg.RunRequest(
                partition_key=key,
                run_key=f"{year}:{(published.get(year) or 'none')[:12]}:{state['hash'][:12]}",
                tags={"junheng/content_sha256": state["hash"], "junheng/folder": str(folder)},
            )
        )
        state["launched"] = state["hash"]
    if requests:
        ensure_pool_limit(context.instance)
    known = set(context.instance.get_dynamic_partitions(school_years.name))
    new_keys = [str(y) for y in sorted(folders.years) if str(y) not in known]
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[school_years.build_add_request(new_keys)] if new_keys else [],
        cursor=json.dumps(cursor, sort_keys=True),
        skip_reason=None if requests else ("; ".join(notes) or "no new or changed year folder"),
    )
