"""The shipped reference tables hold DOMAIN.md's numbers, written out here by hand.

A standard moved from 4.2 to 4.0 in dbt_like_sql/reference/standards.csv must fail a test:
each value below is copied from DOMAIN.md (§1 standards and split weights, §1 CV limits, the
per-school rule, §2–§4 thresholds and the defaults of the disputed settings), not read from the
CSV. A province changes them through JUNHENG_REFERENCE_DIR, never by editing these files.
"""

import pytest

from schemas.reference_data import OVERRIDE_ENV, load_reference

# DOMAIN.md §1: indicator → (primary ≥, junior ≥)
STANDARDS = {
    "qualified_teachers_per100": (4.2, 5.3),
    "backbone_teachers_per100": (1.0, 1.0),
    "pe_art_teachers_per100": (0.9, 0.9),
    "teaching_area_per_student": (4.5, 5.8),
    "sports_area_per_student": (7.5, 10.2),
    "equipment_value_per_student": (2000, 2500),
    "multimedia_rooms_per100": (2.3, 2.4),
}
# DOMAIN.md §1 "Coefficient of variation": ≤ 0.50 primary, ≤ 0.45 junior.
CV_LIMITS = {"primary": 0.50, "junior": 0.45}
# DOMAIN.md §1 split table: A : 1.1B (nine-year), B : 1.2C (complete middle),
# A : 1.1B : 1.32C (twelve-year); special schools use the nine-year weights (README).
SPLIT_WEIGHTS = {
    ("nine_year", "primary"): 1.0,
    ("nine_year", "junior"): 1.1,
    ("twelve_year", "primary"): 1.0,
    ("twelve_year", "junior"): 1.1,
    ("twelve_year", "senior"): 1.32,
    ("complete_middle", "junior"): 1.0,
    ("complete_middle", "senior"): 1.2,
    ("special", "primary"): 1.0,
    ("special", "junior"): 1.1,
}
# DOMAIN.md §1 per-school rule and the defaults of the disputed settings (§1, §3, README).
SETTINGS = {
    "indoor_sports_area": "move_to_sports",
    "teaching_point_min_students": "50",
    "min_indicators_met": "6",
    "min_ratio_of_standard": "0.85",
    "comparison_decimals": "9",
    "retention_formula": "cohort",
    "rooms_under_12_classes": "one",
    # DOMAIN.md §6: baseline the earliest year; least-squares line over the last 3 years, ≥ 2.
    "monitoring_baseline_year": "earliest",
    "projection_method": "linear_trend",
    "projection_window_years": "3",
    "projection_min_years": "2",
}
# DOMAIN.md §2–§4.
THRESHOLDS = {
    "music_room_m2": 96,  # G3
    "art_room_m2": 90,
    "old_music_room_m2": 73,  # G3, schools planned and built in 2016 or earlier
    "old_art_room_m2": 67,
    "old_rooms_built_by": 2016,
    "classes_per_room": 12,  # G3: ceil(classes / 12)
    "max_students_single": 2000,  # G4
    "max_students_integrated": 2500,
    "max_students_single_exception": 2400,
    "max_students_integrated_exception": 3000,
    "exception_built_by": 2010,
    "exception_migrant_share_pct": 50,
    "small_school_students": 100,  # G6
    "special_funds_per_student": 6000,  # G7
    "training_hours": 360,  # G9
    "rotation_pct": 10,  # G11
    "rotation_backbone_pct": 20,
    "nearby_primary_pct": 100,  # G13
    "nearby_junior_pct": 95,
    "hs_quota_pct": 50,  # G14
    "migrant_public_pct": 85,  # G15
    "retention_pct": 95,  # Q1
    "disabled_enrolment_pct": 95,  # Q2
    "training_funds_pct": 5,  # Q4
    "monitoring_difference_rate": 0.15,  # Q9
    "social_recognition_pct": 85,  # §4
    "max_class_primary": 45,  # G5: classes over 45 (primary) / 50 (junior) are oversized
    "max_class_junior": 50,
}
# CONTRACT.md "plan": the actions, and the indicator each addition counts for (DOMAIN.md §8).
PLAN_ACTIONS = {
    "teachers_qualified": "qualified_teachers_per100",
    "teachers_backbone": "backbone_teachers_per100",
    "teachers_pe_art": "pe_art_teachers_per100",
    "teaching_area_m2": "teaching_area_per_student",
    "sports_area_m2": "sports_area_per_student",
    "equipment_yuan": "equipment_value_per_student",
    "multimedia_rooms": "multimedia_rooms_per100",
    "music_rooms": None,
    "art_rooms": None,
    "classes": None,
    "students": None,
}
# DOMAIN.md §1: which teachers count, per indicator and stage.
TEACHER_CODES = {
    ("qualified_teachers_per100", "primary"): {"associate", "bachelor", "master", "doctorate"},
    ("qualified_teachers_per100", "junior"): {"bachelor", "master", "doctorate"},
    ("backbone_teachers_per100", "primary"): {"county", "city", "province", "national"},
    ("backbone_teachers_per100", "junior"): {"county", "city", "province", "national"},
    ("pe_art_teachers_per100", "primary"): {"pe", "music", "fine_art", "arts"},
    ("pe_art_teachers_per100", "junior"): {"pe", "music", "fine_art", "arts"},
    # DOMAIN.md §6 key indicators: titled 一级 or higher; subject 心理健康; one level above the
    # §1 qualification (primary 本科+, junior 硕士+).
    ("mid_title_teachers_per100", "primary"): {"first", "senior", "senior_professional"},
    ("mid_title_teachers_per100", "junior"): {"first", "senior", "senior_professional"},
    ("mental_health_teachers_per1000", "primary"): {"mental_health"},
    ("mental_health_teachers_per1000", "junior"): {"mental_health"},
    ("higher_degree_teachers_pct", "primary"): {"bachelor", "master", "doctorate"},
    ("higher_degree_teachers_pct", "junior"): {"master", "doctorate"},
}
# DOMAIN.md §6 level bands: (lower bound, inclusive); significant_fall below the rest.
LEVELS = {
    "significant_rise": (110.0, True),  # ≥ 110
    "rise": (102.0, True),  # ≥ 102
    "stable": (98.0, False),  # > 98
    "fall": (90.0, False),  # > 90
    "significant_fall": (None, False),
}
# DOMAIN.md §6: the 15 key indicators and which way is better (school_gap: lower).
KEY_INDICATORS = {
    "qualified_teachers_per100": True,
    "backbone_teachers_per100": True,
    "pe_art_teachers_per100": True,
    "teaching_area_per_student": True,
    "sports_area_per_student": True,
    "equipment_value_per_student": True,
    "multimedia_rooms_per100": True,
    "mid_title_teachers_per100": True,
    "mental_health_teachers_per1000": True,
    "higher_degree_teachers_pct": True,
    "public_funds_per_student": True,
    "academic_quality_pct": True,
    "physical_health_pct": True,
    "social_recognition_pct": True,
    "school_gap": False,
}
# DOMAIN.md §1 "Which sections are evaluated".
EVALUATED_TYPES = {
    "primary": True,
    "junior": True,
    "nine_year": True,
    "twelve_year": True,
    "complete_middle": True,
    "teaching_point": True,  # with at least 50 students (teaching_point_min_students)
    "special": False,
    "vocational": False,
    "senior": False,
}


