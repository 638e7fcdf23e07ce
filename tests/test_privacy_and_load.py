"""Personal data never leaves the pseudonymiser; a province-sized run loses no row."""

import datetime
import logging
import os
import tempfile
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.pseudonym import KEY_ENV, mask_resident_ids, pseudonymiser
from assets.reading import InputFileError, find_year_files
from assets.validate_year import validate_year
from pipelines.cli import main
from pipelines.definitions import build_definitions
from pipelines.generate import generate
from pipelines.jobs import WAREHOUSE_JOB
from schemas.contract import INPUT_FILES
from tests import district as d
from tests.helpers import QUIET, instance_with_years, query, write_year
from tests.test_validation import valid_year

KEY = os.environ["JUNHENG_PSEUDONYM_KEY"]
PSEUDONYMISE = pseudonymiser(KEY)


@pytest.mark.slow
def test_no_clear_teacher_id_in_tables_logs_or_event_metadata(tmp_path, caplog):
    files = d.district()
    national = "500112198001011234"
    files["teachers"][0]["teacher_id"] = national
    files["teachers"][1]["teacher_id"] = national  # a duplicate: rejected, value and raw row
    accepted = "11010519491231002X"  # a valid ID number on a row that is accepted
    files["teachers"][2]["teacher_id"] = accepted
    write_year(tmp_path / "in", 2024, files)
    clear = {t["teacher_id"] for t in files["teachers"]}
    instance = instance_with_years(2024)
    job = build_definitions(str(tmp_path / "in"), str(tmp_path / "w.duckdb")).resolve_job_def(
        WAREHOUSE_JOB
    )
    with caplog.at_level(logging.DEBUG):
        result = job.execute_in_process(partition_key="2024", instance=instance, run_config=QUIET)
    assert result.success
    # Every event of the run: messages and all materialisation / check metadata.
    texts = [caplog.text]
    for record in instance.all_logs(result.run_id):
        texts.append(record.message or "")
        texts.append(repr(record.dagster_event.event_specific_data) if record.dagster_event else "")
    blob = "\n".join(texts)
    assert national not in blob and accepted not in blob
    assert not [i for i in clear if f"'{i}'" in blob or f'"{i}"' in blob]
    columns = query(
        tmp_path / "w.duckdb",
        "SELECT schema_name, table_name, column_name FROM "
        "duckdb_columns() WHERE data_type = 'VARCHAR'",
    )
    for schema, table, column in columns:
        found = query(
            tmp_path / "w.duckdb",
            f"SELECT count(*) FROM {schema}.{table} "
            f'WHERE contains("{column}", ?) OR contains("{column}", ?)',
            [national, accepted],
        )[0][0]
        assert found == 0, f"{schema}.{table}.{column}"
    # The accepted row is in staging, under its pseudonym.
    assert query(
        tmp_path / "w.duckdb",
        "SELECT count(*) FROM staging.teachers WHERE teacher_id = ?",
        [pseudonymiser(os.environ[KEY_ENV])(pl.Series([accepted]))[0]],
    ) == [(1,)]
    # The duplicate was recorded, under its pseudonym.
    assert (
        query(
            tmp_path / "w.duckdb",
            "SELECT count(*) FROM audit.rejected_rows WHERE rule = "
            "'unique_per_year' AND column_name = 'teacher_id'",
        )[0][0]
        == 2
    )


def test_missing_key_warns_and_creates_a_local_key(tmp_path, monkeypatch):
    from assets.pseudonym import KEY_ENV, load_key

    monkeypatch.delenv(KEY_ENV)
    with pytest.warns(UserWarning, match="never commit it"):
        key = load_key(tmp_path / "pseudonym.key")
    assert load_key(tmp_path / "pseudonym.key") == key  # stable once created
    assert oct((tmp_path / "pseudonym.key").stat().st_mode & 0o777) == "0o600"


def test_a_created_key_is_256_random_bits_in_a_folder_made_for_it(tmp_path, monkeypatch):
    from assets.pseudonym import KEY_ENV, load_key

    monkeypatch.delenv(KEY_ENV)
    key_file = tmp_path / "not" / "yet" / "pseudonym.key"  # a warehouse in a new folder
    with pytest.warns(UserWarning):
        key = load_key(key_file)
    assert len(key) == 64 and int(key, 16) >= 0  # 32 bytes as hex
    assert key_file.read_text(encoding="utf-8") == key + "\n"


