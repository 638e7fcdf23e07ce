"""The least-cost additions that bring a CV under its limit (assets/cv_additions.py).

Hand-worked cases with their arithmetic, brute force over every integer plan in a box, a fine
grid for continuous units, and hypothesis for the properties every result must have.
"""

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from assets.cv_additions import (
    Unit,
    least_cost_additions,
    weighted_cv,
    weighted_cvs_by_group,
    within_limit,
)
from assets.remediation_cv import _over_limit

SOLVER = settings(max_examples=100, deadline=None)
TEACHER = 100_000.0  # yuan per teacher added (any positive cost gives the same plan here)


@dataclass(frozen=True)
class CvProblem:
    """The arguments of least_cost_additions, kept together for generated problems."""

    students: list
    resources: list
    per: float
    limit: float
    units: list

    def solve(self):
        return least_cost_additions(self.students, self.resources, self.per, self.limit, self.units)


def section_units(sections, cost=TEACHER, integer=True):
    """One teacher unit per section: adding a teachers raises that section's count by a."""
    return [Unit(f"s{i}", ((i, 1.0),), cost, integer) for i in sections]


def independent_cv(students, values):
    """The §1 CV by another road: numpy's weighted population variance."""
    mean = np.average(values, weights=students)
    return math.sqrt(np.cov(values, aweights=students, bias=True)) / mean


# ---------------------------------------------------------------- weighted_cv


def test_weighted_cv_of_domain_example():
    # DOMAIN.md §1: 100, 200, 100 students; 2, 6, 2 backbone teachers → 2, 3, 2 per 100.
    # X̄ = (2 + 6 + 2)·100 / 400 = 2.5; S = sqrt(.25·.25 + .5·.25 + .25·.25) = 0.5; CV = 0.2.
    mean, std_dev, cv = weighted_cv([100, 200, 100], [2.0, 3.0, 2.0])
    assert (mean, std_dev, cv) == pytest.approx((2.5, 0.5, 0.2), abs=1e-15)


def test_weighted_cv_is_not_the_unweighted_one():
    # 100 and 300 students, 0 and 3000 yuan per student; weights 0.25, 0.75.
    # X̄ = 0.75·3000 = 2250; S² = 0.25·2250² + 0.75·750² = 1 265 625 + 421 875 = 1 687 500,
    # S = 1299.04; CV = 1299.04 / 2250 = 1/√3 = 0.57735. Unweighted: mean 1500, S 1500, CV 1.
    mean, std_dev, cv = weighted_cv([100, 300], [0.0, 3000.0])
    assert mean == pytest.approx(2250)
    assert std_dev == pytest.approx(math.sqrt(1_687_500))
    assert cv == pytest.approx(1 / math.sqrt(3))
    assert weighted_cv([1, 1], [0.0, 3000.0])[2] == pytest.approx(1.0)


def test_weighted_cv_of_one_section_is_0_and_of_nothing_is_undefined():
    assert weighted_cv([250], [3.2]) == (3.2, 0.0, 0.0)
    mean, std_dev, cv = weighted_cv([100, 200], [0.0, 0.0])
    assert (mean, std_dev) == (0.0, 0.0) and math.isnan(cv)


def test_weighted_cvs_by_group_match_one_at_a_time():
    # Three groups in one pass: (1, 3) of 100 pupils each: X̄ = 2, S = 1, CV = 0.5; (2, 2, 8)
    # of 100, 100, 200: X̄ = (200 + 200 + 1600) / 400 = 5, S² = (100·9 + 100·9 + 200·9) / 400
    # = 9, CV = 3 / 5 = 0.6; (0) alone: X̄ = 0, the CV undefined.
    means, std_devs, cvs = weighted_cvs_by_group(
        np.array([0, 0, 1, 1, 1, 2]), [100, 100, 100, 100, 200, 50], [1, 3, 2, 2, 8, 0], 3
    )
    assert means.tolist() == pytest.approx([2, 5, 0])
    assert std_devs.tolist() == pytest.approx([1, 3, 0])
    assert cvs[:2].tolist() == pytest.approx([0.5, 0.6]) and math.isnan(cvs[2])


