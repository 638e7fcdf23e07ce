"""Reading real district files: encodings, Excel title rows, header and label variants."""

import csv
import io
import json

import polars as pl
import pytest
import xlsxwriter

from assets.pseudonym import pseudonymiser
from assets.reading import InputFileError, find_year_files, read_input_file
from assets.validate_year import validate_year
from schemas.casting import cast_frame
from schemas.contract import ENROLLMENT, FACILITIES, SCHOOLS
from tests.helpers import enrollment, facilities, school, teachers, write_csv, write_year

PSEUDONYMISE = pseudonymiser("test-key-0123456789abcdef")
ZH_SCHOOLS = [
    "区县代码",
    "区县名称",
    "学校标识码",
    "学校名称",
    "办学类型",
    "城乡分类",
    "是否公办",
    "是否寄宿制",
    "建成年份",
]
ZH_ROW = ["500112", "渝北区", "0150112001", "㐀山小学", "小学", "城区", "是", "否", "2008"]


def _csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_with_chinese_headers_and_labels(tmp_path, encoding):
    row = list(ZH_ROW)
    if encoding == "gbk":
        row[3] = "山城小学"  # 㐀 (CJK Ext. A) exists in GB18030 but not in GBK
    path = tmp_path / "学校名录.csv"
    path.write_bytes(_csv_bytes([ZH_SCHOOLS, row], encoding))
    raw = read_input_file(path, SCHOOLS)
    assert raw.encoding == {"gbk": "gb18030"}.get(encoding, encoding)
    assert raw.frame.row(0, named=True) | {"__row": 2} == dict(
        zip([c.name for c in SCHOOLS.columns], row, strict=True)
    ) | {"__row": 2}
    assert raw.frame["school_id"][0] == "0150112001"  # leading zero kept
    assert len(raw.sha256) == 64


