"""Find and read one year's input files into text frames with their source row numbers.

Every cell is read as text: codes keep their leading zeros and casting happens later, cell by
cell, so a bad cell becomes a rejected row instead of a silent null. CSV is decoded as UTF-8
(BOM stripped) first, then GB18030 (a superset of GBK); never the reverse, never lossy.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from assets.system_errors import reading_problem
from schemas.contract import INPUT_FILES, InputFile

ROW = "__row"  # the row number a user sees in the file (1-based, header and title rows counted)
HEADER_SEARCH_ROWS = 30
HEAD_BYTES = 1 << 20  # where the header is looked for in a CSV
# A guard against a wrong or runaway file, not a capacity limit: the national teachers file
# is about 1 GB.
MAX_FILE_ENV = "JUNHENG_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = "4096"
SUFFIXES = (".csv", ".xlsx")


class InputFileError(Exception):
    """A whole file cannot be used. The message names the file, the problem and the fix."""

    def __init__(self, path: Path | str, problem: str, fix: str):
        self.path, self.problem, self.fix = str(path), problem, fix
        super().__init__(f"{path}: {problem}. Fix: {fix}")


def unreadable(exc: OSError, fallback: Path) -> InputFileError:
    """An input file or folder the system would not let us read, said as what to do."""
    path = Path(exc.filename) if exc.filename else fallback
    return InputFileError(path, *reading_problem(exc, path))


@dataclass
class RawFile:
    spec: InputFile
    path: Path
    sha256: str
    frame: pl.DataFrame  # one text column per contract column, plus ROW
    header_row: int
    encoding: str
    notices: list[str] = field(default_factory=list)
    # Columns given in another unit (万元) and the factor that turns them into the contract's.
    factors: dict[str, float] = field(default_factory=dict)


def normalise_header(text: object) -> str:
    """Fold full-width characters, case and all whitespace: '在校\\n生数 ' → '在校生数'."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).lower().split())


