"""One Dagster step per school year: build it in a copy of the warehouse, publish, then report.

The reference tables, the staging and audit tables and every SQL model (in dependency order) are
written into a build copy of the warehouse, and the checks run there. Only when all of it
succeeded is the copy renamed over the warehouse (``assets.warehouse``), and only then are the
materialisations and check results reported. So the Dagster instance never shows as
materialised what the warehouse does not hold: a failed run reports no materialisation, its
step fails with the reason, and the assets keep their last published materialisation.

Why one step rather than a step per table with a publish step at the end: a step reports its
materialisations as it ends, before a later step could fail, so per-table steps would always
report tables that a failed run then discards. One step also removes the fixed cost of a step
per table. Each table stays its own asset ``[schema, table]``, with its lineage (read from the
SQL), code version, checks and metadata; selecting any of them builds the whole year.
"""

import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from assets.cross_year import cross_year_models, later_years
from assets.ingest import ingest_specs, no_rejected_rows_check, validate_inputs, write_ingested
from assets.model_checks import MODEL_CHECKS, MODEL_FIGURES
from assets.partitions import school_years
from assets.python_models import PythonModel
from assets.reference import reference_specs, write_reference_tables
from assets.remediation_cv import REMEDIATION_CV
from assets.resources import InputsResource, WarehouseResource
from assets.sql_models import (
    SqlModel,
    build_model,
    discover_models,
    in_dependency_order,
    model_spec,
)
from assets.validate_year import ValidatedYear
from assets.warehouse import (
    DUCKDB_POOL,
    WarehouseBusyError,
    check_name,
    connect,
    discard_build,
    publish_build,
    run_lock,
    start_build,
    storage_version,
)

BUILD_STEP = "build_year"
LOCK_RETRY_SECONDS = 5
SOURCE_FILES = dg.AssetKey(["audit", "source_files"])

Events = list[dg.MaterializeResult | dg.AssetCheckResult | dg.AssetMaterialization]


def _blocking_failures(results: list[dg.AssetCheckResult]) -> list[dg.AssetCheckResult]:
    return [r for r in results if not r.passed and r.severity == dg.AssetCheckSeverity.ERROR]


@contextmanager
def _stage(what: str):
    """Name the table a database error came from: every table is built in this one step."""
    try:
        yield
    except duckdb.Error as exc:
        raise dg.Failure(description=f"{what}: {type(exc).__name__}: {exc}") from exc


@contextmanager
def _run_lock_waiting(published: Path, seconds: int, log):
    """``run_lock``, retried for up to ``seconds`` while another run holds it."""
    deadline = time.monotonic() + seconds
    while True:
        lock = ExitStack()
        try:
            lock.enter_context(run_lock(published))
            break
        except WarehouseBusyError as exc:
            if time.monotonic() >= deadline:
                raise
            log.info(f"waiting: {exc}")
            time.sleep(LOCK_RETRY_SECONDS)
    with lock:
        yield


def _write_year(
    build: Path, year: int, validated: ValidatedYear, models: list[SqlModel | PythonModel], log
) -> tuple[Events, dict[str, float]]:
    """Every table of the year into the build file; the events to report once it is published."""
    events: Events = []
    with connect(build) as con:
        log.info(f"building year {year} in {build} (DuckDB storage {storage_version(con)})")
        started = time.perf_counter()
        with _stage("reference tables"):
            events += write_reference_tables(con, year)
        reference_seconds = time.perf_counter() - started
        with _stage("staging and audit tables"):
            materialisations, check = write_ingested(con, year, validated)
        # The staging tables hold the rows now: the accepted frames need not stay in memory
        # while the models run, nor the teachers' Parquet parts on disk.
        validated.accepted.clear()
        events += [*materialisations, check]
        built = [_build(con, model, year, events) for model in models]
        # Later years' monitoring reads this year: rebuild it in the same publication.
        for later in later_years(con, year):
            for model in cross_year_models(models):
                rebuilt: Events = []
                built.append(f"{later}: " + _build(con, model, later, rebuilt))
                # Its materialisations, for that year's partition; its checks are left to that
                # year's own run.
                events += [
                    dg.AssetMaterialization(e.asset_key, partition=str(later), metadata=e.metadata)
                    for e in rebuilt
                    if isinstance(e, dg.MaterializeResult)
                ]
    # One line, not one per model: every log line is an event the instance stores.
    log.info("built " + "; ".join(built))
    return events, {"reference": reference_seconds}


