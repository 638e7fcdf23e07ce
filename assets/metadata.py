"""Materialisation metadata: row count, table name, column schema and a preview of the year."""

from __future__ import annotations

import dagster as dg
import duckdb

from assets.warehouse import qualified, table_columns

PREVIEW_ROWS = 10


def markdown_table(columns: list[str], rows: list[tuple]) -> str:
    def cell(value) -> str:
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def table_metadata(
    con: duckdb.DuckDBPyConnection, table: str, year: int, rows: int | None = None
) -> dict:
    """``rows``: the year's row count when the caller knows it (else counted)."""
    columns = table_columns(con, table)
    if rows is None:
        rows = con.execute(
            f"SELECT count(*) FROM {qualified(table)} WHERE year = ?", [year]
        ).fetchall()[0][0]
    preview = con.execute(
        f"SELECT * FROM {qualified(table)} WHERE year = ? LIMIT ?", [year, PREVIEW_ROWS]
    )
    names = [d[0] for d in preview.description]
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "dagster/table_name": dg.MetadataValue.text(table),
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(n, t, description=c) for n, t, c in columns]
        ),
        "preview": dg.MetadataValue.md(markdown_table(names, preview.fetchall())),
    }
