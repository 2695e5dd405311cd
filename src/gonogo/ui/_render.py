"""Templates (Jinja2, autoescaped) and the geometry of the dashboard's inline SVG charts.

Every ``{{ value }}`` is escaped, after control characters are replaced; templates never
use ``|safe``. The only pre-rendered markup comes from :mod:`gonogo.report` (the case
drill-down, escaped value by value) and from the chart functions here, which emit
numbers only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..report import _format as fmt

if TYPE_CHECKING:
    import jinja2

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PALETTE = ("#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e", "#57606a")


def _finalize(value: Any) -> Any:
    from markupsafe import Markup

    if isinstance(value, Markup):
        return value
    return _CONTROLS.sub("\ufffd", value) if isinstance(value, str) else value


def when(ts: Any) -> str:
    """A UNIX time or ISO text as ``2026-11-28 08:03Z``."""
    if ts is None or ts == "":
        return "—"
    if isinstance(ts, int | float):
        return datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return str(ts).replace("T", " ")[:19] + "Z"


def short(value: Any, n: int = 140) -> str:
    """Text cut to ``n`` characters (for tables); JSON values shown compactly."""
    text = value if isinstance(value, str) else fmt.pretty(value)
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def pval(p: Any) -> str:
    """A p-value: three decimals, ``<0.001`` below that, ``—`` when missing."""
    if not isinstance(p, int | float):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def qs(base: Mapping[str, Any], **changes: Any) -> str:
    """A query string from ``base`` with ``changes`` (None drops a key)."""
    merged = {k: v for k, v in {**base, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else ""


@cache
def environment() -> jinja2.Environment:
    """The template environment (one per process)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gonogo.ui", "templates"),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.globals.update(
        num=fmt.num, ci=fmt.ci, pct=fmt.pct, usd=fmt.usd, seconds=fmt.seconds,
        target=fmt.target, pretty=fmt.pretty, status_label=fmt.status_label,
        metric_label=lambda m: fmt.METRIC_LABEL.get(m, m), when=when, short=short, qs=qs,
        pval=pval,
    )  # fmt: skip
    return env


def render(template: str, **context: Any) -> str:
    """A page as text."""
    return environment().get_template(template).render(**context)


# -- charts ------------------------------------------------------------------------------
def sparkline(values: Sequence[float | None], width: int = 120, height: int = 28) -> dict[str, Any]:
    """A small line of pass rates (0..1), oldest first; None values leave gaps."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    if not pts:
        return {"width": width, "height": height, "path": "", "last": None}
    span = max(1, len(values) - 1)
    coords = [
        (round(2 + (width - 4) * i / span, 1), round(2 + (height - 4) * (1 - v), 1))
        for i, v in pts
    ]
    path = "M" + " L".join(f"{x},{y}" for x, y in coords)
    return {"width": width, "height": height, "path": path, "last": coords[-1]}


def trend_chart(
    series: Mapping[str, Sequence[tuple[float | None, Sequence[float] | None]]],
    labels: Sequence[str],
    targets: Mapping[str, float] | None = None,
    width: int = 900,
    height: int = 260,
) -> dict[str, Any]:
    """One line per scorer (pass rate over runs) with its interval as a band.

    ``series[scorer]`` is one ``(rate, [lo, hi])`` per x position (oldest first);
    ``labels`` name the x positions (shown at a few ticks); ``targets`` draw dashed bars.
    """
    left, right, top, bottom = 40, 48, 10, 34
    pw, ph = width - left - right, height - top - bottom
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return round(left + (pw * i / (n - 1) if n > 1 else pw / 2), 1)

    def y(v: float) -> float:
        return round(top + ph * (1 - min(1.0, max(0.0, v))), 1)

    lines = []
    for k, (sid, points) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        segs, upper, lower = [], [], []
        for i, (rate, interval) in enumerate(points):
            if rate is None:
                continue
            segs.append(f"{x(i)},{y(rate)}")
            if interval:
                upper.append(f"{x(i)},{y(interval[1])}")
                lower.append(f"{x(i)},{y(interval[0])}")
        band = " ".join(upper + lower[::-1]) if len(upper) > 1 else ""
        last = points[-1][0] if points and points[-1][0] is not None else None
        lines.append({"id": sid, "color": color, "points": " ".join(segs), "band": band,
                      "last": last, "target": None if not targets else targets.get(sid),
                      "target_y": y(targets[sid]) if targets and sid in targets else None,
                      "dots": [] if len(segs) > 60 else [s.split(",") for s in segs]})  # fmt: skip
    step = max(1, n // 8)
    ticks = [{"x": x(i), "label": labels[i]} for i in range(0, n, step)] if labels else []
    grid = [{"y": y(v), "label": f"{v:g}"} for v in (0, 0.25, 0.5, 0.75, 1)]
    return {"width": width, "height": height, "left": left, "right": width - right,
            "top": top, "bottom": height - bottom, "lines": lines, "ticks": ticks,
            "grid": grid}  # fmt: skip
