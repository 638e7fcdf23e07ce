"""How numbers are written in the page and the charts (the workbook keeps them as numbers with
Excel formats of the same precision). Rounding belongs here, never in the warehouse."""

from __future__ import annotations

# decimals per indicator unit (reference.standards.unit): yuan in whole yuan, the rest to 0.01
UNIT_DECIMALS = {"yuan per student": 0}
CV_DECIMALS = 3


def num(value, decimals: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{decimals}f}"


def pct(ratio, decimals: int = 1) -> str:
    """A ratio (1.0 = 100 %) as a percent."""
    return "—" if ratio is None else f"{ratio * 100:.{decimals}f}%"


# decimals of an amount by its unit (the remediation's natural units): whole teachers, rooms
# and yuan; square metres to 0.01
AMOUNT_DECIMALS = {"teachers": 0, "rooms": 0, "yuan": 0, "m2": 2}


def amount(value, unit: str | None) -> str:
    return num(value, AMOUNT_DECIMALS.get(unit or "", 2))


def wan(yuan) -> str:
    """Yuan in 万元 (ten thousand yuan), as officials write costs."""
    return "—" if yuan is None else f"{yuan / 10_000:,.2f}"


def decimals_for(unit: str | None) -> int:
    return UNIT_DECIMALS.get(unit or "", 2)


def excel_format(decimals: int) -> str:
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals
