"""comparison.json: the versioned document every comparison report is rendered from.

Schema ``gonogo.comparison`` version 1, published as ``comparison.schema.json`` next to
this module and documented in docs/results-schema.md. Plain JSON data: no NaN, unknown
values are null.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..data import Case
from ..results._scorers import value_range
from ..stats import VERDICT_LABELS
from ._preference import Judgement
from ._stats import ByCase, ScorerComparison, paired_values

SCHEMA = "gonogo.comparison"
SCHEMA_VERSION = 1

Pair = tuple[Case, int, Mapping[str, Any], Mapping[str, Any]]


def sample_pairs(cases: Sequence[Case], a: ByCase, b: ByCase) -> list[Pair]:
    """(case, sample, record A, record B) for every sample both variants have."""
    out: list[Pair] = []
    for case in cases:
        sa, sb = a.get(case.key, {}), b.get(case.key, {})
        out.extend((case, s, sa[s], sb[s]) for s in sorted(set(sa) & set(sb)))
    return out


def _text(rec: Mapping[str, Any]) -> str | None:
    if rec.get("error") or rec.get("output") is None:
        return None
    out = rec["output"]
    if isinstance(out, str):
        return out
    import json

    return json.dumps(out, ensure_ascii=False, sort_keys=True)


async def similarities(pairs: Sequence[Pair]) -> list[float | None]:
    """Cosine similarity of A's and B's output per pair (local MiniLM); None for errors."""
    texts = [(_text(ra), _text(rb)) for _, _, ra, rb in pairs]
    todo = sorted({t for ta, tb in texts if ta != tb for t in (ta, tb) if t})
    vectors: dict[str, Any] = {}
    if todo:
        from ..embeddings import get_embedder

        embedder = get_embedder()
        matrix = await asyncio.to_thread(embedder.embed, todo)
        vectors = dict(zip(todo, matrix, strict=True))
    out: list[float | None] = []
    for ta, tb in texts:
        if ta is None or tb is None:
            out.append(None)
        elif ta == tb:
            out.append(1.0)
        elif not ta.strip() or not tb.strip():
            out.append(0.0)
        else:
            cos = float(vectors[ta] @ vectors[tb])
            out.append(round(min(1.0, max(-1.0, cos)), 6))
    return out


def _score_view(score: Mapping[str, Any]) -> dict[str, Any]:
    return {k: score.get(k) for k in ("value", "passed", "reason", "error")}


def _side(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "output": rec.get("output"),
        "error": rec.get("error"),
        "error_kind": rec.get("error_kind"),
        "latency_s": rec.get("latency_s"),
        "cost_usd": rec.get("cost_usd"),
        "cached": bool(rec.get("cached")),
        "scores": {k: _score_view(v) for k, v in (rec.get("scores") or {}).items()},
    }


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _winner(judged: Sequence[Judgement]) -> str | None:
    picks = [j.winner for j in judged if j.winner is not None]
    if not picks:
        return None
    a, b = picks.count("a"), picks.count("b")
    return "a" if a > b else "b" if b > a else "tie"


def case_entries(
    cases: Sequence[Case],
    a: ByCase,
    b: ByCase,
    rows: Sequence[ScorerComparison],
    specs: Mapping[str, Any],
    pairs: Sequence[Pair],
    sims: Sequence[float | None],
    judged: Sequence[Judgement] | None,
) -> list[dict[str, Any]]:
    """One entry per case: both sides of each sample, similarity, score changes, preference."""
    per_case: dict[str, dict[str, dict[str, float]]] = {c.key: {} for c in cases}
    for row in rows:
        if row.id == "preference" or row.test is None:
            continue
        spec = specs.get(row.id)
        floor = 0.0 if spec is None else _floor(spec)
        xs, ys, keys, _ = paired_values(row.id, row.metric, floor, cases, a, b)
        span = _span(spec, [*xs, *ys]) if row.metric == "mean" else 1.0
        for key, x, y in zip(keys, xs, ys, strict=True):
            per_case[key][row.id] = {"a": x, "b": y, "change": min(1.0, abs(y - x) / span)}
    samples: dict[str, list[dict[str, Any]]] = {c.key: [] for c in cases}
    judged_by_case: dict[str, list[Judgement]] = {c.key: [] for c in cases}
    for i, (case, s, ra, rb) in enumerate(pairs):
        j = judged[i] if judged is not None else None
        if j is not None:
            judged_by_case[case.key].append(j)
        samples[case.key].append(
            {
                "sample": s,
                "similarity": sims[i],
                "a": _side(ra),
                "b": _side(rb),
                "preference": None if j is None else j.to_dict(),
            }
        )
    out = []
    for case in cases:
        scores = per_case[case.key]
        sim = _mean([x["similarity"] for x in samples[case.key] if x["similarity"] is not None])
        score_change = _mean([v["change"] for v in scores.values()])
        out.append(
            {
                "key": case.key,
                "id": case.id,
                "dataset": case.dataset,
                "inputs": case.inputs,
                "expected": case.expected,
                "tags": case.tags,
                "semantic_similarity": sim,
                "score_change": score_change,
                "change": _change(score_change, sim),
                "preference": _winner(judged_by_case[case.key]) if judged is not None else None,
                "scores": scores,
                "samples": samples[case.key],
            }
        )
    return out


def _floor(spec: Any) -> float:
    from ..results._scorers import value_floor

    return value_floor(spec)


def _span(spec: Any, values: Sequence[float]) -> float:
    scale = value_range(spec, values)
    if scale is not None and scale[1] > scale[0]:
        return scale[1] - scale[0]
    return max(1.0, max(values, default=1.0) - min(values, default=0.0))


def _change(score_change: float | None, similarity: float | None) -> float:
    """How much a case changed, for sorting: score change first, then meaning (0..2)."""
    distance = 0.0 if similarity is None else max(0.0, 1.0 - similarity)
    return round((score_change or 0.0) + min(1.0, distance), 6)


def variant_entry(run: Any) -> dict[str, Any]:
    """The ``variants.a`` / ``variants.b`` object: what ran, its run id, cost and latency."""
    v, res = run.variant, run.results or {}
    tot = res.get("totals") or {}
    lat = tot.get("latency_s") or {}
    return {
        "name": v.name,
        "label": v.label,
        "description": v.description,
        "overrides": v.overrides,
        "target": run.suite.target.name,
        "run_id": run.run_id,
        "status": (res.get("run") or {}).get("status", run.meta.get("status")),
        "resumed_samples": run.resumed,
        "executed_samples": run.executed,
        "n_samples": tot.get("n_samples", 0),
        "n_target_errors": tot.get("n_target_errors", 0),
        "scorers": {
            s["id"]: {"pass_rate": s["pass_rate"], "mean": s["mean"]}
            for s in res.get("scorers") or []
        },
        "cost": {
            "total_usd": tot.get("cost_usd"),
            "per_1k_requests_usd": tot.get("cost_per_1k_requests_usd"),
            "unknown_samples": tot.get("cost_unknown_samples", 0),
            "judge_usd": tot.get("judge_cost_usd"),
        },
        "latency_s": {k: lat.get(k) for k in ("p50", "p95", "mean")},
        "tokens": tot.get("tokens") or {"input": 0, "output": 0, "unknown_samples": 0},
    }


def similarity_summary(sims: Sequence[float | None]) -> dict[str, Any]:
    """Mean, median and minimum similarity of A's and B's outputs, and identical pairs."""
    known = sorted(s for s in sims if s is not None)
    median = None
    if known:
        mid = len(known) // 2
        median = known[mid] if len(known) % 2 else (known[mid - 1] + known[mid]) / 2
    from ..embeddings import MODEL_ID

    return {
        "model": MODEL_ID,
        "n_pairs": len(known),
        "mean": _mean(known),
        "median": median,
        "min": known[0] if known else None,
        "identical_pairs": sum(1 for s in known if s >= 1.0),
    }


def preference_summary(
    judged: Sequence[Judgement] | None, model: str | None, fingerprint: str | None
) -> dict[str, Any] | None:
    """Counts of the judge's pairwise picks (per sample pair), and its cost."""
    if judged is None:
        return None
    costs = [j.cost_usd for j in judged if j.cost_usd is not None]
    return {
        "judge": model,
        "fingerprint": fingerprint,
        "n_pairs": len(judged),
        "b_preferred": sum(1 for j in judged if j.winner == "b"),
        "a_preferred": sum(1 for j in judged if j.winner == "a"),
        "ties": sum(1 for j in judged if j.winner == "tie"),
        "orders_disagree": sum(
            1 for j in judged if j.winner == "tie" and j.first_ab not in (None, "tie")
        ),
        "not_evaluated": sum(1 for j in judged if j.winner is None),
        "judged_pairs": sum(1 for j in judged if j.skipped is None),
        "cost_usd": sum(costs) if costs else None,
    }


def clean(value: Any) -> Any:
    """NaN and infinities → null, recursively (the document is strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def verdict_label(verdict: str) -> str:
    """``better`` → ``B better``."""
    return VERDICT_LABELS.get(verdict, verdict)
