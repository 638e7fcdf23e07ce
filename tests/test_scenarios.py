"""Scenario models are the method's files with only their schema names renamed."""

from assets.sql_models import SCENARIOS, discover_models, rename_schemas, tables_read

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
