"""Dagster resources: the warehouse file and the input folder. Neither opens anything at load."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets import warehouse
from assets.pseudonym import load_key, pseudonymiser
from assets.year_folders import YearFolders, scan

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = PROJECT_DIR / "sample_data"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "junheng.duckdb"


def default_input() -> str:
    return os.environ.get("JUNHENG_INPUT", str(DEFAULT_INPUT))


def default_warehouse() -> str:
    return os.environ.get("JUNHENG_WAREHOUSE", str(DEFAULT_WAREHOUSE))


def default_reports(warehouse: str | Path) -> Path:
    """``JUNHENG_REPORTS``, or ``reports/`` beside the warehouse file."""
    return Path(os.environ.get("JUNHENG_REPORTS") or Path(warehouse).resolve().parent / "reports")


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file analysts query. A run writes a year into a build copy that replaces the
    file only when the whole year succeeded (``assets.year_build``, ``assets.warehouse``)."""

    path: str
    # How long a run waits for another run to release the warehouse before it gives up. The
    # UI, the schedule and the sensor queue runs and should not lose one to a moment's overlap;
    # `junheng run` stops at once and says who holds it (0).
    lock_wait_seconds: int = 900

    def connect(self, read_only: bool = False):
        return warehouse.connect(self.path, read_only=read_only)

    def pseudonymiser(self):
        """Teacher-id pseudonyms keyed by JUNHENG_PSEUDONYM_KEY or a key file by the warehouse."""
        return pseudonymiser(load_key(Path(self.path).parent / "pseudonym.key"))


class InputsResource(dg.ConfigurableResource):
    """The input root: one folder per school year (``2024/``, ``2024年/``, ``2024-2025学年/`` …)."""

    root: str

    def year_folders(self) -> YearFolders:
        root = Path(self.root)
        if not root.is_dir():
            raise dg.Failure(
                description=f"{root}: the input folder does not exist. Set JUNHENG_INPUT (or "
                "junheng --input) to the folder that holds one folder per school year."
            )
        return scan(root)

    def year_dir(self, year: int) -> Path:
        folders = self.year_folders()
        if year in folders.years:
            return folders.years[year]
        refused = "".join(f"\n  refused: {problem}" for problem in folders.refused)
        raise dg.Failure(
            description=f"{self.root}: no folder for school year {year}. Put that year's files "
            f"in a folder named {year}, {year}年, {year}学年 or {year}-{year + 1}学年, or pick a "
            f"year that has one.{refused}"
        )
