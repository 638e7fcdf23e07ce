"""The one-file web page: Jinja2 templates in ``reports/templates``, charts inline as SVG, the
style sheet inside the page. Nothing is fetched when it opens."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import jinja2

from reports import charts
from reports.formatting import CV_DECIMALS, amount, decimals_for, num, pct, wan

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters |= {
        "num": num,
        "pct": pct,
        "cv": lambda v: num(v, CV_DECIMALS),
        "by_unit": lambda v, unit: num(v, decimals_for(unit)),
        "wan": wan,
        "amount": amount,
    }
    env.globals |= {"charts": charts}
    return env


def render(template: str, **context) -> str:
    context.setdefault("generated", date.today().isoformat())
    return environment().get_template(template).render(**context)


def write(path: Path, template: str, **context) -> Path:
    path.write_text(render(template, **context), encoding="utf-8")
    return path
