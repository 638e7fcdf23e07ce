"""Reference data (standards, CV limits, split weights, settings, code labels) per school year.

Each file of ``dbt_like_sql/reference/`` (or its provincial override) becomes the table
``reference.<file>`` with the year it was applied to, so every result row can be traced to
the standards and settings that produced it. All of them are written by one step, in one
transaction: a year never mixes two versions of the reference data.
"""

import hashlib

import dagster as dg
import polars as pl

from assets.metadata import table_metadata
from assets.partitions import school_years
from assets.resources import WarehouseResource
from assets.warehouse import DUCKDB_POOL, Write, replace_year
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
    "key_indicators": "动态监测关键指标 | the key indicators of monitoring: kind, direction, "
    "scale and denominator",
    "monitoring_levels": "发展水平分级 | the bands of the development index (level by its "
    "lower bound, in sort order)",
}


def _spec(name: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        ["reference", name],
        group_name="reference",
        kinds={"duckdb", "csv"},
        description=DESCRIPTIONS.get(name),
        code_version=hashlib.sha256(reference_path(name).read_bytes()).hexdigest()[:12],
        skippable=True,
    )


@dg.multi_asset(
    specs=[_spec(name) for name in reference_names()],
    partitions_def=school_years,
    pool=DUCKDB_POOL,
    can_subset=True,
)
def reference_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    year = int(context.partition_key)
    names = [key.path[-1] for key in context.selected_asset_keys]
    with warehouse.connect() as con:
        writes = []
        for name in names:
            path = reference_path(name)
            frame = pl.read_csv(path).with_columns(pl.lit(year, pl.Int32).alias("year"))
            con.register(f"incoming_{name}", frame)
            comment = f"{DESCRIPTIONS.get(name, name)} (from {path.name})"
            writes.append(Write(f"reference.{name}", f"incoming_{name}", {"": comment}))
        replace_year(con, year, writes)
        metadata = {name: table_metadata(con, f"reference.{name}", year) for name in names}
    for name in names:
        yield dg.MaterializeResult(
            asset_key=["reference", name],
            metadata={**metadata[name], "source": dg.MetadataValue.path(str(reference_path(name)))},
        )
