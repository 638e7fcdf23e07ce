"""Least-cost additions that bring a coefficient of variation (差异系数) under its limit.

DOMAIN.md §8 "CVs". For one county, stage and indicator: sections i with students nᵢ and a
resource rᵢ, values xᵢ = per·rᵢ/nᵢ, and the student-weighted CV of §1, which must be ≤ the limit
L. Each unit k (a section for teachers, a school for facilities) may be raised by aₖ ≥ 0 at cost
cₖ per unit, adding aₖ·share to each section it raises. Minimise Σ cₖ·aₖ subject to S ≤ L·X̄:
X̄ and every xᵢ are affine in a, so this is one second-order-cone constraint and the continuous
problem is convex. Clarabel (through cvxpy) solves it. Integer units (teachers, rooms) are then
rounded up and the CV is checked again with plain numpy; a rounded plan still over the limit gets
whole units added one at a time where they lower the CV most per yuan. A continuous plan over the
limit by the solver's tolerance is solved again at a slightly tightened limit. A plan that still
fails is not returned: the status says why.

Scaling: the CV does not change when every value is multiplied by the same number, so the solver
sees values divided by the county value X̄ (their mean is 1) and additions as fractions of the
county's total resource, whatever the indicator's unit (yuan per student or teachers per 100).
"""

import math
import warnings
from dataclasses import dataclass

import cvxpy as cp
import numpy as np
import scipy.sparse as sparse

TRIES = 6  # solves per problem: the first at the limit, then at tightened limits
SOLVER_TOLERANCE = 1e-10  # feasibility and gap; a tenth of the 9-decimal comparison step
INTEGER_SLACK = 1e-6  # a solver's 2.0000001 teachers is 2, not 3
NEGLIGIBLE = 1e-9  # a continuous addition below this fraction of the total resource is noise
REPAIR_STEPS = 200  # whole units a rounded plan may receive on top, one at a time
SOLVED = (cp.OPTIMAL, cp.OPTIMAL_INACCURATE)  # accepted: every plan is checked with numpy


@dataclass(frozen=True)
class Unit:
    """Something that can be added to: a section (teachers) or a school (facilities)."""

    key: str  # e.g. school_id, or "school_id|stage"
    raises: tuple[tuple[int, float], ...]  # (section index, share): one unit adds `share` there
    cost: float  # yuan per unit added
    integer: bool  # teachers and rooms come whole; m² and yuan do not


@dataclass(frozen=True)
class Additions:
    amounts: dict[str, float]  # unit key → amount added (> 0 only; whole for integer units)
    cost: float  # Σ cost · amount
    cv_before: float  # nan when the county value is 0
    cv_after: float
    status: str  # how it was found, or why there is no plan
    within_limit: bool  # cv_after, rounded to `decimals`, ≤ limit
    lower_bound: float  # continuous optimum: no plan of these units costs less (inf: infeasible)


def weighted_cv(students, values) -> tuple[float, float, float]:
    """X̄, S and CV of DOMAIN.md §1: student-weighted, population form. CV is nan when X̄ = 0."""
    weights = np.asarray(students, dtype=float) / np.sum(students)
    values = np.asarray(values, dtype=float)
    mean = float(weights @ values)
    std_dev = float(np.sqrt(weights @ (values - mean) ** 2))
    return mean, std_dev, std_dev / mean if mean != 0 else math.nan


def within_limit(cv: float, limit: float, decimals: int = 9) -> bool:
    """The project's comparison: CV rounded to `decimals` (half away from zero, as SQL) ≤ limit."""
    scale = 10.0**decimals
    return not math.isnan(cv) and math.floor(cv * scale + 0.5) / scale <= limit


def least_cost_additions(students, resources, per, limit, units, decimals=9) -> Additions:
    """The cheapest additions to `units` that bring the CV of per·resource/students ≤ limit."""
    units = list(units)
    students, resources = _checked(students, resources, per, limit, units)
    _, _, cv = weighted_cv(students, per * resources / students)
    if math.isnan(cv):
        return Additions(
            {}, 0.0, cv, cv, "county value is 0: the CV is undefined; no additions", False, 0.0
        )
    if within_limit(cv, limit, decimals):
        return Additions(
            {}, 0.0, cv, cv, f"cv {cv:.9g} ≤ {limit:g} already: no additions", True, 0.0
        )
    if not any(unit.raises for unit in units):
        return _infeasible(cv, limit, "no unit raises any section")
    problem = _ConeProblem(students, resources, per, limit, units, decimals)
    while problem.take(problem.solve()) and problem.tighten():
        pass  # solved, over the limit by the solver's tolerance: solve again, a little tighter
    return problem.additions()


