"""DOMAIN.md §8 on a hand-worked county (tests/remediation_district.py): the needs of each
section in natural units, the school additions of shared facilities, the cheapest way to
"complies", the school-level G3/G4/G5 gaps and their costs. Unit costs are the bundled
defaults (dbt_like_sql/reference/unit_costs.csv): 150 000 yuan a teacher, 3500 yuan per m² of
teaching area, 1 yuan per yuan of equipment, 40 000 yuan a multimedia room, 396 000 / 355 000
yuan a music / art room.
"""

import pytest

from tests import remediation_district as r
from tests.helpers import query, query_dicts, run_year, write_year

YEAR = 2024
TEACHER, M2, ROOM = 150_000, 3500, 40_000
SPORTS_M2 = 400


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    write_year(root, YEAR, r.district())
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    assert run_year(root, path, YEAR).success
    return path


def needs(warehouse, school_id):
    rows = query_dicts(
        warehouse,
        "SELECT * FROM marts.remediation_needs WHERE year = ? AND school_id = ? "
        "ORDER BY stage DESC, indicator",
        [YEAR, school_id],
    )
    return {(row["stage"], row["indicator"]): row for row in rows}


def school_row(warehouse, school_id):
    rows = query_dicts(
        warehouse,
        "SELECT * FROM marts.remediation_schools WHERE year = ? AND school_id = ?",
        [YEAR, school_id],
    )
    return rows[0] if rows else None


def test_a_section_short_of_teachers_needs_whole_teachers(warehouse):
    # 4.2 × 400 / 100 = 16.8 needed, 15 present → 1.8 → 2 teachers (rounded up).
    # 85 %: 0.85 × 16.8 = 14.28 ≤ 15 → 0. The section complies already (6 met, 89 % ≥ 85 %).
    row = needs(warehouse, r.SHORT_TWO)[("primary", "qualified_teachers_per100")]
    assert (row["unit"], row["action"]) == ("teachers", "teachers_qualified")
    assert (row["shortfall"], row["shortfall_to_85"], row["school_addition"]) == (2, 0, 2)
    assert row["cost_yuan"] == 2 * TEACHER
    # To "complies" it may stay at 89 %: nothing to add.
    assert (row["left_at_85"], row["school_addition_to_complies"]) == (True, 0)
    assert row["cost_to_complies_yuan"] == 0


def test_two_teacher_gaps_and_the_cheapest_one_left_at_85(warehouse):
    rows = needs(warehouse, r.SHORT_TWO_KINDS)
    qualified = rows[("primary", "qualified_teachers_per100")]
    backbone = rows[("primary", "backbone_teachers_per100")]
    # Qualified: 42 − 30 = 12; to 85 %: 35.7 − 30 = 5.7 → 6. Backbone: 10 − 8 = 2;
    # to 85 %: 8.5 − 8 = 0.5 → 1.
    assert (qualified["shortfall"], qualified["shortfall_to_85"]) == (12, 6)
    assert (backbone["shortfall"], backbone["shortfall_to_85"]) == (2, 1)
    # Leave qualified at 85 %: 6 + 2 = 8 teachers; leave backbone: 12 + 1 = 13. Take 8.
    assert (qualified["left_at_85"], backbone["left_at_85"]) == (True, False)
    assert (qualified["school_addition_to_complies"], backbone["school_addition_to_complies"]) == (
        6,
        2,
    )
    school = school_row(warehouse, r.SHORT_TWO_KINDS)
    assert (school["teachers_to_add"], school["teachers_to_add_to_complies"]) == (14, 8)
    assert school["cost_to_all_met_yuan"] == 14 * TEACHER
    assert school["cost_to_complies_yuan"] == 8 * TEACHER


