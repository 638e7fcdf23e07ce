"""Tables Python writes where SQL cannot say it (a solver). They are built in the year's step
like the SQL models: after the tables they read, into the same build copy, reported the same
way once the year is published (assets.year_build)."""

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import duckdb


@dataclass(frozen=True, eq=False)
class PythonModel:
    tables: tuple[str, ...]  # schema.table it writes
    dependencies: tuple[str, ...]  # schema.table it reads
    descriptions: dict[str, str]  # table → what it holds
    build: Callable[[duckdb.DuckDBPyConnection, int], list[dg.MaterializeResult]]

    def specs(self) -> list[dg.AssetSpec]:
        return [
            dg.AssetSpec(
                table.split("."),
                group_name=table.split(".")[0],
                kinds={"duckdb", "python"},
                description=self.descriptions[table],
                deps=[dg.AssetKey(t.split(".")) for t in self.dependencies],
            )
            for table in self.tables
        ]