def test_over_limit_keeps_only_the_problems_the_needs_leave_over_their_limit():
    # all_met/A: resources 1 and 3 of 100 pupils (per 1): CV 0.5, at the limit 0.5: solved by
    # the needs. all_met/B: 1 and 4: X̄ 2.5, S 1.5, CV 0.6 > 0.5: kept, both its rows.
    # complies/A: 1 and 3 again but limit 0.45: kept.
    rows = [
        ("all_met", "A", 1.0, 0.5),
        ("all_met", "A", 3.0, 0.5),
        ("all_met", "B", 1.0, 0.5),
        ("all_met", "B", 4.0, 0.5),
        ("complies", "A", 1.0, 0.45),
        ("complies", "A", 3.0, 0.45),
    ]
    sections = pl.DataFrame(
        [
            {
                "target": t,
                "county_code": c,
                "stage": "primary",
                "indicator": "x",
                "per": 1.0,
                "students": 100,
                "resource": 100 * value,
                "cv_limit": limit,
                "decimals": 9,
            }
            for t, c, value, limit in rows
        ]
    )
    kept = _over_limit(sections).select("target", "county_code", "resource").rows()
    assert kept == [
        ("all_met", "B", 100.0),
        ("all_met", "B", 400.0),
        ("complies", "A", 100.0),
        ("complies", "A", 300.0),
    ]
    assert _over_limit(sections.clear()).is_empty()


def test_within_limit_rounds_to_the_comparison_decimals():
    assert within_limit(0.5, 0.5)
    assert within_limit(0.5000000001, 0.5)  # float noise: 0.500000000 after rounding
    assert within_limit(0.5000000004, 0.5)
    assert not within_limit(0.5000000006, 0.5)  # 0.500000001
    assert not within_limit(0.51, 0.5)
    assert within_limit(0.4499999996, 0.45) and not within_limit(0.4500000006, 0.45)
    assert not within_limit(math.nan, 0.5)


# ---------------------------------------------------------------- hand-worked solves


@pytest.mark.parametrize(
    ("limit", "teachers", "bound"),
    [
        # Two sections of 100 students, 0 and 6 teachers: values x = (t, 6) per 100 with t the
        # teachers added to section 0. Equal weights: X̄ = (t + 6)/2, S = (6 − t)/2, so
        # CV = (6 − t)/(6 + t) ≤ L  ⇔  t ≥ 6(1 − L)/(1 + L). Adding to section 1 widens the gap.
        (0.50, 2, 2.0),  # t ≥ 6·0.5/1.5 = 2 exactly: CV = 4/8 = 0.5, at the limit, passes
        (0.49, 3, 6 * 0.51 / 1.49),  # t ≥ 2.0537 → 3 teachers; CV = 3/9 = 0.333
        (0.51, 2, 6 * 0.49 / 1.51),  # t ≥ 1.9470 → 2 teachers; CV = 0.5
    ],
)
def test_two_sections_of_teachers_at_just_below_and_just_above_the_limit(limit, teachers, bound):
    result = least_cost_additions([100, 100], [0, 6], 100, limit, section_units([0, 1]))
    assert result.amounts == {"s0": teachers}
    assert result.cost == teachers * TEACHER
    assert result.lower_bound == pytest.approx(bound * TEACHER, rel=1e-8)
    assert result.cv_before == 1.0  # (6 − 0)/(6 + 0)
    assert result.cv_after == pytest.approx((6 - teachers) / (6 + teachers), abs=1e-12)
    assert result.within_limit and "clarabel optimal" in result.status
    assert "rounded up" in result.status and result.status.endswith("least cost: proven")


