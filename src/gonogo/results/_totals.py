"""Run totals: cases, target errors, cost (known costs only, unknowns counted), latency, tokens."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ._records import CaseGroup, is_target_error, known_float


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (``q`` in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _sum_or_none(values: list[float]) -> float | None:
    return sum(values) if values else None


def totals(
    groups: Sequence[CaseGroup], cases: Sequence[dict[str, Any]], budget_per_1k: float | None
) -> dict[str, Any]:
    """The ``totals`` object of results.json."""
    records = [r for g in groups for r in g.records]
    error_kinds: Counter[str] = Counter()
    costs: list[float] = []
    spent: list[float] = []
    judge: list[float] = []
    latencies: list[float] = []
    in_tok = out_tok = tok_unknown = cached = 0
    for rec in records:
        if is_target_error(rec):
            error_kinds[str(rec.get("error_kind") or "error")] += 1
        cost = known_float(rec.get("cost_usd"))
        if cost is not None:
            costs.append(cost)
            if not rec.get("cached"):
                spent.append(cost)
        cached += bool(rec.get("cached"))
        jc = known_float(rec.get("judge_cost_usd"))
        if jc is not None:
            judge.append(jc)
        lat = known_float(rec.get("latency_s"))
        if lat is not None:
            latencies.append(lat)
        i, o = rec.get("input_tokens"), rec.get("output_tokens")
        if isinstance(i, int) and isinstance(o, int):
            in_tok, out_tok = in_tok + i, out_tok + o
        else:
            tok_unknown += 1
    per_1k = 1000 * sum(costs) / len(costs) if costs else None
    statuses = Counter(c["status"] for c in cases)
    return {
        "n_cases": len(groups),
        "n_cases_run": sum(1 for g in groups if g.records),
        "n_samples": len(records),
        "cases_by_status": dict(sorted(statuses.items())),
        "n_flaky_cases": sum(1 for c in cases if c["flaky"]),
        "n_target_errors": sum(error_kinds.values()),
        "target_errors_by_kind": dict(sorted(error_kinds.items())),
        "cost_usd": _sum_or_none(costs),
        "cost_known_samples": len(costs),
        "cost_unknown_samples": len(records) - len(costs),
        "spent_usd": _sum_or_none(spent),
        "cached_samples": cached,
        "judge_cost_usd": _sum_or_none(judge),
        "cost_per_1k_requests_usd": per_1k,
        "budget_per_1k_requests_usd": budget_per_1k,
        "within_budget": None
        if per_1k is None or budget_per_1k is None
        else per_1k <= budget_per_1k,
        "latency_s": {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": max(latencies) if latencies else None,
            "mean": sum(latencies) / len(latencies) if latencies else None,
        },
        "tokens": {"input": in_tok, "output": out_tok, "unknown_samples": tok_unknown},
    }
