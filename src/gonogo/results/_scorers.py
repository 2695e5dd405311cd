"""Per-scorer summaries: pass rate with its interval, mean score with its interval, histogram."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..stats import bootstrap_mean_interval, proportion_interval, wilson_interval
from ._records import CaseGroup, known_float, score_of


@dataclass(slots=True)
class _CaseTally:
    passes: int = 0
    evaluated: int = 0
    values: list[float] = field(default_factory=list)


@dataclass(slots=True)
class _ScorerTally:
    n_samples: int = 0
    not_evaluated: int = 0
    errors: int = 0
    target_errors: int = 0
    evaluated_ok: int = 0  # evaluated samples that were not target errors
    hist_values: list[float] = field(default_factory=list)
    not_eval_reasons: Counter[str] = field(default_factory=Counter)
    fingerprints: set[str] = field(default_factory=set)
    per_case: list[_CaseTally] = field(default_factory=list)


def value_range(spec: Any, values: Sequence[float]) -> tuple[float, float] | None:
    """The scale a scorer's values live on, or None when unknown.

    A rubric's grades; [0, 1] when every value is in it.
    """
    scale = getattr(spec, "scale", None)
    if getattr(spec, "kind", None) == "rubric" and isinstance(scale, str):
        m = re.match(r"\s*(\d+)\s*-\s*(\d+)", scale)
        if m:
            return (float(m.group(1)), float(m.group(2)))
    if values and all(0.0 <= v <= 1.0 for v in values):
        return (0.0, 1.0)
    return None


def value_floor(spec: Any) -> float:
    """The score a target error counts as in the mean: a rubric's lowest grade, else 0.

    Applied whatever value the runner recorded, so errors weigh the same in every run.
    """
    scale = value_range(spec, [])
    return scale[0] if scale else 0.0


def _degenerate_mean_ci(
    mean: float, n_cases: int, scale: tuple[float, float] | None, confidence: float
) -> list[float] | None:
    """Interval for a mean when every value was equal: the bootstrap gives zero width.

    On a bounded scale the mean, rescaled to [0, 1], gets a Wilson interval over cases:
    conservative (a 0/1 variable has the largest variance for its mean), and it keeps three
    perfect scores from clearing a bar by luck. Unknown scale: ``[mean, mean]``.
    """
    if scale is None or scale[1] <= scale[0]:
        return [mean, mean]
    lo_s, hi_s = scale
    share = min(1.0, max(0.0, (mean - lo_s) / (hi_s - lo_s)))
    lo, hi = wilson_interval(share * n_cases, n_cases, confidence)
    return [lo_s + lo * (hi_s - lo_s), lo_s + hi * (hi_s - lo_s)]


def _tally(scorer_id: str, groups: Sequence[CaseGroup], floor: float) -> _ScorerTally:
    t = _ScorerTally()
    for group in groups:
        ct = _CaseTally()
        for rec in group.records:
            t.n_samples += 1
            score = score_of(rec, scorer_id) or {}
            if score.get("error"):
                t.errors += 1
            meta = score.get("metadata")
            if meta and isinstance(fp := meta.get("judge_fingerprint"), str):
                t.fingerprints.add(fp)
            if rec.get("error"):  # a target error: failed, at the bottom of the scale
                t.target_errors += 1
                ct.evaluated += 1
                ct.values.append(floor)
                continue
            passed = score.get("passed")
            if passed is None:
                t.not_evaluated += 1
                t.not_eval_reasons[str(score.get("reason") or "no score recorded")] += 1
                continue
            ct.evaluated += 1
            ct.passes += bool(passed)
            value = known_float(score.get("value"))
            if value is not None:
                ct.values.append(value)
                t.hist_values.append(value)
        t.evaluated_ok += ct.evaluated
        t.per_case.append(ct)
    t.evaluated_ok -= t.target_errors
    if t.not_evaluated and not t.evaluated_ok:
        # The scorer cannot evaluate this run at all (e.g. a rubric with no judge): target
        # errors must not turn "not evaluated" into a measured pass rate of 0.
        t.per_case = [_CaseTally() for _ in t.per_case]
    return t


def histogram(values: Sequence[float], bins: int = 10) -> dict[str, list[float] | list[int]] | None:
    """Counts of values: one bin per integer for small integer scales, else ``bins`` bins."""
    if not values:
        return None
    lo, hi = min(values), max(values)
    if all(float(v).is_integer() for v in values) and hi - lo <= 20:
        edges = [lo - 0.5 + i for i in range(int(hi - lo) + 2)]
    else:
        if 0 <= lo and hi <= 1:
            lo, hi = 0.0, 1.0
        elif hi == lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = [lo + (hi - lo) * i / bins for i in range(bins + 1)]
    counts = [0] * (len(edges) - 1)
    width = edges[1] - edges[0]
    for v in values:
        i = min(len(counts) - 1, max(0, math.floor((v - edges[0]) / width)))
        counts[i] += 1
    return {"edges": [round(e, 6) for e in edges], "counts": counts}


def summarize_scorer(
    scorer_id: str,
    spec: Any,
    groups: Sequence[CaseGroup],
    confidence: float,
    *,
    description: str | None,
    seed: int,
    n_resamples: int,
) -> dict[str, Any]:
    """The ``scorers[]`` entry of results.json for one scorer.

    A scorer that evaluated no sample other than target errors, while it left others
    unevaluated, is *not evaluated* (pass_rate null): its threshold cannot pass.
    """
    t = _tally(scorer_id, groups, value_floor(spec))
    successes = [c.passes for c in t.per_case]
    trials = [c.evaluated for c in t.per_case]
    prop = proportion_interval(successes, trials, confidence)
    n_values = sum(len(c.values) for c in t.per_case)
    mean = sum(sum(c.values) for c in t.per_case) / n_values if n_values else None
    boot = bootstrap_mean_interval(
        [c.values for c in t.per_case], confidence, seed, n_resamples=n_resamples
    )
    mean_ci = list(boot) if boot is not None else None
    if boot is not None and mean is not None and boot[0] == boot[1]:
        n_cases = sum(1 for c in t.per_case if c.values)
        mean_ci = _degenerate_mean_ci(mean, n_cases, value_range(spec, t.hist_values), confidence)
    reason = t.not_eval_reasons.most_common(1)[0][0] if t.not_eval_reasons else None
    return {
        "id": scorer_id,
        "kind": getattr(spec, "kind", None),
        "description": description,
        "n_samples": t.n_samples,
        "n_evaluated": prop.n,
        "n_not_evaluated": t.not_evaluated,
        "not_evaluated_reason": reason,
        "n_errors": t.errors,
        "n_target_errors": t.target_errors,
        "n_cases_evaluated": prop.n_cases,
        "passes": prop.successes,
        "pass_rate": prop.estimate,
        "pass_ci": [prop.lo, prop.hi] if prop.estimate is not None else None,
        "n_eff": round(prop.n_eff, 3),
        "icc": None if prop.icc is None else round(prop.icc, 4),
        "mean": mean,
        "n_values": n_values,
        "mean_ci": mean_ci,
        "judge_fingerprints": sorted(t.fingerprints),
        "histogram": histogram(t.hist_values),
    }


def by_tag(
    scorer_id: str, spec: Any, groups: Sequence[CaseGroup], confidence: float
) -> dict[str, dict[str, Any]] | None:
    """The scorer's pass rate (with its interval) among the cases of each tag, or None.

    Tags are the golden cases' ``tags``; a case with several counts in each of them.
    """
    tags = sorted({tag for g in groups if g.case is not None for tag in g.case.tags})
    if not tags:
        return None
    floor = value_floor(spec)
    out: dict[str, dict[str, Any]] = {}
    for tag in tags:
        subset = [g for g in groups if g.case is not None and tag in g.case.tags]
        t = _tally(scorer_id, subset, floor)
        prop = proportion_interval(
            [c.passes for c in t.per_case], [c.evaluated for c in t.per_case], confidence
        )
        out[tag] = {
            "n_cases": len(subset),
            "n_evaluated": prop.n,
            "passes": prop.successes,
            "pass_rate": prop.estimate,
            "pass_ci": [prop.lo, prop.hi] if prop.estimate is not None else None,
        }
    return out
