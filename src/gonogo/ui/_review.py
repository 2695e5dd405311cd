"""Human review: queues built by rules, calibration of the automated scorers, export.

Queues (per PRD):

- ``disagree`` — eval samples of the latest finished run where an LLM judge (a ``rubric``
  scorer) and an offline scorer (a gated one, when any is) gave opposite verdicts;
- ``flaky`` — samples of cases that pass only sometimes;
- ``passes`` — a random sample of passing samples, to catch false passes;
- ``flagged`` — production traces rated down (rating < 0.5) or acted on by a guard;
- ``production`` — a uniform random sample of production traces of the last 7 days.

An item copies what the reviewer needs (input, contexts, output, expected, every automated
score) so it stays reviewable whatever happens to the run or trace later.

Calibration compares, item by item, the people's verdict (the majority of its labels; a tie
is left out) with each automated scorer's: accuracy with a Wilson interval and Cohen's
kappa with a bootstrap interval (:func:`gonogo.stats.cohen_kappa`), and the reviewers with
each other on items two people labelled.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..data._append import case_key
from ..stats import cohen_kappa
from ..store.gateway import ReviewItem, ReviewLabel, TraceFilter
from ..store.gateway._queries import ACTED

if TYPE_CHECKING:
    from ..store import AnyRunStore, RunSummary
    from ..store.gateway import FeedbackRecord, GatewayStore, TraceRecord
    from ._workspace import Feature

RULES: dict[str, str] = {
    "disagree": "eval samples where the LLM judge and an offline scorer disagree",
    "flaky": "eval samples of cases that pass only sometimes",
    "passes": "a random sample of passing eval samples (false passes)",
    "flagged": "production traces rated down or acted on by a guard",
    "production": "a uniform random sample of production traces (last 7 days)",
}
JUDGE_KINDS = frozenset({"rubric"})
MAX_PER_BUILD = 200


def item_id(prd_key: str, queue: str, ref: str) -> str:
    """The same item built twice has the same id."""
    return "ri_" + hashlib.sha256(f"{prd_key}\x00{queue}\x00{ref}".encode()).hexdigest()[:16]


def _scores(sample: dict[str, Any]) -> dict[str, Any]:
    return {sid: {"value": s.get("value"), "passed": s.get("passed"), "reason": s.get("reason")}
            for sid, s in (sample.get("scores") or {}).items()}  # fmt: skip


def _eval_item(f: Feature, queue: str, run: RunSummary, case: dict[str, Any],
               sample: dict[str, Any], wanted: int, why: str) -> ReviewItem:  # fmt: skip
    ref = f"{run.id}/{case['key']}#{sample.get('sample', 0)}"
    payload = {
        "title": f"{case['key']} · sample {sample.get('sample', 0)}", "why": why,
        "run_id": run.id, "case_key": case["key"],
        "sample": sample.get("sample", 0), "dataset": case.get("dataset"),
        "case_id": case.get("id"), "tags": case.get("tags") or [],
        "input": case.get("inputs"), "contexts": sample.get("contexts") or case.get("contexts"),
        "output": sample.get("output"), "expected": case.get("expected"),
        "error": sample.get("error"), "scores": _scores(sample),
    }  # fmt: skip
    return ReviewItem(item_id(f.key, queue, ref), queue, f.key, "eval", ref, time.time(),
                      wanted, payload)  # fmt: skip


def _trace_input(t: TraceRecord) -> Any:
    variables = t.inputs.get("variables")
    if isinstance(variables, dict) and variables:
        return variables
    return t.inputs


def feedback_view(rows: Iterable[FeedbackRecord]) -> list[dict[str, Any]]:
    """End users' ratings of a trace as a reviewer sees them: thumbs, comment, correction."""
    return [{"rating": fb.rating, "thumbs": thumbs(fb.rating), "comment": fb.comment,
             "correction": fb.correction, "at": fb.created_at} for fb in rows]  # fmt: skip


def thumbs(rating: float) -> str:
    """``thumbs down`` (0), ``thumbs up`` (1), or the rating on its 0..1 scale."""
    if rating == 0:
        return "thumbs down"
    if rating == 1:
        return "thumbs up"
    return f"rated {rating:.2f} ({'down' if rating < 0.5 else 'up'})"


