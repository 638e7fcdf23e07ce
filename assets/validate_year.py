"""Validate one year folder: read, cast, check each file, then check across files.

Returns the accepted typed rows per file, every rejected row with file, row, column, rule,
value, message and the raw row, and one record per source file. Raises ``InputFileError`` for
a problem that makes a whole file unusable (a file the system will not let us read included);
nothing is written in that case. Teacher ids and any national ID number in any cell become
their pseudonyms as soon as a file is read, and so do ID numbers in every message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandera.polars as pa
import polars as pl

from assets.pseudonym import mask_resident_ids, mask_texts
from assets.reading import (
    ROW,
    InputFileError,
    RawFile,
    empty_file,
    find_year_files,
    normalise_header,
    read_input_file,
    unreadable,
)
from schemas import county_items, cross_file
from schemas.casting import FAILURE_COLUMNS, cast_frame, subject_group
from schemas.contract import INPUT_FILES
from schemas.staging import RULE_MESSAGES, schema_for

Pseudonymise = Callable[[pl.Series], pl.Series]

REJECTED_COLUMNS = {
    "year": pl.Int32,
    "file": pl.String,
    "file_kind": pl.String,
    "row_number": pl.Int64,
    "column_name": pl.String,
    "rule": pl.String,
    "value": pl.String,
    "message": pl.String,
    "school_id": pl.String,
    "county_code": pl.String,
    "raw_row": pl.String,
}

SOURCE_COLUMNS = {
    "year": pl.Int32,
    "file": pl.String,
    "file_kind": pl.String,
    "path": pl.String,
    "sha256": pl.String,
    "status": pl.String,
    "encoding": pl.String,
    "rows_read": pl.Int64,
    "rows_accepted": pl.Int64,
    "rows_rejected": pl.Int64,
    "ingested_at": pl.Datetime("us"),
}


@dataclass
class ValidatedYear:
    year: int
    accepted: dict[str, pl.DataFrame]
    rejected: pl.DataFrame
    sources: pl.DataFrame
    notices: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # read, validate

    @property
    def rejected_count(self) -> int:
        return self.rejected.select("file", "row_number").unique().height


def _pandera_failures(frame: pl.DataFrame, schema: pa.DataFrameSchema) -> pl.DataFrame:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.filter(pl.col("index").is_not_null())
        rows = frame[ROW].gather(cases["index"].cast(pl.Int64))
        return pl.DataFrame(
            {
                ROW: rows,
                "column_name": cases["column"],
                "rule": cases["check"].replace({"not_nullable": "required"}),
                "value": cases["failure_case"].cast(pl.String),
                "message": pl.Series([None] * cases.height, dtype=pl.String),
            }
        )
    return pl.DataFrame(schema=FAILURE_COLUMNS)


def _with_messages(failures: pl.DataFrame) -> pl.DataFrame:
    def message(row: dict) -> str:
        template = RULE_MESSAGES.get(row["rule"], "{column}: check {rule} failed for '{value}'")
        return template.format(column=row["column_name"], value=row["value"], rule=row["rule"])

    return failures.with_columns(
        pl.when(pl.col("message").is_null())
        .then(
            pl.struct("rule", "column_name", "value").map_elements(message, return_dtype=pl.String)
        )
        .otherwise(pl.col("message"))
        .alias("message")
    )


def _check(typed: pl.DataFrame, schema: pa.DataFrameSchema) -> pl.DataFrame:
    return (
        _pandera_failures(typed, schema) if typed.height else pl.DataFrame(schema=FAILURE_COLUMNS)
    )


def _positions(frame: pl.DataFrame, failures: pl.DataFrame) -> pl.Series:
    """Where in ``frame`` the rows named in ``failures`` are.

    A frame's row numbers ascend (numbered in file order, then only ever filtered), so a binary
    search finds each of a few thousand failing rows among ten million; a predicate over the
    row numbers (``is_in``) cost 1.5 s and 1.8 GiB on the national teachers file.
    """
    numbers = frame[ROW]
    if not numbers.is_sorted():
        raise AssertionError(f"row numbers out of order in a frame of {frame.height} rows")
    wanted = failures[ROW].unique().sort()
    at = numbers.search_sorted(wanted, side="left")
    inside = at < frame.height
    at, wanted = at.filter(inside), wanted.filter(inside)
    return at.filter(numbers.gather(at) == wanted)


def _failing_rows(frame: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    return frame[_positions(frame, failures)] if failures.height else frame.clear()


def _drop_rows(frame: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    if not failures.height:
        return frame
    keep = np.ones(frame.height, dtype=bool)
    keep[_positions(frame, failures).to_numpy()] = False
    return frame.filter(pl.Series(keep))


def _own_checks(raw: RawFile, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    typed, cast_failures = cast_frame(raw.frame, raw.spec, raw.factors)
    if raw.spec.name == "county":
        typed, value_failures = county_items.type_values(typed)
        cast_failures = pl.concat([cast_failures, value_failures])
    schema_failures = _check(typed, schema_for(raw.spec.name, year))
    # A cell that failed to cast is null now; its "required" failure would say the same twice.
    schema_failures = schema_failures.join(
        cast_failures.select(ROW, "column_name"), on=[ROW, "column_name"], how="anti"
    )
    return typed, pl.concat([cast_failures, schema_failures])


def _cross_checks(
    typed: dict[str, pl.DataFrame], failures: dict[str, pl.DataFrame], raws: dict[str, RawFile]
) -> None:
    """Reference and stage rules, in dependency order, updating ``failures`` in place."""

    def accepted(name: str) -> pl.DataFrame:
        return _drop_rows(typed[name], failures[name])

    def add(name: str, schema) -> None:
        # Only the columns the rules read: re-filtering all of ten million teacher rows for
        # each rule cost seconds at nation scale.
        frame = typed[name]
        frame = frame.select(ROW, *(c for c in cross_file.READS if c in frame.columns))
        failures[name] = pl.concat(
            [failures[name], _check(_drop_rows(frame, failures[name]), schema)]
        )

    schools = accepted("schools")
    rejected_ids = raws["schools"].frame.join(schools.select(ROW), on=ROW, how="anti")["school_id"]
    refs = cross_file.references_schema(schools["school_id"], rejected_ids.drop_nulls())
    for name in ("enrollment", "teachers", "facilities", "rooms", "finance", "plan"):
        add(name, refs)
    add("county", cross_file.county_schema(raws["schools"].frame["county_code"].drop_nulls()))
    add(
        "enrollment",
        cross_file.stage_schema(
            cross_file.allowed_stage_pairs(schools), "stage_not_allowed_for_type"
        ),
    )
    enrolled = accepted("enrollment").select("school_id", "stage").unique()
    add("teachers", cross_file.stage_schema(enrolled, "stage_not_in_school"))
    add("plan", cross_file.stage_schema(enrolled, "stage_not_in_school", optional=True))
    no_enrollment = schools.join(enrolled, on="school_id", how="anti")
    _add_rows(failures, "schools", no_enrollment, "school_id", "no_enrollment")
    moves = cross_file.unbalanced_moves(accepted("plan"), schools)
    _add_rows(
        failures,
        "plan",
        moves.with_columns(pl.col("amount").cast(pl.String)),
        "amount",
        "move_unbalanced",
    )


def _add_rows(
    failures: dict[str, pl.DataFrame], name: str, rows: pl.DataFrame, column: str, rule: str
) -> None:
    """Record ``rows`` of file ``name`` as failing ``rule`` on ``column``."""
    failures[name] = pl.concat(
        [
            failures[name],
            rows.select(
                pl.col(ROW),
                pl.lit(column).alias("column_name"),
                pl.lit(rule).alias("rule"),
                pl.col(column).alias("value"),
                pl.lit(None, pl.String).alias("message"),
            ),
        ]
    )


def _rejected_rows(
    raw: RawFile, failures: pl.DataFrame, year: int, file_label: str
) -> pl.DataFrame:
    # Only the failing rows: building JSON for ten million good rows would be wasted work.
    text = _failing_rows(raw.frame, failures)
    columns = [c.name for c in raw.spec.columns]
    county = pl.col("county_code") if "county_code" in columns else pl.lit(None, pl.String)
    details = text.select(
        ROW,
        "school_id" if "school_id" in columns else pl.lit(None, pl.String).alias("school_id"),
        county.alias("county_code"),
        pl.struct(columns).struct.json_encode().alias("raw_row"),
    )
    return (
        _with_messages(failures)
        .join(details, on=ROW, how="left")
        .select(
            pl.lit(year, pl.Int32).alias("year"),
            pl.lit(file_label).alias("file"),
            pl.lit(raw.spec.name).alias("file_kind"),
            pl.col(ROW).alias("row_number"),
            "column_name",
            "rule",
            "value",
            "message",
            "school_id",
            "county_code",
            "raw_row",
        )
        .sort("row_number", "column_name", "rule")
    )


def _source_record(
    path: Path,
    label: str,
    kind: str,
    year: int,
    sha256: str,
    status: str,
    read: int | None,
    rejected: int | None,
    encoding: str | None,
) -> dict:
    return {
        "year": year,
        "file": label,
        "file_kind": kind,
        "path": str(path.resolve()),
        "sha256": sha256,
        "status": status,
        "encoding": encoding,
        "rows_read": read,
        "rows_accepted": None if read is None else read - rejected,
        "rows_rejected": rejected,
        "ingested_at": datetime.now(UTC).replace(tzinfo=None),
    }


def _protect_personal_data(raw: RawFile, pseudonymise: Pseudonymise) -> None:
    """Replace teacher ids, and every national ID number in any other cell, by their keyed
    pseudonyms, as soon as the file is read: no later step, table or message sees one.

    An ID number in a free-text column (a school name, a note) is kept as its pseudonym and the
    row stays; in a code, id or number column the pseudonym then fails that column's rule, so
    the row is rejected, with the pseudonym as its value (README, "Personal data").
    """
    replaced = []
    for col in raw.spec.columns:
        values = raw.frame[col.name]
        if col.pseudonymised:
            replaced.append(pseudonymise(values))
            continue
        masked, positions = mask_resident_ids(values, pseudonymise)
        if positions.len():
            rows = raw.frame[ROW].gather(positions).to_list()
            shown = ", ".join(map(str, rows[:5])) + (" …" if len(rows) > 5 else "")
            raw.notices.append(
                f"{raw.path}: {len(rows)} cell(s) of column {col.name} held a national ID "
                f"number (row {shown}); each is kept only as its pseudonym"
            )
            replaced.append(masked)
    if replaced:
        raw.frame = raw.frame.with_columns(replaced)


def _read_year(year_dir: Path, pseudonymise: Pseudonymise):
    """``_read_all``; an unusable file or folder is an InputFileError whose text holds no
    national ID number in clear (it is printed and logged)."""
    try:
        return _read_all(year_dir, pseudonymise)
    except OSError as exc:
        error = unreadable(exc, year_dir)
    except InputFileError as exc:
        error = exc
    path, problem, fix = mask_texts([error.path, error.problem, error.fix], pseudonymise)
    raise InputFileError(path, problem, fix) from None


def _read_all(
    year_dir: Path, pseudonymise: Pseudonymise
) -> tuple[dict[str, RawFile], list[str], list[str]]:
    """Every contract file of the year (an empty one for a missing optional file)."""
    found, notices = find_year_files(year_dir)
    missing_required = [s for s in INPUT_FILES.values() if s.required and s.name not in found]
    if missing_required:
        names = "; ".join(f"{s.name}.csv/.xlsx or {s.alias}.csv/.xlsx" for s in missing_required)
        stems = {normalise_header(n) for s in missing_required for n in (s.name, s.alias)}
        other = [p.name for p in sorted(year_dir.iterdir()) if normalise_header(p.stem) in stems]
        found_note = f" (found {', '.join(other)}: not .csv or .xlsx)" if other else ""
        raise InputFileError(
            year_dir,
            f"required file(s) missing: {names}{found_note}",
            "add the file(s) to the year folder"
            + (
                "; save an Excel 97-2003 (.xls) or other file as .xlsx or CSV UTF-8"
                if other
                else ""
            ),
        )
    raws, missing = {}, []
    for spec in INPUT_FILES.values():
        if spec.name in found:
            raws[spec.name] = read_input_file(found[spec.name], spec)
            _protect_personal_data(raws[spec.name], pseudonymise)
            if spec.required and raws[spec.name].frame.is_empty():
                raise InputFileError(
                    found[spec.name],
                    "no data rows under the header",
                    "export the file again with its rows",
                )
        else:
            missing.append(spec.name)
            notices.append(
                f"{year_dir}: no {spec.name} file ({spec.alias}); the results that "
                "need it will say incomplete"
            )
            raws[spec.name] = empty_file(year_dir / f"{spec.name}.csv", spec)
    return raws, missing, notices


def validate_year(year_dir: Path, year: int, pseudonymise: Pseudonymise) -> ValidatedYear:
    """Validate every file of ``year_dir``; raise InputFileError if a file is unusable."""
    started = time.perf_counter()
    raws, missing, notices = _read_year(year_dir, pseudonymise)
    read_done = time.perf_counter()
    typed, failures = {}, {}
    for name, raw in raws.items():
        typed[name], failures[name] = _own_checks(raw, year)
    _cross_checks(typed, failures, raws)

    root = year_dir.parent
    accepted, rejected, sources = {}, [], []
    for name, raw in raws.items():
        label = str(raw.path.relative_to(root))
        notices += raw.notices
        rejected.append(_rejected_rows(raw, failures[name], year, label))
        if name in missing:
            sources.append(
                _source_record(raw.path, label, name, year, None, "missing", None, None, None)
            )
        else:
            read = raw.frame.height
            sources.append(
                _source_record(
                    raw.path,
                    label,
                    name,
                    year,
                    raw.sha256,
                    "loaded",
                    read,
                    failures[name].select(ROW).n_unique(),
                    raw.encoding,
                )
            )
        raw.frame = raw.frame.clear()  # the text is no longer needed: free it before the copy
    for name in raws:
        frame = _drop_rows(typed.pop(name), failures[name]).drop(ROW)
        if name == "teachers":
            frame = frame.with_columns(subject_group(frame["subject"]).alias("subject_group"))
        accepted[name] = frame.with_columns(pl.lit(year, pl.Int32).alias("year"))
    return ValidatedYear(
        year,
        accepted,
        pl.concat(rejected).cast(REJECTED_COLUMNS),
        pl.DataFrame(sources, schema=SOURCE_COLUMNS),
        mask_texts(notices, pseudonymise),
        {"read": read_done - started, "validate": time.perf_counter() - read_done},
    )
