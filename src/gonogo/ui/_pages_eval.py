"""Features, runs (a run, a case, the diff against the previous run), trends, documents."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GonogoError, UserError
from ._app import NotFound
from ._render import sparkline, trend_chart

if TYPE_CHECKING:
    from starlette.responses import Response

    from ..store import AnyRunStore, RunSummary, TrendPoint
    from ._app import UI, Req
    from ._workspace import Feature

CASE_FILTERS = {
    "": (),
    "failing": ("fail", "error", "flaky"),
    "fail": ("fail",),
    "flaky": ("flaky",),
    "error": ("error",),
    "pass": ("pass",),
    "not_evaluated": ("not_evaluated", "not_run"),
}
_LAUNCH_CACHE: dict[str, tuple[float, dict[str, Any] | None]] = {}
_LAUNCH_TTL_S = 30.0
MAX_SEARCH_CHARS = 500  # SQLite refuses LIKE patterns over 50,000 bytes; nobody types more


def feature_or_404(ui: UI, slug: str | None) -> Feature:
    feature = ui.workspace.feature(slug or "")
    if feature is None:
        raise NotFound(f"no PRD with id {slug!r} under {ui.workspace.root}")
    return feature


def headline(run: RunSummary) -> float | None:
    """The first threshold's estimate (what a sparkline follows)."""
    thresholds = (run.summary or {}).get("thresholds") or []
    return thresholds[0].get("estimate") if thresholds else None


async def launch_state(feature: Feature) -> dict[str, Any] | None:
    """The launch checklist from the evidence log (None: no log yet), cached 30 s."""
    if feature.loaded is None:
        return None
    hit = _LAUNCH_CACHE.get(feature.key)
    if hit is not None and time.monotonic() - hit[0] < _LAUNCH_TTL_S:
        return hit[1]
    from ..launch import checklist
    from ..run._evidence import evidence_url

    url = evidence_url(feature.loaded)
    doc: dict[str, Any] | None = None
    if "://" in url or Path(url).is_file():
        try:
            doc = await checklist(feature.loaded, url)
        except GonogoError as e:
            doc = {"verdict": "unknown", "items": [], "error": str(e)}
    _LAUNCH_CACHE[feature.key] = (time.monotonic(), doc)
    return doc


# -- features -----------------------------------------------------------------------------
async def features(ui: UI, r: Req) -> Response:
    rows = []
    for f in ui.workspace.features():
        store = ui.workspace.run_store(f)
        runs = store.run_summaries(f.key, limit=20) if store is not None else []
        # the headline is the latest whole run: a --limit/--filter run is not the feature's
        # verdict (a subset is shown only when nothing else exists, and marked)
        full = [x for x in runs if not x.meta.get("subset")] or runs
        rows.append({
            "feature": f,
            "latest": full[0] if full else None,
            "spark": sparkline([headline(x) for x in reversed(full)]),
            "launch": await launch_state(f),
        })  # fmt: skip
    return ui.page(r, "features.html.j2", rows=rows, root=ui.workspace.root)


async def feature(ui: UI, r: Req) -> Response:
    f = feature_or_404(ui, r.path("slug"))
    store = ui.workspace.run_store(f)
    runs = store.run_summaries(f.key, limit=10) if store is not None else []
    queues = await ui.store.review_queues(f.key)
    name = f.prompt_name
    pushed = name is not None and bool(await ui.store.versions(name))  # a link that answers
    return ui.page(r, "feature.html.j2", f=f, runs=runs, launch=await launch_state(f),
                   queues=queues, prompt_pushed=pushed)  # fmt: skip


# -- runs ---------------------------------------------------------------------------------
async def runs(ui: UI, r: Req) -> Response:
    slug = r.arg("feature")
    f = feature_or_404(ui, slug) if slug else None
    verdict = r.arg("verdict")
    page = r.int_arg("page", 1, 1)
    size = ui.settings.page_size
    pairs = ui.workspace.runs(f, limit=size * page + 1, verdict=verdict)
    shown = pairs[size * (page - 1) : size * page]
    rows = [{"run": run, "feature": ui.workspace.feature_of_key(run.prd_path)} for _, run in shown]
    return ui.page(r, "runs.html.j2", rows=rows, f=f, verdict=verdict, page=page,
                   more=len(pairs) > size * page,
                   args={"feature": slug, "verdict": verdict})  # fmt: skip