def _trace_item(f: Feature, queue: str, t: TraceRecord, scores: dict[str, Any], wanted: int,
                why: str, feedback: list[dict[str, Any]] | None = None) -> ReviewItem:  # fmt: skip
    guard_scores = {
        f"guard:{g.get('name')}": {"value": None, "passed": g.get("outcome") not in ACTED,
                                   "reason": str(g.get("outcome"))}
        for g in t.guards or []
    }  # fmt: skip
    payload = {
        "title": f"trace {t.id}", "why": why, "trace_id": t.id, "prompt": t.prompt_name,
        "prompt_version": t.prompt_version, "model": t.model, "path": t.path,
        "input": _trace_input(t), "contexts": t.contexts or None, "output": t.output,
        "expected": None, "error": t.error, "feedback": feedback or [],
        "scores": {**{sid: {"value": s.get("value"), "passed": s.get("passed"),
                            "reason": s.get("reason")} for sid, s in scores.items()},
                   **guard_scores},
    }  # fmt: skip
    return ReviewItem(item_id(f.key, queue, t.id), queue, f.key, "trace", t.id, time.time(),
                      wanted, payload)  # fmt: skip


def latest_finished(store: AnyRunStore | None, f: Feature) -> RunSummary | None:
    """The newest finished run of a PRD (full runs before subsets)."""
    if store is None:
        return None
    runs = [r for r in store.run_summaries(f.key, limit=50) if r.summary is not None]
    full = [r for r in runs if not r.meta.get("subset")]
    chosen = full or runs
    return chosen[0] if chosen else None


def _all_cases(store: AnyRunStore, run_id: str) -> Iterable[dict[str, Any]]:
    offset = 0
    while True:
        page, _ = store.run_cases(run_id, offset=offset, limit=1000)
        if not page:
            return
        yield from page
        offset += len(page)


def eval_items(
    f: Feature, rule: str, store: AnyRunStore | None, wanted: int, n: int
) -> list[ReviewItem]:
    """Items of an eval rule from the PRD's latest finished run."""
    run = latest_finished(store, f)
    if run is None or store is None:
        return []
    summary = run.summary or {}
    kinds = {s["id"]: s.get("kind") for s in summary.get("scorers") or []}
    gated = {t["scorer"] for t in summary.get("thresholds") or []}
    judges = [sid for sid, k in kinds.items() if k in JUDGE_KINDS]
    offline = [sid for sid, k in kinds.items() if k not in JUDGE_KINDS]
    offline = [sid for sid in offline if sid in gated] or offline  # the verdicts that matter
    out: list[ReviewItem] = []
    passing: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for case in _all_cases(store, run.id):
        for sample in case.get("samples") or []:
            if rule == "disagree":
                why = _disagreement(sample, judges, offline)
                if why:
                    out.append(_eval_item(f, rule, run, case, sample, wanted, why))
            elif rule == "flaky" and case.get("flaky"):
                why = f"case passes {case.get('pass_share') or 0:.0%} of its samples"
                out.append(_eval_item(f, rule, run, case, sample, wanted, why))
            elif rule == "passes" and sample.get("status") == "pass":
                passing.append((case, sample))
        if len(out) >= n:
            break
    if rule == "passes":
        rng = random.Random(run.id)
        picked = rng.sample(passing, min(n, len(passing)))
        out = [_eval_item(f, rule, run, c, s, wanted, "passed every gated scorer")
               for c, s in picked]  # fmt: skip
    return out[:n]


def _disagreement(sample: dict[str, Any], judges: Sequence[str], offline: Sequence[str]) -> str:
    scores = sample.get("scores") or {}
    for j in judges:
        pj = (scores.get(j) or {}).get("passed")
        if pj is None:
            continue
        for o in offline:
            po = (scores.get(o) or {}).get("passed")
            if po is not None and po != pj:
                return f"judge {j} says {'pass' if pj else 'fail'}, {o} says " + (
                    "pass" if po else "fail"
                )
    return ""


async def trace_items(
    f: Feature, rule: str, store: GatewayStore, wanted: int, n: int
) -> list[ReviewItem]:
    """Items of a production rule from the gateway's traces."""
    now = time.time()
    prompt = f.prompt_name
    picked: list[tuple[TraceRecord, str]] = []
    if rule == "flagged":
        seen: set[str] = set()
        month = now - 30 * 86400
        for where, why in (
            (TraceFilter(prompt_name=prompt, feedback="down", since=month), "rated down"),
            (TraceFilter(prompt_name=prompt, guard="any", since=month), "a guard acted"),
        ):
            rows, _ = await store.search_traces(where, limit=n)
            for t in rows:
                if t.id not in seen:
                    seen.add(t.id)
                    picked.append((t, why))
    else:
        rows = await store.list_traces(since=now - 7 * 86400, prompt_name=prompt, limit=5000)
        rng = random.Random(f"{f.key}:{int(now // 86400)}")
        picked = [(t, "uniform sample of production") for t in rng.sample(rows, min(n, len(rows)))]
    picked = picked[:n]
    scores = await store.trace_scores([t.id for t, _ in picked])
    items = []
    for t, why in picked:  # the end user's own words travel with the item
        feedback = feedback_view(await store.trace_feedback(t.id))
        items.append(_trace_item(f, rule, t, scores.get(t.id, {}), wanted, why, feedback))
    return items


