"""Jobs: the whole warehouse for one school year, and a year's monitoring alone."""

import dagster as dg

from assets.sql_models import discover_models

WAREHOUSE_JOB = "warehouse_job"
MONITORING_JOB = "monitoring_job"

warehouse_job = dg.define_asset_job(
    WAREHOUSE_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest one school year's files and rebuild its indicators and marts.",
)

# The models that read earlier years (assets.cross_year) and everything downstream of them.
monitoring_job = dg.define_asset_job(
    MONITORING_JOB,
    selection=dg.AssetSelection.assets(
        *(m.key for m in discover_models() if m.earlier_year_dependencies)
    ).downstream(),
    description="Rebuild one year's monitoring and early warning from the warehouse, after an "
    "earlier year changed (they read earlier years).",
)
