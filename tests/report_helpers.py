"""Reading reports back as a person or a program would: workbook tables by their headers, the
page's visible text, and a headless Chromium that loads the page with the network cut off."""

from __future__ import annotations

import html
import os
import re
import shutil
from html.parser import HTMLParser

import pytest

FAIL_FILL = "FFF8D7D4"
NEAR_FILL = "FFFBE9C6"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def table_rows(ws, first_header: str, start_row: int = 1) -> list[dict]:
    """The rows under the first header row (at or after ``start_row``) whose first cell is
    ``first_header``, as dicts by header, up to the first blank row."""
    rows = list(ws.iter_rows(min_row=start_row, values_only=True))
    for offset, row in enumerate(rows):
        if row and row[0] == first_header:
            headers = [h for h in row]
            result = []
            for data in rows[offset + 1 :]:
                if data[0] is None:
                    break
                result.append(dict(zip(headers, data, strict=False)))
            return result
    raise AssertionError(f"no table headed {first_header!r} in sheet {ws.title}")


def row_of(ws, title: str) -> int:
    """The 1-based row of the block heading ``title`` (the heading may carry more words)."""
    for row in ws.iter_rows():
        if isinstance(row[0].value, str) and row[0].value.startswith(title):
            return row[0].row
    raise AssertionError(f"no block {title!r} in {ws.title}")


def block_rows(ws, title: str, first_header: str) -> list[dict]:
    """The table under the block heading ``title``."""
    return table_rows(ws, first_header, start_row=row_of(ws, title))


def lines(ws) -> dict:
    """The label → value lines of a sheet (the first two cells of each row)."""
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0] and len(r) > 1}


def between(page_html: str, start_id: str, end_id: str) -> str:
    """The page's HTML from the heading with id ``start_id`` to the one with ``end_id``."""
    start = page_html.index(f'id="{start_id}"')
    return page_html[start : page_html.index(f'id="{end_id}"', start)]


def sheet_text(ws) -> str:
    return "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)


class _Text(HTMLParser):
    """Visible text: everything outside <style>, <title> elements of SVG aside."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(page_html: str) -> str:
    parser = _Text()
    parser.feed(page_html)
    return html.unescape(re.sub(r"\s+", " ", " ".join(parser.parts)))


def squeezed(page_html: str) -> str:
    """Visible text without the spaces the markup leaves around full-width punctuation."""
    return re.sub(r"\s*([，：；。（）])\s*", r"\1", visible_text(page_html))


def chromium_path() -> str:
    """Debian's chromium; in CI its absence is a failure, elsewhere a skip with the fix."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        message = (
            "chromium or the playwright package is missing: apt-get install -y chromium "
            "fonts-noto-cjk; pip install -e '.[dev]' (.ci/run does both)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