def test_nine_year_junior_equipment_is_bought_by_the_school(warehouse):
    # Weighted students 300 + 1.1 × 200 = 520; junior share 220/520.
    # Junior equipment 1 100 000 × 220/520 = 465 384.62 for 200 pupils = 2326.92 < 2500.
    # Section shortfall 2500 × 200 − 465 384.62 = 34 615.38 yuan; the school must add
    # 34 615.38 ÷ (220/520) = 81 818.18 yuan (= 2500 × 520/1.1 − 1 100 000), of which the
    # primary section also gets 300/520. 85 %: 425 000 < 465 384.62 → 0.
    row = needs(warehouse, r.NINE)[("junior", "equipment_value_per_student")]
    assert row["resource_share"] == pytest.approx(220 / 520)
    assert row["shortfall"] == pytest.approx(2500 * 200 - 1_100_000 * 220 / 520)
    assert row["school_addition"] == pytest.approx(81_818.181818, rel=1e-9)
    assert row["shortfall_to_85"] == 0 and row["sets_school_addition"]
    assert row["cost_yuan"] == pytest.approx(81_818.181818, rel=1e-9)
    # The primary section meets its equipment standard (1 100 000 / 520 = 2115.38 ≥ 2000).
    assert ("primary", "equipment_value_per_student") not in needs(warehouse, r.NINE)


def test_nine_year_teaching_area_both_sections_short_the_larger_need_sets_it(warehouse):
    # 2000 m²: primary 2000 × 300/520 / 300 = 3.846 m² (85.5 % of 4.5), junior
    # 2000 × 220/520 / 200 = 4.231 (72.9 % of 5.8).
    # Primary gap 4.5 × 300 − 1153.85 = 196.15 m² → ÷ 300/520 = 340.0;
    # junior gap 5.8 × 200 − 846.15 = 313.85 m² → ÷ 220/520 = 741.82: the school adds 741.82.
    rows = needs(warehouse, r.NINE)
    primary = rows[("primary", "teaching_area_per_student")]
    junior = rows[("junior", "teaching_area_per_student")]
    assert primary["shortfall"] == pytest.approx(4.5 * 300 - 2000 * 300 / 520)
    assert junior["shortfall"] == pytest.approx(5.8 * 200 - 2000 * 220 / 520)
    addition = (5.8 * 200 - 2000 * 220 / 520) * 520 / 220  # 741.818…
    assert primary["school_addition"] == junior["school_addition"] == pytest.approx(addition)
    assert (primary["sets_school_addition"], junior["sets_school_addition"]) == (False, True)
    # The cost counts once, in the stage that sets it.
    assert (primary["cost_yuan"], junior["cost_yuan"]) == (0, pytest.approx(addition * M2))


def test_nine_year_cheapest_complies_across_its_two_sections(warehouse):
    # Primary: one indicator short (teaching, 85.5 %): it stays, to-85 gap 0.
    # Junior: teaching 72.9 % and equipment 93 % short; one may stay at 85 %:
    #  a) teaching to 85 %: 0.85 × 5.8 × 200 − 846.15 = 139.85 m² → ÷ 220/520 = 330.55 m²
    #     × 3500 = 1 156 909 yuan, + equipment in full 81 818 → 1 238 727;
    #  b) equipment stays (93 %), teaching in full: 741.82 m² × 3500 = 2 596 364.
    # a) is cheaper; "all met" costs 741.82 × 3500 + 81 818 = 2 678 182.
    rows = needs(warehouse, r.NINE)
    teaching = rows[("junior", "teaching_area_per_student")]
    equipment = rows[("junior", "equipment_value_per_student")]
    assert (teaching["left_at_85"], equipment["left_at_85"]) == (True, False)
    to_85 = (0.85 * 5.8 * 200 - 2000 * 220 / 520) * 520 / 220
    assert teaching["school_addition_to_complies"] == pytest.approx(to_85)
    assert rows[("primary", "teaching_area_per_student")]["left_at_85"] is True
    school = school_row(warehouse, r.NINE)
    addition = (5.8 * 200 - 2000 * 220 / 520) * 520 / 220
    equipment_yuan = 2500 * 520 / 1.1 - 1_100_000
    assert school["cost_to_complies_yuan"] == pytest.approx(to_85 * M2 + equipment_yuan)
    assert school["cost_to_all_met_yuan"] == pytest.approx(addition * M2 + equipment_yuan)


