"""Jobs: the whole warehouse for one school year."""

import dagster as dg

from assets.partitions import school_years

WAREHOUSE_JOB = "warehouse_job"

warehouse_job = dg.define_asset_job(
    WAREHOUSE_JOB,
    selection=dg.AssetSelection.all(),
    partitions_def=school_years,
    description="Ingest one school year's files and rebuild its indicators and marts.",
)
