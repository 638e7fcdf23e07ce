"""Malformed .xlsx packages: each is read correctly or refused with a clear error naming the
file; none may abort the process that reads the year.

An .xlsx is a zip of XML parts. calamine (under fastexcel) aborts the whole process when an
allocation fails (a stray cell at XFD1048576 asks for 512 GiB), so the reader runs in a child
process with a memory limit (``assets.xlsx_worker``). These tests read every package from a
process that itself runs under a memory limit (RLIMIT_AS), as a crash would kill it and not
pytest, with the workbook limit lowered to 1 GiB (``JUNHENG_XLSX_MEMORY_MB``) so the bombs
reach it quickly.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.reading import InputFileError
from assets.xlsx_worker import read_xlsx
from schemas.contract import SCHOOLS

HEADER = [c.alias for c in SCHOOLS.columns]
ROW = ["110101", "县110101", "0150112001", "第一小学", "小学", "城区", "是", "否", "2005"]
SHEET, STRINGS, BOOK = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml"
READER_MEMORY = 3 << 30  # the process that reads the year: far below what a bomb asks for

# Reads each path given and prints one JSON line per file: what a pipeline run would get.
READ_ALL = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
from assets.reading import InputFileError, read_input_file
from schemas.contract import SCHOOLS
for name in sys.argv[1:]:
    print(json.dumps({{"file": name, "started": True}}), flush=True)
    try:
        raw = read_input_file(Path(name), SCHOOLS)
    except InputFileError as error:
        answer = {{"error": str(error), "fix": error.fix}}
    else:
        rows, numbers = raw.frame.drop("__row").rows(), raw.frame["__row"].to_list()
        answer = {{"rows": rows, "row_numbers": numbers}}
    print(json.dumps({{"file": name, **answer}}, ensure_ascii=False), flush=True)
"""


