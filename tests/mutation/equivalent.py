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
EQUIVALENT: list[tuple[str, str, str, str, str, str]] = [
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
