"""SQL models: each ``dbt_like_sql/<schema>/<table>.sql`` is the asset ``[schema, table]``.

A model is one plain DuckDB SELECT over schema-qualified tables, runnable as it stands in the
DuckDB CLI. Its dependencies are read from the SQL with sqlglot's scope analysis (CTEs are not
tables); the file's own text is what runs. The leading comment block documents the table
(first line) and its columns (``-- column: 中文 | English``).

Scenarios recompute the method on other inputs (DOMAIN.md §8): the year with every need met
(``needs``), the year with the county's plan applied (``plan``). Their models are the same
files with only their schema names renamed in the text (``staging.teachers`` →
``needs_input.teachers``, ``marts.coefficients`` → ``needs.coefficients``): one method, never a
second copy. Their inputs are the templates of ``dbt_like_sql/scenario_input/``, which apply the
scenario's ``<scenario>_input.additions`` to the staging tables.
"""

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import dagster as dg
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from assets.metadata import table_metadata
from assets.partitions import school_years
from assets.resources import WarehouseResource
from assets.warehouse import DUCKDB_POOL, Write, execute, replace_year

SQL_DIR = Path(__file__).resolve().parent.parent / "dbt_like_sql"
MODEL_SCHEMAS = ("indicators", "marts", "needs_input", "plan_input")
TEMPLATES = "scenario_input"  # the scenarios' input tables, instantiated once per scenario
_COLUMN_COMMENT = re.compile(r"^--\s*([a-z_0-9]+):\s*(.+)$")


@dataclass(frozen=True)
class SqlModel:
    path: Path
    sql: str = field(repr=False)
    schema: str = ""  # the schema it writes; its folder's name unless derived for a scenario
    label: str = ""  # put before the table comment of a derived model

    @property
    def table(self) -> str:
        return f"{self.schema or self.path.parent.name}.{self.path.stem}"

    @property
    def group(self) -> str:
        return self.table.split(".")[0]

    @property
    def key(self) -> dg.AssetKey:
        return dg.AssetKey(self.table.split("."))

    @property
    def code_version(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:12]

    @cached_property
    def comments(self) -> dict[str, str]:
        """'' → the table's comment, column → its comment, from the leading ``--`` lines."""
        comments: dict[str, str] = {}
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            match = _COLUMN_COMMENT.match(line)
            if match and comments:
                comments[match.group(1)] = match.group(2).strip()
            elif not comments:
                comments[""] = self.label + line.removeprefix("--").strip()
        return comments

    @cached_property
    def dependencies(self) -> list[str]:
        return sorted(tables_read(self.sql))


def tables_read(sql: str) -> set[str]:
    """Schema-qualified tables a query reads; CTE names and subqueries are not tables."""
    tree = sqlglot.parse_one(sql, dialect="duckdb")
    tables = set()
    for scope in traverse_scope(tree):
        for source in scope.sources.values():
            if isinstance(source, exp.Table):
                if not source.db:
                    raise ValueError(f"table '{source.name}' is not schema-qualified")
                tables.add(f"{source.db}.{source.name}")
    return tables


def rename_schemas(sql: str, renames: dict[str, str]) -> str:
    """The same text reading other schemas: ``old.table`` → ``new.table`` for each table
    reference whose schema is renamed. Only those identifiers change (found by sqlglot, at
    their place in the text), so comments, layout and every other word stay as written."""
    spans = []
    for table in sqlglot.parse_one(sql, dialect="duckdb").find_all(exp.Table):
        schema = table.args.get("db")
        if schema is not None and schema.name in renames:
            start, end = schema.meta["start"], schema.meta["end"] + 1
            if sql[start:end] != schema.name:
                raise ValueError(f"cannot place schema {schema.name!r} at {start} in the text")
            spans.append((start, end, renames[schema.name]))
    for start, end, new in sorted(spans, reverse=True):
        sql = sql[:start] + new + sql[end:]
    return sql


@dataclass(frozen=True)
class Scenario:
    name: str  # the schema of its results; its inputs are in <name>_input
    label: str
    models: tuple[str, ...]  # the method models it recomputes

    @property
    def inputs(self) -> str:
        return f"{self.name}_input"


