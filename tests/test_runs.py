"""The Dagster code location and whole runs: graph, lineage, idempotency, atomic failure."""

import shutil

import dagster as dg
import pytest

from assets.partitions import school_years
from assets.resources import InputsResource, WarehouseResource
from assets.sql_models import discover_models, tables_read
from pipelines.definitions import defs, warehouse_assets
from schemas.reference_data import BUNDLED_DIR
from tests import district as d
from tests.helpers import instance_with_years, query, run_year, snapshot_tables, write_year

CONTRACT_COLUMNS = {
    "audit.source_files": [
        "path",
        "sha256",
        "rows_read",
        "rows_accepted",
        "rows_rejected",
        "ingested_at",
    ],
    "audit.rejected_rows": [
        "file",
        "row_number",
        "column_name",
        "rule",
        "value",
        "message",
        "raw_row",
    ],
    "indicators.school_sections": [
        "county_code",
        "school_id",
        "stage",
        "students",
        "resource_share",
        "evaluated",
        "exclusion_reason",
        "qualified_teachers_per100",
        "backbone_teachers_per100",
        "pe_art_teachers_per100",
        "teaching_area_per_student",
        "sports_area_per_student",
        "equipment_value_per_student",
        "multimedia_rooms_per100",
    ],
    "marts.school_indicator_compliance": [
        "county_code",
        "indicator",
        "value",
        "standard",
        "ratio_to_standard",
        "met",
    ],
    "marts.school_compliance": ["county_code", "indicators_met", "indicators_under_85", "status"],
    "marts.coefficients": [
        "county_code",
        "stage",
        "indicator",
        "sections",
        "students",
        "county_value",
        "std_dev",
        "cv",
        "cv_limit",
        "passed",
    ],
}


def test_asset_graph_snapshot(snapshot):
    graph = defs.resolve_asset_graph()
    described = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        described[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "partitioned": node.partitions_def is not None,
            "checks": sorted(c.name for c in graph.get_check_keys_for_assets([key])),
        }
    assert described == snapshot


def test_every_table_a_model_reads_is_produced_by_an_asset():
    graph = defs.resolve_asset_graph()
    materialisable = {k.to_user_string().replace("/", ".") for k in graph.materializable_asset_keys}
    for model in discover_models():
        assert model.dependencies, model.path
        missing = set(model.dependencies) - materialisable
        assert not missing, f"{model.path.name} reads tables no asset produces: {missing}"


def test_dependencies_come_from_tables_not_ctes():
    sql = """WITH a AS (SELECT * FROM staging.schools), b AS (SELECT * FROM a)
             SELECT * FROM b JOIN reference.standards s ON true
             WHERE EXISTS (SELECT 1 FROM audit.rejected_rows)"""
    assert tables_read(sql) == {"staging.schools", "reference.standards", "audit.rejected_rows"}
    with pytest.raises(ValueError, match="schema-qualified"):
        tables_read("SELECT * FROM schools")