def test_the_key_in_the_environment_wins_over_the_key_file(tmp_path, monkeypatch):
    from assets.pseudonym import KEY_ENV, load_key

    (tmp_path / "pseudonym.key").write_text("f" * 64 + "\n", encoding="utf-8")
    monkeypatch.setenv(KEY_ENV, "e" * 16)  # exactly the shortest key allowed
    assert load_key(tmp_path / "pseudonym.key") == "e" * 16
    monkeypatch.delenv(KEY_ENV)
    assert load_key(tmp_path / "pseudonym.key") == "f" * 64  # stripped of its newline


def test_a_key_shorter_than_16_characters_is_refused_with_the_fix(tmp_path, monkeypatch):
    from assets.pseudonym import KEY_ENV, PseudonymKeyError, load_key

    monkeypatch.setenv(KEY_ENV, "e" * 15)
    with pytest.raises(PseudonymKeyError, match=f"at least 16 characters; set {KEY_ENV}"):
        load_key(tmp_path / "pseudonym.key")


def test_a_link_out_of_the_year_folder_is_refused(tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text("x")
    (tmp_path / "in" / "2024").mkdir(parents=True)
    os.symlink(outside, tmp_path / "in" / "2024" / "schools.csv")
    with pytest.raises(InputFileError, match="outside the year folder"):
        find_year_files(tmp_path / "in" / "2024")


def test_province_run_loses_no_row(tmp_path):
    """40 counties, 0.1 % corrupted rows: rows in = rows accepted + rows rejected, per file."""
    counts = generate(tmp_path / "province", "province", seed=3)
    job = build_definitions(str(tmp_path / "province"), str(tmp_path / "w.duckdb")).resolve_job_def(
        WAREHOUSE_JOB
    )
    assert job.execute_in_process(
        partition_key="2024", instance=instance_with_years(2024), run_config=QUIET
    ).success
    files = query(
        tmp_path / "w.duckdb",
        "SELECT file_kind, rows_read, rows_accepted, rows_rejected FROM audit.source_files "
        "WHERE status = 'loaded'",  # the generator writes no plan (化解计划): it is 'missing'
    )
    tables = {"county": "county_items"}
    for kind, read, accepted, rejected in files:
        assert read == accepted + rejected, kind
        staged = query(
            tmp_path / "w.duckdb", f"SELECT count(*) FROM staging.{tables.get(kind, kind)}"
        )[0][0]
        assert staged == accepted, kind
        rejected_rows = query(
            tmp_path / "w.duckdb",
            "SELECT count(DISTINCT row_number) FROM audit.rejected_rows WHERE file_kind = ?",
            [kind],
        )[0][0]
        assert rejected_rows == rejected, kind
        assert read == counts["rows"][kind], kind  # every generated row was read
    # Every corrupted row was caught (knock-on rejections, such as the teachers of a rejected
    # section, can only add to them).
    for kind, *_, rejected in files:
        assert rejected >= counts["bad_rows"][kind], kind


# ---------------------------------------------------------------------------------------------
# National ID numbers anywhere: found by their form, replaced by their pseudonym
# ---------------------------------------------------------------------------------------------

# 11010519491231002X, worked by hand (GB 11643, ISO 7064 MOD 11-2):
#   digits  1 1  0 1 0 5 1 9 4 9 1 2  3 1 0 0 2
#   weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
#   products 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → "10X98765432"[2] = X
HAND_WORKED = "11010519491231002X"
# 500112198001011234: products 35+0+0+5+8+8+2+9+48+0+0+9+0+5+8+4+6 = 147; 147 mod 11 = 4 → 4
DETECTION = {
    "18 characters, check X": (HAND_WORKED, True),
    "18 characters, check x (lower case)": ("11010519491231002x", True),
    "18 digits, check 4": ("500112198001011234", True),
    "18 digits, check off by one": ("500112198001011235", False),
    "18 characters, check 1 where X is due": ("110105194912310021", False),
    "18 digits, 30 February (check right)": ("110105194902300020", False),
    "18 digits, born in 1899": ("110105189912310023", False),
    "15 digits, 1949-12-31": ("110105491231002", True),
    "15 digits, month 13": ("110105491331002", False),
    "15 digits, region starting with 9": ("910105491231002", False),
    "14 digits (one short of the old form)": ("11010549123100", False),
    "16 digits": ("1101054912310021", False),
    "17 digits": ("11010519491231002", False),
    "19 digits (a longer number is not an ID)": ("111010519491231002X", False),
    "full-width digits": ("１１０１０５１９４９１２３１００２Ｘ", True),
    "inside a sentence": (f"联系人身份证{HAND_WORKED}号", True),
    "a school id (10 digits)": ("0150112001", False),
}


def test_the_check_characters_of_the_cases_are_as_worked_by_hand():
    from tests.test_bad_inputs import _resident_id

    assert _resident_id("11010519491231002") == HAND_WORKED
    assert _resident_id("50011219800101123") == "500112198001011234"
    assert _resident_id("11010519490230002") == "110105194902300020"
    assert _resident_id("11010518991231002") == "110105189912310023"


@pytest.mark.parametrize("case", DETECTION)
def test_an_id_number_is_found_by_its_form(case):
    text, is_id = DETECTION[case]
    masked, changed = mask_resident_ids(pl.Series([text, "0150112001", None]), PSEUDONYMISE)
    assert changed.to_list() == ([0] if is_id else [])
    assert masked[1:].to_list() == ["0150112001", None]
    if is_id:
        canonical = "110105491231002" if len(text) == 15 else HAND_WORKED
        if text.startswith("5"):
            canonical = text
        pseudonym = PSEUDONYMISE(pl.Series([canonical]))[0]
        assert pseudonym in masked[0] and canonical not in masked[0]
        # The teacher_id of the same person gets the same pseudonym: one key, one id.
    else:
        assert masked[0] == text


def test_an_id_number_in_a_school_name_is_kept_as_its_pseudonym(tmp_path):
    """Free text keeps its row: the number is replaced where it stands, and a notice says so.
    In a code or number column the pseudonym fails the column's rule instead (rejected)."""
    files = valid_year()
    files["schools"][0]["school_name"] = f"第一小学(校长{HAND_WORKED})"
    files["county"][0]["note"] = HAND_WORKED
    write_year(tmp_path, 2024, files)
    result = validate_year(tmp_path / "2024", 2024, PSEUDONYMISE)
    pseudonym = PSEUDONYMISE(pl.Series([HAND_WORKED]))[0]
    assert result.rejected.is_empty()
    assert result.accepted["schools"]["school_name"][0] == f"第一小学(校长{pseudonym})"
    assert result.accepted["county"].filter(pl.col("item") == "layout_planned")["note"][0] == (
        pseudonym
    )
    notices = [n for n in result.notices if "national ID number" in n]
    assert len(notices) == 2 and "schools.csv" in notices[0] and "row 2" in notices[0]


def test_validate_prints_no_id_number_of_a_swapped_teachers_file(tmp_path, capsys):
    from tests.test_bad_inputs import TEACHER_IDS, _swap_teacher_id_headers

    files = valid_year()
    for row, number in zip(files["teachers"], TEACHER_IDS, strict=True):
        row["teacher_id"] = number
    year_dir = write_year(tmp_path / "in", 2024, files)
    _swap_teacher_id_headers(year_dir, files)
    assert main(["validate", "--input", str(tmp_path / "in")]) == 1
    out = capsys.readouterr().out
    assert out.count("[school_id_format]") == len(TEACHER_IDS)
    assert not [number for number in TEACHER_IDS if number in out]


# Region codes whose first digit is a province (1–8); birth dates of living people.
_PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45]
_PROVINCES += [46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82]
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@st.composite
def resident_ids(draw) -> tuple[str, str]:
    """(the ID number as written in the cell, the number itself)."""
    from tests.test_bad_inputs import _resident_id

    region = f"{draw(st.sampled_from(_PROVINCES))}{draw(st.integers(0, 9999)):04d}"
    old_form = draw(st.booleans())
    born = draw(
        st.dates(datetime.date(1920, 1, 1), datetime.date(1999 if old_form else 2019, 12, 31))
    )
    sequence = f"{draw(st.integers(0, 999)):03d}"
    number = (
        f"{region}{born:%y%m%d}{sequence}"
        if old_form
        else _resident_id(f"{region}{born:%Y%m%d}{sequence}")
    )
    written = draw(
        st.sampled_from(
            [
                number,
                number.lower(),
                f"  {number} ",
                number.translate(_FULL_WIDTH),
                f"身份证号{number}",
                f"{number} 张三",
            ]
        )
    )
    return written, number


