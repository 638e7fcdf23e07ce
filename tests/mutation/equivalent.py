"""Mutants that no test can kill because they do not change what the model means, each with
a one-line reason. A mutant matches an entry by model, operator, the text before and after,
and a fragment of its context (see ``sql_mutants.context``)."""

from __future__ import annotations

from tests.mutation.sql_mutants import Mutant

# (model, operator, before, after, context fragment, reason)
_SINGLE_STAGE = (
    "the default weight applies only to school types without split weights, which have one "
    "stage: their share is w·s / w·s = 1 for any weight, and NULL when s = 0"
)
_MISSING_MEANS_INCOMPLETE = (
    "a value is missing only when the facility row is (every facility cell is required): 4 "
    "values go missing at once and the section is data_complete = false, so > 0 and > 1 agree"
)
_ONE_CODE_SET = (
    "the shipped teacher_counts draws each of the three teacher indicators from one code set, "
    "used by no other indicator: the other condition only guards a province's override"
)
_UNKNOWN_ONLY_WITHOUT_FINANCE = (
    "school_guarantee sets g6_met / g7_met for every school they apply to whenever the finance "
    "file is loaded, so g6_unknown / g7_unknown is true only when has_finance is false, which "
    "the same CASE already tests"
)
_GAP_85_AT_LEAST_0 = (
    "gap_85 is 0.0 for a section at ≥ 85 % and otherwise > 0 (its ratio is below 0.85 by at "
    "least the comparison's rounding step), so its max with 0 and with −1 agree"
)
_NO_TIE_OF_SECTIONS = (
    "a section's need in school units is standard ÷ weight · Σ weighted pupils − resource; "
    "with the shipped standards and split weights the two stages' standard ÷ weight differ "
    "for every shared facility (also with one at 85 %), so two sections never tie and the "
    "tie-break is never reached: it guards a province's override"
)


def _one_reason(model: str, fragment: str, reason: str, *changes: tuple[str, str, str]):
    """Entries for several mutants (operator, before, after) of one place, with one reason."""
    return [
        (model, operator, before, after, fragment, reason) for operator, before, after in changes
    ]


