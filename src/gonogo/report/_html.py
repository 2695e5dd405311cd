"""report.html: one self-contained, offline page (inline CSS and SVG, no scripts).

Every value on the page is escaped, so model output, case data and judge reasoning
can never become markup: an output containing ``<script>`` shows as text. The page is
written in plain Python (``_page.py``); the Jinja2 environment here (autoescape on,
control characters dropped) renders the other pages: comparison, red team, launch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _format as fmt
from ._json import write_text_atomic
from ._page import render_page

if TYPE_CHECKING:
    import jinja2

# C0 controls other than tab/newline/CR (and DEL) are not valid in HTML text.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _finalize(value: Any) -> Any:
    """Applied to every ``{{ … }}`` before escaping: drop control characters from text."""
    from markupsafe import Markup

    if isinstance(value, Markup):  # pre-escaped by _cases_html (controls already dropped)
        return value
    return _CONTROLS.sub("\ufffd", value) if isinstance(value, str) else value


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gonogo.report", "templates"),
        autoescape=True,  # every value is escaped; the template never uses |safe
        undefined=jinja2.ChainableUndefined,  # run metadata may lack optional keys
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.globals.update(
        num=fmt.num,
        ci=fmt.ci,
        pct=fmt.pct,
        usd=fmt.usd,
        seconds=fmt.seconds,
        target=fmt.target,
        pretty=fmt.pretty,
        status_label=fmt.status_label,
        metric_label=lambda m: fmt.METRIC_LABEL.get(m, m),
    )
    return env


def render_html(results: Mapping[str, Any]) -> str:
    """The report page for ``results`` as a string."""
    return render_page(results)


def write_html(results: Mapping[str, Any], path: str | Path) -> Path:
    """Write report.html; returns the path."""
    path = Path(path)
    write_text_atomic(path, render_html(results))
    return path
