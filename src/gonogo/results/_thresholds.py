"""Thresholds: gate each scorer's estimate and say, in one sentence, why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..stats import about, cases_needed, cases_needed_mean, evaluate_threshold

Metric = Literal["pass_rate", "mean"]

_LABEL: dict[str, str] = {"pass_rate": "pass rate", "mean": "mean score"}
_PERFECT_NOTE = (
    "a target of 1 allows no failure and no interval can reach 1, "
    "so this threshold gates on the point estimate"
)


def _digits(values: list[float], target: float) -> int:
    """Fewest decimals (2 to 4) at which no shown value looks equal to the target."""
    for d in (2, 3, 4):
        if all(abs(v - target) < 1e-12 or round(v, d) != round(target, d) for v in values):
            return d
    return 4


def _needed(
    metric: Metric,
    est: float,
    ci: list[float] | None,
    target: float,
    scorer: Mapping[str, Any],
    confidence: float,
) -> int | None:
    """More cases that would decide, when the interval still contains the target."""
    if ci is None or not (ci[0] < target <= ci[1]):
        return None
    n_cases = int(scorer["n_cases_evaluated"])
    if metric == "pass_rate":
        per_case = float(scorer["n_eff"]) / n_cases if n_cases else 1.0
        return cases_needed(est, target, confidence, n_cases, units_per_case=per_case)
    return cases_needed_mean(est, ci[0], ci[1], target, n_cases)


def _message(
    metric: Metric,
    status: str,
    est: float,
    ci: list[float] | None,
    target: float,
    gate_on: str,
    needed: int | None,
) -> str:
    d = _digits([est, *(ci or [])], target)
    shown = f"{_LABEL[metric]} {est:.{d}f}"
    shown += f" [{ci[0]:.{d}f}, {ci[1]:.{d}f}]" if ci else " (no interval: fewer than 2 cases)"
    tgt = f"{target:g}"
    more = f"about {about(needed)} more cases" if needed else None
    if status == "pass":
        why = f"lower bound clears {tgt}" if gate_on == "lower_bound" else f"meets {tgt}"
    elif status == "undecided":
        why = f"lower bound below {tgt}" + (f"; {more} would decide" if more else "")
    elif more:
        why = f"below {tgt}, though the interval still includes it; {more} would confirm"
    else:
        why = f"below {tgt}"
    return f"{shown} — {why}"


def evaluate_thresholds(
    thresholds: list[Any],
    plan_gate_on: str,
    scorers: Mapping[str, Mapping[str, Any]],
    confidence: float,
) -> list[dict[str, Any]]:
    """The ``thresholds[]`` entries: one per (threshold, metric) bar in the eval plan."""
    out: list[dict[str, Any]] = []
    for index, t in enumerate(thresholds):
        bars: list[tuple[Metric, float | None]] = [
            ("pass_rate", t.min_pass_rate),
            ("mean", t.min_mean),
        ]
        for metric, target in bars:
            if target is None:
                continue
            gate_on = t.gate_on or plan_gate_on
            entry = _one(index, t.scorer, metric, float(target), gate_on, scorers, confidence)
            out.append(entry)
    return out


def _one(
    index: int,
    scorer_id: str,
    metric: Metric,
    target: float,
    gate_on: str,
    scorers: Mapping[str, Mapping[str, Any]],
    confidence: float,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "index": index,
        "scorer": scorer_id,
        "metric": metric,
        "target": target,
        "gate_on": gate_on,
        "gate_note": None,
        "confidence": confidence,
        "estimate": None,
        "ci": None,
        "n_cases": 0,
        "n_samples": 0,
        "status": "not_evaluated",
        "passed": False,
        "cases_needed_more": None,
        "message": "",
    }
    scorer = scorers.get(scorer_id)
    if scorer is None:
        entry["message"] = f"not evaluated: the eval plan has no scorer `{scorer_id}`"
        return entry
    est = scorer["pass_rate"] if metric == "pass_rate" else scorer["mean"]
    ci = scorer["pass_ci"] if metric == "pass_rate" else scorer["mean_ci"]
    entry["n_cases"] = scorer["n_cases_evaluated"]
    entry["n_samples"] = scorer["n_evaluated"] if metric == "pass_rate" else scorer["n_values"]
    if est is None:
        why = scorer.get("not_evaluated_reason") or "no evaluated samples"
        entry["message"] = f"not evaluated: {why.removeprefix('not evaluated: ')}"
        return entry
    if metric == "pass_rate" and gate_on == "lower_bound" and target >= 1:
        gate_on = "point"
        entry["gate_on"], entry["gate_note"] = gate_on, _PERFECT_NOTE
    lo, hi = (ci[0], ci[1]) if ci else (None, None)
    status = evaluate_threshold(
        est, lo, hi, target, "point" if gate_on == "point" else "lower_bound"
    )
    needed = _needed(metric, est, ci, target, scorer, confidence)
    entry.update(
        estimate=est,
        ci=ci,
        status=status,
        passed=status == "pass",
        cases_needed_more=needed,
        message=_message(metric, status, est, ci, target, gate_on, needed),
    )
    return entry