METHOD_MODELS = (
    "indicators.school_sections",
    "indicators.school_guarantee",
    "marts.school_indicator_compliance",
    "marts.school_compliance",
    "marts.coefficients",
    "marts.county_compliance",
    "marts.county_verdict",
)

SCENARIOS = (
    Scenario(
        "needs",
        "需求满足后 (每个学段补足到标准) | after every section received its shortfall: ",
        ("indicators.school_sections", "marts.school_indicator_compliance", "marts.coefficients"),
    ),
    Scenario("plan", "化解计划实施后 | with the year's plan (化解计划) applied: ", METHOD_MODELS),
)


def _derive(scenario: Scenario, base: dict[str, SqlModel]) -> list[SqlModel]:
    renames = {"staging": scenario.inputs, "indicators": scenario.name, "marts": scenario.name}
    derived = [
        SqlModel(m.path, rename_schemas(m.sql, renames), scenario.name, scenario.label)
        for m in (base[name] for name in scenario.models)
    ]
    # The input tables those models read, and the input tables these read in turn.
    templates = {p.stem: p for p in (SQL_DIR / TEMPLATES).glob("*.sql")}
    inputs: dict[str, SqlModel] = {}
    pending = _inputs_read(derived, scenario)
    while pending:
        name = pending.pop()
        sql = rename_schemas(
            templates[name].read_text(encoding="utf-8"), {TEMPLATES: scenario.inputs}
        )
        inputs[name] = SqlModel(templates[name], sql, scenario.inputs, scenario.label)
        pending |= _inputs_read([inputs[name]], scenario) - set(inputs)
    return derived + [inputs[name] for name in sorted(inputs)]


def _inputs_read(models: list[SqlModel], scenario: Scenario) -> set[str]:
    """The scenario's input tables the models read (its additions are a model of their own)."""
    prefix = f"{scenario.inputs}."
    read = {t.removeprefix(prefix) for m in models for t in m.dependencies if t.startswith(prefix)}
    return read - {"additions"}


def discover_models() -> list[SqlModel]:
    """Every model: the files of MODEL_SCHEMAS and the scenarios derived from them."""
    base = [
        SqlModel(path, path.read_text(encoding="utf-8"))
        for schema in MODEL_SCHEMAS
        for path in sorted((SQL_DIR / schema).glob("*.sql"))
    ]
    by_table = {m.table: m for m in base}
    return base + [m for s in SCENARIOS for m in _derive(s, by_table)]


def model_asset(
    model: SqlModel, check_specs: list[dg.AssetCheckSpec], checks=None, figures=None
) -> dg.AssetsDefinition:
    """An asset that replaces the partition's year of ``model.table`` with the model's rows.

    ``checks(con, year)`` yields the AssetCheckResults of ``check_specs`` after the write;
    ``figures(con, year)`` returns extra metadata a reader wants at a glance.
    """

    @dg.asset(
        key=model.key,
        deps=[dg.AssetKey(t.split(".")) for t in model.dependencies],
        group_name=model.group,
        partitions_def=school_years,
        pool=DUCKDB_POOL,
        code_version=model.code_version,
        kinds={"duckdb", "sql"},
        description=model.comments.get("", model.table),
        check_specs=check_specs,
        metadata={
            "sql_file": dg.MetadataValue.path(str(model.path.relative_to(SQL_DIR.parent))),
            **({"derived_for": model.schema} if model.schema else {}),
        },
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        year = int(context.partition_key)
        with warehouse.connect() as con:
            execute(
                con,
                "CREATE TEMP TABLE model_rows AS SELECT * FROM (\n"
                + model.sql.rstrip().rstrip(";")
                + "\n) WHERE year = ?",
                [year],
            )
            replace_year(con, year, [Write(model.table, "model_rows", model.comments)])
            metadata = table_metadata(con, model.table, year)
            metadata |= figures(con, year) if figures else {}
            results = list(checks(con, year)) if checks else []
        yield dg.MaterializeResult(metadata=metadata)
        yield from results

    return _asset
