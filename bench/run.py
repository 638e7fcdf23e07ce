"""Benchmark: `junheng run` at district, province and nation scale, next to its peer.

    .venv/bin/python bench/run.py [--scales district province nation] [--repeat N]

For each scale it generates the inputs once (bench/data/<scale>/, git-ignored), then runs, in
turn and each in a fresh process into a fresh warehouse, `junheng run` as a user would (with a
fresh Dagster instance it records in) and the peer, `bench/peer_duckdb.py`: the one DuckDB
script an analyst would write instead (typed CSVs, hashed teacher ids, the seven indicators with
the split and the weighted CVs, no validation). It reports wall time, peak RSS, the time and
rows per second of each stage (read, validate, write, SQL models) and the ratio to the peer;
with ``--repeat N`` the two alternate N times and every figure is a range (min–max), the ratio
taken run by run. Results go to bench/results/<scale>.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from functools import cache
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


def raw_rows(year_dir: Path) -> int:
    """Data rows of every raw CSV of the year."""
    con = duckdb.connect()
    return sum(
        con.execute("SELECT count(*) FROM read_csv(?, all_varchar = true)", [str(p)]).fetchall()[0][
            0
        ]
        for p in sorted(year_dir.glob("*.csv"))
    )


def _timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of ``command`` in its own process."""
    started = time.perf_counter()
    with subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL) as child:
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode not in (0, 1):  # 1: rows were rejected, as the generator intends
        raise RuntimeError(f"{command[:4]} exited with {child.returncode}")
    return wall, usage.ru_maxrss / 2**20  # KiB on Linux


def run_peer(year_dir: Path, warehouse: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of the peer DuckDB script in its own process."""
    for leftover in warehouse.parent.glob(warehouse.name + "*"):
        leftover.unlink()
    return _timed([sys.executable, str(ROOT / "peer_duckdb.py"), str(year_dir), str(warehouse)])


def run_pipeline(input_root: Path, warehouse: Path, timings: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of `junheng run` in its own process."""
    for leftover in warehouse.parent.glob(warehouse.name + "*"):
        leftover.unlink()
    # An instance like the project's after its first use (its databases created, no run yet):
    # the run pays for recording its events as a user's does, without landing in the project's
    # dagster_home/, and not for creating the instance, which happens once per installation.
    home = Path(tempfile.mkdtemp(prefix="junheng-bench-dagster-home-"))
    shutil.copytree(_initialised_home(), home, dirs_exist_ok=True)
    env = os.environ | {
        "JUNHENG_PSEUDONYM_KEY": "benchmark-key-0123456789abcdef",
        "DAGSTER_HOME": str(home),
    }
    command = [sys.executable, "-m", "pipelines.cli", "run", "--input", str(input_root)]
    command += ["--warehouse", str(warehouse), "--timings", str(timings)]
    try:
        return _timed(command, env)
    finally:
        shutil.rmtree(home, ignore_errors=True)


@cache
def _initialised_home() -> Path:
    """A Dagster home with the project's dagster.yaml whose storage has been created."""
    home = Path(tempfile.mkdtemp(prefix="junheng-bench-dagster-template-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    shutil.copy(PROJECT / "dagster_home" / "dagster.yaml", home)
    subprocess.run(
        [sys.executable, "-c", "import dagster; dagster.DagsterInstance.get().get_runs(limit=1)"],
        env=os.environ | {"DAGSTER_HOME": str(home)},
        check=True,
        cwd=PROJECT,
    )
    return home


def _span(values: list[float], digits: int = 2) -> str:
    """'3.1' for one value, '3.1–3.4' for several."""
    low, high = round(min(values), digits), round(max(values), digits)
    return f"{low}" if low == high else f"{low}–{high}"


def measure(scale: str, repeat: int = 1) -> dict:
    input_root = ensure_data(scale)
    year_dir = input_root / str(YEAR)
    results = ROOT / "results"
    results.mkdir(exist_ok=True)
    timings_path = results / f"{scale}.timings.json"
    runs = []
    for _ in range(repeat):  # junheng and the peer in turn, so both see the same load
        wall, peak = run_pipeline(input_root, results / f"{scale}.duckdb", timings_path)
        peer_wall, peer_peak = run_peer(year_dir, results / f"{scale}.peer.duckdb")
        timings = json.loads(timings_path.read_text())[str(YEAR)]
        stages = timings["ingest_stages"]
        runs.append(
            {
                "wall": wall,
                "peak": peak,
                "peer": peer_wall,
                "peer_peak": peer_peak,
                "ratio": wall / peer_wall,
                "read": stages["read"],
                "validate": stages["validate"],
                "write": stages["write"],
                "sql_models": sum(timings["models"].values()),  # every model of the year build
                "copy": stages.get("copy", 0.0),
                "run_in_process": timings["run_seconds"],
            }
        )
    rows = raw_rows(year_dir)
    series = {key: [run[key] for run in runs] for key in runs[0]}
    result = {
        "scale": scale,
        "counties": COUNTIES[scale],
        "raw_rows": rows,
        "runs": [{k: round(v, 3) for k, v in run.items()} for run in runs],
        "wall_seconds": _span(series["wall"]),
        "peak_rss_gib": _span(series["peak"]),
        "peer_seconds": _span(series["peer"]),
        "peer_peak_rss_gib": _span(series["peer_peak"]),
        "ratio_to_peer": _span(series["ratio"], 1),
    }
    for stage in ("read", "validate", "write", "sql_models"):
        result[f"{stage}_seconds"] = _span(series[stage])
        result[f"{stage}_rows_per_second"] = int(rows / max(min(series[stage]), 1e-9))
    (results / f"{scale}.json").write_text(json.dumps(result, indent=2))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", choices=list(COUNTIES), default=list(COUNTIES))
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each, in turn (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}"
    )
    header = (
        "| scale | raw rows | junheng s | peak RSS GiB | peer s | peer RSS GiB | ratio | read s "
        "| validate s | write s | SQL s | rows/s read · validate · write · SQL |"
    )
    print(header)
    print("|" + "---|" * 12)
    for scale in args.scales:
        r = measure(scale, args.repeat)
        print(
            f"| {scale} | {r['raw_rows']:,} | {r['wall_seconds']} | {r['peak_rss_gib']} | "
            f"{r['peer_seconds']} | {r['peer_peak_rss_gib']} | {r['ratio_to_peer']}× | "
            f"{r['read_seconds']} | {r['validate_seconds']} | {r['write_seconds']} | "
            f"{r['sql_models_seconds']} | {r['read_rows_per_second']:,} · "
            f"{r['validate_rows_per_second']:,} · {r['write_rows_per_second']:,} · "
            f"{r['sql_models_rows_per_second']:,} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