def test_complete_middle_school_rooms_rounded_up_after_the_division(warehouse):
    # Junior share 500 / (500 + 1.2 × 400) = 500/980; 20 rooms → 20 × 500/980 = 10.204 for
    # 500 pupils = 2.041 per 100 (85.03 % of 2.4). Gap 2.4 × 5 − 10.204 = 1.796 → 2 rooms for
    # the section; the school: 1.796 ÷ (500/980) = 3.52 → 4 rooms (24 rooms give 2.449 ≥ 2.4;
    # 23 would give 2.347).
    row = needs(warehouse, r.MIDDLE)[("junior", "multimedia_rooms_per100")]
    assert row["resource_share"] == pytest.approx(500 / 980)
    assert (row["shortfall"], row["school_addition"], row["shortfall_to_85"]) == (2, 4, 0)
    assert row["cost_yuan"] == 4 * ROOM


def test_g3_g4_g5_gaps_per_school(warehouse):
    # 30 classes need ceil(30/12) = 3 rooms of each kind: music 1 → 2 to add; art 2 rooms,
    # the 60 m² one under the 67 m² floor (built 2015) → 1 counts → 2 to add. Cost:
    # 2 × 396 000 + 2 × 355 000 = 1 502 000.
    rooms = school_row(warehouse, r.ROOMS)
    assert (rooms["music_rooms_to_add"], rooms["art_rooms_to_add"], rooms["rooms_to_add"]) == (
        2,
        2,
        4,
    )
    assert rooms["cost_to_all_met_yuan"] == rooms["cost_to_complies_yuan"] == 1_502_000
    # 2100 pupils over the 2000 limit: 100. 47 classes ≥ ceil(2100/45) = 47: none to add,
    # but 2 oversized (re-divide the classes).
    big = school_row(warehouse, r.BIG)
    assert (big["students_over_limit"], big["oversized_classes"], big["classes_to_add"]) == (
        100,
        2,
        0,
    )
    # 1300 pupils in 24 classes: ceil(1300/45) = 29 → 5 to add. Its 2 + 2 rooms meet G3 for 24
    # classes (ceil(24/12) = 2) but not for 29 (ceil(29/12) = 3): 1 music and 1 art room more.
    more = school_row(warehouse, r.MORE_CLASSES)
    assert (
        more["primary_classes_to_add"],
        more["music_rooms_to_add"],
        more["art_rooms_to_add"],
    ) == (
        5,
        1,
        1,
    )
    assert more["cost_to_all_met_yuan"] == 396_000 + 355_000
    # 1400 pupils in 30 classes: ceil(1400/45) = 32 → 2 classes to add.
    crowded = school_row(warehouse, r.CROWDED)
    assert (crowded["primary_classes_to_add"], crowded["classes_to_add"]) == (2, 2)
    assert crowded["oversized_classes"] == 5 and crowded["cost_to_all_met_yuan"] == 0


def test_only_schools_with_something_to_remedy_are_listed(warehouse):
    ids = {
        row["school_id"]
        for row in query_dicts(warehouse, "SELECT school_id FROM marts.remediation_schools")
    }
    assert ids == {
        r.SHORT_TWO,
        r.SHORT_TWO_KINDS,
        r.NINE,
        r.MIDDLE,
        r.ROOMS,
        r.BIG,
        r.CROWDED,
        r.MORE_CLASSES,
        r.SPREAD_LOW,
        r.NINE_TEACHERS,
        r.NOISY_ROOMS,
        r.PE_SHORT,
        r.ONE_OVER,
        r.ONE_ROOM,
        r.NOISY_MIDDLE,
        r.NOISY_NINE,
        r.ONE_CLASS,
        r.ONE_OVERSIZED,
        r.POINT,
        r.JUNIOR_CLASSES,
        r.ROOMS_ONLY,
    }