def find_year_files(year_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """Map each contract file name to its path in ``year_dir``; notices for unknown files."""
    by_stem = {}
    for spec in INPUT_FILES.values():
        by_stem[normalise_header(spec.name)] = spec.name
        by_stem[normalise_header(spec.alias)] = spec.name
    found: dict[str, Path] = {}
    notices = []
    for path in sorted(year_dir.iterdir()):
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue
        name = by_stem.get(normalise_header(path.stem))
        if name is None or path.suffix.lower() not in SUFFIXES:
            notices.append(f"{path}: not an input file of the contract; ignored")
            continue
        if not path.resolve().is_relative_to(year_dir.resolve()):
            raise InputFileError(
                path,
                "is a link to a file outside the year folder",
                "copy the file itself into the year folder",
            )
        if name in found:
            raise InputFileError(
                path,
                f"a second file for '{name}' (also {found[name].name})",
                "keep exactly one file per kind in the year folder",
            )
        found[name] = path
    return found, notices


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def decode_csv(data: bytes, path: Path, cut: bool = False) -> tuple[str, str]:
    """UTF-8 (BOM stripped) first, then GB18030; a file mixing both is refused.

    ``cut``: ``data`` is only the start of the file, so its last line may be incomplete."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], "-sig"
    else:
        bom = ""
    try:
        return data.decode("utf-8"), "utf-8" + bom
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" or (cut and exc.start >= len(data) - 3):
            # Cut in the middle of a character: a truncated UTF-8 file, not GB18030. The
            # broken last row is kept short, so validation rejects it.
            return data[: exc.start].decode("utf-8"), "utf-8" + bom
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        if cut and exc.start >= len(data) - 4:
            return data[: exc.start].decode("gb18030"), "gb18030"
        raise InputFileError(
            path,
            f"neither UTF-8 nor GB18030/GBK text (bad byte at offset {exc.start})",
            "save the file as CSV UTF-8 (or as .xlsx) from Excel or WPS",
        ) from None
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.isascii() and _is_utf8(line):
            raise InputFileError(
                path,
                f"mixes encodings: line {number} is UTF-8, other lines are GB18030/GBK",
                "save the whole file again as CSV UTF-8 from Excel or WPS",
            )
    return text, "gb18030"


_CJK = re.compile("[\u4e00-\u9fff]")
_TWO_BYTE = re.compile("[\u0080-\u07ff]")


def _is_utf8(line: bytes) -> bool:
    """A line that is Chinese text in UTF-8. GBK pairs often decode as UTF-8 too, but only into
    two-byte characters (Cyrillic, Greek …); real UTF-8 Chinese is three-byte ideographs."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(_CJK.search(text)) and not _TWO_BYTE.search(text)


def _header_score(cells: list[object], spec: InputFile) -> int:
    known = {normalise_header(h) for h in _accepted_headers(spec)}
    return sum(1 for cell in cells if normalise_header(cell) in known)


def _accepted_headers(spec: InputFile) -> dict[str, tuple[str, float]]:
    """Every accepted header spelling → (column name, factor to the column's unit)."""
    headers: dict[str, tuple[str, float]] = {}
    for col in spec.columns:
        headers[normalise_header(col.name)] = (col.name, 1.0)
        headers[normalise_header(col.alias)] = (col.name, 1.0)
        for header, factor in col.scaled_headers.items():
            headers[normalise_header(header)] = (col.name, factor)
    return headers


def _find_header(rows: list[list[object]], spec: InputFile, path: Path, first_row: int = 1) -> int:
    """Index in ``rows`` of the header row; ``first_row`` is the file's number of ``rows[0]``."""
    needed = min(2, len(spec.columns))
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if _header_score(cells, spec) >= needed:
            below = rows[index + 1] if index + 1 < len(rows) else []
            if _header_score(cells, spec) < len(spec.columns) and _header_score(below, spec) >= 2:
                raise InputFileError(
                    path,
                    f"the header spans two rows (row {first_row + index} and row "
                    f"{first_row + index + 1})",
                    "put every column name on one header row (unmerge the header cells)",
                )
            return index
    expected = ", ".join(f"{c.name} ({c.alias})" for c in spec.columns)
    raise InputFileError(
        path,
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows",
        f"put a header row naming the columns: {expected}",
    )


def _map_columns(
    header: list[object], spec: InputFile, path: Path
) -> tuple[dict[int, str], dict[str, float], list[str]]:
    accepted = _accepted_headers(spec)
    positions: dict[int, str] = {}
    factors: dict[str, float] = {}
    ignored = []
    for index, cell in enumerate(header):
        key = normalise_header(cell)
        if key in accepted:
            name, factor = accepted[key]
            if name in factors:
                raise InputFileError(
                    path,
                    f"column '{name}' appears twice in the header ('{cell}')",
                    "delete or rename one of the two columns",
                )
            positions[index] = name
            factors[name] = factor
        elif key:
            ignored.append(str(cell).strip())
    missing = [c for c in spec.columns if c.name not in factors]
    if missing:
        names = ", ".join(f"{c.name} ({c.alias})" for c in missing)
        raise InputFileError(
            path,
            f"missing required column(s): {names}",
            "add the column(s) with one of these headers",
        )
    notices = (
        [f"{path}: column(s) not in the contract ignored: {', '.join(ignored)}"] if ignored else []
    )
    return positions, factors, notices


def _frame_from_rows(
    rows: pl.DataFrame, positions: dict[int, str], first_row: int, spec: InputFile
) -> pl.DataFrame:
    """Select and rename the contract columns, number the rows, drop blank lines (one pass).

    Ids and free text are stripped here; codes and numbers are stripped when they are cast,
    once per distinct value, which spares ten million strips per column at national scale.
    """
    columns = rows.columns
    kinds = {c.name: c.kind for c in spec.columns}

    def cell(i: int, name: str) -> pl.Expr:
        if i >= len(columns):
            return pl.lit(None, pl.String).alias(name)
        value = pl.col(columns[i])
        if kinds[name] in ("id", "text"):
            value = value.str.strip_chars()
        return pl.when(value != "").then(value).alias(name)

    # Blank lines (every cell empty) are dropped; the row numbers keep counting them.
    blank = pl.all_horizontal(pl.col(c).is_null() for c in positions.values())
    return (
        rows.lazy()
        .select([cell(i, name) for i, name in positions.items()])
        .with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + first_row).alias(ROW))
        .filter(~blank)
        .collect()
    )


