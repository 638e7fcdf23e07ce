"""Validate one year folder: read, cast, check each file, then check across files.

Returns the accepted typed rows per file, every rejected row with file, row, column, rule,
value, message and the raw row, and one record per source file. Raises ``InputFileError`` for
a problem that makes a whole file unusable (a file the system will not let us read included);
nothing is written in that case. Teacher ids and any national ID number in any cell become
their pseudonyms as soon as a file is read, and so do ID numbers in every message.

The teachers file, the one that grows to millions of rows, is validated in parts after the
others (``_validate_in_parts``), with the same result as the whole file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandera.polars as pa
import polars as pl

from assets.accepted_parts import AcceptedParts
from assets.pseudonym import mask_resident_ids, mask_texts
from assets.reading import (
    ROW,
    InputFileError,
    RawFile,
    empty_file,
    find_year_files,
    normalise_header,
    read_input_file,
    read_input_parts,
    unreadable,
)
from schemas import county_items, cross_file
from schemas.casting import FAILURE_COLUMNS, cast_frame, subject_group
from schemas.contract import INPUT_FILES
from schemas.staging import ROW_COMPARING_RULES, RULE_MESSAGES, schema_for

Pseudonymise = Callable[[pl.Series], pl.Series]

# The one file that grows to millions of rows (ten million teachers in a national year) is
# validated this many rows at a time; no other file's rule reads its rows.
READ_IN_PARTS = "teachers"
PART_ROWS = 500_000

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
    accepted: dict[str, pl.DataFrame | AcceptedParts]  # AcceptedParts: a file of several parts
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


def _own_checks(
    raw: RawFile, schema: pa.DataFrameSchema
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The typed frame, the cells that did not cast, and the schema's failures."""
    typed, cast_failures = cast_frame(raw.frame, raw.spec, raw.factors)
    if raw.spec.name == "county":
        typed, value_failures = county_items.type_values(typed)
        cast_failures = pl.concat([cast_failures, value_failures])
    return typed, cast_failures, _unless_cast_failed(_check(typed, schema), cast_failures)


def _unless_cast_failed(schema_failures: pl.DataFrame, cast_failures: pl.DataFrame):
    # A cell that failed to cast is null now; its "required" failure would say the same twice.
    return schema_failures.join(
        cast_failures.select(ROW, "column_name"), on=[ROW, "column_name"], how="anti"
    )


def _later_failures(
    typed: pl.DataFrame, failures: pl.DataFrame, schema: pa.DataFrameSchema
) -> pl.DataFrame:
    """A cross-file schema's failures among the rows that passed every earlier rule."""
    # Only the columns the rules read: re-filtering all of ten million teacher rows for each
    # rule cost seconds at nation scale.
    frame = typed.select(ROW, *(c for c in cross_file.READS if c in typed.columns))
    return _check(_drop_rows(frame, failures), schema)