def test_two_sections_of_equipment_match_the_closed_form():
    # 100 and 300 students, 0 and 900 000 yuan of equipment: x = (0, 3000), weights w = (¼, ¾),
    # CV = √(w₀w₁)·(x₁ − x₀)/X̄ = 1/√3 = 0.577 > 0.5. One continuous unit per section, 1 yuan/yuan.
    # KKT of min c₀a₀ + c₁a₁ s.t. g(a) = S − L·X̄ ≤ 0, a ≥ 0, with S = √(w₀w₁)(x₁ − x₀):
    #   ∂g/∂a₁ = (√(w₀w₁) − L·w₁)/n₁ = (0.4330 − 0.375)/300 > 0: raising section 1 never helps,
    #   so a₁ = 0; ∂g/∂a₀ = −(√(w₀w₁) + L·w₀)/n₀ < 0, so λ = c₀/|∂g/∂a₀| > 0 and g = 0 holds:
    #   √(w₀w₁)(3000 − x₀) = L(w₀x₀ + w₁·3000). Divide by √w₀ = ½ (√w₁ = √3/2):
    #   x₀ = 3000(√w₁ − L·w₁/√w₀)/(L√w₀ + √w₁) = 3000(√3/2 − 3/4)/(1/4 + √3/2)
    #      = 3000(2√3 − 3)/(1 + 2√3) = 3000(15 − 8√3)/11 = 311.889 yuan per student,
    #   a₀ = 100·x₀ = 31 188.91 yuan.
    a0 = 100 * 3000 * (15 - 8 * math.sqrt(3)) / 11
    units = [Unit("s0", ((0, 1.0),), 1.0, False), Unit("s1", ((1, 1.0),), 1.0, False)]
    result = least_cost_additions([100, 300], [0, 900_000], 1, 0.5, units)
    assert list(result.amounts) == ["s0"]
    assert result.amounts["s0"] == pytest.approx(a0, rel=1e-8)
    assert result.cost == pytest.approx(a0, rel=1e-8)
    assert result.lower_bound == pytest.approx(a0, rel=1e-8)
    assert result.cv_before == pytest.approx(1 / math.sqrt(3))
    assert result.cv_after == pytest.approx(0.5, abs=1e-9) and result.within_limit
    assert "rounded up" not in result.status


def test_a_school_unit_with_a_share_buys_the_section_need_divided_by_the_share():
    # The same need through a nine-year school whose primary share is ½: each yuan the school
    # adds raises the section by ½ yuan, so the school adds 2 × 31 188.91 = 62 377.83 yuan. A
    # second unit, a school raising both sections (shares 0.2 and 0.8), never pays: per yuan it
    # raises section 1 four times as much as section 0.
    a0 = 2 * 100 * 3000 * (15 - 8 * math.sqrt(3)) / 11
    units = [
        Unit("nine_year", ((0, 0.5),), 1.0, False),
        Unit("both", ((0, 0.2), (1, 0.8)), 1.0, False),
    ]
    result = least_cost_additions([100, 300], [0, 900_000], 1, 0.5, units)
    assert list(result.amounts) == ["nine_year"]
    assert result.amounts["nine_year"] == pytest.approx(a0, rel=1e-8)


def test_only_some_sections_have_a_unit():
    # Three sections of 100 students with 0, 6, 6 teachers; only section 0 may hire.
    # x = (t, 6, 6), X̄ = (t + 12)/3, t − X̄ = 2(t − 6)/3, 6 − X̄ = (6 − t)/3,
    # S² = ⅓·4(t − 6)²/9 + ⅔·(t − 6)²/9 = 2(t − 6)²/9, so CV = √2(6 − t)/(t + 12):
    # before (t = 0) 6√2/12 = 0.7071. CV ≤ 0.5 ⇔ t ≥ (6√2 − 6)/(0.5 + √2) = 1.2984 → 2 teachers;
    # after: √2·4/14 = 0.40406.
    result = least_cost_additions([100, 100, 100], [0, 6, 6], 100, 0.5, section_units([0]))
    assert result.amounts == {"s0": 2}
    assert result.cv_before == pytest.approx(math.sqrt(2) / 2)
    assert result.cv_after == pytest.approx(4 * math.sqrt(2) / 14)
    bound = (6 * math.sqrt(2) - 6) / (0.5 + math.sqrt(2))
    assert result.lower_bound == pytest.approx(bound * TEACHER, rel=1e-8)