def test_bytes_that_are_neither_utf8_nor_gb18030_name_the_file_and_the_fix(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(",".join(ZH_SCHOOLS).encode("utf-8") + b"\n\x81\x30\xff\xff\n")
    with pytest.raises(InputFileError) as error:
        read_input_file(path, SCHOOLS)
    assert "schools.csv" in str(error.value) and "UTF-8" in error.value.fix


def _xlsx(path, rows, leading_blank_rows=0, title_rows=()):
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("名录")
    line = leading_blank_rows
    for title in title_rows:
        sheet.merge_range(line, 0, line, 5, title)
        line += 1
    for cells in rows:
        for col, value in enumerate(cells):
            if isinstance(value, str):
                sheet.write_string(line, col, value)
            else:
                sheet.write_number(line, col, value)
        line += 1
    book.close()


def test_xlsx_with_title_rows_above_the_header(tmp_path):
    path = tmp_path / "在校生.xlsx"
    _xlsx(
        path,
        [
            ["学校标识码", "学段", "在校生数", "班数", "超标准班额班数", "随迁子女数"],
            ["0150112001", "小学", 410, 9, 1, 20],
            ["0150112001", "初中", "暂缺", 4, 0, 0],
        ],
        leading_blank_rows=1,
        title_rows=["渝北区2024年在校生情况", "填报单位：区教委"],
    )
    raw = read_input_file(path, ENROLLMENT)
    # Excel rows: 1 blank, 2–3 titles, 4 header, 5 and 6 data.
    assert raw.header_row == 4
    assert raw.frame["__row"].to_list() == [5, 6]
    assert raw.frame["students"].to_list() == ["410", "暂缺"]
    assert raw.frame["school_id"].to_list() == ["0150112001", "0150112001"]


def test_wan_yuan_header_is_converted_to_yuan(tmp_path):
    # 100.5 万元 = 1 005 000 yuan; the full-width parentheses of the header are folded too.
    path = write_csv(
        tmp_path / "2024" / "facilities.csv",
        [
            {
                "学校标识码": "0150112001",
                "教学及辅助用房面积": 3000,
                "室内体育用房面积": 0,
                "运动场地面积": 5000,
                "教学仪器设备资产值（万元）": 100.5,
                "网络多媒体教室数": 12,
            }
        ],
    )
    raw = read_input_file(path, FACILITIES)
    assert raw.factors == {"equipment_value_yuan": 10000.0}
    year = _year_with(tmp_path, facilities_file=path)
    assert year.accepted["facilities"]["equipment_value_yuan"].to_list() == [1_005_000.0]


def _year_with(root, facilities_file=None, **overrides):
    files = {
        "schools": [school("0150112001", "小学")],
        "enrollment": [enrollment("0150112001", "小学", 400)],
        "teachers": teachers("0150112001", "小学", 2),
        "facilities": [facilities("0150112001", 3000, 0, 5000, 1_000_000, 12)],
    }
    files.update(overrides)
    if facilities_file is not None:
        files.pop("facilities")
    write_year(root, 2024, files)
    return validate_year(root / "2024", 2024, PSEUDONYMISE)


@pytest.mark.parametrize(
    ("yes", "no"),
    [("是", "否"), ("true", "false"), ("1", "0"), ("Y", "N"), ("TRUE", "False"), ("yes", "no")],
)
def test_yes_no_spellings(tmp_path, yes, no):
    year = _year_with(tmp_path, schools=[school("0150112001", "小学", public=yes, boarding=no)])
    row = year.accepted["schools"].row(0, named=True)
    assert (row["is_public"], row["is_boarding"]) == (True, False)


@pytest.mark.parametrize(
    ("column", "label", "code"),
    [
        ("school_type", "小学", "primary"),
        ("school_type", "primary", "primary"),
        ("school_type", "九年一贯制学校", "nine_year"),
        ("school_type", "十二年一贯制学校", "twelve_year"),
        ("school_type", "完全中学", "complete_middle"),
        ("school_type", "ＰＲＩＭＡＲＹ", "primary"),
        ("school_type", "教学点", "teaching_point"),
        ("location", "乡村", "rural"),
        ("location", "Town", "town"),
    ],
)
def test_code_labels_in_chinese_or_english(column, label, code):
    frame = pl.DataFrame({c.name: ["1"] for c in SCHOOLS.columns}).with_columns(
        pl.lit(label).alias(column), pl.lit(2).alias("__row")
    )
    typed, failures = cast_frame(frame, SCHOOLS, {})
    assert typed[column][0] == code
    assert failures.filter(pl.col("column_name") == column).is_empty()


def test_files_named_by_chinese_alias_and_unused_files_ignored_with_a_record(tmp_path):
    year_dir = tmp_path / "2024"
    year_dir.mkdir()
    for name in (
        "学校名录.csv",
        "enrollment.xlsx",
        "专任教师.csv",
        "办学条件.csv",
        "音美专用教室.csv",
        "readme.txt",
    ):
        (year_dir / name).write_text("x")
    found, notices = find_year_files(year_dir)
    assert {k: v.name for k, v in found.items()} == {
        "schools": "学校名录.csv",
        "enrollment": "enrollment.xlsx",
        "teachers": "专任教师.csv",
        "facilities": "办学条件.csv",
        "rooms": "音美专用教室.csv",
    }
    assert any("readme.txt" in n for n in notices)


def test_optional_files_are_loaded_when_present_and_recorded_missing_when_absent(tmp_path):
    (tmp_path / "2024").mkdir()
    write_csv(
        tmp_path / "2024" / "音美专用教室.csv",
        [{"学校标识码": "0150112001", "类型": "音乐", "使用面积": 96}],
    )
    year = _year_with(tmp_path)
    sources = {r["file_kind"]: r for r in year.sources.iter_rows(named=True)}
    assert sources["rooms"]["status"] == "loaded" and len(sources["rooms"]["sha256"]) == 64
    assert year.accepted["rooms"].row(0, named=True) | {"year": 0} == {
        "school_id": "0150112001",
        "room_type": "music",
        "area_m2": 96.0,
        "year": 0,
    }
    assert sources["county"]["status"] == "missing" and sources["county"]["sha256"] is None
    assert year.accepted["county"].is_empty()
    assert any("no county file" in n for n in year.notices)


def test_missing_required_column_names_column_alias_and_file(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text("school_id,school_name,school_type\n0150112001,a,小学\n", encoding="utf-8")
    with pytest.raises(InputFileError) as error:
        read_input_file(path, SCHOOLS)
    message = str(error.value)
    assert "schools.csv" in message and "county_code (区县代码)" in message
    assert "built_year (建成年份)" in message and "add the column" in error.value.fix


def test_duplicated_header_is_a_file_error(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(_csv_bytes([ZH_SCHOOLS + ["school_id"], ZH_ROW + ["x"]], "utf-8"))
    with pytest.raises(InputFileError, match="appears twice"):
        read_input_file(path, SCHOOLS)


def test_extra_columns_are_ignored_with_a_notice(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(_csv_bytes([ZH_SCHOOLS + ["校长"], ZH_ROW + ["张三"]], "utf-8"))
    raw = read_input_file(path, SCHOOLS)
    assert "校长" not in raw.frame.columns and any("校长" in n for n in raw.notices)


def test_empty_file_is_a_file_error(tmp_path):
    path = tmp_path / "schools.csv"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        read_input_file(path, SCHOOLS)


def test_rejected_row_keeps_the_raw_row_with_teacher_ids_pseudonymised(tmp_path):
    bad = teachers("0150112001", "小学", 1, education="暂缺")
    bad[0]["teacher_id"] = "500112198001011234"
    year = _year_with(tmp_path, teachers=teachers("0150112001", "小学", 2) + bad)
    row = year.rejected.row(0, named=True)
    assert (row["file"], row["row_number"], row["column_name"], row["rule"], row["value"]) == (
        "2024/teachers.csv",
        4,
        "education",
        "code",
        "暂缺",
    )
    raw = json.loads(row["raw_row"])
    assert raw["education"] == "暂缺" and raw["teacher_id"] != "500112198001011234"
    assert "500112198001011234" not in year.rejected.write_csv()


def test_gbk_whose_bytes_also_decode_as_utf8_is_read_as_gbk(tmp_path):
    # 小学 in GBK is D0 A1 D1 A7: valid UTF-8 too ("Сѧ"), which must not count as a UTF-8 line.
    assert "小学".encode("gbk").decode("utf-8") == "Сѧ"
    path = tmp_path / "在校生.csv"
    path.write_bytes(
        _csv_bytes(
            [
                ["学校标识码", "学段", "在校生数", "班数", "超标准班额班数", "随迁子女数"],
                ["0150112001", "小学", "400", "9", "0", "0"],
                ["0150112002", "初中", "300", "6", "0", "0"],
            ],
            "gbk",
        )
    )
    raw = read_input_file(path, ENROLLMENT)
    assert raw.encoding == "gb18030" and raw.frame["stage"].to_list() == ["小学", "初中"]