def _build(con, model: SqlModel | PythonModel, year: int, events: Events) -> str:
    """Write one model's year into the build file, adding its events; a line for the log."""
    if isinstance(model, PythonModel):
        started = time.perf_counter()
        with _stage(", ".join(model.tables)):
            events += model.build(con, year)
        return f"{', '.join(model.tables)} {time.perf_counter() - started:.2f} s"
    _, checks = MODEL_CHECKS.get(model.table, ([], None))
    with _stage(f"{model.table} ({model.source})"):
        result, check_results = build_model(
            con, model, year, checks, MODEL_FIGURES.get(model.table)
        )
    for failed in _blocking_failures(check_results):
        raise dg.Failure(
            description=f"{model.table}: blocking check {failed.check_name} failed, so "
            f"year {year} was not published. {failed.description or ''}".rstrip(),
            metadata=dict(failed.metadata),
        )
    events += [result, *check_results]
    return (
        f"{model.table} {result.metadata['dagster/row_count'].value} rows "
        f"{result.metadata['seconds'].value:.2f} s"
    )


def _with_timings(events: Events, seconds: dict[str, float]) -> Events:
    """The run's stage timings ride on audit.source_files, where the benchmark reads them."""
    timed = {f"seconds_{name}": dg.MetadataValue.float(round(s, 3)) for name, s in seconds.items()}
    return [
        dg.MaterializeResult(asset_key=e.asset_key, metadata={**e.metadata, **timed})
        if isinstance(e, dg.MaterializeResult) and e.asset_key == SOURCE_FILES
        else e
        for e in events
    ]


PYTHON_MODELS = [REMEDIATION_CV]


def _specs(model: SqlModel | PythonModel) -> list[dg.AssetSpec]:
    return model.specs() if isinstance(model, PythonModel) else [model_spec(model)]


def year_build_asset() -> dg.AssetsDefinition:
    """The step, over every asset: reference, staging, audit and each SQL model found."""
    models = in_dependency_order([*discover_models(), *PYTHON_MODELS])
    model_check_specs = [
        spec
        for m in models
        if isinstance(m, SqlModel)
        for spec in MODEL_CHECKS.get(m.table, ([], None))[0]
    ]

    @dg.multi_asset(
        name=BUILD_STEP,
        specs=[
            *reference_specs(),
            *ingest_specs,
            *(spec for m in models for spec in _specs(m)),
        ],
        check_specs=[no_rejected_rows_check, *model_check_specs],
        partitions_def=school_years,
        pool=DUCKDB_POOL,
        can_subset=False,
        description="Build one school year in a copy of the warehouse and publish it whole.",
    )
    def build_year(
        context: dg.AssetExecutionContext, inputs: InputsResource, warehouse: WarehouseResource
    ):
        year = int(context.partition_key)
        published = Path(warehouse.path)
        check_name(published)
        with _run_lock_waiting(published, warehouse.lock_wait_seconds, context.log):
            validated = validate_inputs(inputs, year, warehouse.pseudonymiser(), context.log)
            started = time.perf_counter()
            build = start_build(published, context.run.run_id)
            seconds = {"copy": time.perf_counter() - started}
            try:
                events, stage_seconds = _write_year(build, year, validated, models, context.log)
                started = time.perf_counter()
                publish_build(build, published)
                seconds |= stage_seconds | {"publish": time.perf_counter() - started}
            except BaseException:
                discard_build(build)
                context.log.error(f"year {year} failed: nothing published; {published} unchanged")
                raise
        # Nothing that can fail comes between the publication and the report.
        context.log.info(f"year {year} published to {published}")
        for event in _with_timings(events, seconds):
            if isinstance(event, dg.AssetMaterialization):
                context.log_event(event)  # a later year's partition, rebuilt with this one
            else:
                yield event

    return build_year
