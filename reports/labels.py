"""Words for codes: Chinese first, English second, from reference.report_labels (and the stage
and school-type labels of reference.code_labels, and the indicator names of reference.standards).

A code without a label is shown as itself, so a new code is visible rather than dropped.
"""

from __future__ import annotations

import polars as pl

STAGES = ("primary", "junior")  # the order reports list stages in


def flag(value: bool | None) -> str:
    """The code of a TRUE / FALSE / NULL verdict in the label file."""
    return "null" if value is None else str(bool(value)).lower()


class Labels:
    def __init__(self, report_labels: pl.DataFrame, code_labels: pl.DataFrame, standards):
        self._zh: dict[tuple[str, str], str] = {}
        self._en: dict[tuple[str, str], str] = {}
        for code_set, code, zh, en in report_labels.select(
            "code_set", "code", "label_zh", "label_en"
        ).iter_rows():
            self._zh[(code_set, code)] = zh
            self._en[(code_set, code)] = en
        for code_set, code, zh in code_labels.select("code_set", "code", "label_zh").iter_rows():
            self._zh[(code_set, code)] = zh
            self._en.setdefault((code_set, code), code.replace("_", " "))
        for indicator, name_zh, name_en in (
            standards.select("indicator", "name_zh", "name_en").unique(keep="last").iter_rows()
        ):
            self._zh[("indicator", indicator)] = name_zh
            self._en[("indicator", indicator)] = name_en

    def zh(self, code_set: str, code) -> str:
        if code is None:
            return ""
        return self._zh.get((code_set, str(code)), str(code))

    def en(self, code_set: str, code) -> str:
        if code is None:
            return ""
        return self._en.get((code_set, str(code)), str(code))

    def both(self, code_set: str, code) -> tuple[str, str]:
        return self.zh(code_set, code), self.en(code_set, code)

    def verdict_of(self, passed: bool | None, part: str = "") -> tuple[str, str]:
        """达标 / 未达标 / 未判定 for an item; 不存在 / 存在 for a veto."""
        return self.both("veto_passed" if part == "veto" else "passed", flag(passed))

    def order(self, code_set: str) -> dict[str, int]:
        """Each code's position in the label file: the order a report lists them in."""
        codes = [code for (kind, code) in self._en if kind == code_set]
        return {code: n for n, code in enumerate(codes)}

    def short(self, indicator: str) -> str:
        return self._zh.get(("indicator_short", indicator), self.zh("indicator", indicator))
