"""Charts as inline SVG, drawn here in Python when the page is written.

No script and no font travel with the page: the text of a chart is SVG text in the reader's own
fonts (the page's CSS font stack), so Chinese renders wherever the page is read, the file stays
small, and it prints and opens offline from a USB stick or an email. Every mark carries a
``<title>`` with its figures (a tooltip on hover or long press). The README says why.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from reports.formatting import CV_DECIMALS, decimals_for, num, pct, wan

PASS, NEAR, FAIL, NONE = "#3a6ea5", "#e0a030", "#c0392b", "#9aa0a6"
LIGHT = "#9cb9d9"
INK, GRID = "#333", "#d0d4d9"


def _svg(width: int, height: int, label: str, body: list[str], wide: bool = False) -> Markup:
    css = "chart wide" if wide else "chart"
    return Markup(
        f'<svg class="{css}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg>"
    )


def _text(x, y, text, size=12, anchor="start", fill=INK, weight="normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def _line(x1, y1, x2, y2, stroke=INK, width=1.0, dash="") -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
        f'stroke-width="{width}"{dashed}/>'
    )


def _rect(x, y, w, h, fill, title) -> str:
    return (
        f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(w, 0):.2f}" height="{max(h, 0):.2f}" '
        f'fill="{fill}"><title>{escape(title)}</title></rect>'
    )


def _cv_axis(x, left: float, right: float, y: float, top_value: float) -> list[str]:
    """Tick marks every 0.1 (0.2 past 1) under a CV chart."""
    step = 0.1 if top_value <= 1 else 0.2
    ticks, body, v = [], [], 0.0
    while v <= top_value + 1e-9:
        ticks.append(round(v, 2))
        v += step
    body.append(_line(left, y, right, y, GRID))
    for t in ticks:
        body.append(_line(x(t), y, x(t), y + 4, GRID))
        body.append(_text(x(t), y + 15, f"{t:.1f}", 10, "middle", "#777"))
    return body


def cv_bars(rows: list[dict]) -> Markup:
    """One stage: each indicator's CV as a bar, the stage's limit as a dashed line."""
    width, left, right, row_height, top = 440, 14, 50, 38, 26
    limit = max((r["cv_limit"] for r in rows), default=0.5)
    top_value = max([limit * 1.25, *[(r["cv"] or 0) * 1.08 for r in rows]])
    plot = width - left - right

    def x(v):
        return left + plot * v / top_value

    body = []
    for i, r in enumerate(rows):
        y = top + i * row_height
        colour = NONE if r["passed"] is None else PASS if r["passed"] else FAIL
        cv = r["cv"] or 0
        body.append(_text(left, y + 11, r["short"], 13))
        body.append(
            _rect(
                left,
                y + 16,
                x(cv) - left,
                13,
                colour,
                f"{r['indicator_name']}: 差异系数 {num(r['cv'], CV_DECIMALS)}, "
                f"上限 {num(r['cv_limit'])}, {r['result_zh']}",
            )
        )
        body.append(_text(x(cv) + 4, y + 27, num(r["cv"], CV_DECIMALS), 12, fill=colour))
    bottom = top + len(rows) * row_height
    body.append(_line(left, top - 4, left, bottom, GRID))
    body += _cv_axis(x, left, width - right, bottom + 2, top_value)
    body.append(_line(x(limit), top - 8, x(limit), bottom, FAIL, 1.5, "5 3"))
    body.append(_text(x(limit), top - 12, f"上限 {num(limit)}", 12, "middle", FAIL))
    return _svg(width, bottom + 22, "各项指标差异系数与上限", body, wide=True)


def ratio_columns(panel: dict) -> Markup:
    """One indicator in one stage: each section's value as a share of the standard, lowest
    first, with the 100 % and 85 % lines."""
    width, height, left, right, top, bottom = 330, 170, 38, 6, 10, 20
    points = panel["points"]
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([1.5, *[(p["ratio"] or 0) * 1.05 for p in points]])
    ceiling = min(highest, 3.0)
    decimals = decimals_for(panel["indicator"]["unit_en"])

    def y(r):
        return top + plot_h * (1 - min(r, ceiling) / ceiling)

    body = []
    for tick in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        if tick <= ceiling and tick not in (1.0,):
            body.append(_line(left, y(tick), width - right, y(tick), GRID, 0.6))
            body.append(_text(left - 3, y(tick) + 4, pct(tick, 0), 10, "end", "#777"))
    step = plot_w / max(len(points), 1)
    for i, p in enumerate(points):
        ratio = p["ratio"] or 0
        colour = PASS if p["met"] else NEAR if p["at_least_85"] else FAIL
        title = (
            f"{p['school']}: {num(p['value'], decimals)} {panel['indicator']['unit']}, "
            f"为标准的 {pct(p['ratio'])}"
        )
        body.append(
            _rect(
                left + i * step + step * 0.1, y(ratio), step * 0.8, y(0) - y(ratio), colour, title
            )
        )
        if ratio > ceiling:
            body.append(_text(left + i * step + step / 2, top + 8, "↑", 9, "middle", colour))
    body.append(_line(left, y(0), width - right, y(0), INK))
    body.append(_line(left, y(1.0), width - right, y(1.0), INK, 1.4))
    body.append(_text(left - 3, y(1.0) + 4, "100%", 10, "end", INK, "bold"))
    body.append(_line(left, y(0.85), width - right, y(0.85), FAIL, 1.2, "4 3"))
    body.append(_text(left - 3, y(0.85) + 9, "85%", 10, "end", FAIL))
    body.append(_text(left, height - 5, f"{len(points)} 所, 按达标率由低到高排列", 10, fill="#777"))
    return _svg(width, height, f"{panel['indicator']['name']}: 各校达标率", body)


def index_bars(rows: list[dict]) -> Markup:
    """One stage of the monitoring: each key indicator's index as a bar from the 100 line
    (the baseline), rising to the right, falling to the left; names in a column on the left."""
    width, label_w, right, row_height, top = 440, 124, 92, 24, 22
    values = [r["index"] for r in rows if r["index"] is not None]
    # The axis spans the indices, within 70–130: a bar beyond is cut at the edge (its label
    # says the value), so one extreme index does not flatten the others.
    low = max(min([90.0, *[v - 2 for v in values]]), 70.0)
    high = min(max([110.0, *[v + 2 for v in values]]), 130.0)
    left, plot = label_w, width - label_w - right

    def x(v):
        return left + plot * (min(max(v, low), high) - low) / (high - low)

    bottom = top + len(rows) * row_height
    body = [
        f'<rect x="0" y="{top + i * row_height}" width="{width}" height="{row_height}" '
        'fill="#f4f6f8"/>'
        for i in range(0, len(rows), 2)
    ]
    tick = 10 * math.ceil(low / 10)
    while tick <= high:
        if tick != 100:
            body.append(_line(x(tick), top, x(tick), bottom, GRID, 0.6))
            body.append(_text(x(tick), bottom + 14, str(tick), 10, "middle", "#777"))
        tick += 10
    for i, r in enumerate(rows):
        y = top + i * row_height
        body.append(_text(4, y + 16, r["short"], 12))
        if r["index"] is None:
            body.append(_text(x(100) + 4, y + 16, "无法计算", 11, fill="#777"))
            continue
        level = r["level"] or ""
        colour = PASS if "rise" in level else FAIL if "fall" in level else NONE
        start, end = sorted((x(100), x(r["index"])))
        title = (
            f"{r['indicator_name']}: 指数 {num(r['index'], 1)} ({r['level_zh']}), 基期 "
            f"{r['baseline_year']} {num(r['baseline_value'])}, 本期 {num(r['value'])}"
        )
        body.append(_rect(start, y + 6, end - start, 12, colour, title))
        label_x = max(end, x(100)) + 4
        body.append(_text(label_x, y + 16, f"{num(r['index'], 1)} {r['level_zh']}", 11))
    body.append(_line(x(100), top - 4, x(100), bottom, INK, 1.4))
    body.append(_text(x(100), top - 8, "基期 = 100", 11, "middle", weight="bold"))
    body.append(_text(x(100), bottom + 14, "100", 10, "middle"))
    return _svg(width, bottom + 20, "监测指标发展指数", body, wide=True)


def cost_bars(rows: list[dict]) -> Markup:
    """Per stage and indicator: the cost of bringing every section to the standard, and the
    cheapest cost to "complies", in 万元 (bars from 0); names in a column on the left."""
    width, label_w, right, row_height, top = 440, 150, 76, 30, 24
    top_value = max([*(r["cost_yuan"] or 0 for r in rows), 1.0])
    plot = width - label_w - right
    body = [
        f'<rect x="{label_w}" y="6" width="10" height="10" fill="{PASS}"/>',
        _text(label_w + 14, 15, "至标准", 11),
        f'<rect x="{label_w + 64}" y="6" width="10" height="10" fill="{LIGHT}"/>',
        _text(label_w + 78, 15, "达到要求（万元）", 11),
    ]
    for i, r in enumerate(rows):
        y = top + i * row_height
        if i % 2 == 0:
            body.append(
                f'<rect x="0" y="{y:.1f}" width="{width}" height="{row_height}" fill="#f4f6f8"/>'
            )
        body.append(_text(4, y + 19, f"{r['stage_zh']} {r['short']}", 12))
        for offset, key, colour, what in (
            (4, "cost_yuan", PASS, "补足至标准"),
            (16, "cost_to_complies_yuan", LIGHT, "达到要求"),
        ):
            cost = r[key] or 0
            w = plot * cost / top_value
            title = f"{r['stage_zh']} {r['indicator_name']}: {what} {wan(cost)} 万元"
            body.append(_rect(label_w, y + offset, w, 10, colour, title))
            body.append(_text(label_w + w + 4, y + offset + 9, wan(cost), 10))
    return _svg(
        width, top + len(rows) * row_height + 4, "各项指标补足费用（万元）", body, wide=True
    )


def history_line(panel: dict, value_key: str = "value") -> Markup:
    """One indicator across the years: the county value (X̄), the standard dashed."""
    width, height, left, right, top, bottom = 330, 124, 44, 14, 16, 22
    points = panel["points"]
    decimals = decimals_for(panel["indicator"]["unit_en"])
    values = [p[value_key] for p in points if p[value_key] is not None]
    standards = [p["standard"] for p in points if p.get("standard") is not None]
    everything = values + standards or [0.0]
    low, high = min(0.0, min(everything)), max(everything) * 1.15 or 1.0
    years = [p["year"] for p in points]
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(year):
        if len(years) == 1:
            return left + plot_w / 2
        return left + plot_w * (year - years[0]) / (years[-1] - years[0])

    def y(v):
        return top + plot_h * (1 - (v - low) / (high - low))

    body = [_line(left, y(low), width - right, y(low), GRID)]
    if standards:
        path = " ".join(
            f"{x(p['year']):.1f},{y(p['standard']):.1f}" for p in points if p.get("standard")
        )
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{FAIL}" stroke-width="1.2" '
            'stroke-dasharray="4 3"/>'
        )
        body.append(
            _text(left - 3, y(standards[-1]) + 4, num(standards[-1], decimals), 10, "end", FAIL)
        )
    coords = [(x(p["year"]), y(p[value_key])) for p in points if p[value_key] is not None]
    if len(coords) > 1:
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{PASS}" stroke-width="2"/>')
    for p in points:
        if p[value_key] is None:
            continue
        cx, cy = x(p["year"]), y(p[value_key])
        title = f"{p['year']}: 县域均值 {num(p[value_key], decimals)}"
        if p.get("standard") is not None:
            title += f", 标准 {num(p['standard'], decimals)}"
        body.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{PASS}">'
            f"<title>{escape(title)}</title></circle>"
        )
        body.append(_text(cx, cy - 7, num(p[value_key], decimals), 10, "middle"))
        body.append(_text(cx, height - 6, str(p["year"]), 10, "middle", "#777"))
    return _svg(width, height, f"{panel['indicator']['name']}: 历年县域均值", body)


def count_bars(rows: list[tuple[str, int, str]], total: int, label: str) -> Markup:
    """Labelled counts out of ``total`` (e.g. counties failing each item), longest first."""
    width, left, right, row_height, top = 440, 4, 56, 34, 6
    plot = width - left - right
    body = []
    for i, (name, n, colour) in enumerate(rows):
        y = top + i * row_height
        body.append(_text(left, y + 11, name, 13))
        w = plot * n / max(total, 1)
        body.append(_rect(left, y + 15, w, 12, colour, f"{name}: {n} / {total}"))
        body.append(_text(left + w + 4, y + 26, f"{n} / {total}", 12))
    return _svg(width, top + len(rows) * row_height + 4, label, body, wide=True)


def cv_strips(rows: list[dict], limit: float) -> Markup:
    """One stage across counties: per indicator, a dot per county's CV; the limit dashed."""
    width, left, right, row_height, top = 440, 14, 20, 40, 26
    values = [r["cv"] for r in rows if r["cv"] is not None]
    top_value = max([limit * 1.25, *[v * 1.08 for v in values]])
    plot = width - left - right

    def x(v):
        return left + plot * v / top_value

    indicators: dict[str, list[dict]] = {}
    for r in rows:
        indicators.setdefault(r["short"], []).append(r)
    body = []
    for i, (short, dots) in enumerate(indicators.items()):
        y = top + i * row_height
        body.append(_text(left, y + 11, short, 13))
        body.append(_line(left, y + 24, width - right, y + 24, GRID, 0.6))
        for d in dots:
            if d["cv"] is None:
                continue
            colour = NONE if d["passed"] is None else PASS if d["passed"] else FAIL
            title = f"{d['county_name']} {d['county_code']}: {short} {num(d['cv'], CV_DECIMALS)}"
            body.append(
                f'<circle cx="{x(d["cv"]):.1f}" cy="{y + 24}" r="4" fill="{colour}" '
                f'fill-opacity="0.75"><title>{escape(title)}</title></circle>'
            )
    bottom = top + len(indicators) * row_height
    body += _cv_axis(x, left, width - right, bottom + 2, top_value)
    body.append(_line(x(limit), top - 8, x(limit), bottom, FAIL, 1.5, "5 3"))
    body.append(_text(x(limit), top - 12, f"上限 {num(limit)}", 12, "middle", FAIL))
    return _svg(width, bottom + 22, "各县差异系数", body, wide=True)