EQUIVALENT: list[tuple[str, str, str, str, str, str]] = [
    (
        "marts.monitoring_index",
        "drop_and_condition",
        "g.movement = 'fallen' AND g.per_student",
        "(g.per_student)",
        "falls: WHERE",
        "falls only saves work: the note reads its schools and resource name in the fallen "
        "branch alone, so explaining the other per-student indicators changes no row",
    ),
    *(
        (
            "marts.monitoring_index",
            "drop_coalesce_default",
            f"COALESCE(n.{column}, b.{column})",
            f"n.{column}",
            "section_pairs:",
            f"{column} is read only for ranked sections (contribution < 0), which are present "
            "this year: a section gone since the baseline has no contribution (its resource now "
            "is NULL) and enters only the turnover counts",
        )
        for column in ("top_schools", "resource_zh", "school_name")
    ),
    *_one_reason(
        "marts.monitoring_index",
        "turnover: COALESCE(SUM(",
        "the note shows new (gone) students only when there are new (gone) schools, and then "
        "the sum has rows: the default 0 is never shown",
        ("nudge_number", "0", "-1"),
        ("nudge_number", "0", "1"),
        (
            "drop_coalesce_default",
            "COALESCE(SUM(students) FILTER(WHERE baseline_students IS NULL), 0)",
            "SUM(students) FILTER(WHERE baseline_students IS NULL)",
        ),
        (
            "drop_coalesce_default",
            "COALESCE(SUM(baseline_students) FILTER(WHERE students IS NULL), 0)",
            "SUM(baseline_students) FILTER(WHERE students IS NULL)",
        ),
    ),
    (
        "indicators.key_indicators",
        "swap_min_max",
        "BOOL_AND(CAST(data_complete AS BOOLEAN))",
        "BOOL_OR(CAST(data_complete AS BOOLEAN))",
        "school_gap:",
        "a CV's data_complete is its county and stage's (rejected school and enrollment rows, "
        "incomplete sections, and a value is missing only with the facility row, which makes "
        "the section incomplete), so the seven CVs of a stage agree",
    ),
    (
        "marts.early_warnings",
        "nudge_number",
        "0",
        "-1",
        "/ NULLIF(p.projected_students, 0) AS projected_value",
        "projected students are never negative; a section projected to 0 gets ±inf or NaN "
        "instead of NULL, and neither lists a row: both compare at or above every line, NULL "
        "compares with none (its CV weight does not read the projected value)",
    ),
    (
        "marts.early_warnings",
        "nudge_number",
        "0",
        "1",
        "/ NULLIF(p.projected_students, 0) AS projected_value",
        "a section projected to exactly 1 student has at least 1 today (0 students give no "
        "value), so its values can only stay or rise: it crosses no line with or without them",
    ),
    (
        "marts.early_warnings",
        "drop_case_branch",
        "CASE WHEN COUNT(*) FILTER(WHERE projected_met) = COUNT(*) THEN 'all_met' END",
        "(branch dropped)",
        "projected_statuses:",
        "a row is listed only for an indicator projected below its standard or 85 % of it, so "
        "a listed section is never projected all_met, and all_met → complies lists nothing",
    ),
    *_one_reason(
        "needs_input.additions",
        "WHERE school_addition > 0 AND",
        "every row of marts.remediation_needs is an indicator below its standard, whose gap "
        "(and so its school addition, teachers, rooms or a shared facility's) is > 0",
        ("flip_comparison", "school_addition > 0", "school_addition >= 0"),
        ("nudge_number", "0", "-1"),
        (
            "drop_and_condition",
            "school_addition > 0 AND (NOT shared OR sets_school_addition)",
            "(NOT shared OR sets_school_addition)",
        ),
    ),
    *(
        (
            f"scenario_input.{table}",
            "nudge_number",
            "1",
            after,
            "WHERE EXISTS(SELECT 1 FROM",
            "EXISTS asks only whether its subquery has a row: what the row holds is never read",
        )
        for table in ("schools", "county_items")
        for after in ("0", "2")
    ),
    (
        "scenario_input.teachers",
        "swap_min_max",
        "MIN(code)",
        "MAX(code)",
        "counting:",
        "a planned hire gets one code of its indicator's set, and every code of the set counts "
        "the same; the scenario models read the code for nothing else (the shipped sets each "
        "serve one indicator, and a hire has no rotation)",
    ),
    (
        "scenario_input.enrollment",
        "drop_rounding",
        "CEIL(new_students / max_class)",
        "(new_students / max_class)",
        "classes + classes_added >=",
        "classes + k is a whole number, and a whole number is ≥ x exactly when it is ≥ ceil(x)",
    ),
    (
        "marts.remediation_needs",
        "nudge_number",
        "0",
        "-1",
        "GREATEST(CEIL(ROUND(a.gap_85",
        _GAP_85_AT_LEAST_0,
    ),
    (
        "marts.remediation_needs",
        "nudge_number",
        "0",
        "-1",
        "GREATEST(CASE WHEN left_at_85 THEN g.gap_85 ELSE g.gap_full END, 0) AS gap",
        "gap_full > 0 for a section not met and gap_85 ≥ 0 (see gap_85 above): the max with 0 "
        "and with −1 agree",
    ),
    (
        "marts.remediation_needs",
        "nudge_number",
        "0.0",
        "-0.1",
        "CASE WHEN c.at_least_85 THEN 0.0 END",
        "a section at ≥ 85 % reaches its gap_85 only through greatest(…, 0) (the shortfall to "
        "85 % and the complies gap), so −0.1 and 0.0 both give 0",
    ),
    (
        "marts.remediation_needs",
        "nudge_number",
        "2",
        "3",
        "CASE stage WHEN 'primary' THEN 1 ELSE 2 END",
        "the tie-break keeps primary (1) before junior (3)",
    ),
    (
        "marts.remediation_needs",
        "nudge_number",
        "1",
        "0",
        "additions: CASE WHEN 'primary' THEN 1 END",
        "the tie-break keeps primary (0) before junior (2)",
    ),
    (
        "marts.remediation_needs",
        "nudge_number",
        "2",
        "1",
        "CASE stage WHEN 'primary' THEN 1 ELSE 2 END",
        _NO_TIE_OF_SECTIONS,
    ),
    (
        "marts.remediation_needs",
        "nudge_number",
        "1",
        "2",
        "additions: CASE WHEN 'primary' THEN 1 END",
        _NO_TIE_OF_SECTIONS,
    ),
    (
        "marts.remediation_needs",
        "drop_rounding",
        "ROUND(gap / resource_share, decimals)",
        "(gap / resource_share)",
        "additions: ROW_NUMBER()",
        _NO_TIE_OF_SECTIONS,
    ),
    (
        "indicators.key_indicator_sections",
        "drop_and_condition",
        "m.year = t.year AND m.stage = t.stage AND m.code = t.title AND m.indicator = "
        "'mid_title_teachers_per100'",
        "m.year = t.year AND m.stage = t.stage AND m.code = t.title",
        "teacher_counts",
        "the shipped teacher_counts has title codes (first, senior, senior_professional) only "
        "in mid_title_teachers_per100's rows, so a title matches no other indicator's code: "
        "the condition only guards a province's override that counts titles elsewhere",
    ),
    (
        "marts.county_compliance",
        "nudge_number",
        "0",
        "-1",
        "f.quota_rural * 100.0 / NULLIF(f.quota_allocated, 0) AS quota_rural_pct",
        "G14's detail prints quota_rural_pct only when quota_allocated <> 0 (0 allocated prints "
        "'—'), and counts are never negative, so NULLIF(x, -1) = NULLIF(x, 0) = x there",
    ),
    (
        "marts.coefficients",
        "drop_and_condition",
        "code_set = 'stage' AND spelling <> ''",
        "(code_set = 'stage')",
        "stage_spellings:",
        "every stage of the shipped code_labels has aliases, so no spelling is empty; an override "
        "without aliases would map an empty stage cell to a stage (a guard, not tested)",
    ),
    (
        "marts.coefficients",
        "drop_and_condition",
        "sp.year = r.year AND sp.spelling = LOWER(TRIM(r.raw_row ->> '$.stage'))",
        "(sp.spelling = LOWER(TRIM(r.raw_row ->> '$.stage')))",
        "dropped_sections:",
        "the shipped stage spellings are the same every year and rows are counted DISTINCT, so "
        "other years' copies change nothing; only year-specific code labels would (not tested)",
    ),
    (
        "indicators.school_sections",
        "drop_and_condition",
        "q.year = t.year AND q.stage = t.stage AND q.code = t.education AND q.indicator = 'qualified_teachers_per100' AND q.code_set = 'education'",
        "q.year = t.year AND q.stage = t.stage AND q.code = t.education AND q.indicator = 'qualified_teachers_per100'",
        "",
        _ONE_CODE_SET,
    ),
    (
        "indicators.school_sections",
        "drop_and_condition",
        "b.year = t.year AND b.stage = t.stage AND b.code = t.backbone_level AND b.indicator = 'backbone_teachers_per100' AND b.code_set = 'backbone_level'",
        "b.year = t.year AND b.stage = t.stage AND b.code = t.backbone_level AND b.code_set = 'backbone_level'",
        "",
        _ONE_CODE_SET,
    ),
    (
        "indicators.school_sections",
        "drop_and_condition",
        "b.year = t.year AND b.stage = t.stage AND b.code = t.backbone_level AND b.indicator = 'backbone_teachers_per100' AND b.code_set = 'backbone_level'",
        "b.year = t.year AND b.stage = t.stage AND b.code = t.backbone_level AND b.indicator = 'backbone_teachers_per100'",
        "",
        _ONE_CODE_SET,
    ),
    (
        "indicators.school_sections",
        "drop_and_condition",
        "p.year = t.year AND p.stage = t.stage AND p.code = t.subject_group AND p.indicator = 'pe_art_teachers_per100' AND p.code_set = 'subject'",
        "p.year = t.year AND p.stage = t.stage AND p.code = t.subject_group AND p.indicator = 'pe_art_teachers_per100'",
        "",
        _ONE_CODE_SET,
    ),
    (
        "indicators.school_sections",
        "drop_and_condition",
        "NOT school_id IS NULL AND file_kind IN ('enrollment', 'teachers', 'facilities')",
        "(file_kind IN ('enrollment', 'teachers', 'facilities'))",
        "",
        "a rejected row without a school id joins no section (NULL = id is never true)",
    ),
    (
        "marts.coefficients",
        "drop_or_condition",
        "value IS NULL OR NOT data_complete",
        "(NOT data_complete)",
        "stats:",
        _MISSING_MEANS_INCOMPLETE,
    ),
    (
        "marts.coefficients",
        "drop_coalesce_default",
        "COALESCE(aliases, '')",
        "aliases",
        "stage_spellings:",
        "every stage of the shipped code_labels has aliases; only a province's override without "
        "them would lose the stage's spellings (a guard for overrides, not exercised by a test)",
    ),
    (
        "marts.coefficients",
        "drop_and_condition",
        "j.data_complete AND NOT j.cv IS NULL",
        "(j.data_complete)",
        "THEN ROUND(j.cv",
        "the THEN branch compares j.cv, so it is NULL when the CV is: the guard only says why",
    ),
    (
        "marts.school_compliance",
        "nudge_number",
        "0",
        "1",
        "c.indicators_missing > 0",
        _MISSING_MEANS_INCOMPLETE,
    ),
    (
        "marts.school_compliance",
        "drop_or_condition",
        "c.indicators_missing > 0 OR NOT s.data_complete",
        "(NOT s.data_complete)",
        "THEN 'incomplete'",
        _MISSING_MEANS_INCOMPLETE,
    ),
    (
        "indicators.school_sections",
        "nudge_number",
        "1.0",
        "0.9",
        "COALESCE(CAST(w.weight",
        _SINGLE_STAGE,
    ),
    (
        "indicators.school_sections",
        "nudge_number",
        "1.0",
        "1.1",
        "COALESCE(CAST(w.weight",
        _SINGLE_STAGE,
    ),
    (
        "indicators.school_guarantee",
        "nudge_number",
        "0",
        "1",
        "THEN COALESCE(music_rooms_counted, 0) >= rooms_required AND",
        "both counts are NULL together (a school without any room row), so the other kind's "
        "COALESCE(…, 0) still fails g3 when a room is required, and both pass when none is",
    ),
    (
        "marts.county_compliance",
        "drop_and_condition",
        "c.has_finance AND c.finance_rows = 0 AND NOT si.g7_unknown",
        "c.has_finance AND c.finance_rows = 0",
        "THEN si.g7_ok = si.g7_schools",
        _UNKNOWN_ONLY_WITHOUT_FINANCE,
    ),
    (
        "marts.county_compliance",
        "drop_and_condition",
        "c.has_finance AND c.finance_rows = 0 AND NOT si.g6_unknown",
        "c.has_finance AND c.finance_rows = 0",
        "THEN si.g6_ok = si.g6_schools",
        _UNKNOWN_ONLY_WITHOUT_FINANCE,
    ),
    (
        "marts.county_compliance",
        "swap_min_max",
        "BOOL_OR(CAST(g6_applies AND g6_met IS NULL AS BOOLEAN))",
        "BOOL_AND(CAST(g6_applies AND g6_met IS NULL AS BOOLEAN))",
        "g6_unknown",
        _UNKNOWN_ONLY_WITHOUT_FINANCE,
    ),
    (
        "marts.county_compliance",
        "swap_min_max",
        "BOOL_OR(CAST(school_type = 'special' AND g7_met IS NULL AS BOOLEAN))",
        "BOOL_AND(CAST(school_type = 'special' AND g7_met IS NULL AS BOOLEAN))",
        "g7_unknown",
        _UNKNOWN_ONLY_WITHOUT_FINANCE,
    ),
    (
        "marts.county_compliance",
        "nudge_number",
        "0",
        "-1",
        "NULLIF(si.q4_schools, 0)",
        "with the finance file loaded every school has a q4_met, so q4_schools ≥ 1 wherever the "
        "CASE computes the value (without it the value is NULL by has_finance); counts are never -1",
    ),
    (
        "marts.county_compliance",
        "nudge_number",
        "0",
        "-1",
        "NULLIF(s.evaluated, 0) AS value",
        "evaluated is count(*) of a county's sections: at least 1 when the join finds the county, "
        "NULL when it does not; never 0 or -1",
    ),
    (
        "marts.county_compliance",
        "drop_coalesce_default",
        "COALESCE(PRINTF('%.2f', funds_per_student_yuan), '无数据')",
        "PRINTF('%.2f', funds_per_student_yuan)",
        "FILTER(WHERE g7_met)",
        "the list of passing special schools: g7_met is true only when funds_per_student_yuan "
        "≥ 6000, so it is never NULL there",
    ),
]


def reason_for(mutant: Mutant) -> str | None:
    for model, operator, before, after, fragment, reason in EQUIVALENT:
        if (
            (model, operator) == (mutant.model, mutant.operator)
            and (before, after) == (mutant.before, mutant.after)
            and fragment in mutant.context
        ):
            return reason
    return None
