"""Report assets: each county's workbook and page, and the summary of a year of many counties.

They read the marts through ``reports.queries`` (the same code ``junheng report`` runs) and
write files, whose paths go in the materialisation's metadata. They are not part of
``warehouse_job``: ``reports_job`` (or the group ``reports`` in the UI) writes them.
"""

from pathlib import Path

import dagster as dg

from assets.partitions import school_years
from assets.resources import WarehouseResource, default_reports
from assets.warehouse import DUCKDB_POOL
from reports.queries import load, tables_read

REPORTS_GROUP = "reports"
REPORTS_JOB = "reports_job"


class ReportsResource(dg.ConfigurableResource):
    """Where report files go (``JUNHENG_REPORTS``, default ``reports/`` beside the warehouse)."""

    out_dir: str


def _upstream() -> list[dg.AssetKey]:
    return [dg.AssetKey(table.split(".")) for table in sorted(tables_read())]


def _metadata(paths: list[Path], counties: int) -> dict:
    metadata: dict = {
        "counties": dg.MetadataValue.int(counties),
        "files": dg.MetadataValue.json([str(p) for p in paths]),
    }
    pages = [p for p in paths if p.suffix == ".html"]
    if pages:
        metadata["page"] = dg.MetadataValue.path(str(pages[0]))
        metadata["folder"] = dg.MetadataValue.path(str(pages[0].parent))
    return metadata


@dg.asset(
    key=[REPORTS_GROUP, "county_reports"],
    group_name=REPORTS_GROUP,
    deps=_upstream(),
    partitions_def=school_years,
    pool=DUCKDB_POOL,
    kinds={"excel", "html"},
    description="每个区县的评估报告（Excel 工作簿与网页） | each county's workbook and page",
)
def county_reports(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, reports: ReportsResource
) -> dg.MaterializeResult:
    from reports.build import write_counties  # the page and workbook code: not at start-up

    year = int(context.partition_key)
    with warehouse.connect(read_only=True) as con:
        data = load(con, year)
    paths = write_counties(data, Path(reports.out_dir))
    return dg.MaterializeResult(metadata=_metadata(paths, len(data.counties)))


@dg.asset(
    key=[REPORTS_GROUP, "summary"],
    group_name=REPORTS_GROUP,
    deps=_upstream(),
    partitions_def=school_years,
    pool=DUCKDB_POOL,
    kinds={"excel", "html"},
    description="多个区县的汇总（Excel 与网页）；只有一个区县时不写 | the summary of several "
    "counties; nothing for a single county",
)
def summary_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, reports: ReportsResource
) -> dg.MaterializeResult:
    from reports.build import write_summary

    year = int(context.partition_key)
    with warehouse.connect(read_only=True) as con:
        data = load(con, year)
    paths = write_summary(data, Path(reports.out_dir))
    metadata = _metadata(paths, len(data.counties))
    if not paths:
        metadata["note"] = dg.MetadataValue.text("one county only: no summary written")
    return dg.MaterializeResult(metadata=metadata)


reports_job = dg.define_asset_job(
    REPORTS_JOB,
    selection=dg.AssetSelection.groups(REPORTS_GROUP),
    description="Write the reports of one school year from the warehouse.",
)


def report_definitions(warehouse_path: str) -> dg.Definitions:
    """The report assets, their job and where they write, for merging into the code location."""
    return dg.Definitions(
        assets=[county_reports, summary_report],
        jobs=[reports_job],
        resources={"reports": ReportsResource(out_dir=str(default_reports(warehouse_path)))},
    )