def test_equipment_yuan_and_teacher_counts_scale_away():
    # The CV does not change when every value is multiplied by one number, so the same county
    # with resources ×10⁻³ … ×10⁹ needs the additions ×10⁻³ … ×10⁹, and costs ×10⁵ change nothing.
    rng = np.random.default_rng(7)
    students = rng.integers(30, 3000, 40)
    resources = rng.gamma(0.6, 1.0, 40) * students
    units = [Unit(f"s{i}", ((i, 1.0),), 1.0 + i % 3, False) for i in range(40)]
    base = least_cost_additions(students, resources, 1, 0.45, units)
    assert base.within_limit and base.cost > 0
    for scale in (1e-3, 1e6, 1e9):
        scaled = least_cost_additions(students, resources * scale, 1, 0.45, units)
        assert scaled.within_limit
        assert scaled.cost == pytest.approx(base.cost * scale, rel=1e-6)
        assert scaled.cv_after == pytest.approx(base.cv_after, abs=1e-9)
    dearer = [Unit(u.key, u.raises, u.cost * 1e5, False) for u in units]
    assert least_cost_additions(students, resources, 1, 0.45, dearer).cost == pytest.approx(
        base.cost * 1e5, rel=1e-6
    )


def test_a_realistic_county_of_teachers_and_one_of_equipment():
    # Teachers ~10 per section, 60 sections, per 100; equipment ~10⁶ yuan, per student.
    rng = np.random.default_rng(11)
    students = rng.integers(40, 2500, 60)
    teachers = np.round(rng.gamma(0.7, 1.0, 60) * students / 100)
    result = least_cost_additions(students, teachers, 100, 0.45, section_units(range(60)))
    assert result.within_limit and result.cv_before > 0.45
    assert all(a == int(a) and a >= 1 for a in result.amounts.values())
    # Rounding adds less than one teacher to each unit the relaxation used.
    assert result.lower_bound <= result.cost < result.lower_bound + TEACHER * len(result.amounts)
    equipment = rng.gamma(0.5, 1.0, 60) * students * 2500
    schools = [Unit(f"school{i}", ((i, 1.0),), 1.0, False) for i in range(60)]
    result = least_cost_additions(students, equipment, 1, 0.45, schools)
    assert result.within_limit and result.cost == pytest.approx(result.lower_bound, rel=1e-6)


# ---------------------------------------------------------------- edge cases


def test_already_within_the_limit_adds_nothing():
    result = least_cost_additions([100, 200, 100], [2, 6, 2], 100, 0.5, section_units([0, 1, 2]))
    assert result.amounts == {} and result.cost == 0 and result.within_limit
    assert result.cv_before == result.cv_after == pytest.approx(0.2)
    assert "already" in result.status


def test_county_value_0_leaves_the_cv_undefined_and_adds_nothing():
    result = least_cost_additions([100, 200], [0, 0], 100, 0.5, section_units([0, 1]))
    assert result.amounts == {} and result.cost == 0 and not result.within_limit
    assert math.isnan(result.cv_before) and "undefined" in result.status


def test_a_single_section_has_cv_0():
    result = least_cost_additions([800], [3], 100, 0.45, section_units([0]))
    assert result.amounts == {} and result.cv_after == 0.0 and result.within_limit


def test_a_unit_that_cannot_help_is_reported_infeasible():
    # 100 and 100 students, 0 and 10 teachers; only the high section may hire: x = (0, t),
    # X̄ = t/2, S = t/2, CV = 1 for every t > 0. No addition reaches 0.5.
    result = least_cost_additions([100, 100], [0, 10], 100, 0.5, section_units([1]))
    assert result.amounts == {} and result.cost == 0 and not result.within_limit
    assert result.lower_bound == math.inf and result.cv_after == result.cv_before == 1.0
    assert result.status.startswith("infeasible")
    assert "1 of 2 sections have no unit" in result.status