def test_every_need_met_leaves_no_section_below_its_standard(warehouse):
    # The "needs" scenario applies every school addition with the same SQL models.
    below = query_dicts(
        warehouse,
        "SELECT school_id, stage, indicator, value, standard "
        "FROM needs.school_indicator_compliance WHERE NOT met",
    )
    assert below == []


def county_row(warehouse, stage, indicator, county=r.COUNTY):
    rows = query_dicts(
        warehouse,
        "SELECT * FROM marts.remediation_county WHERE year = ? AND county_code = ? "
        "AND stage = ? AND indicator = ?",
        [YEAR, county, stage, indicator],
    )
    assert len(rows) == 1
    return rows[0]


def weighted_cv(pairs):
    """§1 by hand: X̄ = Σnx / Σn, S = √(Σn(x − X̄)² / Σn), CV = S / X̄ over (students, value)."""
    total = sum(n for n, _ in pairs)
    mean = sum(n * x for n, x in pairs) / total
    return (sum(n * (x - mean) ** 2 for n, x in pairs) / total) ** 0.5 / mean


# Primary qualified teachers per 100 pupils, (pupils, teachers) of each primary section:
# SHORT_TWO, SHORT_TWO_KINDS, NINE, ROOMS, BIG, CROWDED, MORE_CLASSES (MIDDLE has none).
PRIMARY_QUALIFIED = [(400, 15), (1000, 30), (300, 13), (1350, 57), (2100, 89), (1400, 59)]
PRIMARY_QUALIFIED += [(1300, 55)]


def test_county_totals_of_a_teacher_indicator_and_its_cv_before_and_after_the_needs(warehouse):
    # Two sections below 4.2: SHORT_TWO needs 2 teachers (0 to complies), SHORT_TWO_KINDS 12
    # (6 to complies, where qualified is the one left at 85 %): 14 teachers, 2 100 000 yuan;
    # to complies 6 × 150 000 = 900 000.
    row = county_row(warehouse, "primary", "qualified_teachers_per100")
    assert (row["sections_below"], row["shortfall_total"], row["unit"]) == (2, 14, "teachers")
    assert (row["cost_yuan"], row["cost_to_complies_yuan"]) == (14 * TEACHER, 6 * TEACHER)
    # CV now: values 3.75, 3.0, 4.33, 4.22, 4.24, 4.21, 4.23 per 100; after the needs
    # SHORT_TWO has 17 (4.25) and SHORT_TWO_KINDS 42 (4.2).
    before = [(n, 100 * t / n) for n, t in PRIMARY_QUALIFIED]
    after = [(400, 100 * 17 / 400), (1000, 100 * 42 / 1000)] + before[2:]
    assert row["cv_before"] == pytest.approx(weighted_cv(before), rel=1e-9)
    assert row["cv_after_needs"] == pytest.approx(weighted_cv(after), rel=1e-9)
    assert weighted_cv(after) < weighted_cv(before) < 0.5
    assert row["cv_limit"] == 0.5 and (row["extra_for_cv"], row["extra_cost_yuan"]) == (0, 0)
    assert row["method"] == "within the limit once the needs are met: no extra additions"


def test_county_totals_where_no_section_is_below_count_nothing(warehouse):
    # Primary PE/art teachers: every section meets 0.9 per 100; the needs hire none of them,
    # so the CV after the needs is the CV now.
    row = county_row(warehouse, "primary", "pe_art_teachers_per100")
    assert (row["sections_below"], row["shortfall_total"]) == (0, 0)
    assert (row["cost_yuan"], row["cost_to_complies_yuan"]) == (0, 0)
    assert row["cv_after_needs"] == row["cv_before"] > 0


