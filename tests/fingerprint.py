"""A fingerprint of every table and view of a warehouse, to tell whether a rework changed results.

    python -m tests.fingerprint WAREHOUSE [--out FILE]      # print or write it (JSON)

Per table or view (every schema; `audit.source_files` without `ingested_at` and `path`, the
clock and where the input folder was): its row count; an MD5 of its rows sorted, over every
column that is not floating point; and for each floating-point column its sum, minimum, maximum
and count of values. Floating-point values are compared within 1e-9 (relative) rather than
hashed: DuckDB sums in parallel, so the last bit of a sum can differ between two runs of the
same code; any real change moves them more.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import duckdb

FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
LEFT_OUT = {"audit.source_files": {"ingested_at", "path"}}  # the clock; where the input was
TOLERANCE = 1e-9


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fingerprint(warehouse: Path) -> dict[str, dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal ORDER BY ALL"
        ).fetchall()
        return {f"{s}.{t}": _of_table(con, s, t) for s, t in relations}
    finally:
        con.close()


def _of_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict:
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()
    left_out = LEFT_OUT.get(f"{schema}.{table}", set())
    exact = [c for c, t in columns if c not in left_out and t not in FLOAT_TYPES]
    floats = [c for c, t in columns if t in FLOAT_TYPES]
    name = f"{_quoted(schema)}.{_quoted(table)}"
    row_text = " || '|' || ".join(f"coalesce({_quoted(c)}::VARCHAR, '∅')" for c in exact) or "''"
    rows, digest = con.execute(
        f"SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) "
        f"FROM (SELECT {row_text} AS r FROM {name})"
    ).fetchall()[0]
    result: dict = {"rows": rows, "columns": [c for c, _ in columns], "exact_md5": digest}
    for column in floats:
        c = _quoted(column)
        total, low, high, count = con.execute(
            f"SELECT sum({c}), min({c}), max({c}), count({c}) FROM {name}"
        ).fetchall()[0]
        result[f"float:{column}"] = [total, low, high, count]
    return result


def differences(before: dict, after: dict) -> list[str]:
    """What differs, one line per table and property; empty when the two agree."""
    found = []
    for table in sorted(before.keys() | after.keys()):
        if table not in after or table not in before:
            found.append(f"{table}: only {'before' if table in before else 'after'}")
            continue
        old, new = before[table], after[table]
        for key in sorted(old.keys() | new.keys()):
            a, b = old.get(key), new.get(key)
            if key.startswith("float:") and a is not None and b is not None:
                same = all(
                    x == y
                    or (
                        x is not None
                        and y is not None
                        and math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
                    )
                    for x, y in zip(a, b, strict=True)
                )
            else:
                same = a == b
            if not same:
                found.append(f"{table}.{key}: {a!r} → {b!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    text = json.dumps(fingerprint(args.warehouse), indent=1, sort_keys=True, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
