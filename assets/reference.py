"""Reference data (standards, CV limits, split weights, settings, code labels) per school year.

Each file of ``dbt_like_sql/reference/`` (or its provincial override) becomes the table
``reference.<file>`` with the year it was applied to, so every result row can be traced to
the standards and settings that produced it. All of them are written by one step, in one
transaction: a year never mixes two versions of the reference data.
"""

import hashlib

import dagster as dg
import duckdb
import polars as pl

from assets.metadata import table_metadata
from assets.warehouse import Write, replace_year
from schemas.reference_data import reference_names, reference_path

DESCRIPTIONS = {
    "standards": "各项资源配置指标标准值 | standard of each resource indicator per stage",
    "cv_limits": "差异系数上限 | CV limit per stage",
    "split_weights": "一贯制学校资源拆分权重 | weights that split an integrated school's "
    "facilities by stage",
    "settings": "方法设置 | method settings where sources disagree, with their defaults",
    "school_types": "办学类型 | school types: stages allowed, evaluated or not and why",
    "teacher_counts": "教师计数口径 | which teacher codes count for each teacher indicator",
    "code_labels": "代码标签 | codes with their Chinese labels and accepted spellings",
    "county_items": "县级指标项 | the items of the county file, their kind and meaning",
    "thresholds": "政府保障与质量指标阈值 | thresholds of the guarantee and quality items",
    "report_labels": "报告用语 | codes in words for reports and summaries, Chinese and English",
    "key_indicators": "动态监测关键指标 | the key indicators of monitoring: kind, direction, "
    "scale and denominator",
    "monitoring_levels": "发展水平分级 | the bands of the development index (level by its "
    "lower bound, in sort order)",
}


def reference_specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            ["reference", name],
            group_name="reference",
            kinds={"duckdb", "csv"},
            description=DESCRIPTIONS.get(name),
            code_version=hashlib.sha256(reference_path(name).read_bytes()).hexdigest()[:12],
        )
        for name in reference_names()
    ]


def write_reference_tables(con: duckdb.DuckDBPyConnection, year: int) -> list[dg.MaterializeResult]:
    """Write every reference table's year in one transaction; the results to report."""
    names = reference_names()
    writes = []
    for name in names:
        path = reference_path(name)
        frame = pl.read_csv(path).with_columns(pl.lit(year, pl.Int32).alias("year"))
        con.register(f"incoming_{name}", frame)
        comment = f"{DESCRIPTIONS.get(name, name)} (from {path.name})"
        writes.append(Write(f"reference.{name}", f"incoming_{name}", {"": comment}))
    replace_year(con, year, writes)
    return [
        dg.MaterializeResult(
            asset_key=["reference", name],
            metadata={
                **table_metadata(con, f"reference.{name}", year),
                "source": dg.MetadataValue.path(str(reference_path(name))),
            },
        )
        for name in names
    ]
