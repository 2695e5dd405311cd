"""Geometry of the report's inline SVG charts, computed here so the template only places numbers.

Pass rates: one row per scorer, a bar for the rate, a whisker for its interval and a
tick for each pass-rate threshold on it. Scores: a small histogram per scorer with its
mean and any mean threshold marked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

WIDTH = 800
LABEL_W = 150
PLOT_W = 460
ROW_H = 30
TOP = 24

HIST_W = 240
HIST_H = 110
HIST_PAD = 18


def axis_label(value: float, span: float) -> str:
    """An axis end rounded to what the axis can show: 3 significant digits of its span."""
    decimals = max(0, 2 - math.floor(math.log10(span))) if span > 0 else 2
    text = f"{round(value, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _x(rate: float) -> float:
    return round(LABEL_W + PLOT_W * min(1.0, max(0.0, rate)), 2)


def pass_rate_chart(results: Mapping[str, Any]) -> dict[str, Any]:
    """Rows for the pass-rate chart: bar, whisker and threshold ticks per scorer."""
    targets: dict[str, list[tuple[float, str]]] = {}
    for t in results["thresholds"]:
        if t["metric"] == "pass_rate":
            targets.setdefault(t["scorer"], []).append((t["target"], t["status"]))
    rows = []
    for i, s in enumerate(results["scorers"]):
        y = TOP + i * ROW_H
        row: dict[str, Any] = {"label": s["id"], "y": y, "mid": y + ROW_H / 2, "rate": None}
        if s["pass_rate"] is not None:
            lo, hi = s["pass_ci"]
            row.update(
                rate=s["pass_rate"],
                bar_w=round(_x(s["pass_rate"]) - LABEL_W, 2),
                lo_x=_x(lo),
                hi_x=_x(hi),
                text=f"{s['pass_rate']:.2f} [{lo:.2f}, {hi:.2f}]",
            )
        row["ticks"] = [
            {"x": _x(t), "status": st, "target": t} for t, st in targets.get(s["id"], [])
        ]
        rows.append(row)
    grid = [{"x": _x(v), "label": f"{v:g}"} for v in (0, 0.25, 0.5, 0.75, 1)]
    height = TOP + ROW_H * len(rows) + 8
    return {
        "width": WIDTH,
        "height": height,
        "x0": LABEL_W,
        "value_x": LABEL_W + PLOT_W + 14,
        "plot_w": PLOT_W,
        "rows": rows,
        "grid": grid,
    }


def histograms(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One small histogram per scorer that has values."""
    mean_targets: dict[str, list[float]] = {}
    for t in results["thresholds"]:
        if t["metric"] == "mean":
            mean_targets.setdefault(t["scorer"], []).append(t["target"])
    out = []
    for s in results["scorers"]:
        hist = s.get("histogram")
        if not hist:
            continue
        edges, counts = hist["edges"], hist["counts"]
        lo, hi = edges[0], edges[-1]
        span = (hi - lo) or 1.0
        top = max(counts) or 1
        plot_w, plot_h = HIST_W - 2 * HIST_PAD, HIST_H - 2 * HIST_PAD

        def hx(v: float, lo: float = lo, span: float = span, plot_w: float = plot_w) -> float:
            return round(HIST_PAD + plot_w * (min(max(v, lo), lo + span) - lo) / span, 2)

        bars = []
        for i, c in enumerate(counts):
            h = round(plot_h * c / top, 2)
            x, x2 = hx(edges[i]), hx(edges[i + 1])
            centre = (edges[i] + edges[i + 1]) / 2
            grade = edges[i + 1] - edges[i] == 1 and centre.is_integer()
            bars.append(
                {
                    "x": x,
                    "w": max(0.5, x2 - x - 1),
                    "y": HIST_PAD + plot_h - h,
                    "h": h,
                    "n": c,
                    "label": f"{centre:g}" if grade else None,
                    "cx": round((x + x2) / 2, 2),
                }
            )
        out.append(
            {
                "id": s["id"],
                "width": HIST_W,
                "height": HIST_H,
                "base": HIST_PAD + plot_h,
                "bars": bars,
                "lo": axis_label(lo, span),
                "hi": axis_label(hi, span),
                "mean_x": None if s["mean"] is None else hx(s["mean"]),
                "mean": s["mean"],
                "targets": [{"x": hx(t), "target": t} for t in mean_targets.get(s["id"], [])],
                "pad": HIST_PAD,
                "right": HIST_W - HIST_PAD,
            }
        )
    return out
