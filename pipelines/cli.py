"""junheng: build the warehouse one school year at a time, validate input files, write a
county's suggested remediation plan (化解计划), or write the reports of a year.

Exit codes: 0 success · 1 success, but rows were rejected (see audit.rejected_rows) ·
2 command-line error (unknown option, input folder or asked-for year folder missing, a folder
named like a year that cannot be read as one) · 3 a file or a year failed and that year was not
written · 4 the warehouse is busy or cannot be opened.

Runs are recorded in the Dagster instance in $DAGSTER_HOME, by default the project's
dagster_home/, where the UI, the schedule and the sensor see them.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
import warnings
from importlib.metadata import version
from pathlib import Path

from assets.resources import default_input, default_reports, default_warehouse

OK, ROWS_REJECTED, USAGE, FILE_FAILED, WAREHOUSE_BUSY = 0, 1, 2, 3, 4
QUIET_LOGGERS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class UsageError(Exception):
    """The command cannot start as given (exit 2)."""


def shown(path: str | Path) -> Path:
    """How every path is printed: relative to the current folder when inside it, else absolute.

    The paths handed to the pipeline take this form too, so its messages name files the same way.
    """
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve())
    except ValueError:
        return absolute


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="junheng", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"junheng {version('junheng')}")
    sub = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    for name, helptext in (
        ("run", "build every year found (or those given) into the warehouse"),
        ("validate", "check the input files and print every problem; writes nothing"),
    ):
        cmd = sub.add_parser(name, help=helptext, description=helptext)
        cmd.add_argument(
            "--input",
            metavar="DIR",
            default=str(shown(default_input())),
            help="input root, one folder per school year: 2024, 2024年, 2024学年 or "
            "2024-2025学年 (default: %(default)s)",
        )
        cmd.add_argument(
            "--year",
            metavar="YYYY",
            type=int,
            nargs="+",
            help="school years, by the year they start in (default: every year folder)",
        )
        if name == "run":
            cmd.add_argument(
                "--warehouse",
                metavar="FILE",
                default=str(shown(default_warehouse())),
                help="the DuckDB file (default: %(default)s)",
            )
            cmd.add_argument(
                "--timings",
                metavar="FILE",
                help="write the seconds of each stage and SQL model as JSON (benchmarks)",
            )
    _add_plan_parser(sub)
    _add_report_parser(sub)
    return parser


def _add_plan_parser(sub) -> None:
    cmd = sub.add_parser(
        "plan",
        help="write a county's suggested remediation plan (化解计划) as a plan file to edit and "
        "put in its year folder",
    )
    cmd.add_argument("--warehouse", default=default_warehouse(), help="DuckDB file")
    cmd.add_argument("--year", type=int, required=True, help="school year")
    cmd.add_argument("--county", help="county code (needed when the year has several)")
    cmd.add_argument(
        "--target",
        choices=("complies", "all_met"),
        default="complies",
        help="complies: each section 6 of 7 met and the 7th at 85 %% (cheapest); all_met: "
        "every standard (default: %(default)s)",
    )
    cmd.add_argument("--out", help="file to write (default: <county>_<year>_化解计划.csv)")


def _timings(result) -> dict:
    """Seconds per step, per stage of the year build (read, validate, copy, write, publish …)
    and per SQL model."""
    steps = {
        e.step_key: e.event_specific_data.duration_ms / 1000
        for e in result.all_events
        if e.is_step_success
    }
    stages, models = {}, {}
    for event in result.all_events:
        if event.is_step_materialization:
            materialisation = event.event_specific_data.materialization
            for key, value in materialisation.metadata.items():
                if key.startswith("seconds_"):
                    stages[key.removeprefix("seconds_")] = value.value
                elif key == "seconds":
                    models[".".join(materialisation.asset_key.path)] = value.value
    return {"steps": steps, "ingest_stages": stages, "models": models}


def _year_folders(input_root: Path) -> dict[int, Path]:
    """Every year folder; one that cannot be read as a year stops the command before anything
    is read or written."""
    from assets.year_folders import scan

    if not input_root.is_dir():
        raise UsageError(
            f"input folder {input_root} does not exist (give it with --input or JUNHENG_INPUT)"
        )
    try:
        folders = scan(input_root)
    except OSError as exc:
        from assets.reading import unreadable

        raise UsageError(str(unreadable(exc, input_root))) from None
    if folders.refused:
        raise UsageError("\n".join(folders.refused))
    for path in folders.ignored:
        print(f"junheng: note: {path}: no school year in its name; ignored", file=sys.stderr)
    if not folders.years:
        raise UsageError(f"no year folder (e.g. {input_root / '2024'}) under {input_root}")
    return folders.years


def _selected(folders: dict[int, Path], requested: list[int] | None, input_root: Path):
    missing = sorted(set(requested or []) - set(folders))
    if missing:
        raise UsageError(
            f"no folder for school year {', '.join(map(str, missing))} under {input_root} "
            f"(it has {', '.join(map(str, folders))})"
        )
    return {year: folders[year] for year in sorted(requested or folders)}


def _failures(result) -> list[tuple[str, str]]:
    """(exception class, message) of each failed step or resource, innermost cause first."""
    failures = []
    for event in result.all_events:
        # A failed teardown is where publishing the year failed; Dagster only logs it.
        teardown = event.is_engine_event and event.event_specific_data.error is not None
        if not (event.is_step_failure or event.is_resource_init_failure or teardown):
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
    from sqlalchemy.exc import OperationalError

    from assets.partitions import add_years
    from pipelines.definitions import build_definitions
    from pipelines.instance import fail_runs_of_dead_processes, open_instance
    from pipelines.jobs import WAREHOUSE_JOB

    input_root = shown(args.input)
    folders = _year_folders(input_root)
    years = _selected(folders, args.year, input_root)
    warehouse = shown(args.warehouse)
    try:
        instance = open_instance()
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    except OperationalError as exc:
        return _instance_failed(exc)
    with instance:
        # A second writer stops this command at once, naming who holds the warehouse.
        defs = build_definitions(str(input_root), str(warehouse), lock_wait_seconds=0)
        job = defs.resolve_job_def(WAREHOUSE_JOB)
        try:
            fail_runs_of_dead_processes(instance)
            add_years(instance, folders)  # the partitions: every year the input root has
            return _run_years(job, instance, years, warehouse, input_root, args.timings)
        except OperationalError as exc:
            return _instance_failed(exc)


def _instance_failed(exc) -> int:
    """The Dagster instance's SQLite files could not be written (a full disk, a size limit)."""
    from pipelines.instance import dagster_home

    print(
        f"junheng: the Dagster instance in {shown(dagster_home())} could not record the run "
        f"({exc.orig}): is its disk full? Free disk space there, or set DAGSTER_HOME to a "
        "folder on another disk, and run again; the warehouse is unchanged",
        file=sys.stderr,
    )
    return FILE_FAILED