_CELLS = [(name, c.name) for name, spec in INPUT_FILES.items() for c in spec.columns]


def _place(files: dict, file: str, column: str, row: int, written: str) -> None:
    """Put ``written`` in one cell of the valid year (a file missing from it gets one row)."""
    rows = files.setdefault(file, [{c.name: "x" for c in INPUT_FILES[file].columns}])
    rows[row % len(rows)][column] = written


def _write_as_xlsx(year_dir: Path, file: str, rows: list[dict]) -> None:
    (year_dir / f"{file}.csv").unlink()
    book = xlsxwriter.Workbook(year_dir / f"{file}.xlsx")
    sheet = book.add_worksheet()
    columns = [c.alias for c in INPUT_FILES[file].columns]
    sheet.write_row(0, 0, columns)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, [str(row[c.name]) for c in INPUT_FILES[file].columns])
    book.close()


def _stray_quote(year_dir: Path, file: str, written: str) -> None:
    """A quote opened before the number and never closed: the file is refused."""
    path = year_dir / f"{file}.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(written, '"' + written, 1), encoding="utf-8")


def _in_clear(number: str, written: str, texts: list[str]) -> list[str]:
    forms = {number, number.upper(), written.strip()}
    return [text for text in texts for form in forms if form in text]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    placed=resident_ids(),
    cell=st.sampled_from(_CELLS),
    row=st.integers(0, 10),
    form=st.sampled_from(["csv", "csv", "csv", "xlsx", "stray quote"]),
)
@pytest.mark.slow
def test_an_id_number_in_any_cell_of_any_file_is_never_kept_in_clear(placed, cell, row, form):
    written, number = placed
    (file, column) = cell
    files = valid_year()
    _place(files, file, column, row, written)
    with tempfile.TemporaryDirectory() as folder:
        year_dir = write_year(Path(folder), 2024, files)
        if form == "xlsx":
            _write_as_xlsx(year_dir, file, files[file])
        elif form == "stray quote":
            _stray_quote(year_dir, file, written)
        try:
            result = validate_year(year_dir, 2024, PSEUDONYMISE)
        except InputFileError as error:
            assert not _in_clear(number, written, [str(error)]), str(error)
            return
    texts = [result.rejected.write_csv(), *result.notices]
    texts += [frame.write_csv() for frame in result.accepted.values()]
    assert not _in_clear(number, written, texts)
    for source in result.sources.filter(pl.col("status") == "loaded").iter_rows(named=True):
        assert source["rows_read"] == source["rows_accepted"] + source["rows_rejected"]


