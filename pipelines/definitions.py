"""The one code location: `dg dev`, `dagster dev -w workspace.yaml` and `junheng` all load it."""

from __future__ import annotations

import dagster as dg

from assets.ingest import raw_files
from assets.report_files import report_definitions
from assets.resources import (
    InputsResource,
    WarehouseResource,
    default_input,
    default_warehouse,
)
from assets.year_build import year_build_asset
from pipelines.jobs import warehouse_job
from pipelines.schedules import annual_ingestion
from pipelines.sensors import new_year_folders


def warehouse_assets() -> list:
    """Every asset of the code location: the raw files (external) and the year build, which
    materialises the reference, staging, audit and SQL model tables found at call time."""
    return [*raw_files, year_build_asset()]


def build_definitions(
    input_root: str | None = None, warehouse_path: str | None = None, lock_wait_seconds: int = 900
) -> dg.Definitions:
    """Same assets, jobs, checks, schedule and sensor; resources pointed at the given paths.

    ``lock_wait_seconds``: how long a run waits for another one to release the warehouse."""
    warehouse = dg.Definitions(
        assets=warehouse_assets(),
        jobs=[warehouse_job],
        schedules=[annual_ingestion],
        sensors=[new_year_folders],
        resources={
            "inputs": InputsResource(root=input_root or default_input()),
            "warehouse": WarehouseResource(
                path=warehouse_path or default_warehouse(), lock_wait_seconds=lock_wait_seconds
            ),
        },
        # One process per run: DuckDB admits one writer, and start-up stays under a second.
        executor=dg.in_process_executor,
    )
    reports = report_definitions(warehouse_path or default_warehouse())
    return dg.Definitions.merge(warehouse, reports)


defs = build_definitions()