def test_definitions_have_yearly_partitions_pools_and_checks():
    job = defs.resolve_job_def("warehouse_job")
    assert job.partitions_def == school_years  # the years are those the input root has
    graph = defs.resolve_asset_graph()
    for key in graph.materializable_asset_keys:
        assert graph.get(key).pools == {"duckdb_warehouse"}, key


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Years 2023 and 2024 of the hand-worked district in one warehouse."""
    root = tmp_path_factory.mktemp("inputs")
    files = d.district()
    write_year(root, 2023, files)
    write_year(root, 2024, files)
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    for year in (2023, 2024):
        assert run_year(root, path, year).success
    return root, path


def test_contract_tables_and_columns_exist_with_comments(built):
    _, path = built
    for table, columns in CONTRACT_COLUMNS.items():
        schema, name = table.split(".")
        present = dict(
            query(
                path,
                "SELECT column_name, comment FROM duckdb_columns() WHERE "
                "schema_name = ? AND table_name = ?",
                [schema, name],
            )
        )
        assert set(columns) <= set(present), table
        assert "year" in present
        assert all(present.values()), f"{table}: columns without a comment"
        assert query(
            path,
            "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [schema, name],
        )[0][0]


def test_rerunning_a_year_gives_identical_tables(built, tmp_path):
    root, path = built
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(path, copy)
    before = snapshot_tables(copy)
    assert run_year(root, copy, 2024).success
    assert snapshot_tables(copy) == before


def test_failed_file_leaves_the_warehouse_untouched(built, tmp_path):
    root, path = built
    broken = tmp_path / "inputs"
    shutil.copytree(root, broken)
    (broken / "2024" / "teachers.csv").write_text("teacher_id,school_id\nT1,1101010001\n")
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(path, copy)
    before = snapshot_tables(copy)
    result = run_year(broken, copy, 2024)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "teachers.csv" in failure.step_failure_data.user_failure_data.description
    assert "missing required column" in failure.step_failure_data.user_failure_data.description
    assert snapshot_tables(copy) == before


def test_a_failure_after_staging_publishes_nothing(built, tmp_path, monkeypatch):
    # A broken setting makes the SQL models fail after staging was written to the build copy.
    root, path = built
    override = tmp_path / "reference"
    override.mkdir()
    text = (
        (BUNDLED_DIR / "settings.csv")
        .read_text(encoding="utf-8")
        .replace("teaching_point_min_students,50,", "teaching_point_min_students,fifty,")
    )
    (override / "settings.csv").write_text(text, encoding="utf-8")
    monkeypatch.setenv("JUNHENG_REFERENCE_DIR", str(override))
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(path, copy)
    before = snapshot_tables(copy)
    result = run_year(root, copy, 2024)
    assert not result.success
    assert snapshot_tables(copy) == before
    assert not list(tmp_path.glob(".copy.duckdb.build-*"))  # the build copy is cleaned up


def test_years_are_independent_and_pseudonyms_stable(built):
    _, path = built
    per_year = query(
        path, "SELECT year, count(*) FROM indicators.school_sections GROUP BY year ORDER BY year"
    )
    assert per_year[0][1] == per_year[1][1] and [y for y, _ in per_year] == [2023, 2024]
    same = query(
        path,
        "SELECT count(*) FROM staging.teachers a JOIN staging.teachers b "
        "ON a.teacher_id = b.teacher_id AND a.year = 2023 AND b.year = 2024",
    )
    assert (
        same[0][0] == query(path, "SELECT count(*) FROM staging.teachers WHERE year = 2024")[0][0]
    )


@pytest.mark.slow
def test_no_clear_teacher_id_reaches_any_table(built):
    root, path = built
    clear_ids = {r["teacher_id"] for r in d.district()["teachers"]}
    columns = query(
        path,
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE data_type = 'VARCHAR'",
    )
    for schema, table, column in columns:
        values = {v for (v,) in query(path, f'SELECT DISTINCT "{column}" FROM {schema}.{table}')}
        assert not values & clear_ids, f"{schema}.{table}.{column}"
        # nor inside a raw row or a message
        for value in values:
            assert not any(f'"{i}"' in str(value) for i in list(clear_ids)[:50])


def test_materialize_with_dagster_api(tmp_path):
    """The same assets through ``dg.materialize``, as the Dagster docs' tests do."""
    write_year(tmp_path / "in", 2024, d.district())
    result = dg.materialize(
        [a for a in warehouse_assets() if isinstance(a, dg.AssetsDefinition)],
        partition_key="2024",
        instance=instance_with_years(2024),
        resources={
            "inputs": InputsResource(root=str(tmp_path / "in")),
            "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
        },
    )
    assert result.success
    rows = query(tmp_path / "w.duckdb", "SELECT count(*) FROM marts.school_compliance")
    # Evaluated sections: 110101 has P1, COMPLIES, BELOW_ONE, BELOW_TWO, TP_BIG, N0 primary (6),
    # N9, T12, BOUNDARY (2 each = 6) and CM junior (1) = 13; 110102 has 5; 110103 has 2 → 20.
    assert rows[0][0] == 20


def test_marts_carry_their_figures_in_the_materialisation(tmp_path):
    write_year(tmp_path / "in", 2024, d.district())
    result = run_year(tmp_path / "in", tmp_path / "w.duckdb", 2024)
    metadata = {}
    for event in result.get_asset_materialization_events():
        materialisation = event.event_specific_data.materialization
        metadata[materialisation.asset_key.to_user_string()] = materialisation.metadata
    coefficients = metadata["marts/coefficients"]
    # County 110102's junior backbone CV is 0.5 > 0.45 (see test_method).
    assert coefficients["cvs_over_limit"].value >= 1
    assert "backbone_teachers_per100" in coefficients["failing_cvs"].value
    assert (
        coefficients["dagster/row_count"].value
        == query(tmp_path / "w.duckdb", "SELECT count(*) FROM marts.coefficients")[0][0]
    )
    assert metadata["marts/school_compliance"]["sections_all_met"].value > 0
    for key, values in metadata.items():
        assert {"dagster/row_count", "dagster/column_schema", "preview"} <= set(values), key