class _ConeProblem:
    """One CV problem: its scaled cone constraint, the solves so far, and its current plan.

    With wᵢ = nᵢ/N and R = Σ rᵢ, the solver's variable is b = a / R and the values it sees are
    yᵢ = xᵢ / X̄ = (rᵢ/R + Σₖ bₖ·shareₖᵢ) / wᵢ, so ȳ = Σ wᵢyᵢ = 1 + Σₖ bₖ·Σᵢ shareₖᵢ and the
    constraint S ≤ L·X̄ reads ‖√w ⊙ (y − ȳ)‖ ≤ target · ȳ. The additions needed grow with the
    CV's excess over the limit, so costs are divided by their mean and by that excess: the
    optimum is then of order 1, and the solver's tolerance relative to the problem's own cost
    (a CV just over its limit needs little, and is still solved to 10⁻¹⁰ of that little).
    """

    def __init__(self, students, resources, per, limit, units, decimals):
        self.students, self.resources, self.per = students, resources, per
        self.limit, self.units, self.decimals = limit, units, decimals
        self.total_resource = resources.sum()
        weights = students / students.sum()
        rows, cols, shares = zip(
            *[(i, k, share) for k, unit in enumerate(units) for i, share in unit.raises],
            strict=True,
        )
        self.raise_matrix = sparse.csr_array(
            (shares, (rows, cols)), shape=(len(students), len(units))
        )
        self.sections_with_units = len(set(rows))
        self.costs = np.array([unit.cost for unit in units])
        _, _, self.cv_before = weighted_cv(students, self.values(np.zeros(len(units))))

        self.b = cp.Variable(len(units), nonneg=True)
        self.target = cp.Parameter(nonneg=True, value=limit)
        mean = cp.Variable()
        scaled_values = resources / self.total_resource / weights + sparse.diags_array(
            1 / weights
        ) @ (self.raise_matrix @ self.b)
        scaled_costs = self.costs * self.total_resource
        excess = self.cv_before - limit
        self.cvxpy_problem = cp.Problem(
            cp.Minimize((scaled_costs / scaled_costs.mean() / excess) @ self.b),
            [
                mean == 1 + self.raise_matrix.sum(axis=0) @ self.b,
                cp.SOC(self.target * mean, cp.multiply(np.sqrt(weights), scaled_values - mean)),
            ],
        )

        self.tries = 0
        self.lower_bound = math.nan
        self.notes: list[str] = []
        self.plan: np.ndarray | None = None
        self.cv_after = self.cv_before
        self.passed = False

    def solve(self) -> str:
        """Solve at the current target; cvxpy's status, or why the solver failed."""
        try:
            with warnings.catch_warnings():  # "Solution may be inaccurate": the status says so
                warnings.simplefilter("ignore", UserWarning)
                self.cvxpy_problem.solve(
                    solver=cp.CLARABEL,
                    tol_feas=SOLVER_TOLERANCE,
                    tol_gap_abs=SOLVER_TOLERANCE,
                    tol_gap_rel=SOLVER_TOLERANCE,
                )
        except cp.error.SolverError as error:
            return f"failed: {error}"
        return self.cvxpy_problem.status

    def values(self, amounts: np.ndarray) -> np.ndarray:
        return self.per * (self.resources + self.raise_matrix @ amounts) / self.students

    def take(self, outcome: str) -> bool:
        """Record one solve: round its solution, repair and check it, or note why there is none
        (then False)."""
        self.tries += 1
        if outcome not in SOLVED:
            self.notes.append(f"clarabel {outcome} at limit {self.target.value:.9g}")
            return False
        amounts = np.maximum(self.b.value, 0.0) * self.total_resource
        if self.tries == 1:
            self.lower_bound = float(self.costs @ amounts)
        self.outcome = f"clarabel {outcome}"
        self.plan_target = float(self.target.value)
        self.plan = self._rounded(amounts)
        self.repairs = self._repair(self.plan)
        _, _, self.cv_after = weighted_cv(self.students, self.values(self.plan))
        self.passed = within_limit(self.cv_after, self.limit, self.decimals)
        return True

    def _rounded(self, amounts) -> np.ndarray:
        """Integer units rounded up, negligible continuous ones dropped."""
        whole = np.array([unit.integer for unit in self.units])
        rounded = np.where(whole, np.ceil(amounts - INTEGER_SLACK), amounts)
        return np.where(whole | (amounts >= NEGLIGIBLE * self.total_resource), rounded, 0.0)

    def _repair(self, plan: np.ndarray) -> tuple[int, str]:
        """Add whole units to a rounded plan still over the limit, one at a time, each time the
        one that lowers the CV most per yuan; how many, and why it stopped if still over.

        Rounding up can overshoot: one teacher in a 50-student section adds 2 per 100, which can
        lift it far above the county value, and a plan that passes may need a unit the relaxation
        left at 0 (raise another section to meet the one that overshot).
        """
        whole = [k for k, unit in enumerate(self.units) if unit.integer]
        for added in range(REPAIR_STEPS + 1):
            _, _, cv = weighted_cv(self.students, self.values(plan))
            if not whole or within_limit(cv, self.limit, self.decimals):
                return added, ""
            if added == REPAIR_STEPS:
                return added, f"stopped after {added} whole units"
            step = np.zeros(len(self.units))
            gains = []
            for k in whole:
                step[k] = 1.0
                gains.append(
                    (cv - weighted_cv(self.students, self.values(plan + step))[2]) / self.costs[k]
                )
                step[k] = 0.0
            if max(gains) <= 0:
                return added, "no whole unit lowers it further"
            plan[whole[int(np.argmax(gains))]] += 1

    def tighten(self) -> bool:
        """Lower the target after a plan over the limit (solver tolerance, in continuous units:
        whole units are repaired instead); False when done or out of tries."""
        if self.passed or self.tries == TRIES or all(unit.integer for unit in self.units):
            return False
        # Over by ε: aim 2ε lower (at least one comparison step) and solve again.
        excess = max(2 * (self.cv_after - self.limit), 10.0**-self.decimals)
        self.target.value = max(self.target.value - excess, 0.0)
        return True

    def additions(self) -> Additions:
        """The plan if it brings the CV within the limit; otherwise no additions and why."""
        limit = self.limit
        if self.plan is None and self.notes and self.notes[0].startswith("clarabel infeasible"):
            without = len(self.students) - self.sections_with_units
            return _infeasible(
                self.cv_before,
                limit,
                f"{self.notes[0]}; {without} of {len(self.students)} sections have no unit",
            )
        if self.plan is None:
            return Additions(
                {},
                0.0,
                self.cv_before,
                self.cv_before,
                f"{self.notes[0]}; no additions",
                False,
                self.lower_bound,
            )
        steps = [self.outcome]
        if self.plan_target < limit:
            steps.append(f"limit tightened to {self.plan_target:.9g}")
        steps += self.notes  # a later solve that failed
        amounts = {
            unit.key: float(amount)
            for unit, amount in zip(self.units, self.plan, strict=True)
            if amount > 0
        }
        if any(unit.integer and unit.key in amounts for unit in self.units):
            steps.append("rounded up")
        added, stopped = self.repairs
        if added:
            steps.append(
                f"then {added} whole unit(s) added where they lowered the cv most per yuan"
            )
        if self.passed:
            steps.append(f"cv {self.cv_after:.9g} ≤ {limit:g}")
            return Additions(
                amounts,
                float(self.costs @ self.plan),
                self.cv_before,
                self.cv_after,
                "; ".join(steps),
                True,
                self.lower_bound,
            )
        steps.append(f"cv {self.cv_after:.9g} > {limit:g}" + (f" and {stopped}" if stopped else ""))
        steps.append(f"NOT within the limit after {self.tries} solve(s): no additions")
        return Additions(
            {}, 0.0, self.cv_before, self.cv_before, "; ".join(steps), False, self.lower_bound
        )


