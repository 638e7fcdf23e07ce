"""pandera (polars) schemas of the typed input files: types, ranges, code sets, uniqueness.

Each check's name is the ``rule`` recorded in ``audit.rejected_rows``; RULE_MESSAGES says how to
fix it. Cross-file rules are in ``schemas.cross_file``.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.contract import INPUT_FILES, OPTIONAL_CELLS, InputFile
from schemas.reference_data import codes, load_reference

RULE_MESSAGES = {
    "required": "the cell is empty; fill it in",
    "integer": "'{value}' is not a whole number",
    "number": "'{value}' is not a number",
    "code": "'{value}' is not a known code",
    "yes_no": "'{value}' is not yes/no; use 是/否, true/false, 1/0 or Y/N",
    "non_negative": "{column} must be 0 or more; got {value}",
    "plausible": "{column} = {value} is beyond any real school; check the unit and the digits",
    "county_code_format": "county code must be 6 digits; got '{value}' (format the column as "
    "text so leading zeros stay)",
    "school_id_format": "school id must be 10 digits; got '{value}' (format the column as text "
    "so leading zeros stay)",
    "built_year_range": "built year {value} is not between 1900 and the school year",
    "unique_per_year": "{column} '{value}' appears more than once in this file; keep one row",
    "indoor_le_teaching_area": "indoor sports area {value} exceeds the teaching and auxiliary "
    "area that includes it",
    "oversized_le_classes": "oversized classes {value} exceed the number of classes",
    "migrant_le_students": "migrant students {value} exceed the number of students",
    "unknown_school": "school '{value}' is not in the schools file of this year; add it there "
    "or correct the id",
    "school_rejected": "school '{value}' was rejected in the schools file; fix that row first",
    "stage_not_allowed_for_type": "stage '{value}' does not fit the school's type; correct the "
    "stage or the school type",
    "stage_not_in_school": "the school has no students in stage '{value}'; correct the stage or "
    "add the school's enrollment for it",
    "unknown_county": "county '{value}' has no school in the schools file; correct the code",
    "no_enrollment": "school '{value}' has no accepted row in enrollment; add its students per "
    "stage",
    "amount_sign": "{column} must be 0 or more (only students moved out are negative); got {value}",
    "whole_number": "{column} {value} must be a whole number for this action (teachers, rooms, "
    "classes, students)",
    "stage_required": "this action adds to one stage of the school: fill in the stage "
    "(小学 or 初中)",
    "stage_not_for_facility": "a facility is added to the whole school and shared by its stages: "
    "leave the stage blank (got '{value}')",
    "compulsory_stage": "plans add to primary or junior sections only; got '{value}'",
    "move_unbalanced": "students moved in and out of the schools of one county and stage must sum "
    "to 0 (a move needs both schools); this row is part of a move that does not",
}

# Upper bounds that no real school reaches: they catch unit and digit errors, not policy.
PLAUSIBLE_MAX = {
    "students": 20_000,
    "classes": 500,
    "oversized_classes": 500,
    "migrant_students": 20_000,
    "teaching_aux_area_m2": 1_000_000,
    "indoor_sports_area_m2": 1_000_000,
    "sports_field_area_m2": 2_000_000,
    "equipment_value_yuan": 2_000_000_000,
    "multimedia_classrooms": 2_000,
    "training_hours_5y": 5_000,
    "area_m2": 2_000,
    "public_funds_budget_yuan": 10_000_000_000,
    "public_funds_allocated_yuan": 10_000_000_000,
    "per_student_standard_yuan": 1_000_000,
    "training_funds_yuan": 10_000_000_000,
    "amount": 10_000_000_000,
}


def rule(name: str, passes) -> pa.Check:
    """A vectorised check named by its rule; ``passes(column_expr)`` is True for good rows.

    pandera's built-in checks name themselves ('greater_than_or_equal_to(0)'); ours carry the
    rule a user reads in ``audit.rejected_rows``.
    """
    return pa.Check(lambda d: d.lazyframe.select(passes(pl.col(d.key))), name=name)


# Checks that compare a row with the file's other rows: a file validated in parts runs them
# again over every row (assets.validate_year._validate_in_parts).
ROW_COMPARING_RULES = ("unique_per_year",)


def _unique(*keys: str) -> pa.Check:
    return rule("unique_per_year", lambda _: ~pl.struct(keys).is_duplicated())


def _le(other: str, name: str) -> pa.Check:
    return rule(name, lambda c: c <= pl.col(other))


def _matches(pattern: str, name: str) -> pa.Check:
    return rule(name, lambda c: c.str.contains(pattern))


def _column(spec: InputFile, name: str, *extra: pa.Check) -> pa.Column:
    col = spec.column(name)
    dtype = {"int": pl.Int64, "number": pl.Float64, "yes_no": pl.Boolean}.get(col.kind, pl.String)
    checks = list(extra)
    if col.kind in ("int", "number") and (spec.name, name) != ("plan", "amount"):
        checks.append(rule("non_negative", lambda c: c >= 0))
        if name in PLAUSIBLE_MAX:
            checks.append(rule("plausible", lambda c, top=PLAUSIBLE_MAX[name]: c <= top))
    if col.kind == "code" and col.code_set != "subject":
        allowed = codes(col.code_set)
        checks.append(rule("code", lambda c: c.is_in(allowed)))
    nullable = (spec.name, name) in OPTIONAL_CELLS
    return pa.Column(dtype, checks=checks, nullable=nullable, coerce=False)


def _schema(spec: InputFile, special: dict[str, list[pa.Check]]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {c.name: _column(spec, c.name, *special.get(c.name, [])) for c in spec.columns},
        name=spec.name,
        strict=False,
    )


_SCHOOL_ID = _matches(r"^[0-9]{10}$", "school_id_format")
_COUNTY_CODE = _matches(r"^[0-9]{6}$", "county_code_format")


def schema_for(file_name: str, year: int) -> pa.DataFrameSchema:
    spec = INPUT_FILES[file_name]
    special: dict[str, list[pa.Check]] = {"school_id": [_SCHOOL_ID]}
    if file_name == "schools":
        special |= {
            "school_id": [_SCHOOL_ID, _unique("school_id")],
            "county_code": [_COUNTY_CODE],
            "built_year": [rule("built_year_range", lambda c: c.is_between(1900, year))],
        }
    elif file_name == "enrollment":
        special |= {
            "stage": [_unique("school_id", "stage")],
            "oversized_classes": [_le("classes", "oversized_le_classes")],
            "migrant_students": [_le("students", "migrant_le_students")],
        }
    elif file_name == "teachers":
        special["teacher_id"] = [_unique("teacher_id")]
    elif file_name == "facilities":
        special |= {
            "school_id": [_SCHOOL_ID, _unique("school_id")],
            "indoor_sports_area_m2": [_le("teaching_aux_area_m2", "indoor_le_teaching_area")],
        }
    elif file_name == "finance":
        special["school_id"] = [_SCHOOL_ID, _unique("school_id")]
    elif file_name == "county":
        special = {"county_code": [_COUNTY_CODE], "item": [_unique("county_code", "item")]}
    elif file_name == "plan":
        special |= _plan_checks()
    return _schema(spec, special)


def _plan_checks() -> dict[str, list[pa.Check]]:
    """A plan row's amount and stage must fit its action (reference.plan_actions)."""
    actions = load_reference("plan_actions")
    section = actions.filter(pl.col("level") == "section")["action"].implode()
    whole = actions.filter(pl.col("unit").is_in(["teachers", "rooms", "classes", "students"]))
    whole = whole["action"].implode()
    action = pl.col("action")
    return {
        "amount": [
            rule("amount_sign", lambda c: (c >= 0) | (action == "students")),
            rule("whole_number", lambda c: (c == c.round(0)) | ~action.is_in(whole)),
        ],
        "stage": [
            rule("stage_required", lambda c: c.is_not_null() | ~action.is_in(section)),
            rule("stage_not_for_facility", lambda c: c.is_null() | action.is_in(section)),
            rule("compulsory_stage", lambda c: c.is_null() | c.is_in(["primary", "junior"])),
        ],
    }
