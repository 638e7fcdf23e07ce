"""Mutation run of the SQL models: does the test suite notice each one-change bug?

    .venv/bin/python -m tests.mutation [--model marts.coefficients ...] [--jobs 2]

Each mutant (tests/mutation/sql_mutants.py) is applied to a private copy of the project and
the tests run on it until the first failure. A mutant is *killed* when a test fails (or the
run times out), *equivalent* when tests/mutation/equivalent.py lists it with a reason, and
*survived* otherwise: a missing test (a *timeout* is run again with ``--id``). Results go to
tests/mutation/results/ (git-ignored);
the summary printed at the end is the table in the README.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from tests.mutation.equivalent import reason_for
from tests.mutation.sql_mutants import OPERATORS, Mutant, baseline_text, mutants

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "dbt_like_sql"
RESULTS = Path(__file__).resolve().parent / "results"
METHOD_MODELS = [
    "indicators.school_sections",
    "indicators.school_guarantee",
    "marts.school_indicator_compliance",
    "marts.school_compliance",
    "marts.coefficients",
    "marts.county_compliance",
    "marts.county_verdict",
]
# Tests that never read a model's output, left out to keep each mutant's run short.
NOT_ABOUT_MODELS = {
    "test_lint.py",
    "test_generate.py",
    "test_reading.py",
    "test_crash_safety.py",
    "test_mutation_tool.py",
    "test_xlsx_packages.py",
    "test_cv_additions.py",
    "test_sensor.py",
    "test_clients.py",
    "test_dagster_instance.py",
    "test_reports.py",  # reports compare their figures with the (mutated) warehouse
    "test_reports_summary.py",
}
# Run first: they kill most mutants within seconds (then the run learns which file kills most).
FIRST = [
    "test_method.py",
    "test_boundaries.py",
    "test_item_conditions.py",
    "test_guarantee.py",
    "test_partial_data.py",
    "test_remediation.py",
    "test_plan.py",
    "test_monitoring.py",
    "test_settings.py",
]


def default_tests() -> list[str]:
    files = sorted(p.name for p in (ROOT / "tests").glob("test_*.py"))
    files = [f for f in files if f not in NOT_ABOUT_MODELS]
    ordered = [f for f in FIRST if f in files] + [f for f in files if f not in FIRST]
    return [f"tests/{f}" for f in ordered]


def model_path(model: str) -> Path:
    schema, table = model.split(".")
    return SQL_DIR / schema / f"{table}.sql"


def make_copy(base: Path) -> Path:
    """A private copy of the project's files (what git tracks, and new files not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],  # -z: names unquoted (中文.csv)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in listed:
        source = ROOT / name
        if source.is_file():
            target = base / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return base


class Worker:
    def __init__(self, copy: Path, memory_gb: float):
        self.copy = copy
        self.memory_kb = memory_gb * 2**20
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = os.environ | {
            "PYTHONPATH": str(self.copy),
            "HYPOTHESIS_PROFILE": "ci",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.mutation.worker"],
            cwd=self.copy,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )

    def run(self, job: dict, timeout: float) -> dict:
        if self.process is None or self.process.poll() is not None:
            self.start()
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        code = "timeout"
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 2)
            if ready:
                line = self.process.stdout.readline()
                if line:
                    return json.loads(line)
                break  # the worker died
            # A mutant that drops a join key can multiply rows until the machine runs out of
            # memory (and the kernel kills whatever it picks); stopped here, it counts as found.
            if resident_kb(self.process.pid) > self.memory_kb:
                code = "memory"
                break
        # Hung, died or too big: kill it and put the files back.
        self.process.kill()
        self.process.wait()
        self.process = None
        for name in job["files"]:
            shutil.copy2(ROOT / name, self.copy / name)
        return {"id": job["id"], "code": code, "failed": None, "tail": ""}


