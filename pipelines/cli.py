"""``junheng``: run the warehouse job per school year, or validate input files without writing.

Exit codes: 0 success · 1 success, but rows were rejected (see audit.rejected_rows) ·
2 command-line error · 3 a file or a year failed and that year was not written ·
4 the warehouse is busy or cannot be opened.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
import warnings
from pathlib import Path

from assets.resources import default_input, default_warehouse

OK, ROWS_REJECTED, USAGE, FILE_FAILED, WAREHOUSE_BUSY = 0, 1, 2, 3, 4
QUIET_LOGGERS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="junheng", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (
        ("run", "materialise every year (or those given) into the warehouse"),
        ("validate", "check the input files and print every problem; writes nothing"),
    ):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument(
            "--input",
            default=default_input(),
            help="input root with one folder per year (default: %(default)s)",
        )
        cmd.add_argument("--year", type=int, nargs="+", help="school years (default: all found)")
        if name == "run":
            cmd.add_argument(
                "--warehouse",
                default=default_warehouse(),
                help="DuckDB file (default: %(default)s)",
            )
            cmd.add_argument(
                "--timings",
                metavar="FILE",
                help="write each step's seconds and the ingest stages' as JSON (benchmarks)",
            )
    return parser


def _timings(result) -> dict:
    """Seconds per step, and the read / validate / write stages of ingestion."""
    steps = {
        e.step_key: e.event_specific_data.duration_ms / 1000
        for e in result.all_events
        if e.is_step_success
    }
    stages = {}
    for event in result.all_events:
        if event.is_step_materialization:
            for key, value in event.event_specific_data.materialization.metadata.items():
                if key.startswith("seconds_"):
                    stages[key.removeprefix("seconds_")] = value.value
    return {"steps": steps, "ingest_stages": stages}


def _years(input_root: Path, requested: list[int] | None) -> list[int]:
    if not input_root.is_dir():
        raise SystemExit(f"junheng: input folder {input_root} does not exist")
    found = sorted(
        int(p.name)
        for p in input_root.iterdir()
        if p.is_dir() and p.name.isdigit() and len(p.name) == 4
    )
    # Oldest first: a year's monitoring reads the earlier years (assets.cross_year).
    years = sorted(set(requested or found))
    if not years:
        raise SystemExit(f"junheng: no year folder (e.g. {input_root}/2024/) under {input_root}")
    return years


def _failures(result) -> list[tuple[str, str]]:
    """(exception class, message) of each failed step or resource, innermost cause first."""
    failures = []
    for event in result.all_events:
        if not (event.is_step_failure or event.is_resource_init_failure):
            continue
        data = event.event_specific_data
        user = getattr(data, "user_failure_data", None)
        error = data.error
        while error is not None and error.cause is not None:
            error = error.cause  # the user's exception, not Dagster's wrapper
        if user and user.description:
            text, cls = user.description, "Failure"
        else:
            # "assets.warehouse.WarehouseBusyError: the warehouse …" → "the warehouse …"
            text = re.sub(r"^[\w.]+: ", "", error.message.strip()) if error else "failed"
            cls = error.cls_name if error else ""
        failures.append((cls, f"{event.step_key or 'warehouse'}: {text}"))
    return failures


def run(args: argparse.Namespace) -> int:
    import dagster as dg

    from assets.warehouse import WarehouseBusyError, connect
    from pipelines.definitions import build_definitions
    from pipelines.jobs import WAREHOUSE_JOB
    from pipelines.summary import summarise

    input_root = Path(args.input).resolve()
    years = _years(input_root, args.year)
    warehouse = str(Path(args.warehouse).resolve())
    definitions = build_definitions(str(input_root), warehouse)
    job = definitions.resolve_job_def(WAREHOUSE_JOB)
    instance = dg.DagsterInstance.get() if _has_dagster_home() else dg.DagsterInstance.ephemeral()
    status = OK
    timings = {}
    written = []
    for year in years:
        started = time.perf_counter()
        result = job.execute_in_process(
            partition_key=str(year),
            instance=instance,
            run_config=QUIET_LOGGERS,
            raise_on_error=False,
        )
        seconds = time.perf_counter() - started
        timings[year] = _timings(result) | {"run_seconds": seconds}
        if not result.success:
            print(
                f"{year}: FAILED, nothing of {year} was changed in {warehouse} "
                f"(earlier years untouched)",
                file=sys.stderr,
            )
            failures = _failures(result)
            for _, message in failures:
                print(f"  {message}", file=sys.stderr)
            busy = any(cls == "WarehouseBusyError" for cls, _ in failures)
            status = max(status, WAREHOUSE_BUSY if busy else FILE_FAILED)
            continue
        try:
            with connect(warehouse, read_only=True) as con:
                print(summarise(con, year))
                rejected = con.execute(
                    "SELECT count(*) FROM audit.rejected_rows WHERE year = ?", [year]
                ).fetchall()[0][0]
        except WarehouseBusyError as exc:
            print(f"junheng: {exc}", file=sys.stderr)
            return WAREHOUSE_BUSY
        print(f"  ({seconds:.1f} s)")
        written.append(year)
        if rejected:
            status = max(status, ROWS_REJECTED)
    status = max(status, _refresh_later_years(definitions, instance, warehouse, written))
    print(f"warehouse: {warehouse}")
    if args.timings:
        Path(args.timings).write_text(json.dumps(timings, indent=2), encoding="utf-8")
    return status


def _refresh_later_years(definitions, instance, warehouse: str, written: list[int]) -> int:
    """Rebuild the monitoring of later years already in the warehouse: it reads the years just
    written (re-run, or arrived out of order)."""
    from assets.cross_year import years_to_refresh
    from assets.warehouse import WarehouseBusyError, connect
    from pipelines.jobs import MONITORING_JOB

    if not written:  # nothing changed (and the warehouse may not even be usable)
        return OK
    try:
        with connect(warehouse, read_only=True) as con:
            later = years_to_refresh(con, written)
    except WarehouseBusyError as exc:
        print(f"junheng: {exc}", file=sys.stderr)
        return WAREHOUSE_BUSY
    job = definitions.resolve_job_def(MONITORING_JOB)
    status = OK
    for year in later:
        result = job.execute_in_process(
            partition_key=str(year),
            instance=instance,
            run_config=QUIET_LOGGERS,
            raise_on_error=False,
        )
        reads = ", ".join(str(y) for y in written if y < year)
        if result.success:
            print(f"{year}: monitoring and early warning rebuilt (they read {reads})")
            continue
        print(
            f"{year}: FAILED to rebuild its monitoring and early warning, which still read the "
            f"old {reads}: run this command again",
            file=sys.stderr,
        )
        for _, message in _failures(result):
            print(f"  {message}", file=sys.stderr)
        status = FILE_FAILED
    return status


def validate(args: argparse.Namespace) -> int:
    import secrets

    from assets.pseudonym import pseudonymiser
    from assets.reading import InputFileError
    from assets.validate_year import validate_year

    input_root = Path(args.input).resolve()
    # Nothing is stored, so a throwaway key: duplicated teacher ids print as pseudonyms.
    pseudonymise = pseudonymiser(secrets.token_hex(16))
    status = OK
    for year in _years(input_root, args.year):
        try:
            result = validate_year(input_root / str(year), year, pseudonymise)
        except InputFileError as exc:
            print(f"{year}: FILE FAILED: {exc}")
            status = FILE_FAILED
            continue
        for notice in result.notices:
            print(f"{year}: note: {notice}")
        for row in result.sources.iter_rows(named=True):
            if row["status"] == "loaded":
                print(
                    f"{year}: {row['file']}: {row['rows_read']} rows read, "
                    f"{row['rows_rejected']} rejected ({row['encoding']})"
                )
        for row in result.rejected.iter_rows(named=True):
            print(
                f"{year}: {row['file']} row {row['row_number']}, column {row['column_name']}: "
                f"[{row['rule']}] {row['message']}"
            )
        if result.rejected_count:
            status = max(status, ROWS_REJECTED)
    return status


def _has_dagster_home() -> bool:
    import os

    return bool(os.environ.get("DAGSTER_HOME"))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    warnings.filterwarnings("ignore", module="dagster")
    warnings.formatwarning = lambda message, *_args, **_kw: f"junheng: warning: {message}\n"
    logging.getLogger("dagster").setLevel(logging.ERROR)
    return run(args) if args.command == "run" else validate(args)


if __name__ == "__main__":
    sys.exit(main())
