"""Benchmark: milliseconds per CV problem solved by assets/cv_additions.py.

    .venv/bin/python bench/cv_additions.py [--repeat 20]

Problems look like a county after the needs are met: every section at or above the standard,
a long upper tail that keeps the CV over its limit. Teachers (per 100, whole, one unit per
section) and equipment (yuan per student, continuous, one unit per school) at 5, 50 and 500
sections. Prints a markdown table; nothing is asserted.
"""

import argparse
import os
import platform
import time

import numpy as np

from assets.cv_additions import Unit, least_cost_additions, weighted_cv, within_limit

SIZES = (5, 50, 500)


def county(kind: str, sections: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    students = rng.integers(50, 3000, sections).astype(float)
    spread = 1 + rng.pareto(1.2, sections)  # ≥ the standard, a few far above
    if kind == "teachers":  # qualified teachers, junior standard 5.3 per 100
        resources = np.ceil(5.3 * spread * students / 100)
        units = [Unit(f"s{i}", ((i, 1.0),), 120_000.0, True) for i in range(sections)]
        return students, resources, 100, 0.45, units
    resources = 2500 * spread * students  # equipment, junior standard 2500 yuan per student
    units = [Unit(f"school{i}", ((i, 1.0),), 1.0, False) for i in range(sections)]
    return students, resources, 1, 0.45, units


def over_the_limit(kind: str, sections: int, count: int) -> list[tuple]:
    problems, seed = [], 0
    while len(problems) < count:
        students, resources, per, limit, units = problem = county(kind, sections, seed)
        seed += 1
        if not within_limit(weighted_cv(students, per * resources / students)[2], limit):
            problems.append(problem)
    return problems


def milliseconds_per_problem(problems: list[tuple]) -> tuple[float, float]:
    """Mean and slowest time of one least_cost_additions call."""
    times = []
    for problem in problems:
        start = time.perf_counter()
        result = least_cost_additions(*problem)
        times.append(time.perf_counter() - start)
        assert result.within_limit, result.status
    return 1000 * float(np.mean(times)), 1000 * max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="problems per row")
    count = parser.parse_args().repeat
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print("| indicator | sections | ms per problem (mean) | slowest ms |")
    print("|---|---|---|---|")
    for kind in ("teachers", "equipment"):
        for sections in SIZES:
            mean, slowest = milliseconds_per_problem(over_the_limit(kind, sections, count))
            print(f"| {kind} | {sections} | {mean:.1f} | {slowest:.1f} |")


if __name__ == "__main__":
    main()