def _infeasible(cv_before, limit, why) -> Additions:
    why = f"infeasible: no additions to these units bring the cv under {limit:g} ({why})"
    return Additions({}, 0.0, cv_before, cv_before, why, False, math.inf)


def _checked(students, resources, per, limit, units) -> tuple[np.ndarray, np.ndarray]:
    """Students and resources as arrays, after checking every input; ValueError says what."""
    students = np.asarray(students, dtype=float)
    resources = np.asarray(resources, dtype=float)
    if students.ndim != 1 or students.shape != resources.shape or len(students) == 0:
        raise ValueError(
            f"students and resources must be two equal, non-empty lists "
            f"(got shapes {students.shape} and {resources.shape})"
        )
    if not (np.all(np.isfinite(students)) and np.all(students > 0)):
        raise ValueError(f"students must be finite and > 0 in every section (got {students})")
    if not (np.all(np.isfinite(resources)) and np.all(resources >= 0)):
        raise ValueError(f"resources must be finite and ≥ 0 in every section (got {resources})")
    if not (per > 0 and limit > 0):
        raise ValueError(f"per and limit must be > 0 (got per={per}, limit={limit})")
    if len({unit.key for unit in units}) != len(units):
        raise ValueError("unit keys must be unique")
    for unit in units:
        if not (math.isfinite(unit.cost) and unit.cost > 0):
            raise ValueError(f"unit {unit.key}: cost must be finite and > 0 (got {unit.cost})")
        for section, share in unit.raises:
            if not (0 <= section < len(students) and 0 < share <= 1):
                raise ValueError(
                    f"unit {unit.key}: raises section {section} by share {share}; "
                    f"sections are 0..{len(students) - 1}, shares in (0, 1]"
                )
    return students, resources