def resident_kb(pid: int) -> float:
    """The process's resident memory (VmRSS, kB); 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next(
        (float(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
    )


def undecided(selected: list[Mutant], results: list[Path]) -> list[Mutant]:
    """``selected`` without the mutants killed or equivalent in earlier ``results`` files.

    Matched by model, change and context, not by id: ids shift when a model is edited, while a
    mutant of an unchanged part stays killed as long as tests were only added since. A record
    counts once, when one change occurs twice in one context.
    """
    decided: Counter = Counter()  # counted: one change can occur twice in one context
    for path in results:
        for record in json.loads(path.read_text(encoding="utf-8")):
            if record["outcome"] in ("killed", "equivalent"):
                decided[record["model"], record["change"], record["context"]] += 1
    left = []
    for mutant in selected:
        key = (mutant.model, mutant.describe(), mutant.context)
        if decided[key]:
            decided[key] -= 1
        else:
            left.append(mutant)
    return left


def job_for(job_id: str, texts: dict[str, str], tests: list[str]) -> dict:
    """Run ``tests`` with each model (schema.table) replaced by its text."""
    files = {str(model_path(m).relative_to(ROOT)): text for m, text in texts.items()}
    return {"id": job_id, "files": files, "tests": tests}


def classify(mutant: Mutant, result: dict) -> str:
    if result["code"] == "timeout":
        return "timeout"  # a hang, or a machine too busy: run it again with --id
    if result["code"] == "memory":
        return "killed"  # rows multiplied past --memory-gb: no test run could pass
    if result["failed"]:
        return "killed"
    if result["code"] not in (0, 5):
        return "killed"  # an error while collecting or running the tests is a detection too
    return "equivalent" if reason_for(mutant) else "survived"


def summary(records: list[dict]) -> str:
    lines = [
        "| model | mutants | killed | equivalent | survived | timeout |",
        "|---|---|---|---|---|---|",
    ]
    by_model: dict[str, Counter] = {}
    for record in records:
        by_model.setdefault(record["model"], Counter())[record["outcome"]] += 1
    for model, counts in by_model.items():
        total = sum(counts.values())
        lines.append(
            f"| `{model}` | {total} | {counts['killed']} | {counts['equivalent']} | "
            f"{counts['survived']} | {counts['timeout']} |"
        )
    survivors = [r for r in records if r["outcome"] != "killed"]
    if survivors:
        lines.append("")
    for record in survivors:
        note = f" ({record['reason']})" if record.get("reason") else ""
        lines.append(f"- {record['outcome']}: `{record['id']}` {record['change']}{note}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__)
    parser.add_argument("--model", action="append", help="schema.table (default: the method's)")
    parser.add_argument("--operator", action="append", choices=sorted(OPERATORS))
    parser.add_argument("--id", action="append", help="run only these mutant ids")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per mutant")
    parser.add_argument(
        "--memory-gb", type=float, default=8, help="resident memory of a worker (default 8)"
    )
    parser.add_argument("--tests", nargs="+", help="test files (default: all that read models)")
    parser.add_argument("--out", type=Path, help="results JSON (default: results/<stamp>.json)")
    parser.add_argument(
        "--skip-decided",
        nargs="+",
        type=Path,
        default=[],
        metavar="RESULTS",
        help="skip mutants killed or equivalent in these results files (to go on with a run "
        "that was stopped, or after tests were added)",
    )
    parser.add_argument(
        "--skip-equivalent",
        action="store_true",
        help="do not run the mutants equivalent.py lists (each was run when it was listed)",
    )
    args = parser.parse_args(argv)

    tests = args.tests or default_tests()
    models = args.model or METHOD_MODELS
    selected: list[Mutant] = []
    for model in models:
        text = model_path(model).read_text(encoding="utf-8")
        found = mutants(model, text, args.operator)
        selected += [m for m in found if not args.id or m.id in args.id]
    found = len(selected)
    selected = undecided(selected, args.skip_decided)
    if args.skip_equivalent:
        selected = [m for m in selected if not reason_for(m)]
    skipped = f" ({found - len(selected)} decided before, skipped)" if found > len(selected) else ""
    print(f"{len(selected)} mutants of {len(models)} model(s){skipped}; tests: {' '.join(tests)}")

    RESULTS.mkdir(exist_ok=True)
    out = args.out or RESULTS / f"sql-{time.strftime('%Y%m%d-%H%M%S')}.json"
    scratch = Path(tempfile.mkdtemp(prefix="junheng-mutation-"))
    workers = [
        Worker(make_copy(scratch / f"w{i}"), args.memory_gb) for i in range(max(1, args.jobs))
    ]
    try:
        # The control: the models regenerated by sqlglot without a change must pass.
        baseline = {m: baseline_text(model_path(m).read_text(encoding="utf-8")) for m in models}
        result = workers[0].run(job_for("baseline", baseline, tests), args.timeout)
        if result["code"] != 0:
            print(f"the unchanged, regenerated SQL fails the tests:\n{result['tail']}")
            return 1
        records = run_all(selected, workers, tests, args.timeout, out)
    finally:
        for worker in workers:
            if worker.process:
                worker.process.kill()
        shutil.rmtree(scratch, ignore_errors=True)
    print(summary(records))
    print(f"results: {out}")
    return 0 if all(r["outcome"] != "survived" for r in records) else 1


def run_all(
    selected: list[Mutant], workers: list[Worker], tests: list[str], timeout: float, out: Path
) -> list[dict]:
    """Run the mutants over the workers (one thread each), saving results as they come."""
    from concurrent.futures import ThreadPoolExecutor
    from queue import Queue

    free: Queue = Queue()
    for worker in workers:
        free.put(worker)
    records: list[dict] = []
    started = time.monotonic()
    kills: Counter = Counter()  # (model, test file) → kills: the likeliest killer runs first

    def one(mutant: Mutant) -> dict:
        ordered = sorted(tests, key=lambda t: (-kills[mutant.model, t], tests.index(t)))
        worker = free.get()
        try:
            job = job_for(mutant.id, {mutant.model: mutant.text}, ordered)
            result = worker.run(job, timeout)
        finally:
            free.put(worker)
        if result["failed"]:
            kills[mutant.model, result["failed"].split("::")[0]] += 1
        outcome = classify(mutant, result)
        return {
            "id": mutant.id,
            "model": mutant.model,
            "operator": mutant.operator,
            "change": mutant.describe(),
            "context": mutant.context,
            "outcome": outcome,
            "killed_by": result["failed"] or result["code"],
            "reason": reason_for(mutant) if outcome == "equivalent" else None,
        }

    with ThreadPoolExecutor(len(workers)) as pool:
        for record in pool.map(one, selected):
            records.append(record)
            elapsed = time.monotonic() - started
            print(
                f"[{len(records)}/{len(selected)} {elapsed:.0f}s] {record['outcome']:10} "
                f"{record['id']}  {record['change']}",
                flush=True,
            )
            out.write_text(json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8")
    return records


if __name__ == "__main__":
    sys.exit(main())
