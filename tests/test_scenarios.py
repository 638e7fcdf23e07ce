"""Scenario models are the method's files with only their schema names renamed."""

import duckdb

from assets.sql_models import SCENARIOS, discover_models, rename_schemas, tables_read
from tests.helpers import query, run_year, write_year
from tests.remediation_district import district

SQL = """-- 表 | a model reading staging.schools (this comment stays)
WITH staging AS (SELECT 1 AS year)
SELECT s.year, 'staging.schools' AS label, m.cv
FROM staging.schools AS s
INNER JOIN marts.coefficients AS m ON m.year = s.year
LEFT JOIN reference.settings AS r ON r.year = s.year
CROSS JOIN staging
"""


def test_only_table_references_are_renamed():
    renamed = rename_schemas(SQL, {"staging": "plan_input", "marts": "plan"})
    assert renamed == SQL.replace("FROM staging.schools", "FROM plan_input.schools").replace(
        "JOIN marts.coefficients", "JOIN plan.coefficients"
    )
    # The comment, the string, the CTE named like a schema and reference.* are untouched.
    assert tables_read(renamed) == {"plan_input.schools", "plan.coefficients", "reference.settings"}


def test_each_scenario_reads_its_own_inputs_and_the_shared_reference_and_audit():
    models = {m.table: m for m in discover_models()}
    for scenario in SCENARIOS:
        derived = [m for m in models.values() if m.schema in (scenario.name, scenario.inputs)]
        assert {m.table for m in derived} >= {
            f"{scenario.name}.{t.split('.')[1]}" for t in scenario.models
        }
        for model in derived:
            for table in model.dependencies:
                schema = table.split(".")[0]
                assert schema in {"reference", "audit", scenario.name, scenario.inputs} or (
                    model.schema == scenario.inputs and schema == "staging"
                ), (model.table, table)
            assert model.comments[""].startswith(scenario.label)
            # Same text as the file apart from schema names.
            original = model.path.read_text(encoding="utf-8")
            assert len(model.sql.splitlines()) == len(original.splitlines())


def test_the_scenario_inputs_are_views_and_an_older_warehouse_gets_them(tmp_path):
    # Views: staging plus the scenario's additions, computed when read, never a copy of every
    # teacher. A warehouse written before stored them as tables; the next run replaces those.
    write_year(tmp_path / "in", 2024, district())
    warehouse = tmp_path / "w.duckdb"
    assert run_year(tmp_path / "in", warehouse, 2024).success
    inputs = [m.table for m in discover_models() if m.materialized == "view"]
    shared = ("enrollment", "facilities", "finance", "rooms", "schools", "teachers")
    assert sorted(inputs) == sorted(
        [f"needs_input.{t}" for t in shared]  # `needs` recomputes no county item
        + [f"plan_input.{t}" for t in (*shared, "county_items")]
    )
    views = query(warehouse, "SELECT schema_name || '.' || view_name FROM duckdb_views()")
    assert set(inputs) <= {v for (v,) in views}
    # needs_input.teachers: the staged teachers of the counties with additions (150103 has
    # none) plus one row per teacher added.
    [(staged, added, seen)] = query(
        warehouse,
        "SELECT (SELECT count(*) FROM staging.teachers JOIN staging.schools "
        " USING (year, school_id) WHERE county_code IN "
        " (SELECT county_code FROM needs_input.additions)), "
        "(SELECT coalesce(sum(amount), 0) FROM needs_input.additions a "
        " JOIN reference.plan_actions p USING (year, action) WHERE p.unit = 'teachers'), "
        "(SELECT count(*) FROM needs_input.teachers)",
    )
    assert added > 0 and seen == staged + added

    with duckdb.connect(str(warehouse)) as con:  # as an older run left it
        con.execute("DROP VIEW needs_input.teachers")
        con.execute("CREATE TABLE needs_input.teachers AS SELECT * FROM staging.teachers")
    assert run_year(tmp_path / "in", warehouse, 2024).success
    assert query(
        warehouse,
        "SELECT (SELECT count(*) FROM duckdb_views() WHERE view_name = 'teachers'), "
        "(SELECT count(*) FROM needs_input.teachers)",
    ) == [(2, seen)]
