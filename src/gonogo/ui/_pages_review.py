"""Human review: queues, one item at a time, calibration, export."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .._safejson import dumps
from ..errors import UserError
from ..store.gateway import ReviewLabel
from ._app import NotFound, small_int
from ._pages_eval import feature_or_404
from ._review import RULES, build_queue, calibration, export_rows, feedback_view

if TYPE_CHECKING:
    from starlette.responses import Response

    from ._app import UI, Req

GRADES = (1, 2, 3, 4, 5)


async def overview(ui: UI, r: Req) -> Response:
    blocks = []
    for f in ui.workspace.features():
        if f.loaded is None:
            continue
        counts = {q["queue"]: q for q in await ui.store.review_queues(f.key)}
        blocks.append({"feature": f, "queues": [(rule, what, counts.get(rule))
                                                for rule, what in RULES.items()]})  # fmt: skip
    return ui.page(r, "review.html.j2", blocks=blocks, built=r.arg("built"))


async def build(ui: UI, r: Req) -> Response:
    f = feature_or_404(ui, r.form.get("feature"))
    rule = r.form.get("rule") or ""
    if rule not in RULES:
        raise UserError(f"unknown queue rule {rule!r}", "pick one of " + ", ".join(RULES))
    wanted = _int(r.form.get("wanted"), 1, 1, 5)
    n = _int(r.form.get("n"), 50, 1, 200)
    added = await build_queue(f, rule, ui.workspace.run_store(f), ui.store, wanted=wanted, n=n)
    return ui.redirect(r, f"/review?built={added}#{f.slug}")


def _int(raw: str | None, default: int, lo: int, hi: int) -> int:
    try:
        return max(lo, min(hi, int(raw or default)))
    except ValueError:
        return default


async def next_item(ui: UI, r: Req) -> Response:
    f = feature_or_404(ui, r.path("slug"))
    queue = r.path("queue")
    item = await ui.store.claim_review_item(f.key, queue, r.session.actor,
                                            lease_s=ui.settings.lease_s)  # fmt: skip
    if item is None:
        return ui.page(r, "review_done.html.j2", f=f, queue=queue)
    return ui.redirect(r, f"/review/item/{item.id}")


async def item(ui: UI, r: Req) -> Response:
    it = await ui.store.get_review_item(r.path("item_id"))
    if it is None:
        raise NotFound(f"no review item {r.path('item_id')!r}")
    f = ui.workspace.feature_of_key(it.prd_key)
    mine = [lb for other, labels in await ui.store.review_labels(it.prd_key, it.queue)
            if other.id == it.id for lb in labels if lb.reviewer == r.session.actor]  # fmt: skip
    held_by_other = (it.claimed_by not in (None, r.session.actor)
                     and (it.claimed_until or 0) > time.time())  # fmt: skip
    # the end user's feedback as it is now (also for items queued before they rated it)
    feedback = it.payload.get("feedback") or []
    if it.source == "trace":
        feedback = feedback_view(await ui.store.trace_feedback(it.ref)) or feedback
    return ui.page(r, "review_item.html.j2", it=it, f=f, grades=GRADES, mine=mine[:1],
                   held_by_other=held_by_other, feedback=feedback)  # fmt: skip


async def label(ui: UI, r: Req) -> Response:
    it = await ui.store.get_review_item(r.path("item_id"))
    if it is None:
        raise NotFound(f"no review item {r.path('item_id')!r}")
    verdict = r.form.get("verdict") or ""
    if verdict not in ("pass", "fail", "skip"):
        raise UserError("choose pass, fail or skip", "keys: p = pass, f = fail, s = skip")
    grade_raw = (r.form.get("grade") or "").strip()
    grade = small_int(grade_raw)
    grade = grade if grade in GRADES else None
    comment = (r.form.get("comment") or "").strip() or None
    await ui.store.label_review_item(ReviewLabel(it.id, r.session.actor, verdict, grade, comment,
                                                 time.time()))  # fmt: skip
    f = ui.workspace.feature_of_key(it.prd_key)
    nxt = await ui.store.claim_review_item(it.prd_key, it.queue, r.session.actor,
                                           lease_s=ui.settings.lease_s)  # fmt: skip
    if nxt is None:
        if f is None:
            return ui.redirect(r, "/review")
        return ui.page(r, "review_done.html.j2", f=f, queue=it.queue)
    return ui.redirect(r, f"/review/item/{nxt.id}")


async def calibrate(ui: UI, r: Req) -> Response:
    f = feature_or_404(ui, r.arg("feature"))
    queue = r.arg("queue")
    labelled = await ui.store.review_labels(f.key, queue)
    return ui.page(r, "calibration.html.j2", f=f, queue=queue, cal=calibration(labelled),
                   queues=list(RULES))  # fmt: skip


async def export(ui: UI, r: Req) -> Response:
    from starlette.responses import Response as Plain

    f = feature_or_404(ui, r.arg("feature"))
    labelled = await ui.store.review_labels(f.key, r.arg("queue"))
    body = "".join(dumps(row, one_line=True) + "\n" for row in export_rows(labelled))
    return Plain(body, media_type="application/x-ndjson", headers={
        "content-disposition": f'attachment; filename="reviewed-{f.slug}.jsonl"'})


ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/review", overview, "view"),
    ("POST", "/review/build", build, "admin"),
    ("POST", "/review/{slug}/{queue}/next", next_item, "label"),
    ("GET", "/review/item/{item_id}", item, "label"),
    ("POST", "/review/item/{item_id}", label, "label"),
    ("GET", "/review/calibration", calibrate, "view"),
    ("GET", "/review/export", export, "view"),
]
