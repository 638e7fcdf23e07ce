"""The annual run: statistics are taken at the start of the school year (学年初, September) and
published by the statistics system in autumn; on 1 December we build the year under way, if its
folder is there (any name ``assets.year_folders`` reads, e.g. ``2024学年``)."""

import dagster as dg

from assets.partitions import add_years
from assets.resources import InputsResource
from pipelines.instance import ensure_pool_limit
from pipelines.jobs import warehouse_job


@dg.schedule(
    job=warehouse_job,
    cron_schedule="0 6 1 12 *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
def annual_ingestion(context: dg.ScheduleEvaluationContext, inputs: InputsResource):
    year = context.scheduled_execution_time.year
    folders = inputs.year_folders()
    if year not in folders.years:
        refused = "".join(f"; refused: {problem}" for problem in folders.refused)
        return dg.SkipReason(f"{inputs.root}: no folder for school year {year} yet{refused}")
    add_years(context.instance, folders.years)
    ensure_pool_limit(context.instance)
    return dg.RunRequest(run_key=str(year), partition_key=str(year))