def test_county_totals_count_a_shared_facility_once_in_the_stage_that_sets_it(warehouse):
    # Teaching area: NINE's junior section sets the school's 741.82 m² (primary's row costs
    # 0); primary has NINE as its only section below (3.85 < 4.5 m²), at 0 yuan.
    addition = (5.8 * 200 - 2000 * 220 / 520) * 520 / 220
    junior = county_row(warehouse, "junior", "teaching_area_per_student")
    primary = county_row(warehouse, "primary", "teaching_area_per_student")
    assert (junior["sections_below"], primary["sections_below"]) == (1, 1)
    assert junior["unit"] == primary["unit"] == "m2"
    assert junior["shortfall_total"] == pytest.approx(5.8 * 200 - 2000 * 220 / 520)
    assert (junior["cost_yuan"], primary["cost_yuan"]) == (pytest.approx(addition * M2), 0)
    # To complies: junior teaching is the one left at 85 % (0.85 × 5.8 × 200 − 846.15).
    to_85 = (0.85 * 5.8 * 200 - 2000 * 220 / 520) * 520 / 220
    assert junior["cost_to_complies_yuan"] == pytest.approx(to_85 * M2)


def test_a_cv_the_needs_bring_within_its_limit_but_complies_does_not(warehouse):
    # County 150102, junior backbone teachers per 100: 2.5 and 0.9, 1000 pupils each.
    # CV = |x − y| / (x + y) for two equal weights: now 1.6 / 3.4 = 0.4706 > 0.45.
    # All met: SPREAD_LOW gets 1 teacher (10 − 9) → 2.5 and 1.0: 1.5 / 3.5 = 0.4286 ≤ 0.45, no
    # extra additions. Complies: SPREAD_LOW may stay at 90 % (0 yuan), so its CV stays 0.4706:
    # a problem of the complies target only, not of the county's all-met row.
    rows = query_dicts(
        warehouse,
        "SELECT * FROM marts.remediation_county WHERE year = ? AND county_code = ? "
        "AND stage = 'junior' AND indicator = 'backbone_teachers_per100'",
        [YEAR, r.SPREAD_COUNTY],
    )
    [row] = rows
    assert (row["sections_below"], row["shortfall_total"]) == (1, 1)
    assert (row["cost_yuan"], row["cost_to_complies_yuan"]) == (TEACHER, 0)
    assert row["cv_before"] == pytest.approx(1.6 / 3.4, rel=1e-12)
    assert row["cv_after_needs"] == pytest.approx(1.5 / 3.5, rel=1e-12)
    assert (row["extra_for_cv"], row["extra_cost_yuan"]) == (0, 0)
    assert row["method"] == "within the limit once the needs are met: no extra additions"
    problems = query_dicts(
        warehouse,
        "SELECT target, cv_after_needs, within_limit FROM marts.remediation_cv_problems "
        "WHERE year = ? AND county_code = ?",
        [YEAR, r.SPREAD_COUNTY],
    )
    assert [p["target"] for p in problems] == ["complies"]
    assert problems[0]["cv_after_needs"] == pytest.approx(1.6 / 3.4, rel=1e-12)
    assert problems[0]["within_limit"]


def test_a_county_with_nothing_to_add_keeps_its_cvs(warehouse):
    # 150103 meets every standard and limit: no additions, so the needs scenario leaves it out,
    # and its CVs once the needs are met are its CVs now (0: one section).
    assert (
        query_dicts(
            warehouse,
            "SELECT * FROM needs_input.additions WHERE county_code = ?",
            [r.SETTLED_COUNTY],
        )
        == []
    )
    rows = query_dicts(
        warehouse,
        "SELECT * FROM marts.remediation_county WHERE county_code = ?",
        [r.SETTLED_COUNTY],
    )
    assert len(rows) == 7  # the junior stage's seven indicators
    for row in rows:
        assert (row["sections_below"], row["cost_yuan"], row["extra_for_cv"]) == (0, 0, 0)
        assert row["cv_before"] == row["cv_after_needs"] == 0.0, row["indicator"]