def _head_rows(text: str, path: Path) -> list[list[str]]:
    """The first rows, parsed as CSV, for the header search."""
    csv.field_size_limit(1 << 30)  # a pasted blob in an ignored column must not stop the read
    try:
        return list(csv.reader(io.StringIO("\n".join(text.splitlines()[:HEADER_SEARCH_ROWS]))))
    except csv.Error as exc:
        raise InputFileError(
            path, f"not readable as CSV ({exc})", "export the sheet again as CSV (comma-separated)"
        ) from None


def _refuse_other_separators(head: list[list[str]], spec: InputFile, path: Path) -> None:
    for cells in head:
        line = ",".join(cells)
        for name, separator in (("tab", "\t"), ("semicolon", ";")):
            if _header_score(line.split(separator), spec) >= 2:
                raise InputFileError(
                    path,
                    f"columns are separated by {name}s, not commas",
                    "save the file as comma-separated CSV (CSV UTF-8), or as .xlsx",
                )


_LONE_CR = re.compile(rb"\r(?!\n)")


def _text_schema(width: int) -> dict[str, pl.DataType]:
    return {f"c{i}": pl.String for i in range(width)}


def _polars_csv(source, width: int, skip: int) -> pl.DataFrame:
    # The header's width fixes the column count: a short first data row must not drop a
    # column for every row.
    return pl.read_csv(
        source,
        has_header=False,
        skip_rows=skip,
        schema=_text_schema(width),
        missing_columns="insert",
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )


@dataclass
class _CsvLayout:
    """Where a CSV's rows start and which of its columns are the contract's."""

    header_index: int  # 0-based line of the header
    width: int  # cells in the header: it fixes the column count of every row
    positions: dict[int, str]
    factors: dict[str, float]
    notices: list[str]
    encoding: str
    lone_cr: bool

    @property
    def first_row(self) -> int:
        return self.header_index + 2  # the file's (1-based) number of the first data row


def _csv_layout(path: Path, spec: InputFile) -> _CsvLayout:
    """Find the header in the first megabyte."""
    with path.open("rb") as handle:
        head_bytes = handle.read(HEAD_BYTES)
    head_text, encoding = decode_csv(head_bytes, path, cut=len(head_bytes) == HEAD_BYTES)
    head = _head_rows(head_text, path)
    try:
        header_index = _find_header(head, spec, path)
    except InputFileError:
        _refuse_other_separators(head, spec, path)
        raise
    header = head[header_index]
    positions, factors, notices = _map_columns(header, spec, path)
    # polars ends lines at LF only: a file whose lines end in CR alone (classic Mac OS, some
    # county systems) would be one long header line with no rows under it.
    lone_cr = _LONE_CR.search(head_bytes) is not None
    return _CsvLayout(header_index, len(header), positions, factors, notices, encoding, lone_cr)


def _not_csv(exc: pl.exceptions.PolarsError, path: Path) -> InputFileError:
    first_line = str(exc).strip().splitlines()[0]
    return InputFileError(
        path,
        f"not readable as CSV ({first_line})",
        "export the sheet again as CSV; check for an unclosed quote",
    )