async def build_queue(
    f: Feature, rule: str, runs: AnyRunStore | None, store: GatewayStore, *, wanted: int = 1,
    n: int = 50,
) -> int:  # fmt: skip
    """Add a rule's items to its queue; returns how many were new."""
    n = max(1, min(n, MAX_PER_BUILD))
    if rule in ("disagree", "flaky", "passes"):
        items = eval_items(f, rule, runs, wanted, n)
    elif rule in ("flagged", "production"):
        items = await trace_items(f, rule, store, wanted, n)
    else:
        raise ValueError(rule)
    return await store.add_review_items(items)


# -- calibration --------------------------------------------------------------------------
def consensus(labels: Sequence[ReviewLabel]) -> str | None:
    """The majority verdict of an item's labels (skips aside); None on a tie or none."""
    counts = Counter(lb.verdict for lb in labels if lb.verdict != "skip")
    if not counts:
        return None
    top = counts.most_common(2)
    if len(top) == 2 and top[0][1] == top[1][1]:
        return None
    return top[0][0]


def calibration(labelled: Sequence[tuple[ReviewItem, list[ReviewLabel]]]) -> dict[str, Any]:
    """Per automated scorer: agreement with people; and people with each other."""
    per_scorer: dict[str, list[tuple[str, str, ReviewItem]]] = {}
    reviewer_pairs: list[tuple[str, str]] = []
    n_items = 0
    for item, labels in labelled:
        human = consensus(labels)
        real = sorted((lb for lb in labels if lb.verdict != "skip"), key=lambda lb: lb.created_at)
        if len(real) >= 2:
            reviewer_pairs.append((real[0].verdict, real[1].verdict))
        if human is None:
            continue
        n_items += 1
        for sid, s in (item.payload.get("scores") or {}).items():
            passed = s.get("passed") if isinstance(s, dict) else None
            if passed is None:
                continue
            per_scorer.setdefault(sid, []).append((human, "pass" if passed else "fail", item))
    scorers = []
    for sid, rows in sorted(per_scorer.items()):
        est = cohen_kappa([(h, m) for h, m, _ in rows])
        disagreements = [(it, h, m) for h, m, it in rows if h != m]
        scorers.append({"id": sid, "est": est, "disagreements": disagreements[:50],
                        "n_disagree": len(disagreements)})  # fmt: skip
    return {"scorers": scorers, "reviewers": cohen_kappa(reviewer_pairs), "n_items": n_items,
            "n_labelled": len(labelled)}  # fmt: skip


def export_rows(labelled: Sequence[tuple[ReviewItem, list[ReviewLabel]]]) -> list[dict[str, Any]]:
    """Reviewed items as golden-dataset rows, with who judged what (``gonogo dataset add``)."""
    rows = []
    for item, labels in labelled:
        verdict = consensus(labels)
        if verdict is None:
            continue
        p = item.payload
        inputs = p.get("input") if isinstance(p.get("input"), dict) else {"input": p.get("input")}
        expected = p.get("expected")
        if expected is None and verdict == "pass" and p.get("output") is not None:
            expected = p.get("output")  # people judged this output right: it is the answer
        contexts = p.get("contexts") or None
        row: dict[str, Any] = {
            "id": f"review-{item.id[3:]}",
            "input": inputs,
            "tags": ["source:review", f"queue:{item.queue}", f"human:{verdict}"],
            "metadata": {
                "trace_id": p.get("trace_id"),
                "review": {"item": item.id, "queue": item.queue, "ref": item.ref,
                           "source": item.source, "output": p.get("output"),
                           "user_feedback": p.get("feedback") or [],
                           "labels": [{"reviewer": lb.reviewer, "verdict": lb.verdict,
                                       "grade": lb.grade, "comment": lb.comment,
                                       "at": lb.created_at} for lb in labels]},
                "content_hash": case_key(inputs, contexts, expected),
            },
        }  # fmt: skip
        if expected is not None:
            row["expected"] = expected
        if contexts:
            row["contexts"] = list(contexts)
        rows.append(row)
    return rows
