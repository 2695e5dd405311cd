"""Production: traces with filters, one trace, the monitor's windows and alerts, feedback."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..store.gateway import TraceFilter
from ..store.gateway._queries import ACTED, FEEDBACK_FILTERS
from ._app import NotFound, small_int

if TYPE_CHECKING:
    from starlette.responses import Response

    from ._app import UI, Req


def _filter(r: Req) -> tuple[TraceFilter, dict[str, Any]]:
    version = r.arg("version")
    feedback = r.arg("feedback")
    f = TraceFilter(
        prompt_name=r.arg("prompt"),
        prompt_version=small_int(version),
        model=r.arg("model"),
        path=r.arg("path"),
        guard=r.arg("guard"),
        feedback=feedback if feedback in FEEDBACK_FILTERS else None,
    )
    args = {"prompt": f.prompt_name, "version": f.prompt_version, "model": f.model,
            "path": f.path, "guard": f.guard, "feedback": f.feedback}  # fmt: skip
    return f, args


def fired(guards: list[dict[str, Any]]) -> list[str]:
    """Names of the guards that acted on a trace."""
    return [f"{g.get('name')}: {g.get('outcome')}" for g in guards or []
            if g.get("outcome") in ACTED]  # fmt: skip


async def traces(ui: UI, r: Req) -> Response:
    where, args = _filter(r)
    page = r.int_arg("page", 1, 1)
    size = ui.settings.page_size
    rows, total = await ui.store.search_traces(where, offset=(page - 1) * size, limit=size)
    facets = await ui.store.trace_facets()
    guards = sorted({g for t in rows for g in (x.get("name") for x in t.guards) if g})
    return ui.page(r, "traces.html.j2", rows=rows, total=total, page=page, size=size,
                   args=args, facets=facets, guards=guards, fired=fired,
                   feedback_filters=FEEDBACK_FILTERS)  # fmt: skip


async def trace(ui: UI, r: Req) -> Response:
    t = await ui.store.get_trace(r.path("trace_id"))
    if t is None:
        raise NotFound(f"no trace with id {r.path('trace_id')!r}")
    feedback = await ui.store.trace_feedback(t.id)
    scores = (await ui.store.trace_scores([t.id])).get(t.id, {})
    return ui.page(r, "trace.html.j2", t=t, feedback=feedback, scores=scores, fired=fired(t.guards))


async def monitor(ui: UI, r: Req) -> Response:
    from ..monitor._windows import (
        AlertRule,
        alerts,
        history_baseline,
        rejected_summary,
        windows,
    )

    blocks = []
    since = time.time() - 7 * 86400
    for f in ui.workspace.features():
        if f.loaded is None:
            continue
        rows = await ui.store.monitor_results(f"prd:{f.key}", since=since)
        if not rows:
            continue
        wins = windows(rows, "hour")
        bars = {t.scorer: float(t.min_pass_rate) for t in f.loaded.prd.eval_plan.thresholds
                if t.min_pass_rate is not None}  # fmt: skip
        recent = wins[-24:]
        baseline = history_baseline(wins[:-24], bars) if len(wins) > 24 else {}
        raised = alerts(recent, AlertRule(bars=bars, baseline=baseline))
        blocks.append({"feature": f, "windows": list(reversed(recent)), "alerts": raised,
                       "bars": bars, "n": len(rows),
                       "rejected": rejected_summary(rows)})  # fmt: skip
    return ui.page(r, "monitor.html.j2", blocks=blocks)


async def feedback(ui: UI, r: Req) -> Response:
    rating = r.arg("rating")
    rows = await ui.store.list_feedback(prompt_name=r.arg("prompt"), limit=500)
    if rating == "down":
        rows = [x for x in rows if x[0].rating < 0.5]
    elif rating == "up":
        rows = [x for x in rows if x[0].rating >= 0.5]
    page = r.int_arg("page", 1, 1)
    size = ui.settings.page_size
    shown = rows[(page - 1) * size : page * size]
    return ui.page(r, "feedback.html.j2", rows=shown, total=len(rows), page=page, size=size,
                   args={"rating": rating, "prompt": r.arg("prompt")})  # fmt: skip


ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/production", traces, "view"),
    ("GET", "/production/traces/{trace_id}", trace, "view"),
    ("GET", "/production/monitor", monitor, "view"),
    ("GET", "/production/feedback", feedback, "view"),
]