def _run_or_404(ui: UI, run_id: str) -> tuple[AnyRunStore, RunSummary]:
    found = ui.workspace.find_run(run_id)
    if found is None:
        raise NotFound(f"no run with id {run_id!r} in the run stores of {ui.workspace.root}")
    return found


async def run(ui: UI, r: Req) -> Response:
    from ..report._chart import histograms, pass_rate_chart

    store, row = _run_or_404(ui, r.path("run_id"))
    if (row.summary or {}).get("schema") == "gonogo.redteam":  # `gonogo redteam run`
        return ui.page(r, "redteam_run.html.j2", run=row, results=row.summary,
                       feature=ui.workspace.feature_of_key(row.prd_path))  # fmt: skip
    if (row.summary or {}).get("schema") == "gonogo.comparison":  # `gonogo compare`
        from ._pages_compare import render_comparison

        return await render_comparison(ui, r, store, row, ui.workspace.feature_of_key(row.prd_path))
    if (row.summary or {}).get("schema") == "gonogo.lab":  # `gonogo lab`
        from ._pages_lab import render_lab

        return await render_lab(ui, r, store, row, ui.workspace.feature_of_key(row.prd_path))
    which = r.arg("cases", "") or ""
    if which not in CASE_FILTERS:
        which = ""
    q = r.arg("q")
    if q is not None and len(q) > MAX_SEARCH_CHARS:
        raise UserError(f"a search of {len(q):,} characters is too long",
                        f"search for at most {MAX_SEARCH_CHARS} characters")  # fmt: skip
    page = r.int_arg("page", 1, 1)
    size = ui.settings.page_size
    cases, total = store.run_cases(row.id, statuses=CASE_FILTERS[which], search=q,
                                   offset=(page - 1) * size, limit=size)  # fmt: skip
    summary = row.summary or {}
    chart = pass_rate_chart(summary) if summary.get("scorers") is not None else None
    hists = histograms(summary) if summary.get("scorers") is not None else []
    prev = store.previous_run(row)
    counts = (summary.get("totals") or {}).get("cases_by_status") or {}
    return ui.page(r, "run.html.j2", run=row, results=summary, chart=chart, hists=hists,
                   cases=cases, total=total, page=page, size=size, which=which, q=q,
                   filters=list(CASE_FILTERS), counts=counts, prev=prev,
                   feature=ui.workspace.feature_of_key(row.prd_path),
                   args={"cases": which, "q": q})  # fmt: skip


async def case(ui: UI, r: Req) -> Response:
    from ..report._cases_html import render_cases

    store, row = _run_or_404(ui, r.path("run_id"))
    key = r.arg("key") or ""
    c = store.run_case(row.id, key)
    if c is None:
        raise NotFound(f"run {row.id} has no case {key!r}")
    prev = store.previous_run(row)
    before = store.run_case(prev.id, key) if prev is not None else None
    return ui.page(r, "case.html.j2", run=row, c=c, drill=render_cases([c]), prev=prev,
                   before=before, feature=ui.workspace.feature_of_key(row.prd_path))  # fmt: skip


async def diff(ui: UI, r: Req) -> Response:
    from ..compare import diff_runs

    store, row = _run_or_404(ui, r.path("run_id"))
    against = r.arg("against")
    base = store.run_summary(against) if against else store.previous_run(row)
    if base is None:
        raise NotFound(f"run {row.id} has no earlier finished run of the same PRD to diff with")
    try:
        d = diff_runs(store, base.id, row.id).to_dict()
    except UserError as e:
        raise NotFound(e.message) from None
    return ui.page(r, "diff.html.j2", run=row, base=base, d=d,
                   feature=ui.workspace.feature_of_key(row.prd_path))  # fmt: skip