def test_a_unit_that_helps_too_little_is_reported_infeasible():
    # Three sections of 100 students with 0, 0, 6 teachers; only section 0 may hire: x = (t, 0, 6).
    # CV² = 3(t² + 36)/(t + 6)² − 1; its minimum is at 2t(t + 6) = 2(t² + 36), t = 6:
    # CV² = 3·72/144 − 1 = 0.5, CV = 0.7071 > 0.5 for every t.
    result = least_cost_additions([100, 100, 100], [0, 0, 6], 100, 0.5, section_units([0]))
    assert result.status.startswith("infeasible") and result.amounts == {}
    assert result.lower_bound == math.inf
    # With 0.75 > 0.7071 it is feasible: CV² ≤ 0.5625 ⇔ 3(t² + 36) ≤ 1.5625(t + 6)²
    # ⇔ 1.4375t² − 18.75t + 51.75 ≤ 0 ⇔ t ∈ [(18.75 − √54)/2.875, (18.75 + √54)/2.875]
    # = [3.966, 9.078] (CV before = √2) → 4 teachers: CV² = 3·52/100 − 1 = 0.56, CV = 0.7483.
    result = least_cost_additions([100, 100, 100], [0, 0, 6], 100, 0.75, section_units([0]))
    t = (18.75 - math.sqrt(54)) / 2.875
    assert t == pytest.approx(3.9657, abs=1e-4)
    assert result.amounts == {"s0": 4} and result.within_limit
    assert result.cv_before == pytest.approx(math.sqrt(2))
    assert result.cv_after == pytest.approx(math.sqrt(0.56))
    assert result.lower_bound == pytest.approx(t * TEACHER, rel=1e-8)


def test_no_units_at_all():
    result = least_cost_additions([100, 100], [0, 6], 100, 0.5, [])
    assert result.status.startswith("infeasible") and "no unit raises any section" in result.status


def test_rounding_that_overshoots_is_repaired_with_whole_units():
    # 56 and 396 students, 0 and 2 teachers, L = 0.3, a teacher unit on each section. With two
    # sections CV = √(w₀w₁)·|x₀ − x₁| / X̄, w = (56, 396)/452, √(w₀w₁) = √22176/452 = 0.32946.
    # With no teacher in section 0 the CV is √(w₀/w₁) = 0.376 whatever section 1 gets, so the
    # relaxation buys a fraction of a teacher there and rounding makes it 1: x₀ = 100/56 = 1.786,
    # far above x₁ = 200/396 = 0.505, X̄ = (1 + 2)·100/452 = 0.664, CV = 0.32946·1.281/0.664
    # = 0.636. Now a teacher in section 1 lowers it: +1, x₁ = 0.758, X̄ = 0.885,
    # CV = 0.32946·1.028/0.885 = 0.383 > 0.3; +2, x₁ = 1.010, X̄ = 1.106,
    # CV = 0.32946·0.776/1.106 = 0.231 ≤ 0.3. Three teachers; no plan of two passes.
    problem = CvProblem([56, 396], [0, 2], 100, 0.3, section_units([0, 1]))
    result = problem.solve()
    assert result.amounts == {"s0": 1, "s1": 2} and result.within_limit
    assert result.cv_after == pytest.approx(
        0.32946 * (100 / 56 - 400 / 396) / (500 / 452), abs=1e-4
    )
    assert "then 2 whole unit(s) added" in result.status
    assert cheapest_passing(problem, plans_in_a_grid(np.arange(7.0), 2)) == 3 * TEACHER
    assert result.cost == 3 * TEACHER


def test_a_limit_no_whole_teacher_meets_gives_no_additions_and_says_why():
    # 388 and 65 students, 2 and 0 teachers, L = 0.3, only section 1 may hire t teachers:
    # x = (200/388, 100t/65) = (0.5155, 1.5385t), w = (0.8565, 0.1435), √(w₀w₁) = 0.35057,
    # X̄ = 0.4415 + 0.2208t. t = 0: CV = 0.35057·0.5155/0.4415 = 0.409 > 0.3.
    # Below x₀: 0.35057(0.5155 − x₁) ≤ 0.3(0.4415 + 0.1435x₁) ⇔ x₁ ≥ 0.1226 ⇔ t ≥ 0.0797;
    # above x₀: 0.35057(x₁ − 0.5155) ≤ 0.3(0.4415 + 0.1435x₁) ⇔ x₁ ≤ 1.0184 ⇔ t ≤ 0.662.
    # So the relaxation costs 0.0797 teacher, and no whole t works: t = 1 gives
    # CV = 0.35057·1.0229/0.6623 = 0.5415, and more teachers only raise it (towards √(w₀/w₁)).
    result = least_cost_additions([388, 65], [2, 0], 100, 0.3, section_units([1]))
    assert result.amounts == {} and result.cost == 0 and not result.within_limit
    assert result.cv_after == result.cv_before == pytest.approx(0.4093, abs=1e-4)
    assert result.lower_bound == pytest.approx(0.0797 * TEACHER, rel=1e-3)
    # Rounding up (cv 0.5415) and rounding down to nothing (0.4093) both fail, and no whole
    # teacher lowers the CV from there: the closest attempt is reported.
    assert "cv 0.409299124 > 0.3 and no whole unit lowers it further" in result.status
    assert "NOT within the limit" in result.status