def _varchar_cells_holding(warehouse: Path, forms: set[str]) -> list[str]:
    found = []
    columns = query(
        warehouse,
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE data_type = 'VARCHAR' AND NOT internal",
    )
    for schema, table, column in columns:
        for form in forms:
            count = query(
                warehouse,
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE contains("{column}", ?)',
                [form],
            )[0][0]
            if count:
                found.append(f"{schema}.{table}.{column}")
    return found


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    placed=resident_ids(),
    cell=st.sampled_from(_CELLS),
    row=st.integers(0, 10),
    refused=st.booleans(),
)
@pytest.mark.slow
def test_an_id_number_never_reaches_the_warehouse_the_console_or_dagsters_log(
    placed, cell, row, refused, capsys, caplog, monkeypatch
):
    """A real `junheng validate` and `junheng run`, recorded in a Dagster instance."""
    written, number = placed
    (file, column) = cell
    files = valid_year()
    _place(files, file, column, row, written)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        year_dir = write_year(root / "in", 2024, files)
        if refused:
            _stray_quote(year_dir, file, written)
        (root / "dagster").mkdir()
        monkeypatch.setenv("DAGSTER_HOME", str(root / "dagster"))
        with caplog.at_level(logging.DEBUG):
            main(["validate", "--input", str(root / "in")])
            code = main(["run", "--input", str(root / "in"), "--warehouse", str(root / "w.duckdb")])
        out = capsys.readouterr()
        texts = [out.out, out.err, caplog.text]
        instance = dg.DagsterInstance.get()
        runs = instance.get_runs()
        assert len(runs) == 1
        for record in instance.all_logs(runs[0].run_id):
            texts.append(record.message or "")
            if record.dagster_event:
                texts.append(repr(record.dagster_event.event_specific_data))
        instance.dispose()
        assert not _in_clear(number, written, texts)
        if code in (0, 1):
            forms = {number, number.upper(), written.strip()}
            assert not _varchar_cells_holding(root / "w.duckdb", forms)
        else:
            assert refused and code == 3
        caplog.clear()