def _run_years(job, instance, years, warehouse: Path, input_root: Path, timings_file) -> int:
    from assets.warehouse import WarehouseBusyError, connect
    from pipelines.instance import cli_run_tags
    from pipelines.summary import summarise

    status = OK
    timings = {}
    for year in years:
        started = time.perf_counter()
        result = job.execute_in_process(
            partition_key=str(year),
            instance=instance,
            run_config=QUIET_LOGGERS,
            tags=cli_run_tags(),
            raise_on_error=False,
        )
        seconds = time.perf_counter() - started
        timings[year] = _timings(result) | {"run_seconds": seconds}
        failures = _failures(result)
        if failures or not result.success:
            print(
                f"{year}: FAILED, nothing of {year} was changed in {warehouse} "
                f"(other years untouched)",
                file=sys.stderr,
            )
            for _, message in failures:
                print(f"  {message}", file=sys.stderr)
            busy = any(cls == "WarehouseBusyError" for cls, _ in failures)
            status = max(status, WAREHOUSE_BUSY if busy else FILE_FAILED)
            continue
        try:
            with connect(warehouse, read_only=True) as con:
                print(summarise(con, year, input_root))
                rejected = con.execute(
                    "SELECT count(*) FROM audit.rejected_rows WHERE year = ?", [year]
                ).fetchall()[0][0]
        except WarehouseBusyError as exc:
            print(f"junheng: {exc}", file=sys.stderr)
            return WAREHOUSE_BUSY
        print(f"  ({seconds:.1f} s)")
        if rejected:
            status = max(status, ROWS_REJECTED)
    print(f"warehouse: {warehouse}")
    if timings_file:
        Path(timings_file).write_text(json.dumps(timings, indent=2), encoding="utf-8")
    return status