def test_each_section_of_a_nine_year_school_pays_for_its_own_teachers(warehouse):
    # Backbone teachers: 1 of the 1.0 × 200 / 100 = 2 each section needs; to 85 %:
    # 1.7 − 1 = 0.7 → 1. Teachers are hired for a section, not shared: each section's one
    # teacher costs 150 000, and the school adds 2.
    rows = needs(warehouse, r.NINE_TEACHERS)
    assert set(rows) == {
        ("primary", "backbone_teachers_per100"),
        ("junior", "backbone_teachers_per100"),
    }
    for row in rows.values():
        assert (row["shortfall"], row["shortfall_to_85"], row["school_addition"]) == (1, 1, 1)
        assert row["cost_yuan"] == row["cost_to_complies_yuan"] == TEACHER
        # Leaving one at 85 % saves nothing (1 teacher either way): the tie goes to leaving
        # none, so neither is left at 85 % (false, not unknown).
        assert row["left_at_85"] is False
    school = school_row(warehouse, r.NINE_TEACHERS)
    assert school["teachers_to_add"] == 2 and school["cost_to_all_met_yuan"] == 2 * TEACHER


def test_rooms_to_add_are_rounded_after_the_comparison_rounding(warehouse):
    # Junior multimedia rooms: 2.4 × 150 / 100 = 3.6 needed in the section, 3 there: 0.6 → 1.
    # The school adds (3.6 − 3) / 0.2 = 3 rooms, which is 3.0000000000000004 in floating point:
    # rounded up as it is, 4; rounded to the comparison's 9 decimals first, 3 (18 rooms × 0.2 =
    # 3.6 for 150 pupils: 2.4 per 100, the standard).
    row = needs(warehouse, r.NOISY_ROOMS)[("junior", "multimedia_rooms_per100")]
    assert row["resource_share"] == pytest.approx(0.2)
    assert (row["shortfall"], row["school_addition"]) == (1, 3)
    assert row["cost_yuan"] == 3 * ROOM


def test_pe_teachers_and_sports_ground_short_and_the_cheaper_one_left_at_85(warehouse):
    # PE/art: 0.9 × 500 / 100 = 4.5 needed, 3 there: 1.5 → 2 teachers; to 85 %: 3.825 − 3 =
    # 0.825 → 1. Sports ground: 7.5 × 500 = 3750 m², 3000 there: 750 m²; to 85 %: 3187.5 −
    # 3000 = 187.5 m² (400 yuan a m²). All met: 2 × 150 000 + 750 × 400 = 600 000.
    # Complies: leave PE at 85 %: 150 000 + 300 000 = 450 000; leave the ground: 300 000 +
    # 187.5 × 400 = 375 000, the cheaper.
    rows = needs(warehouse, r.PE_SHORT)
    pe = rows[("primary", "pe_art_teachers_per100")]
    ground = rows[("primary", "sports_area_per_student")]
    assert (pe["shortfall"], pe["shortfall_to_85"], pe["unit"]) == (2, 1, "teachers")
    assert (ground["shortfall"], ground["unit"]) == (750, "m2")
    assert ground["shortfall_to_85"] == pytest.approx(187.5, rel=1e-12)  # 3187.5 − 3000 in float
    assert (pe["left_at_85"], ground["left_at_85"]) == (False, True)
    assert pe["school_addition_to_complies"] == 2
    assert ground["school_addition_to_complies"] == pytest.approx(187.5, rel=1e-12)
    school = school_row(warehouse, r.PE_SHORT)
    assert school["cost_to_all_met_yuan"] == 2 * TEACHER + 750 * SPORTS_M2
    assert school["cost_to_complies_yuan"] == pytest.approx(2 * TEACHER + 187.5 * SPORTS_M2)


