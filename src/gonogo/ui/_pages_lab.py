"""The failure lab's page: a stored ``lab.json`` (``gonogo lab``) rendered for people.

A lab is kept in the run store as a completed run under the PRD's key plus ``#lab``
(:mod:`gonogo.lab._store`); its summary is lab.json less the changed cases, which are
kept one row each like a run's cases. The page shows, per failure mode, the injection,
its status, the detection matrix (every scorer and guard against the clean run: the
change of pass rate with its interval, the Holm-adjusted p-value, whether it fires), the
mutation score, the recall of planted hallucinations per detector, and — for the entry
picked — its changed cases side by side (the lab report's escaping renderer).

``gonogo lab`` writes to SQLite only (``.gonogo/runs.sqlite`` beside the PRD, or its
``--store`` file): with ``--runs URL`` the dashboard looks there too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._app import NotFound
from ._pages_eval import feature_or_404

if TYPE_CHECKING:
    from starlette.responses import Response

    from ..store import AnyRunStore, RunSummary
    from ._app import UI, Req
    from ._workspace import Feature

LAB_SCHEMA = "gonogo.lab"
LAB_SUFFIX = "#lab"
MAX_CASE_ROWS = 2000  # changed cases read for one entry (the lab keeps at most 25 an entry)
_SUBSET_REASON = "not run in this lab"


def is_lab(run: RunSummary) -> bool:
    """Whether a stored run is a lab (its results are a lab.json)."""
    return (run.summary or {}).get("schema") == LAB_SCHEMA


def lab_stores(ui: UI, feature: Feature) -> list[AnyRunStore]:
    """Where this PRD's labs may be: its run store, and its own SQLite store beside it."""
    stores = [s for s in [ui.workspace.run_store(feature)] if s is not None]
    if ui.workspace.runs_url:
        local = ui.workspace.local_store(feature)
        if local is not None and all(str(s.path) != str(local.path) for s in stores):
            stores.append(local)
    return stores


def labs_of(ui: UI, feature: Feature, limit: int = 20) -> list[tuple[AnyRunStore, RunSummary]]:
    """The labs of this PRD, newest first."""
    out: list[tuple[AnyRunStore, RunSummary]] = []
    for store in lab_stores(ui, feature):
        out += [(store, x) for x in store.run_summaries(feature.key + LAB_SUFFIX, limit=limit)]
    out.sort(key=lambda p: p[1].created_at, reverse=True)
    return [p for p in out if p[1].status == "completed" and is_lab(p[1])][:limit]


def inferred_subset(doc: dict[str, Any]) -> list[str]:
    """Why a lab covers less than the whole plan (``--only``, ``--limit``, a scenario)."""
    header = doc.get("lab") or {}
    why: list[str] = []
    if header.get("scenario"):
        why.append(f"scenario {header['scenario']}")
    total = sum(int(d.get("cases") or 0) for d in header.get("datasets") or [])
    n = header.get("n_cases")
    if isinstance(n, int) and total and n < total:
        why.append(f"{n} of {total} cases (--limit)")
    left_out = [
        str(fm.get("id"))
        for fm in doc.get("failure_modes") or []
        if fm.get("status") == "not_in_lab"
        and str(fm.get("reason") or "").startswith(_SUBSET_REASON)
    ]  # fmt: skip
    if left_out and not header.get("scenario"):
        why.append("rows left out (--only): " + ", ".join(left_out))
    return why


async def _evidence_of(feature: Feature, lab_id: str) -> Any:
    """The evidence log's entry for this lab (what the launch checklist reads), or None."""
    if feature.loaded is None:
        return None
    from ..run._evidence import evidence_url, open_log

    url = evidence_url(feature.loaded)
    if "://" not in url and not Path(url).is_file():
        return None
    log = open_log(feature.loaded, url)
    try:
        entries = await log.entries(feature.key)
    finally:
        await log.close()
    return next((e for e in reversed(entries) if e.link == f"lab:{lab_id}"), None)


def matrix_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per entry (injection): its cells in the detectors' order."""
    cells = {(c.get("entry"), c.get("detector")): c for c in doc.get("matrix") or []}
    detectors = [d.get("id") for d in doc.get("detectors") or []]
    rows = []
    for e in doc.get("entries") or []:
        own = set(e.get("own_detectors") or [])
        row = []
        for d in detectors:
            c = cells.get((e.get("id"), d))
            test = (c or {}).get("test") or {}
            diff = test.get("diff")
            row.append({"detector": d, "cell": c, "test": test, "own": d in own,
                        "shade": _shade(diff), "points": _points(diff),
                        "ci_points": _ci_points(test.get("ci"))})  # fmt: skip
        rows.append({"entry": e, "cells": row})
    return rows


