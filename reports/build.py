"""Write the reports of one year: per county a workbook and a page, and for a year of several
counties a summary. Called alike by ``junheng report`` and by the report assets."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from reports import page, province, workbook
from reports.labels import Labels
from reports.model import county_report
from reports.queries import YearData, load


def county_paths(out_dir: Path, county_code: str, year: int) -> tuple[Path, Path]:
    stem = f"{county_code}_{year}_评估报告"
    return out_dir / f"{stem}.xlsx", out_dir / f"{stem}.html"


def summary_paths(out_dir: Path, year: int) -> tuple[Path, Path]:
    return out_dir / f"{year}_汇总.xlsx", out_dir / f"{year}_汇总.html"


def labels_of(data: YearData) -> Labels:
    return Labels(data.labels, data.tables["code_labels"], data.tables["standards"])


def _publish(path: Path, write) -> Path:
    """Write beside the target and rename over it: a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def write_counties(data: YearData, out_dir: Path) -> list[Path]:
    labels = labels_of(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for code, _name in data.counties:
        report = county_report(data, labels, code)
        xlsx, html = county_paths(out_dir, code, data.year)
        written.append(_publish(xlsx, lambda p, r=report: workbook.write_county(r, p)))
        written.append(_publish(html, lambda p, r=report: page.write(p, "county.html.j2", r=r)))
    return written


def write_summary(data: YearData, out_dir: Path) -> list[Path]:
    """The summary of a year of several counties; nothing for a single county."""
    if len(data.counties) < 2:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    report = province.summary_report(data, labels_of(data))
    xlsx, html = summary_paths(out_dir, data.year)
    return [
        _publish(xlsx, lambda p: province.write_workbook(report, p)),
        _publish(html, lambda p: page.write(p, "summary.html.j2", s=report)),
    ]


def write_reports(
    con: duckdb.DuckDBPyConnection, year: int, out_dir: Path, county: str | None = None
) -> list[Path]:
    """Every county's reports (or one county's), then the summary when there are several."""
    data = load(con, year, county)
    written = write_counties(data, out_dir)
    if county is None:
        written += write_summary(data, out_dir)
    return written