def read_csv(path: Path, spec: InputFile) -> RawFile:
    """Find the header in the first megabyte; then let polars read the file itself.

    UTF-8 files (the common case, and the large ones) are read by polars straight from disk,
    which checks the UTF-8 as it goes; only a file that is not UTF-8 is decoded in Python.
    """
    layout = _csv_layout(path, spec)
    width, skip = layout.width, layout.header_index + 1
    encoding = layout.encoding
    try:
        try:
            if not encoding.startswith("utf-8") or layout.lone_cr:
                raise UnicodeError
            rows = _polars_csv(path, width, skip)
        except (UnicodeError, pl.exceptions.ComputeError) as exc:
            if not isinstance(exc, UnicodeError) and "utf-8" not in str(exc):
                raise
            text, encoding = decode_csv(path.read_bytes(), path)
            data = text.encode("utf-8")
            if layout.lone_cr:
                data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            rows = _polars_csv(io.BytesIO(data), width, skip)
    except pl.exceptions.PolarsError as exc:
        raise _not_csv(exc, path) from None
    frame = _frame_from_rows(rows, layout.positions, layout.first_row, spec)
    raw = RawFile(spec, path, "", frame, layout.header_index + 1, encoding, layout.notices)
    return _scaled(raw, layout.factors)


def _sha256_and_utf8(path: Path) -> tuple[str, bool]:
    """The file's checksum, and whether all of it is UTF-8 (one pass over the bytes)."""
    digest, decoder, utf8 = hashlib.sha256(), codecs.getincrementaldecoder("utf-8")(), True
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            if utf8 and (not chunk.isascii() or decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return digest.hexdigest(), utf8


def read_input_parts(
    path: Path, spec: InputFile, rows: int
) -> tuple[RawFile, Iterator[pl.DataFrame]]:
    """The file as ``read_input_file`` reads it, but its rows in consecutive parts of about
    ``rows`` rows (row numbers as in the whole file); the RawFile's own frame is empty.

    A UTF-8 CSV is streamed from disk, so only one part's text is in memory at a time; an .xlsx,
    or a CSV in another encoding or with CR line ends, is read whole and then cut.
    """
    _check_size(path)
    if path.suffix.lower() == ".csv":
        layout = _csv_layout(path, spec)
        sha256, utf8 = _sha256_and_utf8(path)
        if utf8 and layout.encoding.startswith("utf-8") and not layout.lone_cr:
            raw = RawFile(
                spec,
                path,
                sha256,
                empty_file(path, spec).frame,
                layout.header_index + 1,
                layout.encoding,
                layout.notices,
            )
            return _scaled(raw, layout.factors), _streamed_csv(path, spec, layout, rows)
    raw = read_input_file(path, spec)
    whole, raw.frame = raw.frame, raw.frame.clear()
    return raw, whole.iter_slices(rows)


def _streamed_csv(
    path: Path, spec: InputFile, layout: _CsvLayout, rows: int
) -> Iterator[pl.DataFrame]:
    scan = pl.scan_csv(
        path,
        has_header=False,
        skip_rows=layout.header_index + 1,
        schema=_text_schema(layout.width),
        missing_columns="insert",
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )
    first_row = layout.first_row
    try:
        for part in scan.collect_batches(chunk_size=rows):
            yield _frame_from_rows(part, layout.positions, first_row, spec)
            first_row += part.height
    except pl.exceptions.PolarsError as exc:
        raise _not_csv(exc, path) from None


def _not_an_xlsx(path: Path, exc: Exception) -> InputFileError:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputFileError(
        path,
        f"not readable as .xlsx ({first_line})",
        "open it in Excel or WPS and save it again as .xlsx",
    )


def _sheet_rows(reader, name: str, path: Path) -> tuple[object, pl.DataFrame]:
    """The sheet and its cells as text; row i of the frame is Excel row i + 1 (skip_rows=0
    keeps the empty rows above the data, which calamine would otherwise drop)."""
    try:
        sheet = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
        return sheet, sheet.to_polars()
    except Exception as exc:  # calamine reports a broken part with its own error types
        raise _not_an_xlsx(path, exc) from None


def read_xlsx(path: Path, spec: InputFile) -> RawFile:
    """Read a workbook in this process. The pipeline calls ``assets.xlsx_worker.read_xlsx``,
    which runs this in a child process: a crafted workbook can abort the process reading it."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        sheet_names = reader.sheet_names
    except Exception as exc:  # fastexcel raises its own error types for every broken file
        raise _not_an_xlsx(path, exc) from None
    problems, fix = [], "put the data on a visible sheet under a header naming: "
    for sheet_name in sheet_names:
        sheet, rows = _sheet_rows(reader, sheet_name, path)
        filled = rows.select(pl.any_horizontal(pl.all().is_not_null())).to_series().arg_true()
        first = filled[0] if filled.len() else 0  # the header search starts at the first cell
        head = [list(r) for r in rows.slice(first, HEADER_SEARCH_ROWS).iter_rows()]
        try:
            header_index = first + _find_header(head, spec, path, first + 1)
        except InputFileError as exc:
            if sheet.visible == "visible":
                problems.append(f"sheet '{sheet_name}': {exc.problem}")
            continue
        if sheet.visible != "visible":
            # Hidden sheets are never read (what is hidden was not meant to be reported).
            problems.insert(0, f"the data is on the hidden sheet '{sheet_name}'")
            fix = "unhide that sheet (or copy its data to a visible sheet); the header names: "
            continue
        header = list(rows.row(header_index))
        positions, factors, notices = _map_columns(header, spec, path)
        data = rows.slice(header_index + 1)
        frame = _frame_from_rows(data, positions, header_index + 2, spec)
        raw = RawFile(spec, path, "", frame, header_index + 1, "xlsx", notices)
        return _scaled(raw, factors)
    if not sheet_names:
        raise InputFileError(
            path,
            "the workbook has no sheet (the file is damaged, or not a real .xlsx)",
            "open it in Excel or WPS and save it again as .xlsx",
        )
    expected = ", ".join(f"{c.name} ({c.alias})" for c in spec.columns)
    raise InputFileError(path, "; ".join(problems) or "no visible sheet", fix + expected)


def _scaled(raw: RawFile, factors: dict[str, float]) -> RawFile:
    raw.factors = {name: f for name, f in factors.items() if f != 1.0}
    raw.notices += [
        f"{raw.path}: '{name}' is given in 万元; converted to yuan (×{f:g})"
        for name, f in raw.factors.items()
    ]
    return raw


def empty_file(path: Path, spec: InputFile) -> RawFile:
    """Stands for a missing optional file: no rows, so its year's old rows are replaced."""
    frame = pl.DataFrame(schema={**{c.name: pl.String for c in spec.columns}, ROW: pl.Int64})
    return RawFile(spec, path, "", frame, 0, "")


def max_file_bytes() -> int:
    return int(float(os.environ.get(MAX_FILE_ENV, DEFAULT_MAX_FILE_MB)) * 1024 * 1024)


def read_input_file(path: Path, spec: InputFile) -> RawFile:
    _check_size(path)
    if path.suffix.lower() == ".xlsx":
        from assets import xlsx_worker  # it imports this module: imported here, not at the top

        raw = xlsx_worker.read_xlsx(path, spec)
    else:
        raw = read_csv(path, spec)
    raw.sha256 = sha256_of(path)
    return raw


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(path, "the file is empty", "export the data again")
    if size > max_file_bytes():
        limit = os.environ.get(MAX_FILE_ENV, DEFAULT_MAX_FILE_MB)
        raise InputFileError(
            path,
            f"the file has {size / 2**20:.0f} MB, over the limit of {limit} MB",
            f"check it is the right file; to read it anyway raise {MAX_FILE_ENV}",
        )