def validate(args: argparse.Namespace) -> int:
    import secrets

    from assets.pseudonym import pseudonymiser
    from assets.reading import InputFileError
    from assets.validate_year import validate_year

    input_root = shown(args.input)
    # Nothing is stored, so a throwaway key: duplicated teacher ids print as pseudonyms.
    pseudonymise = pseudonymiser(secrets.token_hex(16))
    status = OK
    for year, folder in _selected(_year_folders(input_root), args.year, input_root).items():
        try:
            result = validate_year(folder, year, pseudonymise)
        except InputFileError as exc:
            print(f"{year}: FILE FAILED: {exc}")
            status = FILE_FAILED
            continue
        for notice in result.notices:
            print(f"{year}: note: {notice}")
        for row in result.sources.iter_rows(named=True):
            if row["status"] == "loaded":
                print(
                    f"{year}: {input_root / row['file']}: {row['rows_read']} rows read, "
                    f"{row['rows_rejected']} rejected ({row['encoding']})"
                )
        for row in result.rejected.iter_rows(named=True):
            print(
                f"{year}: {input_root / row['file']} row {row['row_number']}, "
                f"column {row['column_name']}: "
                f"[{row['rule']}] {row['message']}"
            )
        if result.rejected_count:
            status = max(status, ROWS_REJECTED)
    return status


def _add_report_parser(sub) -> None:
    cmd = sub.add_parser(
        "report",
        help="write each county's workbook and page (and a summary of several counties) "
        "for a year, from the warehouse",
    )
    cmd.add_argument(
        "--warehouse", default=default_warehouse(), help="DuckDB file (default: %(default)s)"
    )
    cmd.add_argument("--year", type=int, required=True, help="school year, e.g. 2024")
    cmd.add_argument("--county", help="one county code (default: every county, and a summary)")
    cmd.add_argument(
        "--out",
        help="folder for the files (default: $JUNHENG_REPORTS or reports/ beside the warehouse)",
    )


def report(args: argparse.Namespace) -> int:
    """Read the warehouse (read-only) and write the year's reports; no Dagster run needed."""
    from assets.warehouse import WarehouseBusyError, connect
    from reports.build import write_reports
    from reports.queries import ReportDataError

    warehouse = Path(args.warehouse).resolve()
    if not warehouse.is_file():
        print(f"junheng: no warehouse at {warehouse}; run `junheng run` first", file=sys.stderr)
        return USAGE
    out_dir = Path(args.out).resolve() if args.out else default_reports(warehouse)
    started = time.perf_counter()
    try:
        with connect(warehouse, read_only=True) as con:
            written = write_reports(con, args.year, out_dir, args.county)
    except WarehouseBusyError as exc:
        print(f"junheng: {exc}", file=sys.stderr)
        return WAREHOUSE_BUSY
    except ReportDataError as exc:
        print(f"junheng: {exc}", file=sys.stderr)
        return USAGE
    for path in written:
        print(path)
    print(f"{len(written)} files in {out_dir} ({time.perf_counter() - started:.1f} s)")
    return OK


def plan(args: argparse.Namespace) -> int:
    from assets.warehouse import WarehouseBusyError, connect
    from pipelines.suggested_plan import suggest, write_plan

    warehouse = Path(args.warehouse).resolve()
    if not warehouse.is_file():
        print(f"junheng: no warehouse at {warehouse}; run `junheng run` first", file=sys.stderr)
        return USAGE
    try:
        with connect(warehouse, read_only=True) as con:
            counties = [
                c
                for (c,) in con.execute(
                    "SELECT county_code FROM marts.county_verdict WHERE year = ? ORDER BY 1",
                    [args.year],
                ).fetchall()
            ]
            county = args.county or (counties[0] if len(counties) == 1 else None)
            if county not in counties:
                print(
                    f"junheng: choose a county of {args.year} with --county: "
                    f"{', '.join(counties) or 'none (run that year first)'}",
                    file=sys.stderr,
                )
                return USAGE
            suggested = suggest(con, args.year, county, args.target)
            out = Path(args.out or f"{county}_{args.year}_化解计划.csv").resolve()
            write_plan(suggested, out, con)
    except WarehouseBusyError as exc:
        print(f"junheng: {exc}", file=sys.stderr)
        return WAREHOUSE_BUSY
    print(
        f"{args.year} {county}: {len(suggested.rows)} additions for target {args.target} "
        f"(verdict now: {suggested.verdict}) → {out}"
    )
    for item, name, instead in suggested.cannot_fix:
        print(f"  {item} {name}: additions cannot fix it; needs {instead}")
    print(f"  put it in the {args.year} folder as 化解计划.csv and run that year again")
    return OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    warnings.filterwarnings("ignore", module="dagster")
    warnings.formatwarning = lambda message, *_args, **_kw: f"junheng: warning: {message}\n"
    logging.getLogger("dagster").setLevel(logging.ERROR)
    commands = {"run": run, "validate": validate, "plan": plan, "report": report}
    try:
        return commands[args.command](args)
    except UsageError as exc:
        print(f"junheng: {exc}", file=sys.stderr)
        return USAGE


if __name__ == "__main__":
    sys.exit(main())
