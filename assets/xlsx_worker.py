"""Read .xlsx files in a child process with a memory limit: no workbook can abort the run.

calamine, the Rust reader under fastexcel, allocates a sheet's whole used range at once: one
stray cell at XFD1048576 asks for 512 GiB, and a failed allocation in Rust aborts the process
(exit 134) with no exception to catch, leaving the run's build copy behind. A shared-string
count of four billion, or a cell of a gigabyte, does the same. So ``read_xlsx`` runs the reader
(``assets.reading.read_xlsx``) in a child, ``python -m assets.xlsx_worker``, whose address
space is limited to ``JUNHENG_XLSX_MEMORY_MB``, and turns whatever happens to the child into an
``InputFileError`` naming the file. The child costs a start of Python with polars (about 0.3 s
per workbook); the frame comes back as Arrow IPC through a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import polars as pl

from assets.reading import InputFileError, RawFile
from assets.reading import read_xlsx as read_xlsx_here
from schemas.contract import INPUT_FILES, InputFile

MEMORY_ENV = "JUNHENG_XLSX_MEMORY_MB"
DEFAULT_MEMORY_MB = "4096"  # a sheet of a million rows and a dozen columns needs about 2.5 GB
TIMEOUT_SECONDS = 600  # a decompression bomb that fits in memory still must end
PROJECT_DIR = Path(__file__).resolve().parent.parent
FRAME, ANSWER = "frame.arrow", "answer.json"
MANY_CELLS = 50_000_000  # a used range this large is not a district's data


def memory_limit_mb() -> int:
    return int(float(os.environ.get(MEMORY_ENV, DEFAULT_MEMORY_MB)))


def read_xlsx(path: Path, spec: InputFile, timeout: float = TIMEOUT_SECONDS) -> RawFile:
    """Read ``path`` in a child process; any failure is an InputFileError naming the file."""
    path.open("rb").close()  # an unreadable file is an OSError here, said as such by the caller
    paths = [str(PROJECT_DIR), os.environ.get("PYTHONPATH")]
    environment = os.environ | {
        "PYTHONPATH": os.pathsep.join(filter(None, paths)),
        # The limit is on address space: one thread pool and one malloc arena keep what is
        # reserved close to what is used (13 threads reserve a gigabyte they never touch).
        "POLARS_MAX_THREADS": "1",
        "MALLOC_ARENA_MAX": "1",
    }
    with tempfile.TemporaryDirectory(prefix="junheng-xlsx-") as out:
        command = [sys.executable, "-m", "assets.xlsx_worker", str(path), spec.name, out]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                env=environment,
            )
        except subprocess.TimeoutExpired:
            raise InputFileError(
                path,
                f"reading it took longer than {timeout:.0f} s; the workbook is far larger than "
                "its data or damaged",
                "open it in Excel or WPS and save the sheet as CSV UTF-8, and use that file",
            ) from None
        if not (Path(out) / ANSWER).exists():
            raise _child_failed(path, done)
        answer = json.loads((Path(out) / ANSWER).read_text(encoding="utf-8"))
        if "problem" in answer:
            raise InputFileError(path, answer["problem"], answer["fix"])
        frame = pl.read_ipc((Path(out) / FRAME).read_bytes())  # in memory: the folder goes
    raw = RawFile(spec, path, "", frame, answer["header_row"], "xlsx", answer["notices"])
    raw.factors = answer["factors"]
    return raw


def _child_failed(path: Path, done: subprocess.CompletedProcess) -> InputFileError:
    """What the child's death says about the workbook."""
    asked = re.search(r"memory allocation of (\d+) bytes failed", done.stderr)
    out_of_memory = (
        asked is not None
        or "MemoryError" in done.stderr
        or done.returncode in (-signal.SIGKILL, -signal.SIGABRT, 128 + signal.SIGABRT)
    )
    if not out_of_memory:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return InputFileError(
            path,
            f"not readable as .xlsx (the reader stopped: {last[:300]})",
            "open it in Excel or WPS and save it again as .xlsx, or as CSV UTF-8",
        )
    limit = memory_limit_mb()
    problem = f"reading it needs more memory than the {limit} MB allowed for one workbook"
    if asked and int(asked.group(1)) >= limit << 20:
        problem += f" (it asked for {int(asked.group(1)) / 2**20:,.0f} MB at once)"
    for sheet, ref, rows, columns in _used_ranges(path):
        if rows * columns >= MANY_CELLS:
            return InputFileError(
                path,
                f"{problem}: the used range of sheet '{sheet}' is {ref}, {rows:,} rows × "
                f"{columns:,} columns, so a cell far below or right of the data is not empty",
                "in Excel or WPS press Ctrl+End on that sheet to go to that cell, delete the "
                "rows and columns after the data, save, and run again; or save the sheet as "
                "CSV UTF-8 and use that file",
            )
    return InputFileError(
        path,
        problem,
        "if a cell far below or right of the data is not empty (Ctrl+End in Excel or WPS goes "
        "to the last used cell), delete the rows and columns after the data and save; "
        f"otherwise save the sheet as CSV UTF-8 and use that file (or raise {MEMORY_ENV})",
    )


_DIMENSION = re.compile(r'<(?:\w+:)?dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _attributes(element: str) -> dict[str, str]:
    return dict(re.findall(r'([\w:]+)="([^"]*)"', element))


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _used_ranges(path: Path) -> list[tuple[str, str, int, int]]:
    """(sheet, range, rows, columns) as each sheet's <dimension> declares it; best effort, for
    the message only (a sheet may lie or say nothing)."""
    ranges = []
    try:
        with zipfile.ZipFile(path) as package:

            def small_part(name: str) -> str:
                if package.getinfo(name).file_size > 1 << 20:
                    return ""
                return package.read(name).decode("utf-8", "replace")

            book = small_part("xl/workbook.xml")
            rels = small_part("xl/_rels/workbook.xml.rels")
            targets = {
                a.get("Id"): "xl/" + a.get("Target", "").removeprefix("/").removeprefix("xl/")
                for a in map(_attributes, re.findall(r"<Relationship\b[^>]*>", rels))
            }
            for sheet in map(_attributes, re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book)):
                part = targets.get(sheet.get("r:id"))
                if part not in package.namelist():
                    continue
                with package.open(part) as stream:
                    head = stream.read(1 << 16).decode("utf-8", "replace")
                found = _DIMENSION.search(head)
                if found:
                    first_col, first_row, last_col, last_row = found.groups()
                    last_col, last_row = last_col or first_col, last_row or first_row
                    rows = int(last_row) - int(first_row) + 1
                    columns = _column_number(last_col) - _column_number(first_col) + 1
                    ref = f"{first_col}{first_row}:{last_col}{last_row}"
                    ranges.append((sheet.get("name", "?"), ref, rows, columns))
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError):
        return ranges
    return ranges


# --- the child ---------------------------------------------------------------------------------


def _limit_memory() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_limit_mb() << 20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort must not write gigabytes


def main(argv: list[str]) -> int:
    path, name, out = Path(argv[0]), argv[1], Path(argv[2])
    _limit_memory()
    try:
        raw = read_xlsx_here(path, INPUT_FILES[name])
    except InputFileError as exc:
        answer = {"problem": exc.problem, "fix": exc.fix}
    else:
        raw.frame.write_ipc(out / FRAME)
        answer = {"header_row": raw.header_row, "notices": raw.notices, "factors": raw.factors}
    # Written whole, then renamed: a child that dies while writing leaves no answer.
    (out / "answer.tmp").write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    (out / "answer.tmp").rename(out / ANSWER)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
