"""Rules that look across files: references to schools and stages that fit the school.

They run after each file passed its own schema, on the accepted rows only, as pandera schemas
built for this year's data, so their failures land in ``audit.rejected_rows`` like any other.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.reference_data import school_type_stages

# Every column a rule of this module reads.
READS = ("school_id", "stage", "county_code")


def _member_of(expr: pl.Expr, values: pl.Series, rule: str, negate: bool = False) -> pa.Check:
    listed = values.cast(pl.String).implode()

    def check(data):
        found = expr.is_in(listed)
        return data.lazyframe.select(~found if negate else found)

    return pa.Check(check, name=rule)


def references_schema(known_ids: pl.Series, rejected_ids: pl.Series) -> pa.DataFrameSchema:
    """Every row points to a school accepted this year (and says so when it was rejected)."""
    school = pl.col("school_id")
    return pa.DataFrameSchema(
        {
            "school_id": pa.Column(
                pl.String,
                checks=[
                    _member_of(school, rejected_ids, "school_rejected", negate=True),
                    _member_of(school, pl.concat([known_ids, rejected_ids]), "unknown_school"),
                ],
            )
        },
        strict=False,
    )


def allowed_stage_pairs(schools: pl.DataFrame) -> pl.DataFrame:
    """(school_id, stage) pairs that each school's type allows."""
    stages = {t: sorted(s) for t, s in school_type_stages().items()}
    return (
        schools.select(
            "school_id",
            pl.col("school_type")
            .replace_strict(stages, default=[], return_dtype=pl.List(pl.String))
            .alias("stage"),
        )
        .explode("stage")
        .drop_nulls("stage")
    )


def stage_schema(pairs: pl.DataFrame, rule: str, optional: bool = False) -> pa.DataFrameSchema:
    """The row's (school_id, stage) is one of ``pairs`` (``optional``: or the stage is blank)."""
    key = pl.concat_str("school_id", pl.lit("|"), "stage")
    allowed = pairs.select(key)["school_id"]
    return pa.DataFrameSchema(
        {"stage": pa.Column(pl.String, checks=[_member_of(key, allowed, rule)], nullable=optional)},
        strict=False,
    )


def unbalanced_moves(plan: pl.DataFrame, schools: pl.DataFrame) -> pl.DataFrame:
    """Plan rows moving students whose county and stage do not net to 0: a move needs the
    school that gives the students and the one that takes them (CONTRACT.md, plan)."""
    moves = plan.filter(pl.col("action") == "students").join(
        schools.select("school_id", "county_code"), on="school_id"
    )
    net = moves.group_by("county_code", "stage").agg(pl.col("amount").sum().alias("net"))
    return moves.join(net.filter(pl.col("net").round(9) != 0), on=["county_code", "stage"])


def county_schema(county_codes: pl.Series) -> pa.DataFrameSchema:
    """County items belong to a county of the schools file."""
    return pa.DataFrameSchema(
        {
            "county_code": pa.Column(
                pl.String,
                checks=[_member_of(pl.col("county_code"), county_codes.unique(), "unknown_county")],
            )
        },
        strict=False,
    )
