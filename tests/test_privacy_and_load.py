"""Personal data never leaves the pseudonymiser; a province-sized run loses no row."""

import logging
import os

import pytest

from assets.reading import InputFileError, find_year_files
from pipelines.definitions import build_definitions
from pipelines.generate import generate
from pipelines.jobs import WAREHOUSE_JOB
from tests import district as d
from tests.helpers import QUIET, instance_with_years, query, write_year


def test_no_clear_teacher_id_in_tables_logs_or_event_metadata(tmp_path, caplog):
    files = d.district()
    national = "500112198001011234"
    files["teachers"][0]["teacher_id"] = national
    files["teachers"][1]["teacher_id"] = national  # a duplicate: rejected, value and raw row
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
    assert national not in blob
    assert not [i for i in clear if f"'{i}'" in blob or f'"{i}"' in blob]
    columns = query(
        tmp_path / "w.duckdb",
        "SELECT schema_name, table_name, column_name FROM "
        "duckdb_columns() WHERE data_type = 'VARCHAR'",
    )
    for schema, table, column in columns:
        found = query(
            tmp_path / "w.duckdb",
            f'SELECT count(*) FROM {schema}.{table} WHERE contains("{column}", ?)',
            [national],
        )[0][0]
        assert found == 0, f"{schema}.{table}.{column}"
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
        "SELECT file_kind, rows_read, rows_accepted, rows_rejected FROM audit.source_files",
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