def test_a_cv_over_its_limit_with_nothing_below_a_standard_gets_extra_teachers(warehouse):
    # County 150105: backbone teachers per 100 of 4.0 and 1.0 (1000 pupils each): CV =
    # (4 − 1) / (4 + 1) = 0.6 > 0.45, and no section is below 1.0, so no needs. Teachers added
    # to WIDE_LOW lower it: (4 − x) / (4 + x) ≤ 0.45 ⇔ x ≥ 2.2 / 1.45 = 1.517, i.e. a ≥ 5.17
    # teachers per 1000 pupils: 6 whole teachers (x = 1.6: 2.4 / 5.6 = 0.4286; 5 give 2.5 /
    # 5.5 = 0.4545). Adding to WIDE_HIGH only widens the gap.
    row = county_row(warehouse, "junior", "backbone_teachers_per100", r.WIDE_COUNTY)
    assert (row["sections_below"], row["cost_yuan"]) == (0, 0)
    assert row["cv_before"] == row["cv_after_needs"] == pytest.approx(0.6, rel=1e-12)
    assert (row["extra_for_cv"], row["extra_cost_yuan"]) == (6, 6 * TEACHER)
    assert row["method"].startswith("clarabel")
    additions = query_dicts(
        warehouse,
        "SELECT target, school_id, addition FROM marts.remediation_cv_additions "
        "WHERE county_code = ? ORDER BY target",
        [r.WIDE_COUNTY],
    )
    assert [(a["target"], a["school_id"], a["addition"]) for a in additions] == [
        ("all_met", r.WIDE_LOW, 6),
        ("complies", r.WIDE_LOW, 6),
    ]


def test_one_pupil_over_the_limit_or_one_room_short_is_enough_to_be_listed(warehouse):
    # ONE_OVER: 2001 − 2000 = 1 pupil over, nothing else. ONE_ROOM: 24 classes need 2 music
    # rooms, 1 there: 1 room (396 000 yuan), nothing else.
    over = school_row(warehouse, r.ONE_OVER)
    assert (over["students_over_limit"], over["rooms_to_add"], over["classes_to_add"]) == (1, 0, 0)
    assert over["cost_to_all_met_yuan"] == 0
    room = school_row(warehouse, r.ONE_ROOM)
    assert (room["music_rooms_to_add"], room["art_rooms_to_add"], room["students_over_limit"]) == (
        1,
        0,
        0,
    )
    assert room["cost_to_all_met_yuan"] == room["cost_to_complies_yuan"] == 396_000


def test_a_sections_rooms_are_rounded_up_after_the_comparison_rounding(warehouse):
    # NOISY_MIDDLE: 8.64 − 11 × 0.24 = 6 rooms, 6.000000000000001 in floating point: rounded
    # up as it is, 7. NOISY_NINE: to 85 %, 20.4 − 21 × 1100/1500 = 5, 5.000000000000001 in
    # floating point: 6 as it is.
    middle = needs(warehouse, r.NOISY_MIDDLE)[("junior", "multimedia_rooms_per100")]
    assert middle["resource_share"] == pytest.approx(0.24)
    assert middle["shortfall"] == 6
    nine = needs(warehouse, r.NOISY_NINE)[("junior", "multimedia_rooms_per100")]
    assert nine["resource_share"] == pytest.approx(1100 / 1500)
    assert nine["shortfall_to_85"] == 5


def test_one_class_to_add_one_oversized_class_or_a_teaching_points_teacher(warehouse):
    # ONE_CLASS: ceil(1000 / 45) = 23 − 22 = 1 class to add (none reported oversized).
    # ONE_OVERSIZED: 24 classes are enough; 1 oversized: re-divide them. POINT: 4.2 × 0.6 =
    # 2.52 qualified teachers needed, 2 there → 1 teacher; G3 does not apply to a teaching
    # point, so it has no rooms to add (0, not unknown).
    one_class = school_row(warehouse, r.ONE_CLASS)
    assert (one_class["classes_to_add"], one_class["oversized_classes"]) == (1, 0)
    oversized = school_row(warehouse, r.ONE_OVERSIZED)
    assert (oversized["classes_to_add"], oversized["oversized_classes"]) == (0, 1)
    point = school_row(warehouse, r.POINT)
    assert (point["teachers_to_add"], point["rooms_to_add"], point["music_rooms_to_add"]) == (
        1,
        0,
        0,
    )
    assert point["cost_to_all_met_yuan"] == TEACHER
    # No size limit applies to a teaching point: 0 pupils over it (not unknown).
    assert point["students_over_limit"] == 0
    # Schools with no teacher to hire, whether they have no section need (ONE_CLASS) or only a
    # facility one (NOISY_ROOMS): 0 teachers (not unknown).
    for school_id in (r.ONE_CLASS, r.NOISY_ROOMS):
        row = school_row(warehouse, school_id)
        assert (row["teachers_to_add"], row["teachers_to_add_to_complies"]) == (0, 0), school_id


