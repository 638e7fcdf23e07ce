"""Least-cost additions that bring a coefficient of variation (差异系数) under its limit.

DOMAIN.md §8 "CVs". For one county, stage and indicator: sections i with students nᵢ and a
resource rᵢ, values xᵢ = per·rᵢ/nᵢ, and the student-weighted CV of §1, which must be ≤ the limit
L. Each unit k (a section for teachers, a school for facilities) may be raised by aₖ ≥ 0 at cost
cₖ per unit, adding aₖ·share to each section it raises. Minimise Σ cₖ·aₖ subject to S ≤ L·X̄:
X̄ and every xᵢ are affine in a, so this is one second-order-cone constraint and the continuous
problem is convex. Clarabel solves it (called directly: cvxpy's compilation of a problem
of twenty sections took ten times Clarabel's solve). Integer units (teachers, rooms) are then
rounded up (and, in small or hard cases, also down) and the CV is checked again with plain numpy;
a rounded plan still over the limit gets whole units added one at a time where they lower the CV
most per yuan, and the cheapest plan that passes is kept. A continuous plan over the limit by the
solver's tolerance is solved again at a slightly tightened limit. A plan that still fails is not
returned: the status says why.

Scaling: the CV does not change when every value is multiplied by the same number, so the solver
sees values divided by the county value X̄ (their mean is 1) and additions in units of the
county's total resource times the CV's excess over the limit, whatever the indicator's unit (yuan
per student or teachers per 100) and however far over the limit the CV is.
"""

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

TRIES = 6  # solves per problem: the first at the limit, then at tightened limits
SOLVER_TOLERANCE = 1e-10  # feasibility and gap; a tenth of the 9-decimal comparison step
INTEGER_SLACK = 1e-6  # a solver's 2.0000001 teachers is 2, not 3
NEGLIGIBLE = 1e-9  # a continuous addition below this fraction of the total resource is noise
REPAIR_STEPS = 200  # whole units a rounded plan may receive on top, one at a time
ROUND_DOWN_UNITS = 10  # rounding down is also tried when at most this many units were rounded
SOLVED = ("optimal", "optimal_inaccurate")  # accepted: every plan is checked with numpy
# Clarabel's statuses in cvxpy's words (its clarabel_conif.STATUS_MAP), as the warehouse's
# `method` column has always written them.
_STATUS = {
    "Solved": "optimal",
    "AlmostSolved": "optimal_inaccurate",
    "PrimalInfeasible": "infeasible",
    "AlmostPrimalInfeasible": "infeasible_inaccurate",
    "DualInfeasible": "unbounded",
    "AlmostDualInfeasible": "unbounded_inaccurate",
    "MaxIterations": "user_limit",
    "MaxTime": "user_limit",
}


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
    means, std_devs, cvs = _weighted_cvs(students, np.asarray(values, dtype=float)[None, :])
    return float(means[0]), float(std_devs[0]), float(cvs[0])


def _weighted_cvs(students, rows: np.ndarray):
    """weighted_cv of each row of values (alternatives for the same sections), as arrays."""
    count, sections = rows.shape
    return weighted_cvs_by_group(
        np.repeat(np.arange(count), sections), np.tile(students, count), rows.ravel(), count
    )


def weighted_cvs_by_group(groups, students, values, count: int):
    """X̄, S and CV of each group of sections (``groups`` numbers them 0 … count − 1), as arrays.

    The deviations are taken relative to X̄ before squaring, so the CV is as exact for 10⁻¹⁵⁰
    as for 10⁶ (values are ≥ 0: X̄ = 0 means every value is 0, S = 0 and the CV is undefined).
    """
    students = np.asarray(students, dtype=float)
    values = np.asarray(values, dtype=float)
    weights = students / np.bincount(groups, students, count)[groups]
    means = np.bincount(groups, weights * values, count)
    defined = means != 0
    relative = values / np.where(defined, means, 1.0)[groups] - 1
    cvs = np.where(defined, np.sqrt(np.bincount(groups, weights * relative**2, count)), np.nan)
    return means, np.where(defined, cvs * means, 0.0), cvs


def within_limits(cvs, limits, decimals: int = 9) -> np.ndarray:
    """The project's comparison, element-wise: CV rounded to `decimals` (half away from zero,
    as SQL) ≤ limit; an undefined CV (nan) is not within."""
    scale = 10.0**decimals
    cvs = np.asarray(cvs, dtype=float)
    with np.errstate(invalid="ignore"):
        return ~np.isnan(cvs) & (np.floor(cvs * scale + 0.5) / scale <= limits)


