"""Jobs: the whole warehouse for one school year."""

import dagster as dg

WAREHOUSE_JOB = "warehouse_job"

warehouse_job = dg.define_asset_job(
    WAREHOUSE_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest one school year's files and rebuild its indicators and marts.",
)