# -- trends -------------------------------------------------------------------------------
def trend_data(points: list[TrendPoint]) -> dict[str, Any]:
    """Per scorer pass rate (with interval) over runs (oldest first), and per prompt version."""
    scorer_ids: list[str] = []
    targets: dict[str, float] = {}
    for p in points:
        for sid, *_ in p.scorers:
            if sid not in scorer_ids:
                scorer_ids.append(sid)
        for scorer, metric, target, *_ in p.thresholds:
            if metric == "pass_rate":
                targets[scorer] = target
    series: dict[str, list[tuple[float | None, Any]]] = {sid: [] for sid in scorer_ids}
    by_version: dict[str, TrendPoint] = {}
    for p in points:
        found = {sid: (rate, ci) for sid, rate, ci in p.scorers}
        for sid in scorer_ids:
            series[sid].append(found.get(sid, (None, None)))
        by_version[str((p.prompt or {}).get("version", "—"))] = p
    labels = [p.created_at[5:16].replace("T", " ") for p in points]
    versions = list(by_version)
    vseries = {
        sid: [next(((r, c) for i, r, c in by_version[v].scorers if i == sid), (None, None))
              for v in versions]
        for sid in scorer_ids
    }  # fmt: skip
    return {
        "chart": trend_chart(series, labels, targets),
        "version_chart": trend_chart(vseries, [f"v{v}" for v in versions], targets),
        "versions": [(v, by_version[v]) for v in versions],
        "scorers": scorer_ids,
        "table": [(p, {sid: series[sid][i] for sid in scorer_ids})
                  for i, p in enumerate(points)][::-1][:50],
    }  # fmt: skip


async def trends(ui: UI, r: Req) -> Response:
    features = [f for f in ui.workspace.features() if f.loaded is not None]
    slug = r.arg("feature") or (features[0].slug if features else None)
    if slug is None:
        return ui.page(r, "trends.html.j2", f=None, data=None, n=0)
    f = feature_or_404(ui, slug)
    limit = r.int_arg("runs", 1000, 2, 5000)
    store = ui.workspace.run_store(f)
    points = list(reversed(store.trend_points(f.key, limit=limit))) if store is not None else []
    data = trend_data(points) if points else None
    return ui.page(r, "trends.html.j2", f=f, data=data, n=len(points), limit=limit)


# -- documents: comparisons, red team, lab, launch ---------------------------------------
async def documents(ui: UI, r: Req) -> Response:
    f = feature_or_404(ui, r.arg("feature"))
    entries: list[Any] = []
    if f.loaded is not None:
        from ..run._evidence import evidence_url, open_log

        url = evidence_url(f.loaded)
        if "://" in url or Path(url).is_file():
            log = open_log(f.loaded, url)
            try:
                entries = list(reversed(await log.entries(f.key)))
            finally:
                await log.close()
    store = ui.workspace.run_store(f)
    variant_runs: list[Any] = []
    if store is not None:
        keys = [k for k in store.prd_paths() if k.startswith(f.key + "#")]
        for k in keys:
            variant_runs += store.run_summaries(k, limit=20)
        variant_runs.sort(key=lambda x: x.created_at, reverse=True)
    by_kind: dict[str, list[Any]] = {}
    for e in entries:
        by_kind.setdefault(e.kind.split(":", 1)[0], []).append(e)
    return ui.page(r, "documents.html.j2", f=f, by_kind=by_kind, variant_runs=variant_runs,
                   launch=await launch_state(f))  # fmt: skip


ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/", features, "view"),
    ("GET", "/features/{slug}", feature, "view"),
    ("GET", "/runs", runs, "view"),
    ("GET", "/runs/{run_id}", run, "view"),
    ("GET", "/runs/{run_id}/case", case, "view"),
    ("GET", "/runs/{run_id}/diff", diff, "view"),
    ("GET", "/trends", trends, "view"),
    ("GET", "/documents", documents, "view"),
]
