"""SQL models: each ``dbt_like_sql/<schema>/<table>.sql`` is the asset ``[schema, table]``,
in the group ``<schema>``; a new file (or a new folder of them) is a new asset, no code needed.

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
import time
from dataclasses import dataclass, field
from functools import cache, cached_property
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import dagster as dg
import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from assets.cross_year import earlier_year_tables
from assets.metadata import table_metadata
from assets.parse_cache import remembered
from assets.warehouse import Write, replace_view, replace_year

SQL_DIR = Path(__file__).resolve().parent.parent / "dbt_like_sql"
TEMPLATES = "scenario_input"  # the scenarios' input tables, instantiated once per scenario
_COLUMN_COMMENT = re.compile(r"^--\s*([a-z_0-9]+):\s*(.+)$")
_HEADER_SETTINGS = {"materialized"}  # header lines that set how a model is built, not comments


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
    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    @property
    def key(self) -> dg.AssetKey:
        return dg.AssetKey(self.table.split("."))

    @property
    def source(self) -> str:
        """The model's file as a reader finds it: dbt_like_sql/<schema>/<table>.sql."""
        return str(self.path.relative_to(SQL_DIR.parent))

    @property
    def code_version(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:12]

    @cached_property
    def _header(self) -> tuple[dict[str, str], dict[str, str]]:
        """The leading ``--`` lines, read once: (comments, header settings)."""
        comments: dict[str, str] = {}
        settings: dict[str, str] = {}
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            match = _COLUMN_COMMENT.match(line)
            if match and match.group(1) in _HEADER_SETTINGS:
                settings[match.group(1)] = match.group(2).strip()
            elif match and comments:
                comments[match.group(1)] = match.group(2).strip()
            elif not comments:
                comments[""] = self.label + line.removeprefix("--").strip()
        return comments, settings

    @property
    def comments(self) -> dict[str, str]:
        """'' → the table's comment, column → its comment, from the leading ``--`` lines."""
        return self._header[0]

    @property
    def materialized(self) -> str:
        """'table' (the rows of each year stored), or 'view' from a ``-- materialized: view``
        header line: the query stored, computed when read (the scenarios' inputs, which are
        staging plus a few additions: a copy of 10 M teachers per scenario would cost seconds)."""
        kind = self._header[1].get("materialized", "table")
        if kind not in ("table", "view"):
            raise ValueError(f"{self.source}: materialized is 'table' or 'view'")
        return kind

    @cached_property
    def dependencies(self) -> list[str]:
        return sorted(tables_read(self.sql))

    @cached_property
    def earlier_year_dependencies(self) -> set[str]:
        """Tables of which year Y of this model reads years ≤ Y (``assets.cross_year``)."""
        tables = earlier_year_tables(self.sql)
        unknown = tables - set(self.dependencies)
        if unknown:
            raise ValueError(
                f"{self.path.name}: reads earlier years of tables it does not read: "
                f"{', '.join(sorted(unknown))}"
            )
        return tables


@cache
def tables_read(sql: str) -> frozenset[str]:
    """Schema-qualified tables a query reads; CTE names and subqueries are not tables."""
    return frozenset(remembered("tables_read", sql, lambda: sorted(_tables_read(sql))))


def _tables_read(sql: str) -> set[str]:
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
    return _renamed(sql, tuple(sorted(renames.items())))


@cache
def _renamed(sql: str, pairs: tuple[tuple[str, str], ...]) -> str:
    return remembered(f"renamed{list(pairs)}", sql, lambda: _renamed_by_parsing(sql, dict(pairs)))


def _renamed_by_parsing(sql: str, renames: dict[str, str]) -> str:
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
        (
            "indicators.school_sections",
            "indicators.school_guarantee",
            "marts.school_indicator_compliance",
            "marts.coefficients",
        ),
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
    """Every ``dbt_like_sql/<schema>/<table>.sql`` and the scenario models derived from them,
    each after the models it reads."""
    base = {
        m.table: m
        for m in (
            SqlModel(path, path.read_text(encoding="utf-8"))
            for path in sorted(SQL_DIR.glob("*/*.sql"))
            if path.parent.name != TEMPLATES
        )
    }
    derived = [m for s in SCENARIOS for m in _derive(s, base)]
    return in_dependency_order([*base.values(), *derived])


def in_dependency_order(models: list) -> list:
    """Models (SQL, or Python: anything with ``tables`` and ``dependencies``) in an order where
    each comes after the models whose tables it reads."""
    by_name = {m.tables[0]: m for m in models}
    writer = {table: m.tables[0] for m in models for table in m.tables}
    graph = {
        m.tables[0]: sorted({writer[t] for t in m.dependencies if t in writer}) for m in models
    }
    try:
        return [by_name[name] for name in TopologicalSorter(graph).static_order()]
    except CycleError as exc:
        raise ValueError(f"models read each other in a cycle: {exc.args[1]}") from None


def model_spec(model: SqlModel) -> dg.AssetSpec:
    return dg.AssetSpec(
        model.key,
        deps=[dg.AssetKey(t.split(".")) for t in model.dependencies],
        group_name=model.group,
        code_version=model.code_version,
        kinds={"duckdb", "sql"},
        description=model.comments.get("", model.table),
        metadata={
            "sql_file": dg.MetadataValue.path(model.source),
            "materialized": model.materialized,
            **({"derived_for": model.schema} if model.schema else {}),
            **(
                {"reads_earlier_years": ", ".join(sorted(model.earlier_year_dependencies))}
                if model.earlier_year_dependencies
                else {}
            ),
        },
    )


def build_model(
    con: duckdb.DuckDBPyConnection, model: SqlModel, year: int, checks=None, figures=None
) -> tuple[dg.MaterializeResult, list[dg.AssetCheckResult]]:
    """Replace the year of ``model.table`` with the model's rows; its result and checks.

    ``checks(con, year)`` yields the model's AssetCheckResults after the write;
    ``figures(con, year)`` returns extra metadata a reader wants at a glance.
    """
    started = time.perf_counter()
    query = model.sql.rstrip().rstrip(";")
    if model.materialized == "view":
        replace_view(con, model.table, query, model.comments)
        rows = None
    else:
        # The query's year straight into the table, in the write's transaction: no copy first.
        of_year = f"(SELECT * FROM (\n{query}\n) WHERE year = {int(year)})"
        write = Write(model.table, of_year, model.comments, of_year_only=True)
        rows = replace_year(con, year, [write])[model.table]
    metadata = table_metadata(con, model.table, year, rows)
    metadata |= figures(con, year) if figures else {}
    metadata["seconds"] = dg.MetadataValue.float(round(time.perf_counter() - started, 3))
    results = [_of_asset(result, model.key) for result in checks(con, year)] if checks else []
    return dg.MaterializeResult(asset_key=model.key, metadata=metadata), results


def _of_asset(result: dg.AssetCheckResult, key: dg.AssetKey) -> dg.AssetCheckResult:
    """The check result with its asset named: one step reports the checks of many assets."""
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=result.check_name,
        passed=result.passed,
        severity=result.severity,
        metadata=result.metadata,
        description=result.description,
    )