def test_rounding_down_and_another_unit_can_be_the_whole_plan():
    # 53 and 20 students, 1 and 0 teachers, L = 0.5. Two school units raise section 1 only: u0 by
    # 1 per unit, u1 by 0.6 (a share), both 100 000 yuan. With t the teachers section 1 gains,
    # x = (100/53, 5t) = (1.8868, 5t), w = (53, 20)/73, √(w₀w₁) = √1060/73 = 0.44600, and
    # X̄ = 100(1 + t)/73 = 1.36986(1 + t), so CV = 0.446·|1.8868 − 5t| / (1.36986(1 + t)):
    # t = 0: 0.6143. u0 is cheaper per teacher, and the relaxation needs
    # 0.446(1.8868 − 5t) ≤ 0.5·1.36986(1 + t) ⇔ 0.15658 ≤ 2.91493t ⇔ t ≥ 0.05372 → 5 372 yuan.
    # Rounding u0 up gives t = 1: CV = 0.446·3.1132/2.7397 = 0.5068 > 0.5, and more only raises
    # it; rounding down (nothing) and adding u1 gives t = 0.6: CV = 0.446·1.1132/2.1918 = 0.2265.
    # One unit of 100 000 yuan is the relaxation's 0.054 units rounded up: proven least.
    units = [Unit("u0", ((1, 1.0),), TEACHER, True), Unit("u1", ((1, 0.6),), TEACHER, True)]
    result = least_cost_additions([53, 20], [1, 0], 100, 0.5, units)
    assert result.amounts == {"u1": 1} and result.cost == TEACHER and result.within_limit
    assert result.cv_after == pytest.approx(0.2265, abs=1e-4)
    assert result.lower_bound == pytest.approx(0.05372 * TEACHER, rel=1e-3)
    assert "rounded down; then 1 whole unit(s) added" in result.status
    assert result.status.endswith("least cost: proven")


def test_bad_input_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="students must be finite and > 0"):
        least_cost_additions([100, 0], [1, 1], 100, 0.5, [])
    with pytest.raises(ValueError, match="resources must be finite and ≥ 0"):
        least_cost_additions([100, 100], [1, -1], 100, 0.5, [])
    with pytest.raises(ValueError, match="two equal, non-empty lists"):
        least_cost_additions([100, 100], [1], 100, 0.5, [])
    with pytest.raises(ValueError, match="unit s0: cost must be finite and > 0"):
        least_cost_additions([100, 100], [0, 6], 100, 0.5, section_units([0], cost=0))
    with pytest.raises(ValueError, match="unit x: raises section 2 by share 1"):
        least_cost_additions([100, 100], [0, 6], 100, 0.5, [Unit("x", ((2, 1.0),), 1, True)])
    with pytest.raises(ValueError, match="shares in"):
        least_cost_additions([100, 100], [0, 6], 100, 0.5, [Unit("x", ((0, 0.0),), 1, True)])
    with pytest.raises(ValueError, match="unit keys must be unique"):
        least_cost_additions([100, 100], [0, 6], 100, 0.5, section_units([0, 0]))


# ---------------------------------------------------------------- brute force and properties