def within_limit(cv: float, limit: float, decimals: int = 9) -> bool:
    """within_limits of one CV."""
    return bool(within_limits(cv, limit, decimals))


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

    With wᵢ = nᵢ/N and R = Σ rᵢ the solver sees values yᵢ = xᵢ / X̄ = (rᵢ + Σₖ aₖ·shareₖᵢ) / (R·wᵢ),
    whose mean is ȳ = 1 + Σₖ aₖ·Σᵢ shareₖᵢ / R, and the constraint S ≤ L·X̄ reads
    ‖√w ⊙ (y − ȳ)‖ ≤ target · ȳ. Its variable is u = a / (R·(CV − L)): the additions needed grow
    with the CV's excess over the limit, so u is of order 1 whether the CV is 0.4500001 or 3, and
    the solver's tolerance is relative to what this problem needs. Costs are divided by their mean.
    """

    def __init__(self, students, resources, per, limit, units, decimals):
        self.students, self.resources, self.per = students, resources, per
        self.limit, self.units, self.decimals = limit, units, decimals
        self.total_resource = resources.sum()
        rows, cols, shares = zip(
            *[(i, k, share) for k, unit in enumerate(units) for i, share in unit.raises],
            strict=True,
        )
        import scipy.sparse as sparse  # here, not at start-up: most runs solve nothing

        self.raise_matrix = sparse.csr_array(
            (shares, (rows, cols)), shape=(len(students), len(units))
        )
        self.sections_with_units = len(set(rows))
        self.costs = np.array([unit.cost for unit in units])
        _, _, self.cv_before = weighted_cv(students, self.values(np.zeros(len(units))))
        # One unit of the solver's variable u is R × the CV's excess over the limit.
        self.scale = self.total_resource * (self.cv_before - limit)
        self.target = limit
        self.u = np.zeros(len(units))

        self.tries = 0
        self.lower_bound = math.nan
        self.notes: list[str] = []
        self.plan: _Plan | None = None
        self.cv_after = self.cv_before
        self.passed = False

    def _conic_form(self):
        """min qᵀx s.t. Ax + s = b, s in the cones, over x = (u, ȳ): Clarabel's standard form.

        Rows: ȳ − (scale/R)·Σᵢ(Mu)ᵢ = 1 (zero cone); u ≥ 0 (non-negative cone); and the
        second-order cone (target·ȳ, √wᵢ·(yᵢ − ȳ)) with yᵢ = rᵢ/(R·wᵢ) + (scale/R)·(Mu)ᵢ/wᵢ,
        where M is the raise matrix (section × unit shares).
        """
        import clarabel
        import scipy.sparse as sparse

        sections, n = self.raise_matrix.shape
        weights = self.students / self.students.sum()
        root = np.sqrt(weights)
        step = self.scale / self.total_resource
        raised = self.raise_matrix.toarray() * step  # (Mu)ᵢ·scale/R = raised[i] @ u
        a = np.zeros((1 + n + 1 + sections, n + 1))
        b = np.zeros(1 + n + 1 + sections)
        a[0, :n], a[0, n], b[0] = -raised.sum(axis=0), 1.0, 1.0
        a[1 : n + 1, :n] = -np.eye(n)
        a[n + 1, n] = -self.target
        cone = slice(n + 2, n + 2 + sections)
        a[cone, :n] = -(root / weights)[:, None] * raised
        a[cone, n] = root
        b[cone] = root * self.resources / (self.total_resource * weights)
        q = np.append(self.costs / self.costs.mean(), 0.0)
        cones = [
            clarabel.ZeroConeT(1),
            clarabel.NonnegativeConeT(n),
            clarabel.SecondOrderConeT(1 + sections),
        ]
        return sparse.csc_matrix((n + 1, n + 1)), q, sparse.csc_matrix(a), b, cones

    def solve(self) -> str:
        """Solve at the current target: the status in cvxpy's words (as this module first
        called Clarabel through cvxpy), or why the solver failed."""
        import clarabel

        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.tol_feas = settings.tol_gap_abs = settings.tol_gap_rel = SOLVER_TOLERANCE
        # One thread and the sequential factorisation: by default Clarabel may factor in
        # parallel, and the last digits then depend on the machine's load, so a re-run of the
        # same year would not give the same warehouse.
        settings.direct_solve_method = "qdldl"
        settings.max_threads = 1
        try:
            solution = clarabel.DefaultSolver(*self._conic_form(), settings).solve()
        except Exception as error:  # clarabel raises plain exceptions on bad data
            return f"failed: {error}"
        status = _STATUS.get(str(solution.status), "solver_error")
        if status in SOLVED:
            self.u = np.asarray(solution.x[: len(self.units)])
        return status

    def values(self, amounts: np.ndarray) -> np.ndarray:
        return self.per * (self.resources + self.raise_matrix @ amounts) / self.students

    def take(self, outcome: str) -> bool:
        """Record one solve: round its solution, repair and check it, or note why there is none
        (then False)."""
        self.tries += 1
        if outcome not in SOLVED:
            self.notes.append(f"clarabel {outcome} at limit {self.target:.9g}")
            return False
        amounts = np.maximum(self.u, 0.0) * self.scale
        if self.tries == 1:
            self.lower_bound = float(self.costs @ amounts)
            self.bound_is_sure = outcome == SOLVED[0]
        self.outcome = f"clarabel {outcome}"
        self.plan_target = float(self.target)
        up, down = self._rounded(amounts, np.ceil), self._rounded(amounts, np.floor)
        plans = [self._repaired("rounded up", up)]
        # Rounding down and adding whole units back one at a time is often cheaper, at one step
        # per rounded unit: tried when rounding up failed, or when few units were rounded.
        if plans[0].added or not plans[0].passed or np.sum(up != down) <= ROUND_DOWN_UNITS:
            plans.append(self._repaired("rounded down", down))
        if not any(plan.passed for plan in plans):
            plans.append(self._repaired("started from no additions", 0 * amounts))
        # The cheapest plan that passes, else the one that came closest.
        self.plan = min(plans, key=lambda plan: (0, plan.cost) if plan.passed else (1, plan.cv))
        self.cv_after, self.passed = self.plan.cv, self.plan.passed
        return True

    def _rounded(self, amounts, direction) -> np.ndarray:
        """Integer units rounded (np.ceil or np.floor), negligible continuous ones dropped."""
        whole = np.array([unit.integer for unit in self.units])
        slack = INTEGER_SLACK if direction is np.ceil else -INTEGER_SLACK
        rounded = np.where(whole, direction(amounts - slack), amounts)
        return np.where(whole | (amounts >= NEGLIGIBLE * self.total_resource), rounded, 0.0)

    def _repaired(self, start: str, amounts: np.ndarray) -> "_Plan":
        """Add whole units to a plan still over the limit, one at a time, each time the one that
        lowers the CV most per yuan, until it is within or no whole unit lowers it.

        Rounding up can overshoot: one teacher in a 50-student section adds 2 per 100, which can
        lift it far above the county value; then a plan that passes may round that unit down, or
        use a unit the relaxation left at 0 (raise another section to meet the one that overshot).
        """
        whole = [k for k, unit in enumerate(self.units) if unit.integer]
        # Row j: what one more of whole unit j adds to each section's value.
        steps = (self.per * self.raise_matrix[:, whole].toarray() / self.students[:, None]).T
        stopped = ""
        for added in range(REPAIR_STEPS + 1):
            values = self.values(amounts)
            _, _, cv = weighted_cv(self.students, values)
            if not whole or within_limit(cv, self.limit, self.decimals):
                break
            if added == REPAIR_STEPS:
                stopped = f"stopped after {added} whole units"
                break
            gains = (cv - _weighted_cvs(self.students, values + steps)[2]) / self.costs[whole]
            if not np.nanmax(gains) > 0:
                stopped = "no whole unit lowers it further"
                break
            amounts = amounts.copy()
            amounts[whole[int(np.nanargmax(gains))]] += 1
        return _Plan(
            amounts,
            float(self.costs @ amounts),
            cv,
            within_limit(cv, self.limit, self.decimals),
            start,
            added,
            stopped,
        )

    def tighten(self) -> bool:
        """Lower the target after a plan over the limit (solver tolerance, in continuous units:
        whole units are repaired instead); False when done or out of tries."""
        if self.passed or self.tries == TRIES or all(unit.integer for unit in self.units):
            return False
        # Over by ε: aim 2ε lower (at least one comparison step) and solve again.
        excess = max(2 * (self.cv_after - self.limit), 10.0**-self.decimals)
        self.target = max(self.target - excess, 0.0)
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
        plan = self.plan
        if any(unit.integer for unit in self.units):
            steps.append(plan.start)
        if plan.added:
            steps.append(
                f"then {plan.added} whole unit(s) added where they lowered the cv most per yuan"
            )
        if not plan.passed:
            steps.append(
                f"cv {plan.cv:.9g} > {limit:g}" + (f" and {plan.stopped}" if plan.stopped else "")
            )
            steps.append(f"NOT within the limit after {self.tries} solve(s): no additions")
            return Additions(
                {}, 0.0, self.cv_before, self.cv_before, "; ".join(steps), False, self.lower_bound
            )
        steps.append(f"cv {plan.cv:.9g} ≤ {limit:g}")
        if self._proven_least(plan):
            steps.append("least cost: proven")
        amounts = {
            unit.key: float(amount)
            for unit, amount in zip(self.units, plan.amounts, strict=True)
            if amount > 0
        }
        return Additions(
            amounts, plan.cost, self.cv_before, plan.cv, "; ".join(steps), True, self.lower_bound
        )

    def _proven_least(self, plan: "_Plan") -> bool:
        """Whole units of one price c: every plan costs a multiple of c and at least the
        relaxation, so a plan costing the relaxation rounded up to a multiple of c is the least."""
        if not (
            self.bound_is_sure
            and all(unit.integer for unit in self.units)
            and np.ptp(self.costs) == 0
        ):
            return False
        price = self.costs[0]
        return plan.cost <= price * math.ceil(self.lower_bound / price - INTEGER_SLACK)


class _Plan(NamedTuple):
    amounts: np.ndarray
    cost: float
    cv: float
    passed: bool
    start: str  # rounded up, rounded down, started from no additions
    added: int  # whole units added on top, one at a time
    stopped: str  # why adding stopped short of the limit, if it did


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
