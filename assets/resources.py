"""Dagster resources: the warehouse file and the input folder. Neither opens anything at load."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEventType
from pydantic import PrivateAttr

from assets import warehouse
from assets.pseudonym import load_key, pseudonymiser

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = PROJECT_DIR / "sample_data"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "junheng.duckdb"


def default_input() -> str:
    return os.environ.get("JUNHENG_INPUT", str(DEFAULT_INPUT))


def default_warehouse() -> str:
    return os.environ.get("JUNHENG_WAREHOUSE", str(DEFAULT_WAREHOUSE))


def _run_went_wrong(context: dg.InitResourceContext) -> bool:
    """A step failed, or a blocking (ERROR) check did: the year would be half-built."""
    for record in context.instance.all_logs(context.run.run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_FAILURE:
            return True
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                return True
    return False


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file analysts query. Inside a run, assets write to a build copy that replaces
    the file only when the whole run succeeded (see ``assets.warehouse``)."""

    path: str
    _build: Path | None = PrivateAttr(default=None)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        if context.run is None:  # used outside a run (tests, scripts): write in place
            yield self
            return
        published = Path(self.path)
        warehouse.check_name(published)
        with warehouse.run_lock(published):
            self._build = warehouse.start_build(published, context.run.run_id)
            try:
                yield self
            finally:
                if _run_went_wrong(context):
                    warehouse.discard_build(self._build)
                    context.log.error(f"run failed: nothing published; {published} is unchanged")
                else:
                    try:
                        warehouse.publish_build(self._build, published)
                    except BaseException:
                        # Dagster only logs a failed teardown: say so, and leave nothing behind.
                        warehouse.discard_build(self._build)
                        context.log.error(f"publishing failed: {published} is unchanged")
                        raise
                self._build = None

    def connect(self, read_only: bool = False):
        return warehouse.connect(self._build or self.path, read_only=read_only)

    def pseudonymiser(self):
        """Teacher-id pseudonyms keyed by JUNHENG_PSEUDONYM_KEY or a key file by the warehouse."""
        return pseudonymiser(load_key(Path(self.path).parent / "pseudonym.key"))


class InputsResource(dg.ConfigurableResource):
    """The input root: one folder per school year, ``<root>/<year>/``."""

    root: str

    def year_dir(self, year: int) -> Path:
        path = Path(self.root) / str(year)
        if not path.is_dir():
            raise dg.Failure(
                description=f"{path}: no folder for school year {year}. Put that year's files in "
                f"{path}/ or pick a year that has a folder under {self.root}."
            )
        return path
