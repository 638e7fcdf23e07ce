"""SQL models: each ``dbt_like_sql/<schema>/<table>.sql`` is the asset ``[schema, table]``,
in the group ``<schema>``; a new file (or a new folder of them) is a new asset, no code needed.

A model is one plain DuckDB SELECT over schema-qualified tables, runnable as it stands in the
DuckDB CLI. Its dependencies are read from the SQL with sqlglot's scope analysis (CTEs are not
tables); the file's own text is what runs. The leading comment block documents the table
(first line) and its columns (``-- column: 中文 | English``).
"""

import hashlib
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import dagster as dg
import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from assets.metadata import table_metadata
from assets.warehouse import Write, execute, replace_year

SQL_DIR = Path(__file__).resolve().parent.parent / "dbt_like_sql"
_COLUMN_COMMENT = re.compile(r"^--\s*([a-z_0-9]+):\s*(.+)$")


@dataclass(frozen=True)
class SqlModel:
    path: Path
    sql: str = field(repr=False)

    @property
    def table(self) -> str:
        return f"{self.path.parent.name}.{self.path.stem}"

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
                comments[""] = line.removeprefix("--").strip()
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


def discover_models() -> list[SqlModel]:
    """Every ``dbt_like_sql/<schema>/<table>.sql``, each after the models it reads."""
    models = {
        m.table: m
        for m in (
            SqlModel(path, path.read_text(encoding="utf-8"))
            for path in sorted(SQL_DIR.glob("*/*.sql"))
        )
    }
    order = TopologicalSorter(
        {table: [d for d in m.dependencies if d in models] for table, m in models.items()}
    )
    try:
        return [models[table] for table in order.static_order()]
    except CycleError as exc:
        raise ValueError(f"SQL models read each other in a cycle: {exc.args[1]}") from None


def model_spec(model: SqlModel) -> dg.AssetSpec:
    return dg.AssetSpec(
        model.key,
        deps=[dg.AssetKey(t.split(".")) for t in model.dependencies],
        group_name=model.path.parent.name,
        code_version=model.code_version,
        kinds={"duckdb", "sql"},
        description=model.comments.get("", model.table),
        metadata={"sql_file": dg.MetadataValue.path(model.source)},
    )


def build_model(
    con: duckdb.DuckDBPyConnection, model: SqlModel, year: int, checks=None, figures=None
) -> tuple[dg.MaterializeResult, list[dg.AssetCheckResult]]:
    """Replace the year of ``model.table`` with the model's rows; its result and checks.

    ``checks(con, year)`` yields the model's AssetCheckResults after the write;
    ``figures(con, year)`` returns extra metadata a reader wants at a glance.
    """
    started = time.perf_counter()
    execute(
        con,
        "CREATE OR REPLACE TEMP TABLE model_rows AS SELECT * FROM (\n"
        + model.sql.rstrip().rstrip(";")
        + "\n) WHERE year = ?",
        [year],
    )
    replace_year(con, year, [Write(model.table, "model_rows", model.comments)])
    execute(con, "DROP TABLE model_rows")
    metadata = table_metadata(con, model.table, year)
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