def _read_in_a_limited_process(paths: list[Path]) -> dict[str, dict]:
    """What reading each file gives, from a child process under READER_MEMORY."""
    done = subprocess.run(
        [sys.executable, "-c", READ_ALL.format(memory=READER_MEMORY), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=900,
        env=os.environ | {"JUNHENG_XLSX_MEMORY_MB": "1024"},
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    last = lines[-1]["file"] if lines else None
    assert done.returncode == 0, f"the reading process died on {last}: {done.stderr[-3000:]}"
    return {line["file"]: line for line in lines if "started" not in line}


def _valid_parts() -> dict[str, bytes]:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    # docProps/core.xml holds the creation time: fixed, or the parts' length changes when the
    # clock ticks a second between two draws of one example (hypothesis: "flaky strategy").
    book.set_properties({"created": datetime.datetime(2024, 9, 1)})
    sheet = book.add_worksheet("学校")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ROW)
    book.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as package:
        return {name: package.read(name) for name in package.namelist()}


def _zip(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The package's bytes; a fixed timestamp, so the same parts give the same bytes (hypothesis
    draws a cut point within them, and must see the same length every time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as package:
        for name, data in parts.items():
            package.writestr(zipfile.ZipInfo(name, date_time=(2024, 9, 1, 0, 0, 0)), data, method)
    return buffer.getvalue()


def _edit(part: str, change) -> bytes:
    parts = _valid_parts()
    parts[part] = change(parts[part])
    return _zip(parts)


def _without(part: str) -> bytes:
    return _zip({k: v for k, v in _valid_parts().items() if k != part})


def _cell_at(ref: str, dimension: bool = True):
    """Add an inline-string cell at ``ref``; ``dimension``: the sheet declares it (as Excel and
    WPS do), or keeps its old, smaller range (a lying package)."""
    row = re.sub("[A-Z]", "", ref)

    def change(xml: bytes) -> bytes:
        cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
        xml = xml.replace(b"</sheetData>", cell.encode() + b"</sheetData>")
        return _dimension(f"A1:{ref}")(xml) if dimension else xml

    return change


def _appended_strings(count: int):
    def change(xml: bytes) -> bytes:
        return xml.replace(b"</sst>", b"<si><t>y</t></si>" * count + b"</sst>")

    return change


BIG = 1200 << 20  # one text of 1.2 GB: more than the 1 GiB a workbook may use here


def _with_a_big_text(part: str, closing_tag: bytes, before: bytes, after: bytes) -> bytes:
    """The valid package with ``before`` + 1.2 GB of letters + ``after`` put in ``part``
    before ``closing_tag``, compressed as it is written (a few MB in the zip)."""
    parts = _valid_parts()
    closing = parts[part].index(closing_tag)
    head, tail = parts[part][:closing] + before, after + parts[part][closing:]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, data in parts.items():
            if name != part:
                package.writestr(name, data)
                continue
            with package.open(name, "w", force_zip64=True) as stream:
                stream.write(head)
                chunk = b"z" * (64 << 20)
                for _ in range(BIG // len(chunk)):
                    stream.write(chunk)
                stream.write(tail)
    return buffer.getvalue()


def _sixteen_thousand_cells_without_refs(xml: bytes) -> bytes:
    # Cells may omit r=: calamine counts columns, so one wide row and one far row span it all.
    wide = b'<row r="3">' + b'<c t="inlineStr"><is><t>w</t></is></c>' * 16384 + b"</row>"
    far = b'<row r="1048576"><c t="inlineStr"><is><t>q</t></is></c></row>'
    return xml.replace(b"</sheetData>", wide + far + b"</sheetData>")


def _dimension(ref: str):
    def change(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), xml)

    return change


def _many_sheets() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for index in range(2000):
        book.add_worksheet(f"空白{index}")
    sheet = book.add_worksheet("学校")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ROW)
    book.close()
    return buffer.getvalue()


def _entities(xml: bytes) -> bytes:
    # "Billion laughs": ten levels of entities that would expand to 10^9 characters.
    levels = '<!ENTITY a0 "aaaaaaaaaa">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    declaration = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    xml = xml.replace(declaration, f"<?xml version='1.0'?><!DOCTYPE sst [{levels}]>".encode())
    return xml.replace("第一小学".encode(), b"&a9;")


READ = "read"  # the one data row, exactly as written
REFUSED = "refused"  # an InputFileError naming the file, with a fix
EITHER = "either"  # a correct read or a clear refusal, depending on memory

PACKAGES = {
    "valid": (lambda: _zip(_valid_parts()), READ, ()),
    "stored without compression": (
        lambda: _zip(_valid_parts(), zipfile.ZIP_STORED),
        READ,
        (),
    ),
    "truncated zip": (lambda: _zip(_valid_parts())[:700], REFUSED, ("not readable as .xlsx",)),
    "zip header only": (lambda: b"PK\x03\x04" + b"\0" * 200, REFUSED, ("not readable",)),
    "bit flip in a compressed part": (
        lambda: (lambda d: d[:1500] + bytes([d[1500] ^ 0x55]) + d[1501:])(_zip(_valid_parts())),
        EITHER,
        (),
    ),
    "parts compressed with LZMA": (lambda: _zip(_valid_parts(), zipfile.ZIP_LZMA), EITHER, ()),
    "no xl/workbook.xml": (lambda: _without(BOOK), REFUSED, ("no sheet",)),
    "no sharedStrings.xml": (lambda: _without(STRINGS), REFUSED, ("not readable as .xlsx",)),
    "no sheet part": (lambda: _without(SHEET), REFUSED, ("not readable as .xlsx",)),
    "no workbook relationships": (
        lambda: _without("xl/_rels/workbook.xml.rels"),
        REFUSED,
        ("not readable as .xlsx",),
    ),
    "no [Content_Types].xml": (lambda: _without("[Content_Types].xml"), EITHER, ()),
    "sheet XML cut in half": (
        lambda: _edit(SHEET, lambda x: x[: len(x) // 2]),
        REFUSED,
        ("not readable as .xlsx",),
    ),
    "stray cell at XFD1048576": (
        lambda: _edit(SHEET, _cell_at("XFD1048576")),
        REFUSED,
        ("memory", "sheet '学校'", "A1:XFD1048576", "Ctrl+End"),
    ),
    "stray cell at XFD1048576, dimension not updated": (
        lambda: _edit(SHEET, _cell_at("XFD1048576", dimension=False)),
        REFUSED,
        ("memory", "Ctrl+End"),
    ),
    "cell beyond Excel's last column and row": (
        lambda: _edit(SHEET, _cell_at("ZZZZ99999999")),
        REFUSED,
        ("memory",),
    ),
    "cell in row 0": (lambda: _edit(SHEET, _cell_at("A0")), REFUSED, ("not readable",)),
    "dimension A1:XFD1048576 over two rows of data": (
        lambda: _edit(
            SHEET,
            lambda x: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', x),
        ),
        READ,
        (),
    ),
    "cells without r= spanning the sheet": (
        lambda: _edit(SHEET, _sixteen_thousand_cells_without_refs),
        REFUSED,
        ("memory",),
    ),
    "shared-string count of four billion": (
        lambda: _edit(
            STRINGS,
            lambda x: re.sub(
                rb'count="\d+" uniqueCount="\d+"', b'count="4294967295" uniqueCount="4294967295"', x
            ),
        ),
        REFUSED,
        ("memory",),
    ),
    "a million shared strings": (lambda: _edit(STRINGS, _appended_strings(1_000_000)), READ, ()),
    "one shared string of 1.2 GB": (
        lambda: _with_a_big_text(STRINGS, b"</sst>", b"<si><t>", b"</t></si>"),
        REFUSED,
        ("memory",),
    ),
    "an inline cell of 1.2 GB": (
        lambda: _with_a_big_text(
            SHEET,
            b"</sheetData>",
            b'<row r="3"><c r="D3" t="inlineStr"><is><t>',
            b"</t></is></c></row>",
        ),
        REFUSED,
        ("memory",),
    ),
    "entity expansion in shared strings": (lambda: _edit(STRINGS, _entities), EITHER, ()),
    "2001 sheets, the data on the last": (_many_sheets, READ, ()),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("packages")
    paths = []
    for index, (make, _, _) in enumerate(PACKAGES.values()):
        path = folder / f"{index:02d}" / "schools.xlsx"
        path.parent.mkdir()
        path.write_bytes(make())
        paths.append(path)
    answers = _read_in_a_limited_process(paths)
    return {case: answers[str(path)] for case, path in zip(PACKAGES, paths, strict=True)}


def _assert_read_or_refused(answer: dict, expected: str, words: tuple[str, ...]) -> None:
    if "error" in answer:
        assert expected != READ, answer["error"]
        assert "schools.xlsx: " in answer["error"] and answer["fix"], answer
        for word in words:
            assert word in answer["error"], answer["error"]
    else:
        assert expected != REFUSED, answer
        # A correct read: the one data row, at Excel row 2 (a stray cell lies outside the
        # contract's columns, so its row is blank in them and dropped).
        assert answer["row_numbers"] == [2]
        if expected == READ:
            assert answer["rows"] == [ROW]
        else:  # damaged text may read differently (an entity, a flipped bit), never the ids
            assert answer["rows"][0][:3] == ROW[:3]


@pytest.mark.parametrize("case", PACKAGES)
def test_a_malformed_package_is_read_or_refused_never_a_crash(outcomes, case):
    _, expected, words = PACKAGES[case]
    _assert_read_or_refused(outcomes[case], expected, words)


def test_a_package_that_takes_too_long_is_refused(tmp_path):
    path = tmp_path / "schools.xlsx"
    path.write_bytes(_edit(STRINGS, _appended_strings(3_000_000)))
    with pytest.raises(InputFileError) as error:
        read_xlsx(path, SCHOOLS, timeout=0.2)
    assert "took longer than" in error.value.problem and "CSV UTF-8" in error.value.fix


# Random packages: cells at random places (the corners of the sheet among them), with and
# without r=, shared-string indices in and out of range, declared dimensions and counts that
# may lie, a part left out, the zip cut short.
_COLUMNS = st.sampled_from(["A", "B", "I", "Z", "AA", "ZZ", "XFD", "XFE", "AAAA"])
_ROWS = st.sampled_from([1, 2, 3, 1000, 65536, 1048576, 1048577, 0, 4294967296])


@st.composite
def packages(draw) -> bytes:
    parts = _valid_parts()
    cells = []
    for _ in range(draw(st.integers(0, 4))):
        column, row = draw(_COLUMNS), draw(_ROWS)
        reference = f' r="{column}{row}"' if draw(st.booleans()) else ""
        if draw(st.booleans()):
            cells.append(f'<row r="{row}"><c{reference} t="s"><v>{draw(_ROWS)}</v></c></row>')
        else:
            cells.append(
                f'<row r="{row}"><c{reference}><v>{draw(st.text(max_size=5))}</v></c></row>'
            )
    xml = parts[SHEET].replace(
        b"</sheetData>", "".join(cells).encode("utf-8", "replace") + b"</sheetData>"
    )
    if draw(st.booleans()):
        ref = f"A1:{draw(_COLUMNS)}{draw(_ROWS)}"
        xml = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), xml)
    parts[SHEET] = xml
    if draw(st.booleans()):
        count = draw(st.sampled_from([0, 1, 10**6, 2**31, 2**32 - 1, 2**64]))
        parts[STRINGS] = re.sub(
            rb'uniqueCount="\d+"', f'uniqueCount="{count}"'.encode(), parts[STRINGS]
        )
    if draw(st.booleans()):
        del parts[draw(st.sampled_from(sorted(parts)))]
    data = _zip(parts)
    if draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(packages(), min_size=1, max_size=4))
def test_random_packages_are_read_or_refused_never_a_crash(tmp_path, batch):
    paths = []
    for index, data in enumerate(batch):
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}-{index}" / "schools.xlsx"
        path.parent.mkdir()
        path.write_bytes(data)
        paths.append(path)
    answers = _read_in_a_limited_process(paths)
    for path in paths:
        answer = answers[str(path)]
        if "error" in answer:
            assert f"{path}: " in answer["error"] and answer["fix"], answer
        else:
            # Whatever was added sits outside the contract's columns or below the data.
            assert answer["rows"] and answer["rows"][0][2] == ROW[2], answer
