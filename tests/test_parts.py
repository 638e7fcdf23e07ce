"""The teachers file is validated in parts of PART_ROWS rows (ten million rows at nation scale
do not fit in memory as text). Cut anywhere, the year must come out as the whole file gives
it: the same accepted rows, rejected rows (raw text included), sources and notices.

The hard cases are the rows a part cannot judge alone: a teacher id repeated in another part
(``unique_per_year`` compares rows), which must also lose the later cross-file failures a
whole-file run never applies to it, and whose raw text must be read again from the file.
"""

import tempfile

import polars as pl
import pytest

from assets import accepted_parts
from assets import validate_year as vy
from assets.accepted_parts import AcceptedParts
from assets.pseudonym import pseudonymiser
from tests.fingerprint import differences, fingerprint
from tests.helpers import run_year, write_csv, write_year
from tests.test_validation import valid_year

NATIONAL_ID = "500112198001011234"
KEY = "test-key-0123456789abcdef"


def tricky_year() -> dict[str, list[dict]]:
    """Fourteen teacher rows (file rows 2–15) with every case that spans parts."""
    files = valid_year()
    rows = files["teachers"]  # 7 valid rows: PRIMARY 小学 ×3, NINE 初中 ×2, MIDDLE 高中 ×2
    extra = [dict(r) for r in rows]
    extra[0]["teacher_id"] = rows[0]["teacher_id"]  # row 9 repeats row 2, far apart
    extra[1]["teacher_id"] = rows[1]["teacher_id"]  # row 10 repeats row 3 …
    extra[1]["school_id"] = "0150112999"  # … and names an unknown school
    extra[1]["subject"] = NATIONAL_ID  # … and holds an ID number (its raw row: the pseudonym)
    extra[2]["teacher_id"] = ""  # rows 11 and 15: no id (required, and equal to each other)
    extra[3]["teacher_id"] = extra[4]["teacher_id"] = "TWIN"  # rows 12 and 13: adjacent twins
    extra[5]["training_hours_5y"] = "abc"  # row 14: does not cast, and repeats row 7's id
    extra[6]["teacher_id"] = ""
    files["teachers"] = rows + extra
    return files


def validated(tmp_path, part_rows: int, monkeypatch, files=None, encoding: str = "utf-8"):
    monkeypatch.setattr(vy, "PART_ROWS", part_rows)
    files = files or tricky_year()
    year_dir = write_year(tmp_path, 2024, files)
    columns = list(files["teachers"][0])
    write_csv(year_dir / "teachers.csv", files["teachers"], columns, encoding=encoding)
    result = vy.validate_year(year_dir, 2024, pseudonymiser(KEY))
    teachers = result.accepted["teachers"]
    if isinstance(teachers, AcceptedParts):
        result.accepted["teachers"] = teachers.collect()
    return result


def test_the_tricky_year_is_judged_as_by_hand(tmp_path, monkeypatch):
    result = validated(tmp_path, 1_000_000, monkeypatch)
    found = result.rejected.filter(pl.col("file_kind") == "teachers")
    by_row = sorted(zip(found["row_number"], found["rule"], strict=True))
    assert by_row == [
        (2, "unique_per_year"),  # = row 9
        (3, "unique_per_year"),  # = row 10
        (7, "unique_per_year"),  # = row 14 (extra[5] copies row 7, id included)
        (9, "unique_per_year"),
        (10, "unique_per_year"),  # no unknown_school: later rules skip a row that failed
        (11, "required"),
        (11, "unique_per_year"),  # two empty ids are equal ids
        (12, "unique_per_year"),
        (13, "unique_per_year"),
        (14, "number"),  # training_hours_5y 'abc'
        (14, "unique_per_year"),
        (15, "required"),
        (15, "unique_per_year"),
    ]
    # 14 rows read, 10 rejected (2, 3, 7, 9–15): rows 4, 5, 6 and 8 are accepted.
    assert result.accepted["teachers"].height == 4
    row_10 = found.filter(pl.col("row_number") == 10)["raw_row"][0]
    assert NATIONAL_ID not in row_10 and pseudonymiser(KEY)(pl.Series([NATIONAL_ID]))[0] in row_10


