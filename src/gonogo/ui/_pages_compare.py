"""A comparison's page: a stored ``comparison.json`` (``gonogo compare``) rendered for people.

``gonogo compare`` keeps its document in the run store as a completed run under the PRD's
key plus ``#comparison`` (:mod:`gonogo.compare._store`); its summary is the document less
the cases, which are kept one row each. The page shows the variants, the verdict and its
reasons, every scorer's paired test (A → B, the difference with its interval, p and p
adjusted by Holm, wins/ties/losses, power and the cases needed), the judge's preference,
how much the outputs changed (semantic similarity), cost and latency, then the cases that
changed most, side by side (the comparison report's escaping renderer).

A comparison made before documents were stored has only its two runs: its evidence link
leads to their diff (the same paired tests per scorer, without similarity or preference).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._app import NotFound
from ._pages_eval import feature_or_404

if TYPE_CHECKING:
    from starlette.responses import Response

    from ..store import AnyRunStore, RunSummary
    from ._app import UI, Req
    from ._workspace import Feature

COMPARISON_SCHEMA = "gonogo.comparison"
SUFFIX = "#comparison"
SHOWN_CASES = 50
MAX_CASE_ROWS = 5000


def comparisons_of(
    ui: UI, feature: Feature, limit: int = 50
) -> list[tuple[AnyRunStore, RunSummary]]:
    """The stored comparisons of this PRD, newest first."""
    store = ui.workspace.run_store(feature)
    if store is None:
        return []
    rows = store.run_summaries(feature.key + SUFFIX, limit=limit)
    return [(store, x) for x in rows if (x.summary or {}).get("schema") == COMPARISON_SCHEMA]


async def render_comparison(
    ui: UI, r: Req, store: AnyRunStore, row: RunSummary, feature: Feature | None
) -> Response:
    """The page of one stored comparison."""
    from ..report._compare_html import render_comparison_cases, sorted_cases
    from ..stats import VERDICT_LABELS

    doc = dict(row.summary or {})
    cases, total = store.run_cases(row.id, limit=MAX_CASE_ROWS)
    rows: list[Mapping[str, Any]] = list(cases)
    ranked = sorted_cases(rows)
    changed = [c for c in ranked if (c.get("score_change") or 0) > 0
               or (c.get("semantic_similarity") is not None
                   and c["semantic_similarity"] < 0.999)]  # fmt: skip
    shown = changed[:SHOWN_CASES]
    others = [x for _, x in comparisons_of(ui, feature, 20)] if feature is not None else []
    return ui.page(r, "comparison.html.j2", run=row, doc=doc, feature=feature,
                   a=(doc.get("variants") or {}).get("a") or {},
                   b=(doc.get("variants") or {}).get("b") or {},
                   settings=doc.get("settings") or {}, labels=VERDICT_LABELS,
                   cases_html=render_comparison_cases(shown), n_changed=len(changed),
                   n_cases=total, n_shown=len(shown), others=others)  # fmt: skip


async def comparison_page(ui: UI, r: Req) -> Response:
    """``/comparison?feature=SLUG[&id=CMP-ID]``: a stored comparison (the newest by default)."""
    f = feature_or_404(ui, r.arg("feature"))
    want = r.arg("id")
    found = comparisons_of(ui, f, 200)
    if want:
        found = [p for p in found if (p[1].meta or {}).get("comparison_id") == want]
    if found:
        return await render_comparison(ui, r, found[0][0], found[0][1], f)
    if want:  # made before comparisons were stored: the diff of its two runs
        pair = _variant_runs(ui, f, want)
        if pair is not None:
            return ui.redirect(r, f"/runs/{pair[1]}/diff?against={pair[0]}")
        raise NotFound(f"{f.name} has no stored comparison {want!r}")
    return ui.page(r, "comparison_none.html.j2", f=f)


def _variant_runs(ui: UI, f: Feature, cid: str) -> tuple[str, str] | None:
    """The ids of runs A and B of comparison ``cid`` (from their metadata)."""
    store = ui.workspace.run_store(f)
    if store is None:
        return None
    sides: dict[str, str] = {}
    for key in store.prd_paths():
        if not key.startswith(f.key + "#compare:"):
            continue
        for run in store.run_summaries(key, limit=50):
            info = (run.meta or {}).get("comparison") or {}
            if info.get("id") == cid and info.get("role") in ("a", "b"):
                sides.setdefault(str(info["role"]), run.id)
    if "a" in sides and "b" in sides:
        return sides["a"], sides["b"]
    return None


ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/comparison", comparison_page, "view"),
]
