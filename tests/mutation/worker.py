"""A worker process of the mutation run: applies one mutant at a time to its copy of the
project and runs the tests on it in-process (pytest.main), stopping at the first failure.

Started by ``python -m tests.mutation`` with the copy as its working directory and first on
``PYTHONPATH``; reads one JSON job per line on stdin (``{"id", "files": {path: text},
"tests"}``) and writes one JSON result per line.
Running pytest in one long-lived process spares each mutant the imports (about 3 s).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest


class FirstFailure:
    """A pytest plugin that remembers the first failing test."""

    def __init__(self) -> None:
        self.failed: str | None = None

    def pytest_runtest_logreport(self, report) -> None:
        if report.failed and self.failed is None:
            self.failed = report.nodeid


def run_tests(tests: list[str]) -> tuple[int, str | None, str]:
    recorder = FirstFailure()
    args = [*tests, "-x", "-q", "-n", "0", "-p", "no:cacheprovider"]
    args += ["--no-header", "-W", "ignore"]
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = pytest.main(args, plugins=[recorder])
    return int(code), recorder.failed, output.getvalue()[-2000:]


def main() -> None:
    root = Path.cwd()
    for line in sys.stdin:
        job = json.loads(line)
        originals = {name: (root / name).read_text(encoding="utf-8") for name in job["files"]}
        try:
            for name, text in job["files"].items():
                (root / name).write_text(text, encoding="utf-8")
            code, failed, tail = run_tests(job["tests"])
        finally:
            for name, text in originals.items():
                (root / name).write_text(text, encoding="utf-8")
        print(json.dumps({"id": job["id"], "code": code, "failed": failed, "tail": tail}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
