"""The one code location: ``dagster dev -w workspace.yaml`` and ``junheng`` both load it."""

from __future__ import annotations

import dagster as dg

from assets.ingest import ingest_year, raw_files
from assets.model_checks import MODEL_CHECKS, MODEL_FIGURES
from assets.reference import reference_tables
from assets.resources import (
    InputsResource,
    WarehouseResource,
    default_input,
    default_warehouse,
)
from assets.sql_models import discover_models, model_asset
from pipelines.jobs import monitoring_job, warehouse_job
from pipelines.schedules import annual_ingestion


def model_assets() -> list[dg.AssetsDefinition]:
    return [
        model_asset(m, *MODEL_CHECKS.get(m.table, ([], None)), MODEL_FIGURES.get(m.table))
        for m in discover_models()
    ]


def warehouse_assets() -> list:
    """Every asset of the code location, raw files (external) included."""
    return [*raw_files, reference_tables, ingest_year, *model_assets()]


def build_definitions(
    input_root: str | None = None, warehouse_path: str | None = None
) -> dg.Definitions:
    """Same assets, jobs and checks; resources pointed at the given folder and file."""
    return dg.Definitions(
        assets=warehouse_assets(),
        jobs=[warehouse_job, monitoring_job],
        schedules=[annual_ingestion],
        resources={
            "inputs": InputsResource(root=input_root or default_input()),
            "warehouse": WarehouseResource(path=warehouse_path or default_warehouse()),
        },
        # Steps share one process: DuckDB admits one writer, and start-up stays under a second.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
