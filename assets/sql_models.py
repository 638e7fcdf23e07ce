"""SQL models: each ``dbt_like_sql/<schema>/<table>.sql`` is the asset ``[schema, table]``.

A model is one plain DuckDB SELECT over schema-qualified tables, runnable as it stands in the
DuckDB CLI. Its dependencies are read from the SQL with sqlglot's scope analysis (CTEs are not
tables); the file's own text is what runs. The leading comment block documents the table
(first line) and its columns (``-- column: 中文 | English``).
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

from assets.cross_year import earlier_year_tables, this_and_earlier_years
from assets.metadata import table_metadata
from assets.partitions import school_years
from assets.resources import WarehouseResource
from assets.warehouse import DUCKDB_POOL, Write, execute, replace_year

SQL_DIR = Path(__file__).resolve().parent.parent / "dbt_like_sql"
MODEL_SCHEMAS = ("indicators", "marts")
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

    def dependency(self, table: str) -> dg.AssetKey | dg.AssetDep:
        key = dg.AssetKey(table.split("."))
        if table in self.earlier_year_dependencies:
            return dg.AssetDep(key, partition_mapping=this_and_earlier_years(school_years))
        return key


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
    return [
        SqlModel(path, path.read_text(encoding="utf-8"))
        for schema in MODEL_SCHEMAS
        for path in sorted((SQL_DIR / schema).glob("*.sql"))
    ]


def model_asset(
    model: SqlModel, check_specs: list[dg.AssetCheckSpec], checks=None, figures=None
) -> dg.AssetsDefinition:
    """An asset that replaces the partition's year of ``model.table`` with the model's rows.

    ``checks(con, year)`` yields the AssetCheckResults of ``check_specs`` after the write;
    ``figures(con, year)`` returns extra metadata a reader wants at a glance.
    """

    @dg.asset(
        key=model.key,
        deps=[model.dependency(t) for t in model.dependencies],
        group_name=model.path.parent.name,
        partitions_def=school_years,
        pool=DUCKDB_POOL,
        code_version=model.code_version,
        kinds={"duckdb", "sql"},
        description=model.comments.get("", model.table),
        check_specs=check_specs,
        metadata={"sql_file": dg.MetadataValue.path(str(model.path.relative_to(SQL_DIR.parent)))},
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
