"""Pictures of the sample's report for the README: the page (desktop: the top, the CVs, the
remediation, the plan, the monitoring; and a phone, by Debian's Chromium) and the workbook
(LibreOffice renders it to PDF, pdftoppm to PNG).

    .venv/bin/junheng run --warehouse /tmp/s/junheng.duckdb
    .venv/bin/junheng report --warehouse /tmp/s/junheng.duckdb --year 2024 --out /tmp/s/out
    .venv/bin/python docs/make_pictures.py /tmp/s/out/500112_2024_评估报告
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def page_pictures(html: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, width, height, anchor in (
            ("report_page.png", 1000, 760, None),
            ("report_page_charts.png", 1000, 700, "cv"),
            ("report_page_remediation.png", 1000, 900, "remediation"),
            ("report_page_plan.png", 1000, 560, "plan"),
            ("report_page_monitoring.png", 1000, 1010, "monitoring-junior"),
            ("report_page_phone.png", 390, 760, None),
        ):
            tab = browser.new_page(viewport={"width": width, "height": height})
            tab.goto(html.resolve().as_uri())
            if anchor:
                tab.evaluate(f"document.getElementById('{anchor}').scrollIntoView()")
            tab.screenshot(path=str(DOCS / name))
        browser.close()


def workbook_picture(xlsx: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(xlsx)],
            check=True,
            capture_output=True,
        )
        pdf = next(Path(tmp).glob("*.pdf"))
        # page 1: the overview sheet (verdict, status counts, the 34 items)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-singlefile",
                "-r",
                "72",
                "-f",
                "1",
                "-l",
                "1",
                "-x",
                "25",
                "-y",
                "35",
                "-W",
                "880",
                "-H",
                "520",
                str(pdf),
                str(DOCS / "report_workbook"),
            ],
            check=True,
        )


if __name__ == "__main__":
    stem = Path(sys.argv[1])
    page_pictures(stem.with_suffix(".html"))
    workbook_picture(stem.with_suffix(".xlsx"))
