"""``gonogo diff``: two stored runs of a PRD, compared case by case with paired statistics.

The runs already exist (``gonogo eval`` made them, e.g. before and after a prompt change):
nothing is called. Cases are paired by key and sample index, as in :func:`compare`; each
scorer a threshold of run B uses (every scorer both runs have, without thresholds) gets
the same paired test and Holm adjustment, and the cases whose status changed are listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..data import Case
from ..errors import UserError
from ..store import AnyRunStore, RunRow
from ._stats import Settings, adjust, by_case, compare_scorer, overall

CHANGES = ("newly_failing", "newly_passing", "other")


@dataclass
class RunDiff:
    """What changed from run A to run B."""

    a: RunRow
    b: RunRow
    n_common: int
    only_a: int
    only_b: int
    rows: list[Any]  # ScorerComparison, with Holm-adjusted tests
    verdict: str
    reasons: list[str]
    changed: dict[str, list[dict[str, Any]]]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (``gonogo diff --json``)."""
        return {
            "a": _run_view(self.a),
            "b": _run_view(self.b),
            "cases": {"common": self.n_common, "only_a": self.only_a, "only_b": self.only_b},
            "verdict": self.verdict,
            "reasons": self.reasons,
            "scorers": [r.to_dict() for r in self.rows],
            "changed": self.changed,
        }


def _run_view(row: RunRow) -> dict[str, Any]:
    res = row.results or {}
    return {
        "id": row.id,
        "created_at": row.created_at,
        "status": row.status,
        "verdict": res.get("verdict"),
        "target": row.meta.get("target"),
        "prd_sha256": row.meta.get("prd_sha256"),
    }


def _load(store: AnyRunStore, run_id: str) -> RunRow:
    row = store.get_run(run_id)
    if row is None:
        raise UserError(
            f"no run with id {run_id} in {store.path}", "list them with `gonogo runs PRD`"
        )
    if row.results is None:
        raise UserError(
            f"run {run_id} has no results (status {row.status})",
            "finish it with `gonogo eval PRD --resume`, or pick another run",
        )
    return row


def _metrics(results: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(scorer, metric) pairs to test: run B's gated scorers, else every scorer."""
    seen: dict[str, str] = {}
    for t in results.get("thresholds") or []:
        seen.setdefault(str(t["scorer"]), str(t["metric"]))
    if not seen:
        seen = {str(s["id"]): "pass_rate" for s in results.get("scorers") or []}
    return list(seen.items())


def diff_runs(
    store: AnyRunStore, run_a: str, run_b: str, settings: Settings | None = None
) -> RunDiff:
    """Compare two stored runs on the cases they share; raises UserError for bad ids."""
    settings = settings or Settings()
    a, b = _load(store, run_a), _load(store, run_b)
    assert a.results is not None and b.results is not None
    cases_a = {c["key"]: c for c in a.results["cases"]}
    cases_b = {c["key"]: c for c in b.results["cases"]}
    common = [k for k in cases_b if k in cases_a]
    if not common:
        raise UserError(
            f"runs {a.id} and {b.id} share no golden case",
            "diff two runs of the same PRD (or of PRDs with the same datasets)",
        )
    cases = [Case(id=cases_b[k]["id"], inputs={}, dataset=cases_b[k]["dataset"]) for k in common]
    recs_a, recs_b = by_case(list(store.samples(a.id))), by_case(list(store.samples(b.id)))
    repeats = max(int(a.meta.get("repeats") or 1), int(b.meta.get("repeats") or 1))
    rows = [
        compare_scorer(
            sid,
            None,
            metric,
            primary=True,
            cases=cases,
            a=recs_a,
            b=recs_b,
            repeats=repeats,
            settings=settings,
        )  # fmt: skip
        for sid, metric in _metrics(b.results)
    ]
    adjust(rows, settings)
    verdict, reasons = overall(rows, settings)
    return RunDiff(
        a, b, len(common), len(set(cases_a) - set(cases_b)), len(set(cases_b) - set(cases_a)),
        rows, verdict, reasons, _changed(common, cases_a, cases_b),
    )  # fmt: skip


def _changed(
    keys: Sequence[str], a: Mapping[str, Mapping[str, Any]], b: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in CHANGES}
    for key in keys:
        sa, sb = str(a[key]["status"]), str(b[key]["status"])
        if sa == sb:
            continue
        good = ("pass",)
        kind = (
            "newly_failing" if sa in good and sb not in good
            else "newly_passing" if sb in good and sa not in good
            else "other"
        )  # fmt: skip
        shares_a = a[key].get("scorer_pass_shares") or {}
        shares_b = b[key].get("scorer_pass_shares") or {}
        moved = {
            sid: [shares_a.get(sid), shares_b.get(sid)]
            for sid in sorted(set(shares_a) | set(shares_b))
            if shares_a.get(sid) != shares_b.get(sid)
        }
        out[kind].append({"key": key, "a": sa, "b": sb, "scorers": moved})
    return out
