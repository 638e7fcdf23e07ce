"""A measurement, not part of the pipeline: the national teachers file ingested inside DuckDB.

    .venv/bin/python bench/duckdb_ingest_spike.py [bench/data/nation/2024] [/tmp/spike.duckdb]

The design the performance issue proposes for the ≤ 2 GiB target: the rows never become a
polars frame. One pass collects each cast column's distinct texts, which the project's own
cast (``schemas.casting.cast_series``) types; DuckDB then streams the CSV into a stored table,
pseudonymising the ids and looking each text up (the text kept only where it did not cast),
finds the failing rows with SQL rules, takes their raw rows from a second scan of the file,
and deletes them. It prints the seconds, memory now and peak memory of each stage.

Approximate on purpose, since only the cost is measured: the rules are a few of the teachers'
rules written as SQL, not the pandera schema; a school's stage is checked against the raw
enrolment, not the accepted one; rows are numbered as if the file had no title or blank rows.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl

from schemas.casting import cast_series
from schemas.contract import INPUT_FILES

KEY = "benchmark-key-0123456789abcdef"
SPEC = INPUT_FILES["teachers"]
CAST = [c.name for c in SPEC.columns if c.kind not in ("id", "text")]


class Memory:
    """This process's resident memory now, and its peak since the last ``reset``."""

    def __init__(self) -> None:
        self.peak = 0.0
        threading.Thread(target=self._sample, daemon=True).start()

    @staticmethod
    def now() -> float:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmRSS:")[1].split()[0]) / 2**20

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self.now())
            time.sleep(0.02)

    def reset(self) -> float:
        peak, self.peak = self.peak, self.now()
        return peak


def lookups(con: duckdb.DuckDBPyConnection) -> None:
    """A map from each distinct text to its cast value, per cast column (one scan for all)."""
    columns = ", ".join(CAST)
    sets = ", ".join(f"({c})" for c in CAST)
    distinct = con.sql(
        f"SELECT {columns}, GROUPING_ID({columns}) AS g FROM raw GROUP BY GROUPING SETS ({sets})"
    ).pl()
    for i, name in enumerate(CAST):
        texts = distinct.filter(pl.col("g") == 2 ** len(CAST) - 1 - 2 ** (len(CAST) - 1 - i))
        texts = texts[name].drop_nulls()
        column = next(c for c in SPEC.columns if c.name == name)
        con.register("lookup", pl.DataFrame({"raw": texts, "typed": cast_series(texts, column)}))
        con.execute(
            f"CREATE TEMP TABLE m_{name} AS SELECT map(list(raw), list(typed)) AS m FROM lookup"
        )
        con.unregister("lookup")


def typed_table(con: duckdb.DuckDBPyConnection) -> None:
    columns = [
        f"left(sha256('{KEY}' || chr(31) || upper(trim(r.teacher_id))), 20) AS teacher_id",
        "trim(r.school_id) AS school_id",
        "r.subject",
        *(f"m_{c}.m[r.{c}] AS {c}" for c in CAST),
        *(f"CASE WHEN m_{c}.m[r.{c}] IS NULL THEN r.{c} END AS raw_{c}" for c in CAST),
    ]
    maps = "".join(f", m_{c}" for c in CAST)
    con.execute(f"CREATE TABLE teachers AS SELECT {', '.join(columns)} FROM raw AS r{maps}")


RULES = [
    *(
        f"SELECT row, '{c}', 'cast', raw_{c} FROM t WHERE {c} IS NULL AND trim(raw_{c}) <> ''"
        for c in CAST
    ),
    *(
        f"SELECT row, '{c}', 'required', NULL FROM t WHERE {c} IS NULL "
        f"AND coalesce(trim(raw_{c}), '') = ''"
        for c in ("stage", "education", "title", "certified")
    ),
    "SELECT row, 'training_hours_5y', 'range', training_hours_5y::VARCHAR FROM t "
    "WHERE NOT training_hours_5y BETWEEN 0 AND 5000",
    "SELECT row, 'teacher_id', 'unique', teacher_id FROM (SELECT row, teacher_id, "
    "count(*) OVER (PARTITION BY teacher_id) AS n FROM t) WHERE n > 1",
    "SELECT row, 'school_id', 'known_school', school_id FROM t ANTI JOIN schools USING (school_id)",
    "SELECT row, 'stage', 'stage_not_in_school', stage FROM t "
    "ANTI JOIN enrolled USING (school_id, stage) WHERE stage IS NOT NULL",
]


def main(folder: Path, target: Path) -> None:
    for old in target.parent.glob(target.name + "*"):
        old.unlink()
    con = duckdb.connect(str(target), config={"storage_compatibility_version": "v1.0.0"})
    memory, started = Memory(), time.perf_counter()
    last = started

    def done(stage: str) -> None:
        nonlocal last
        now = time.perf_counter()
        print(
            f"{now - last:6.2f} s  {Memory.now():5.2f} GiB now  {memory.reset():5.2f} GiB peak",
            stage,
        )
        last = now

    def read(name: str) -> str:
        return f"read_csv('{folder / name}', all_varchar = true, header = true)"

    con.execute(f"CREATE TEMP VIEW raw AS SELECT * FROM {read('teachers.csv')}")
    ids = "SELECT DISTINCT trim(school_id) AS school_id"
    con.execute(f"CREATE TEMP TABLE schools AS {ids} FROM {read('schools.csv')}")
    con.execute(f"CREATE TEMP TABLE enrolled AS {ids}, stage FROM {read('enrollment.csv')}")
    lookups(con)
    done("distinct texts of the cast columns, cast by schemas.casting")
    typed_table(con)
    done("the CSV streamed into a stored table, pseudonymised and cast")
    con.execute("CREATE TEMP VIEW t AS SELECT rowid + 2 AS row, * FROM teachers")
    con.execute("CREATE TEMP TABLE failures AS " + "\nUNION ALL\n".join(RULES))
    done("rules")
    con.execute(
        "CREATE TEMP TABLE rejected AS SELECT f.*, to_json(r) AS raw_row FROM failures AS f "
        "JOIN (SELECT row_number() OVER () + 1 AS row, * FROM raw) AS r USING (row)"
    )
    done("the rejected rows with their raw rows (a second scan)")
    con.execute("DELETE FROM teachers WHERE rowid + 2 IN (SELECT row FROM failures)")
    for c in CAST:
        con.execute(f"ALTER TABLE teachers DROP COLUMN raw_{c}")
    con.execute("CHECKPOINT")
    done("the failing rows deleted, the texts dropped, checkpoint")
    [(stored,)] = con.execute("SELECT count(*) FROM teachers").fetchall()
    [(failing,)] = con.execute("SELECT count(DISTINCT row) FROM failures").fetchall()
    print(f"{time.perf_counter() - started:.2f} s in all: {stored} rows stored, {failing} rejected")


if __name__ == "__main__":
    arguments = [*sys.argv[1:], "bench/data/nation/2024", "/tmp/spike.duckdb"]
    main(Path(arguments[0]), Path(arguments[1]))