def _cross_checks(
    typed: dict[str, pl.DataFrame], failures: dict[str, pl.DataFrame], raws: dict[str, RawFile]
) -> list[pa.DataFrameSchema]:
    """Reference and stage rules, in dependency order, updating ``failures`` in place.

    Returns the rules of the file read in parts (not in ``typed``), in order, for it to apply
    part by part: no other file's rule reads its rows.
    """
    deferred = []

    def accepted(name: str) -> pl.DataFrame:
        return _drop_rows(typed[name], failures[name])

    def add(name: str, schema) -> None:
        if name == READ_IN_PARTS:
            deferred.append(schema)
            return
        failures[name] = pl.concat(
            [failures[name], _later_failures(typed[name], failures[name], schema)]
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
    return deferred


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


def _failing_text(frame: pl.DataFrame, failures: pl.DataFrame, spec) -> pl.DataFrame:
    """The failing rows' school, county and raw text (as JSON), by row number."""
    # Only the failing rows: building JSON for ten million good rows would be wasted work.
    text = _failing_rows(frame, failures)
    columns = [c.name for c in spec.columns]
    county = pl.col("county_code") if "county_code" in columns else pl.lit(None, pl.String)
    return text.select(
        ROW,
        "school_id" if "school_id" in columns else pl.lit(None, pl.String).alias("school_id"),
        county.alias("county_code"),
        pl.struct(columns).struct.json_encode().alias("raw_row"),
    )


def _rejected_rows(
    failures: pl.DataFrame, text: pl.DataFrame, year: int, file_label: str, kind: str
) -> pl.DataFrame:
    return (
        _with_messages(failures)
        .join(text, on=ROW, how="left")
        .select(
            pl.lit(year, pl.Int32).alias("year"),
            pl.lit(file_label).alias("file"),
            pl.lit(kind).alias("file_kind"),
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


def _protect_personal_data(raw: RawFile, pseudonymise: Pseudonymise) -> dict[str, list[int]]:
    """Replace teacher ids, and every national ID number in any other cell, by their keyed
    pseudonyms, as soon as the file is read: no later step, table or message sees one.

    An ID number in a free-text column (a school name, a note) is kept as its pseudonym and the
    row stays; in a code, id or number column the pseudonym then fails that column's rule, so
    the row is rejected, with the pseudonym as its value (README, "Personal data"). Returns the
    rows where ID numbers were found, by column, for ``_id_notices``.
    """
    replaced, found = [], {}
    for col in raw.spec.columns:
        values = raw.frame[col.name]
        if col.pseudonymised:
            replaced.append(pseudonymise(values))
            continue
        masked, positions = mask_resident_ids(values, pseudonymise)
        if positions.len():
            found[col.name] = raw.frame[ROW].gather(positions).to_list()
            replaced.append(masked)
    if replaced:
        raw.frame = raw.frame.with_columns(replaced)
    return found


def _id_notices(path: Path, found: dict[str, list[int]]) -> list[str]:
    notices = []
    for column, rows in found.items():
        shown = ", ".join(map(str, rows[:5])) + (" …" if len(rows) > 5 else "")
        notices.append(
            f"{path}: {len(rows)} cell(s) of column {column} held a national ID "
            f"number (row {shown}); each is kept only as its pseudonym"
        )
    return notices


@contextmanager
def _file_errors(year_dir: Path, pseudonymise: Pseudonymise):
    """An unusable file or folder is an InputFileError whose text holds no national ID number
    in clear (it is printed and logged)."""
    try:
        yield
    except OSError as exc:
        error = unreadable(exc, year_dir)
    except InputFileError as exc:
        error = exc
    else:
        return
    path, problem, fix = mask_texts([error.path, error.problem, error.fix], pseudonymise)
    raise InputFileError(path, problem, fix) from None


def _no_rows(path: Path) -> InputFileError:
    return InputFileError(
        path, "no data rows under the header", "export the file again with its rows"
    )


def _read_all(
    year_dir: Path, pseudonymise: Pseudonymise
) -> tuple[dict[str, RawFile], list[str], list[str], Path | None]:
    """Every contract file of the year (an empty one for a missing optional file) but the one
    read in parts, whose path comes last."""
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
        if spec.name == READ_IN_PARTS:
            continue
        if spec.name in found:
            raw = read_input_file(found[spec.name], spec)
            raw.notices += _id_notices(raw.path, _protect_personal_data(raw, pseudonymise))
            if spec.required and raw.frame.is_empty():
                raise _no_rows(raw.path)
            raws[spec.name] = raw
        else:
            missing.append(spec.name)
            notices.append(
                f"{year_dir}: no {spec.name} file ({spec.alias}); the results that "
                "need it will say incomplete"
            )
            raws[spec.name] = empty_file(year_dir / f"{spec.name}.csv", spec)
    return raws, missing, notices, found[READ_IN_PARTS]


@dataclass
class _PartedFile:
    """A file validated part by part: what the year needs of it once every part is done."""

    raw: RawFile  # its header, encoding, checksum and notices; no rows
    rows_read: int
    failures: pl.DataFrame
    text: pl.DataFrame  # the failing rows' text (``_failing_text``)
    accepted: pl.DataFrame | AcceptedParts
    read_seconds: float


def _validate_in_parts(
    path: Path, spec, year: int, pseudonymise: Pseudonymise, rules: list[pa.DataFrameSchema]
) -> _PartedFile:
    """Validate a file of millions of rows ``PART_ROWS`` at a time, so that only one part's
    text is in memory (a national year's peak: 4.8 → 1.7 GiB), with the whole file's result.

    Every rule but those comparing rows holds for a row whatever its part; the rules comparing
    rows (the ``unique_per_year`` checks) are run again at the end, over every row whose keys
    hash like another's. A row they reject that passed its part is taken out of the accepted
    rows, loses the failures of the later ``rules`` (a whole-file run never applies them to
    it), and its text is read again from the file.
    """
    raw, parts = read_input_parts(path, spec, PART_ROWS)
    schema = schema_for(spec.name, year)
    spanning = _row_comparing(schema)
    key_columns = list(spanning.columns)
    own, later, texts, hashes, failed_keys, found = [], [], [], [], [], {}
    accepted = AcceptedParts(spec.name)
    rows_read, reading, casts = 0, 0.0, []
    while True:
        started = time.perf_counter()
        frame = next(parts, None)
        if frame is None:
            break
        part = replace(raw, frame=frame, notices=[])
        for column, rows in _protect_personal_data(part, pseudonymise).items():
            found.setdefault(column, []).extend(rows)
        reading += time.perf_counter() - started  # as for the other files: read and protected
        typed, cast_failures, schema_failures = _own_checks(part, schema)
        failures = pl.concat([cast_failures, schema_failures])
        own.append(failures)
        casts.append(cast_failures.select(ROW, "column_name"))
        for rule_schema in rules:
            failed = _later_failures(typed, failures, rule_schema)
            later.append(failed)
            failures = pl.concat([failures, failed])
        texts.append(_failing_text(part.frame, failures, spec))
        hashes.append(typed.select(ROW, pl.struct(key_columns).hash().alias("key_hash")))
        failed_keys.append(_failing_rows(typed, failures).select(ROW, *key_columns))
        accepted.add(_accepted_rows(typed, failures, year))
        rows_read += frame.height
    if not rows_read:  # the file read in parts is a required one
        raise _no_rows(path)
    raw.notices += _id_notices(path, found)
    own_failures = pl.concat(own)
    keys = _keys_shared(pl.concat(hashes), accepted, failed_keys, key_columns)
    late = _unless_cast_failed(_check(keys, spanning), pl.concat(casts))
    late = late.filter(pl.col("rule").is_in(ROW_COMPARING_RULES)).join(
        own_failures, on=[ROW, "column_name", "rule"], how="anti"
    )
    late_rows = late[ROW].unique().implode()
    accepted.drop(late[ROW])
    text = pl.concat(texts)
    unread = late.select(ROW).unique().join(text, on=ROW, how="anti")
    if unread.height:
        text = pl.concat([text, _text_read_again(path, spec, unread, pseudonymise)])
    failures = pl.concat(
        [own_failures, late, pl.concat(later).filter(~pl.col(ROW).is_in(late_rows))]
    )
    return _PartedFile(raw, rows_read, failures, text, accepted.result(), reading)


def _keys_shared(
    hashes: pl.DataFrame,
    accepted: AcceptedParts,
    failed_keys: list[pl.DataFrame],
    key_columns: list[str],
) -> pl.DataFrame:
    """ROW and the key columns of the rows whose keys hash like another row's: the only rows
    that can share keys, so the rules comparing rows need see no others (all ten million
    teacher ids at once took 1 GiB more)."""
    # Equal neighbours once sorted: 0.2 s for ten million hashes, ``is_duplicated`` 1.1 s.
    ordered = hashes["key_hash"].sort()
    shared = ordered.filter((ordered == ordered.shift(1)) | (ordered == ordered.shift(-1)))
    alike = hashes.filter(pl.col("key_hash").is_in(shared.unique().implode()))[ROW]
    keys = pl.concat([accepted.rows(alike, key_columns), *failed_keys])
    return keys.filter(pl.col(ROW).is_in(alike.implode())).sort(ROW)


def _row_comparing(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """The schema's columns that have a check comparing rows (uniqueness)."""
    columns = [
        name
        for name, column in schema.columns.items()
        if any(check.name in ROW_COMPARING_RULES for check in column.checks)
    ]
    return schema.select_columns(columns)


def _text_read_again(
    path: Path, spec, rows: pl.DataFrame, pseudonymise: Pseudonymise
) -> pl.DataFrame:
    """The text of ``rows`` (row numbers), read from the file a second time."""
    raw, parts = read_input_parts(path, spec, PART_ROWS)
    wanted, texts = rows[ROW].implode(), []
    for frame in parts:
        part = replace(raw, frame=frame.filter(pl.col(ROW).is_in(wanted)))
        if part.frame.height:
            _protect_personal_data(part, pseudonymise)
            texts.append(_failing_text(part.frame, rows, spec))
    return pl.concat(texts)


def _accepted_rows(typed: pl.DataFrame, failures: pl.DataFrame, year: int) -> pl.DataFrame:
    """The rows without failures, as staging holds them (with ROW still)."""
    frame = _drop_rows(typed, failures)
    if "subject" in frame.columns:  # teachers
        frame = frame.with_columns(subject_group(frame["subject"]).alias("subject_group"))
    return frame.with_columns(pl.lit(year, pl.Int32).alias("year"))


def validate_year(year_dir: Path, year: int, pseudonymise: Pseudonymise) -> ValidatedYear:
    """Validate every file of ``year_dir``; raise InputFileError if a file is unusable."""
    started = time.perf_counter()
    with _file_errors(year_dir, pseudonymise):
        raws, missing, notices, parted_path = _read_all(year_dir, pseudonymise)
    read_seconds = time.perf_counter() - started
    typed, failures = {}, {}
    for name, raw in raws.items():
        typed[name], cast_failures, schema_failures = _own_checks(raw, schema_for(name, year))
        failures[name] = pl.concat([cast_failures, schema_failures])
    rules = _cross_checks(typed, failures, raws)
    with _file_errors(year_dir, pseudonymise):
        parted = _validate_in_parts(
            parted_path, INPUT_FILES[READ_IN_PARTS], year, pseudonymise, rules
        )
    read_seconds += parted.read_seconds

    root = year_dir.parent
    accepted, rejected, sources = {}, [], []
    for name, spec in INPUT_FILES.items():
        if name == READ_IN_PARTS:
            raw, read, failed, text = parted.raw, parted.rows_read, parted.failures, parted.text
            accepted[name] = parted.accepted
        else:
            raw, failed = raws[name], failures[name]
            read, text = raw.frame.height, _failing_text(raw.frame, failed, spec)
            raw.frame = raw.frame.clear()  # the text is no longer needed: free it
            accepted[name] = _accepted_rows(typed.pop(name), failed, year).drop(ROW)
        label = str(raw.path.relative_to(root))
        notices += raw.notices
        rejected.append(_rejected_rows(failed, text, year, label, name))
        if name in missing:
            sources.append(
                _source_record(raw.path, label, name, year, None, "missing", None, None, None)
            )
        else:
            rejected_count = failed.select(ROW).n_unique()
            sources.append(
                _source_record(
                    raw.path,
                    label,
                    name,
                    year,
                    raw.sha256,
                    "loaded",
                    read,
                    rejected_count,
                    raw.encoding,
                )
            )
    total = time.perf_counter() - started
    return ValidatedYear(
        year,
        accepted,
        pl.concat(rejected).cast(REJECTED_COLUMNS),
        pl.DataFrame(sources, schema=SOURCE_COLUMNS),
        mask_texts(notices, pseudonymise),
        {"read": read_seconds, "validate": total - read_seconds},
    )