@st.composite
def problems(draw, integer: bool, max_sections=4, max_units=4):
    """A small county: sections, resources, a limit, and units (some sections without one).

    Unit sections are drawn by rank of value, lowest first, so that most problems can be solved
    and shrinking leads to the section a county would raise first."""
    m = draw(st.integers(2, max_sections))
    students = draw(st.lists(st.integers(20, 3000), min_size=m, max_size=m))
    if integer:  # teachers (or rooms), per 100 students
        resources = draw(st.lists(st.integers(0, 30), min_size=m, max_size=m))
        per = 100
    else:  # m² or yuan, per student
        per_student = st.one_of(st.just(0.0), st.floats(1e-3, 5000))
        yuan = draw(st.lists(per_student, min_size=m, max_size=m))
        resources = [n * x for n, x in zip(students, yuan, strict=True)]
        per = 1
    assume(sum(resources) > 0)  # X̄ = 0 is a case of its own, tested by hand
    by_value = np.argsort(np.array(resources) / np.array(students), kind="stable")
    units = []
    for k in range(draw(st.integers(1, max_units))):
        ranks = draw(st.sets(st.integers(0, m - 1), min_size=1, max_size=2))
        shares = [draw(st.sampled_from([1.0, 0.6, 0.35])) for _ in ranks]
        cost = draw(st.integers(1, 5)) * (TEACHER if integer else 1.0)
        raises = tuple(sorted(zip((int(by_value[r]) for r in ranks), shares, strict=True)))
        units.append(Unit(f"u{k}", raises, cost, integer))
    limit = draw(st.sampled_from([0.5, 0.45, 0.3, 0.2, 0.1]))
    return CvProblem(students, resources, per, limit, units)


def solver_slack(problem: CvProblem) -> float:
    """What the solver's tolerance (1e-10 of the scaled problem) can be worth in yuan: 10⁻⁸ of
    the cost of adding the county's whole resource through the dearest unit."""
    per_section = max(unit.cost / share for unit in problem.units for _, share in unit.raises)
    return 1e-8 * max(sum(problem.resources), 1.0) * per_section


def plans_in_a_grid(axis: np.ndarray, units: int) -> np.ndarray:
    """Every plan whose amounts all lie on `axis`, one row per plan."""
    return np.stack(np.meshgrid(*[axis] * units, indexing="ij"), axis=-1).reshape(-1, units)


def cvs_of_plans(problem: CvProblem, plans: np.ndarray) -> np.ndarray:
    """The CV after each row of `plans` (one amount per unit), all at once."""
    raises = np.zeros((len(problem.students), len(problem.units)))
    for k, unit in enumerate(problem.units):
        for i, share in unit.raises:
            raises[i, k] += share
    students = np.asarray(problem.students, float)
    values = problem.per * (np.asarray(problem.resources, float) + plans @ raises.T) / students
    weights = students / students.sum()
    mean = values @ weights
    return np.sqrt(((values - mean[:, None]) ** 2) @ weights) / mean


def cheapest_passing(problem: CvProblem, plans: np.ndarray) -> float | None:
    """The least cost among the plans whose CV meets the limit by the project's comparison."""
    cvs = cvs_of_plans(problem, plans)
    passing = np.floor(cvs * 1e9 + 0.5) / 1e9 <= problem.limit
    costs = plans @ np.array([unit.cost for unit in problem.units])
    return float(costs[passing].min()) if passing.any() else None


def assert_sound(problem: CvProblem, result):
    """What every result must satisfy, recomputed here without the solver."""
    event(kind_of(result))  # --hypothesis-show-statistics: how many examples reached each path
    students = np.asarray(problem.students, float)
    before = problem.per * np.asarray(problem.resources, float) / students
    assert all(amount > 0 for amount in result.amounts.values())
    by_key = {unit.key: unit for unit in problem.units}
    assert result.cost == pytest.approx(
        sum(by_key[key].cost * amount for key, amount in result.amounts.items()), rel=1e-12
    )
    for key, amount in result.amounts.items():
        assert not by_key[key].integer or amount == int(amount)
    if math.isnan(result.cv_before):  # X̄ = 0, or so small (subnormal) that it rounds to 0
        assert result.amounts == {} and "undefined" in result.status
        assert np.average(before, weights=students) < 1e-300
        return
    assert result.cv_before == pytest.approx(independent_cv(students, before), abs=1e-12)
    if within_limit(result.cv_before, problem.limit):
        assert result.amounts == {} and "already" in result.status
        return
    plan = [result.amounts.get(unit.key, 0.0) for unit in problem.units]
    assert result.cv_after == pytest.approx(cvs_of_plans(problem, np.array([plan]))[0], abs=1e-12)
    if result.status.startswith("infeasible"):
        assert result.amounts == {} and result.lower_bound == math.inf
    elif not result.within_limit:  # no whole-unit plan found: nothing added, and it says so
        assert result.amounts == {} and "NOT within the limit" in result.status
        assert any(unit.integer for unit in problem.units)
    else:
        assert within_limit(weighted_cv(students, _values_after(problem, plan))[2], problem.limit)
        assert result.lower_bound <= result.cost + solver_slack(problem)
        assert (
            "whole unit(s) added" in result.status
            or "rounded up" in result.status
            or all(not unit.integer for unit in problem.units if unit.key in result.amounts)
        )


