"""Benchmark: `junheng run` at district, province and nation scale, next to the scan floor.

    .venv/bin/python bench/run.py [--scales district province nation]

For each scale it generates the inputs once (bench/data/<scale>/, git-ignored), measures the
floor (DuckDB alone counting the rows of every raw CSV once), then runs `junheng run` as a user
would, in a fresh process, into a fresh warehouse, and reports wall time, peak RSS, the time and
rows per second of each stage (read, validate, write, SQL models) and the ratio to the floor.
Results go to bench/results/<scale>.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent
PROJECT = ROOT.parent
YEAR = 2024
COUNTIES = {"district": 1, "province": 40, "nation": 2900}


def ensure_data(scale: str) -> Path:
    out = ROOT / "data" / scale
    if not (out / str(YEAR) / "teachers.csv").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipelines.generate",
                "--scale",
                scale,
                "--year",
                str(YEAR),
                "--out",
                str(out),
            ],
            check=True,
            cwd=PROJECT,
        )
    return out


def floor(year_dir: Path) -> tuple[float, int]:
    """Seconds for DuckDB to scan every raw CSV once (count(*)), and the rows it counted."""
    con = duckdb.connect()
    started, rows = time.perf_counter(), 0
    for path in sorted(year_dir.glob("*.csv")):
        rows += con.execute(
            "SELECT count(*) FROM read_csv(?, all_varchar = true)", [str(path)]
        ).fetchall()[0][0]
    return time.perf_counter() - started, rows


def run_pipeline(input_root: Path, warehouse: Path, timings: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of `junheng run` in its own process."""
    for leftover in warehouse.parent.glob(warehouse.name + "*"):
        leftover.unlink()
    # A fresh Dagster instance like the project's: the run pays for recording its events as a
    # user's does, without landing in the project's dagster_home/.
    home = Path(tempfile.mkdtemp(prefix="junheng-bench-dagster-home-"))
    shutil.copy(PROJECT / "dagster_home" / "dagster.yaml", home)
    env = os.environ | {
        "JUNHENG_PSEUDONYM_KEY": "benchmark-key-0123456789abcdef",
        "DAGSTER_HOME": str(home),
    }
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--input",
            str(input_root),
            "--warehouse",
            str(warehouse),
            "--timings",
            str(timings),
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    wall = time.perf_counter() - started
    shutil.rmtree(home, ignore_errors=True)
    # ru_maxrss of children: the largest child's peak, in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return wall, peak


def measure(scale: str) -> dict:
    input_root = ensure_data(scale)
    floor_seconds, rows = floor(input_root / str(YEAR))
    results = ROOT / "results"
    results.mkdir(exist_ok=True)
    timings_path = results / f"{scale}.timings.json"
    wall, peak = run_pipeline(input_root, results / f"{scale}.duckdb", timings_path)
    timings = json.loads(timings_path.read_text())[str(YEAR)]
    stages = timings["ingest_stages"]
    models = sum(timings["models"].values())  # every SQL model of the year build
    result = {
        "scale": scale,
        "counties": COUNTIES[scale],
        "raw_rows": rows,
        "wall_seconds": round(wall, 2),
        "peak_rss_gib": round(peak, 2),
        "floor_seconds": round(floor_seconds, 2),
        "ratio_to_floor": round(wall / floor_seconds, 1),
        "read_seconds": stages["read"],
        "validate_seconds": stages["validate"],
        "write_seconds": stages["write"],
        "sql_models_seconds": round(models, 2),
        "run_in_process_seconds": round(timings["run_seconds"], 2),
    }
    for stage in ("read", "validate", "write", "sql_models"):
        result[f"{stage}_rows_per_second"] = int(rows / max(result[f"{stage}_seconds"], 1e-9))
    (results / f"{scale}.json").write_text(json.dumps(result, indent=2))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", choices=list(COUNTIES), default=list(COUNTIES))
    args = parser.parse_args(argv)
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}"
    )
    header = (
        "| scale | raw rows | wall s | peak RSS GiB | floor s | ratio | read s | validate s "
        "| write s | SQL s | rows/s read · validate · write · SQL |"
    )
    print(header)
    print("|" + "---|" * 11)
    for scale in args.scales:
        r = measure(scale)
        print(
            f"| {scale} | {r['raw_rows']:,} | {r['wall_seconds']} | {r['peak_rss_gib']} | "
            f"{r['floor_seconds']} | {r['ratio_to_floor']}× | {r['read_seconds']} | "
            f"{r['validate_seconds']} | {r['write_seconds']} | {r['sql_models_seconds']} | "
            f"{r['read_rows_per_second']:,} · {r['validate_rows_per_second']:,} · "
            f"{r['write_rows_per_second']:,} · {r['sql_models_rows_per_second']:,} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
