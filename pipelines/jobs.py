"""Jobs: the whole warehouse for one school year (a year's build also rebuilds the monitoring
of later years, which reads it: assets.cross_year)."""

import dagster as dg

WAREHOUSE_JOB = "warehouse_job"

warehouse_job = dg.define_asset_job(
    WAREHOUSE_JOB,
    # Reports are written by reports_job (assets/report_files.py), not on every ingest.
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("reports"),
    description="Ingest one school year's files and rebuild its indicators and marts.",
)