@pytest.mark.parametrize(
    ("part_rows", "encoding"), [(1, "utf-8"), (3, "utf-8"), (4, "utf-8"), (5, "gbk")]
)
def test_any_cut_gives_what_the_whole_file_gives(tmp_path, monkeypatch, part_rows, encoding):
    files = tricky_year()  # the helpers number teacher ids afresh on each call
    whole = validated(tmp_path / "whole", 1_000_000, monkeypatch, files, encoding)
    cut = validated(tmp_path / "cut", part_rows, monkeypatch, files, encoding)
    for name, frame in whole.accepted.items():
        assert cut.accepted[name].equals(frame), name
    assert cut.rejected.drop("file").equals(whole.rejected.drop("file"))
    assert cut.sources.drop("path", "ingested_at").equals(whole.sources.drop("path", "ingested_at"))
    here = str(tmp_path / "cut"), str(tmp_path / "whole")
    assert [n.replace(*here) for n in cut.notices] == whole.notices


def test_a_year_built_from_parts_is_the_year_built_whole(tmp_path, monkeypatch):
    """Through the real job into DuckDB: staging from the Parquet parts, minus the late rows,
    and every table after it the same; the parts' temporary folder is gone afterwards."""
    files = tricky_year()
    write_year(tmp_path / "in", 2024, files)
    monkeypatch.setenv("JUNHENG_PSEUDONYM_KEY", KEY)
    assert run_year(tmp_path / "in", tmp_path / "whole.duckdb", 2024).success
    spill = tmp_path / "tmp"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    monkeypatch.setattr(vy, "PART_ROWS", 3)
    monkeypatch.setattr(accepted_parts, "ROW_GROUP", 2)
    relations, real = [], AcceptedParts.relation

    def relation(self):  # the real one, remembered
        relations.append(real(self))
        return relations[-1]

    monkeypatch.setattr(AcceptedParts, "relation", relation)
    assert run_year(tmp_path / "in", tmp_path / "cut.duckdb", 2024).success
    # staging.teachers was written from Parquet files, less the rows found late
    assert len(relations) == 1 and relations[0].count("part-") >= 2, relations
    assert "NOT IN" in relations[0]
    assert not differences(
        fingerprint(tmp_path / "whole.duckdb"), fingerprint(tmp_path / "cut.duckdb")
    )
    assert not list(spill.glob("junheng-*"))


def test_accepted_parts_go_to_disk_in_whole_row_groups(monkeypatch):
    """Parts of 3, 5 and 6 rows with row groups of 4: the first part waits in memory; with
    the second, 8 rows (two groups) are written; the third adds 4 and leaves 2, written last.
    Row 15 is dropped (found late); row 99 was never added."""
    monkeypatch.setattr(accepted_parts, "ROW_GROUP", 4)
    parts = AcceptedParts("test")
    rows = iter(range(2, 16))
    for size in (3, 5, 6):
        parts.add(
            pl.DataFrame({"__row": [next(rows) for _ in range(size)]}).with_columns(
                value=pl.col("__row") * 10
            )
        )
    parts.drop(pl.Series([15, 99]))
    assert parts.result() is parts
    sizes = [pl.scan_parquet(p).select(pl.len()).collect().item() for p in parts._paths]
    assert sizes == [8, 4, 2]
    assert parts.collect()["value"].to_list() == [r * 10 for r in range(2, 15)]


def test_a_temporary_folder_that_cannot_be_written_is_named_with_the_fix(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(tempfile, "tempdir", str(blocked / "tmp"))
    with pytest.raises(accepted_parts.SpillError, match="set TMPDIR to a folder"):
        validated(tmp_path, 3, monkeypatch)


def test_the_streamed_reader_reads_what_the_whole_reader_reads(tmp_path):
    """A BOM, a title row above the header, a blank line, a quoted cell with a line break and
    a comma, a short row and a long one: cut in parts of two rows, the same rows and numbers."""
    from assets.reading import read_input_file, read_input_parts
    from schemas.contract import INPUT_FILES

    spec = INPUT_FILES["teachers"]
    header = ",".join(c.name for c in spec.columns)
    row = "T{0},0150112001,小学,本科,二级,无,{1},是,400,否,否"
    lines = [
        "专任教师名册 2024",
        header,
        row.format(1, "语文"),
        ",,,,,,,,,,",
        row.format(2, '"音乐,\n舞蹈"'),
        "T3,0150112001,小学",
        row.format(4, "数学") + ",extra",
        row.format(5, "英语"),
    ]
    path = tmp_path / "teachers.csv"
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    whole = read_input_file(path, spec)
    raw, parts = read_input_parts(path, spec, 2)
    cut = pl.concat(list(parts))
    assert cut.equals(whole.frame)
    assert cut["__row"].to_list() == [3, 5, 6, 7, 8]  # the blank line 4 skipped, still counted
    assert (raw.sha256, raw.encoding, raw.header_row) == (whole.sha256, whole.encoding, 2)
