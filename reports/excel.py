"""A small layer over xlsxwriter: titled blocks of tables with Chinese headers, number formats,
failing cells shaded as the official forms do, frozen headers, filters and widths."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter

LINE_HEIGHT = 13.5  # points per line of 10-point text
FILLS = {"fail": "#F8D7D4", "near": "#FBE9C6", "na": "#EDEDED", "ok": None}
FONTS = {"fail": "#9C0006", "near": "#7A4A00", "na": "#555555", "ok": "#1E6B30"}


@dataclass
class Col:
    header: str
    value: Callable[[dict], Any]
    number: str | None = None  # Excel number format
    width: float = 10
    shade: Callable[[dict], str | None] | None = None  # 'fail' · 'near' · 'na' · 'ok' · None
    wrap: bool = False


class Book:
    """One workbook; formats are made once per combination and reused."""

    def __init__(self, path: Path):
        self.path = path
        self.workbook = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
        self.workbook.set_properties(
            {"title": path.stem, "author": "junheng", "comments": "由 junheng 数据仓库生成"}
        )
        self._formats: dict[tuple, Any] = {}

    def fmt(
        self, number=None, shade=None, bold=False, wrap=False, header=False, size=None, colour=None
    ):
        key = (number, shade, bold, wrap, header, size, colour)
        if key not in self._formats:
            props: dict[str, Any] = {"valign": "top", "font_name": "等线", "font_size": size or 10}
            if number:
                props["num_format"] = number
            if shade and FILLS.get(shade):
                props["bg_color"] = FILLS[shade]
            if shade:
                props["font_color"] = FONTS[shade]
            if colour:
                props["font_color"] = colour
            if bold or header:
                props["bold"] = True
            if wrap or header:
                props["text_wrap"] = True
            if header:
                props |= {
                    "bg_color": "#DDE4EE",
                    "border": 1,
                    "border_color": "#9AA5B1",
                    "valign": "vcenter",
                    "align": "center",
                }
            self._formats[key] = self.workbook.add_format(props)
        return self._formats[key]

    def sheet(self, name: str) -> Sheet:
        worksheet = self.workbook.add_worksheet(name)
        # Printed as officials file it: A4 landscape, one page wide.
        worksheet.set_landscape()
        worksheet.set_paper(9)
        worksheet.fit_to_pages(1, 0)
        worksheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        return Sheet(self, worksheet)

    def close(self) -> Path:
        self.workbook.close()
        return self.path


class Sheet:
    def __init__(self, book: Book, worksheet):
        self.book, self.ws, self.row = book, worksheet, 0
        self.ws.hide_gridlines(0)

    def title(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.book.fmt(bold=True, size=14))
        self.ws.set_row(self.row, 22)
        self.row += 1

    def heading(self, text: str) -> None:
        self.row += 1 if self.row else 0
        self.ws.write_string(self.row, 0, text, self.book.fmt(bold=True, size=11))
        self.row += 1

    def line(self, label: str, value: Any = None, shade: str | None = None) -> None:
        self.ws.write_string(self.row, 0, label, self.book.fmt(bold=value is not None))
        if value is not None:
            self.write(self.row, 1, value, self.book.fmt(shade=shade, bold=bool(shade)))
        self.row += 1

    def note(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.book.fmt(colour="#666666"))
        self.row += 1

    def sources(self, entries: list[tuple[str, str]]) -> None:
        self.row += 1
        text = "；".join(f"{table}（{columns}）" for table, columns in entries)
        self.note(f"数据来源：{text}")

    def write(self, row: int, col: int, value: Any, fmt) -> None:
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            self.ws.write_string(row, col, "是" if value else "否", fmt)
        elif isinstance(value, int | float):
            self.ws.write_number(row, col, value, fmt)
        else:
            self.ws.write_string(row, col, str(value), fmt)

    def table(
        self,
        cols: list[Col],
        rows: list[dict],
        filters: bool = False,
        freeze_cols: int | None = None,
        group_headers: list[tuple[str, int]] | None = None,
    ) -> tuple[int, int]:
        """Header (optionally under merged group headers) and rows; returns the first and last
        data row. ``freeze_cols`` freezes the header and that many columns."""
        if group_headers:
            col = 0
            for text, span in group_headers:
                fmt = self.book.fmt(header=True)
                if span > 1:
                    self.ws.merge_range(self.row, col, self.row, col + span - 1, text, fmt)
                else:
                    self.ws.write_string(self.row, col, text, fmt)
                col += span
            self.row += 1
        header_row = self.row
        for c, col in enumerate(cols):
            self.ws.write_string(self.row, c, col.header, self.book.fmt(header=True))
            self.ws.set_column(c, c, col.width)
        self.ws.set_row(self.row, 30)
        self.row += 1
        first = self.row
        for data in rows:
            lines = 1
            for c, col in enumerate(cols):
                shade = col.shade(data) if col.shade else None
                fmt = self.book.fmt(number=col.number, shade=shade, wrap=col.wrap)
                value = col.value(data)
                self.write(self.row, c, value, fmt)
                if col.wrap and isinstance(value, str):
                    lines = max(lines, wrapped_lines(value, col.width))
            if lines > 1:  # neither Excel nor LibreOffice sizes wrapped rows on opening
                self.ws.set_row(self.row, LINE_HEIGHT * lines)
            self.row += 1
        last = self.row - 1
        if filters and rows:
            self.ws.autofilter(header_row, 0, last, len(cols) - 1)
        if freeze_cols is not None:
            self.ws.freeze_panes(header_row + 1, freeze_cols)
            self.ws.repeat_rows(header_row - (1 if group_headers else 0), header_row)
        return first, last


def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped cell needs: a CJK character is two columns wide, others one."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return max(1, math.ceil(columns / max(width - 1, 1)))


def shade_passed(passed: bool | None) -> str | None:
    return "na" if passed is None else None if passed else "fail"