@pytest.fixture(autouse=True)
def _bundled_only(monkeypatch):
    monkeypatch.delenv(OVERRIDE_ENV, raising=False)


def _rows(name):
    return load_reference(name).to_dicts()


def test_standards_are_domain_section_1():
    found = {(r["indicator"], r["stage"]): float(r["standard"]) for r in _rows("standards")}
    expected = {
        (indicator, stage): value
        for indicator, (primary, junior) in STANDARDS.items()
        for stage, value in (("primary", primary), ("junior", junior))
    }
    assert found == expected


def test_cv_limits_split_weights_and_teacher_codes():
    assert {r["stage"]: float(r["cv_limit"]) for r in _rows("cv_limits")} == CV_LIMITS
    weights = {(r["school_type"], r["stage"]): float(r["weight"]) for r in _rows("split_weights")}
    assert weights == SPLIT_WEIGHTS
    codes: dict[tuple[str, str], set[str]] = {}
    for r in _rows("teacher_counts"):
        codes.setdefault((r["indicator"], r["stage"]), set()).add(r["code"])
    assert codes == TEACHER_CODES


def test_settings_default_to_domain_and_say_so():
    rows = {r["setting"]: r for r in _rows("settings")}
    for setting, value in SETTINGS.items():
        assert rows[setting]["value"] == value, setting
        assert rows[setting]["default_value"] == value, setting


def test_thresholds_are_domain_sections_2_to_4():
    found = {r["threshold"]: float(r["value"]) for r in _rows("thresholds")}
    assert found == {name: float(value) for name, value in THRESHOLDS.items()}


def test_which_school_types_are_evaluated():
    found = {r["school_type"]: r["evaluated"] == "true" for r in _rows("school_types")}
    assert found == EVALUATED_TYPES


def test_plan_actions_are_the_contracts_and_equipment_costs_a_yuan_a_yuan():
    rows = _rows("plan_actions")
    assert {r["action"]: r["indicator"] for r in rows} == PLAN_ACTIONS
    # Facilities are bought by the school and shared by its sections; teachers per section.
    school_level = {r["action"] for r in rows if r["level"] == "school"}
    assert school_level == {
        "teaching_area_m2",
        "sports_area_m2",
        "equipment_yuan",
        "multimedia_rooms",
        "music_rooms",
        "art_rooms",
    }
    costs = {r["item"]: float(r["cost_yuan"]) for r in _rows("unit_costs")}
    assert costs["equipment_yuan"] == 1.0  # DOMAIN.md §8: 1 yuan per yuan
    assert all(cost > 0 for cost in costs.values())
    assert {r["cost_item"] for r in rows if r["cost_item"]} <= set(costs)


def test_monitoring_bands_and_key_indicators_are_domain_section_6():
    levels = {
        r["level"]: (
            float(r["lower_bound"]) if r["lower_bound"] else None,
            r["lower_bound_inclusive"] == "true",
        )
        for r in _rows("monitoring_levels")
    }
    assert levels == LEVELS
    found = {r["indicator"]: r["higher_is_better"] == "true" for r in _rows("key_indicators")}
    assert found == KEY_INDICATORS
