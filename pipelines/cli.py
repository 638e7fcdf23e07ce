"""``junheng``: run the warehouse job per school year, validate input files without writing,
write a county's suggested remediation plan, or write the reports of a year.

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
    try:
        found = sorted(
            int(p.name)
            for p in input_root.iterdir()
            if p.is_dir() and p.name.isdigit() and len(p.name) == 4
        )
    except OSError as exc:
        from assets.reading import unreadable

        raise SystemExit(f"junheng: {unreadable(exc, input_root)}") from None
    years = requested or found
    if not years:
        raise SystemExit(f"junheng: no year folder (e.g. {input_root}/2024/) under {input_root}")
    return years


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
    import dagster as dg

    from assets.warehouse import WarehouseBusyError, connect
    from pipelines.definitions import build_definitions
    from pipelines.jobs import WAREHOUSE_JOB
    from pipelines.summary import summarise

    input_root = Path(args.input).resolve()
    years = _years(input_root, args.year)
    warehouse = str(Path(args.warehouse).resolve())
    job = build_definitions(str(input_root), warehouse).resolve_job_def(WAREHOUSE_JOB)
    instance = dg.DagsterInstance.get() if _has_dagster_home() else dg.DagsterInstance.ephemeral()
    status = OK
    timings = {}
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
        failures = _failures(result)
        if failures or not result.success:
            print(
                f"{year}: FAILED, nothing of {year} was changed in {warehouse} "
                f"(earlier years untouched)",
                file=sys.stderr,
            )
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
        if rejected:
            status = max(status, ROWS_REJECTED)
    print(f"warehouse: {warehouse}")
    if args.timings:
        Path(args.timings).write_text(json.dumps(timings, indent=2), encoding="utf-8")
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
    from reports.build import default_out_dir, write_reports
    from reports.queries import ReportDataError

    warehouse = Path(args.warehouse).resolve()
    if not warehouse.is_file():
        print(f"junheng: no warehouse at {warehouse}; run `junheng run` first", file=sys.stderr)
        return USAGE
    out_dir = Path(args.out).resolve() if args.out else default_out_dir(warehouse)
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


def _has_dagster_home() -> bool:
    import os

    return bool(os.environ.get("DAGSTER_HOME"))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    warnings.filterwarnings("ignore", module="dagster")
    warnings.formatwarning = lambda message, *_args, **_kw: f"junheng: warning: {message}\n"
    logging.getLogger("dagster").setLevel(logging.ERROR)
    return {"run": run, "validate": validate, "plan": plan, "report": report}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