def _shade(diff: Any) -> str:
    """A CSS class for a cell: red as the pass rate falls, green as it rises (5 steps)."""
    if not isinstance(diff, int | float) or abs(diff) < 0.005:
        return "h0"
    step = min(5, 1 + int(abs(float(diff)) / 0.1))
    return f"hn{step}" if diff < 0 else f"hp{step}"


def _points(diff: Any) -> str:
    if not isinstance(diff, int | float):
        return "n/e"
    pts = float(diff) * 100
    return "·" if abs(pts) < 0.5 else f"{pts:+.0f}"


def _ci_points(interval: Any) -> str:
    if not interval or len(interval) != 2 or None in interval:
        return "[—]"
    lo, hi = (float(x) * 100 for x in interval)
    return f"[{lo:+.0f}, {hi:+.0f}]"


def changed_cases(store: AnyRunStore, run_id: str, entry: str) -> list[dict[str, Any]]:
    """The lab's changed cases of one entry (kept one row each, like a run's cases)."""
    rows, _ = store.run_cases(run_id, limit=MAX_CASE_ROWS)
    return [c for c in rows if c.get("entry") == entry]


async def render_lab(
    ui: UI, r: Req, store: AnyRunStore, row: RunSummary, feature: Feature | None,
    self_args: dict[str, str] | None = None,
) -> Response:
    """The page of one stored lab."""
    from ..report._lab import GATE_NOTE, STATUS_WORDS, gate_words
    from ..report._lab_html import render_cases

    doc = dict(row.summary or {})
    entries = {str(e.get("id")): e for e in doc.get("entries") or []}
    runs = {str(x.get("entry")): x for x in doc.get("runs") or []}
    pick = r.arg("entry")
    if pick is not None and pick not in entries:
        raise NotFound(f"lab {row.id} has no entry {pick!r}")
    cases_html = None
    if pick is not None:
        one = {"entries": [entries[pick]], "cases": changed_cases(store, row.id, pick)}
        cases_html = render_cases(one)  # every value escaped by the lab report's renderer
    evidence = await _evidence_of(feature, row.id) if feature is not None else None
    figures = (evidence.figures or {}) if evidence is not None else {}
    subset_why = inferred_subset(doc)
    subset = bool(figures.get("subset")) if "subset" in figures else bool(subset_why)
    others = labs_of(ui, feature) if feature is not None else []
    what = {}
    if feature is not None and feature.loaded is not None:
        what = {m.id: m.what for m in feature.loaded.prd.failure_modes or []}
    fm_rows = []
    for fm in doc.get("failure_modes") or []:
        e = entries.get(str(fm.get("entry"))) if fm.get("entry") else None
        fm_rows.append({"fm": fm, "entry": e, "run": runs.get(str(fm.get("entry"))),
                        "what": what.get(str(fm.get("id")))})  # fmt: skip
    named = {str(fm.get("entry")) for fm in doc.get("failure_modes") or [] if fm.get("entry")}
    for eid, e in entries.items():  # --only 'lab:…' or scenario entries no row names
        if eid not in named:
            fm_rows.append({"fm": None, "entry": e, "run": runs.get(eid)})
    return ui.page(r, "lab.html.j2", run=row, doc=doc, feature=feature, fm_rows=fm_rows,
                   matrix=matrix_rows(doc), status_words=STATUS_WORDS, pick=pick,
                   gate_words=gate_words, gate_note=GATE_NOTE,
                   cases_html=cases_html, subset=subset, subset_why=subset_why,
                   evidence=evidence, others=[x for _, x in others],
                   self_args=self_args or {}, self_path=r.request.url.path,
                   verdict="NO-GO" if doc.get("holes") else "GO")  # fmt: skip


async def lab_page(ui: UI, r: Req) -> Response:
    """``/lab?feature=SLUG``: the feature's newest lab (``&lab=ID`` for another)."""
    f = feature_or_404(ui, r.arg("feature"))
    labs = labs_of(ui, f)
    want = r.arg("lab")
    if want:
        found = next((p for p in labs if p[1].id == want), None)
    else:
        found = labs[0] if labs else None
    if found is None:
        if want:
            raise NotFound(f"{f.name} has no lab {want!r}")
        return ui.page(r, "lab_none.html.j2", f=f)
    return await render_lab(ui, r, found[0], found[1], f, {"feature": f.slug, "lab": found[1].id})


ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/lab", lab_page, "view"),
]