def test_junior_classes_to_add(warehouse):
    # 1000 junior pupils at most 50 a class: ceil(1000 / 50) = 20 − 18 = 2 classes to add.
    row = school_row(warehouse, r.JUNIOR_CLASSES)
    assert (row["junior_classes_to_add"], row["primary_classes_to_add"]) == (2, 0)
    assert row["classes_to_add"] == 2


def test_a_school_whose_only_lack_is_rooms_in_a_county_with_no_other_addition(warehouse):
    # 24 classes need ceil(24 / 12) = 2 rooms of each kind: 1 music and 1 art room to add
    # (396 000 + 355 000 yuan). The needs scenario covers counties with additions of
    # teachers, facilities or classes only, so 150106 is not in it: the rooms required come
    # from the year itself.
    assert (
        query_dicts(
            warehouse,
            "SELECT * FROM needs_input.additions WHERE county_code = ?",
            [r.ROOMS_ONLY_COUNTY],
        )
        == []
    )
    row = school_row(warehouse, r.ROOMS_ONLY)
    assert (row["music_rooms_to_add"], row["art_rooms_to_add"]) == (1, 1)
    assert row["cost_to_all_met_yuan"] == 396_000 + 355_000


def test_the_needs_scenario_adds_each_school_addition_once_and_every_class(warehouse):
    # County 150101's additions as a plan: teachers per section (17 − 15 = 2 qualified at
    # SHORT_TWO; 10 − 8 = 2 backbone and 42 − 30 = 12 qualified at SHORT_TWO_KINDS); a shared
    # facility once per school, with no stage, though NINE's two sections are both short of
    # teaching area (741.82 m², set by the junior section) and only its junior of equipment
    # (81 818.18 yuan); MIDDLE's 4 multimedia rooms; classes ceil(pupils / 45) − classes:
    # BIG 47 − 47 = 0 with 2 oversized (a row of 0: re-divide them), CROWDED 32 − 30 = 2,
    # MORE_CLASSES 29 − 24 = 5. (The amounts are worked out in the tests above.)
    rows = query(
        warehouse,
        "SELECT school_id, stage, action, amount, area_m2 FROM needs_input.additions "
        "WHERE county_code = ? ORDER BY school_id, action, stage",
        [r.COUNTY],
    )
    teaching = (5.8 * 200 - 2000 * 220 / 520) * 520 / 220
    equipment = 2500 * 520 / 1.1 - 1_100_000
    assert rows == [
        (r.SHORT_TWO, "primary", "teachers_qualified", 2, None),
        (r.SHORT_TWO_KINDS, "primary", "teachers_backbone", 2, None),
        (r.SHORT_TWO_KINDS, "primary", "teachers_qualified", 12, None),
        (r.NINE, None, "equipment_yuan", pytest.approx(equipment, rel=1e-9), None),
        (r.NINE, None, "teaching_area_m2", pytest.approx(teaching, rel=1e-9), None),
        (r.MIDDLE, None, "multimedia_rooms", 4, None),
        (r.BIG, "primary", "classes", 0, None),
        (r.CROWDED, "primary", "classes", 2, None),
        (r.MORE_CLASSES, "primary", "classes", 5, None),
    ]
    # 150104's classes: ONE_CLASS 23 − 22 = 1; ONE_OVERSIZED 0, its one oversized class to
    # re-divide; JUNIOR_CLASSES ceil(1000 / 50) − 18 = 2.
    classes = query(
        warehouse,
        "SELECT school_id, stage, amount FROM needs_input.additions "
        "WHERE county_code = ? AND action = 'classes' ORDER BY school_id",
        [r.TWO_STAGE_COUNTY],
    )
    assert classes == [
        (r.ONE_CLASS, "primary", 1),
        (r.ONE_OVERSIZED, "primary", 0),
        (r.JUNIOR_CLASSES, "junior", 2),
    ]