def kind_of(result) -> str:
    for kind in (
        "already",
        "undefined",
        "infeasible",
        "NOT within",
        "whole unit(s) added",
        "tightened",
        "rounded up",
    ):
        if kind in result.status:
            return kind
    return "continuous optimum"


def _values_after(problem, amounts):
    raised = np.asarray(problem.resources, float).copy()
    for unit, amount in zip(problem.units, amounts, strict=True):
        for i, share in unit.raises:
            raised[i] += amount * share
    return problem.per * raised / np.asarray(problem.students, float)


@SOLVER
@given(problem=problems(integer=True))
def test_integer_units_against_every_plan_in_a_box(problem):
    result = problem.solve()
    assert_sound(problem, result)
    if "already" in result.status or "undefined" in result.status:
        return
    box = plans_in_a_grid(np.arange(7.0), len(problem.units))
    best = cheapest_passing(problem, box)
    if result.status.startswith("infeasible") or not result.within_limit:
        assert best is None  # no plan in the box passes either
        return
    if best is None:
        return  # every passing plan lies outside the box
    # The relaxation is never dearer than an integer plan (up to the solver's tolerance) ...
    assert result.lower_bound <= best + solver_slack(problem)
    # ... and rounding up adds less than one unit to each unit the relaxation used, so when the
    # rounded plan passed as it was, cost < relaxation + Σ cost of those units ≤ best + that sum.
    if "whole unit(s) added" not in result.status:
        used = sum(unit.cost for unit in problem.units if unit.key in result.amounts)
        assert result.cost <= best + used
    if "least cost: proven" in result.status:  # units of one price, cost = ⌈relaxation⌉
        assert result.cost <= best


@SOLVER
@given(problem=problems(integer=False, max_sections=3, max_units=2))
def test_continuous_units_against_a_fine_grid(problem):
    result = problem.solve()
    assert_sound(problem, result)
    if "already" in result.status or "undefined" in result.status:
        return
    # Up to the largest amount that could matter: the whole county's resource ×10 per unit.
    top = 10 * max(sum(problem.resources), 1.0) / min(s for u in problem.units for _, s in u.raises)
    best = cheapest_passing(problem, plans_in_a_grid(np.linspace(0, top, 401), len(problem.units)))
    if result.status.startswith("infeasible"):
        assert best is None
    elif best is not None:
        # Every passing grid plan costs at least the optimum the solver found.
        assert result.cost <= best + solver_slack(problem)


def test_the_grid_converges_to_the_solver_optimum():
    # Three sections, the two low ones each with a continuous unit at different prices. Stepping
    # the optimum up to the grid keeps it passing here (both stay below the county value), so the
    # best grid plan costs at most the optimum + Σ cost × step.
    problem = CvProblem(
        [200, 500, 300],
        [50_000, 400_000, 2_400_000],
        1,
        0.5,
        [Unit("a", ((0, 1.0),), 1.0, False), Unit("b", ((1, 1.0),), 1.5, False)],
    )
    result = problem.solve()
    assert result.within_limit and set(result.amounts) <= {"a", "b"}
    step = 2_000.0
    axis = np.arange(0, 2_000_000, step)
    best = cheapest_passing(problem, plans_in_a_grid(axis, 2))
    assert result.cost <= best * (1 + 1e-9)
    assert best <= result.cost + 2.5 * step
