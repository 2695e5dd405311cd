"""Windows of production traffic and the alerts they raise.

A window is an hour (or a day) of traces of one prompt version and model: each scorer's pass
rate with a Wilson interval, the feedback rate and the share rated down, the share served by
a fallback, each guard's firing rate, error share, p50/p95 latency and cost per 1,000
requests.

Two alert rules, on the scorers the PRD's thresholds gate:

- **below the bar**: the window's pass rate is clearly under the threshold — the upper bound
  of its interval is below ``min_pass_rate``;
- **drop from baseline**: the pass rate fell from the launch baseline (the latest GO eval's
  estimate, else the monitor's own history) by more than chance, by an exact one-sided
  binomial test at ``alpha / looks`` — Bonferroni over every look of a 30-day horizon (one
  per window and scorer), so a stable stream raises a false alarm in 30 days with
  probability at most ``alpha`` (measured by simulation in tests and docs/monitor.md).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..stats import wilson_interval

WINDOW_S = {"hour": 3600, "day": 86400}
HORIZON_S = 30 * 86400


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def is_rejected(r: Mapping[str, Any]) -> bool:
    """A request the gateway refused before any model call: nothing to score.

    A 4xx the gateway answered itself (a bad request, an unknown prompt, an input guard's
    block, a spent budget): the monitor records it with no scores at all (``None``; an
    errored call that reached a model has ``{}``). Such requests form no window of quality.
    """
    status = r.get("http_status") or 0
    return r.get("status") == "scored" and r.get("scores") is None and 400 <= status < 500


def rejected_summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The requests refused before any model call: how many, by HTTP status and guard."""
    refused = [r for r in rows if is_rejected(r)]
    by_status: Counter[str] = Counter(str(r["http_status"]) for r in refused)
    guards: Counter[str] = Counter(
        str(g.get("name")) for r in refused for g in r["guards"] or []
        if g.get("outcome") in ("block", "replace", "flag", "redact")
    )  # fmt: skip
    return {"traces": len(refused), "by_status": dict(sorted(by_status.items())),
            "guards": dict(guards)}  # fmt: skip


def windows(rows: Sequence[Mapping[str, Any]], size: str = "hour") -> list[dict[str, Any]]:
    """The monitor's handled traces grouped into windows (oldest first).

    Requests refused before any model call (:func:`is_rejected`) are left out: they are no
    traffic to score (:func:`rejected_summary` counts them).
    """
    width = WINDOW_S[size]
    groups: dict[tuple[float, Any, Any, Any], list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        if is_rejected(r):
            continue
        start = float(math.floor(float(r["started_at"]) / width) * width)
        groups[(start, r["prompt_name"], r["prompt_version"], r["model"])].append(r)
    out = []
    for (start, name, version, model), rs in sorted(groups.items(), key=lambda kv: kv[0][0]):
        out.append(_window(start, width, name, version, model, rs))
    return out


def _window(start: float, width: int, name: Any, version: Any, model: Any,
            rs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:  # fmt: skip
    scored = [r for r in rs if r["status"] == "scored"]
    errors = [r for r in scored if r["error"] or (r["http_status"] or 0) >= 400]
    passes: Counter[str] = Counter()
    evaluated: Counter[str] = Counter()
    for r in scored:
        for sid, s in (r["scores"] or {}).items():
            if s.get("passed") is not None:
                evaluated[sid] += 1
                passes[sid] += bool(s["passed"])
    scorers = {}
    for sid, n in evaluated.items():
        lo, hi = wilson_interval(passes[sid], n)
        scorers[sid] = {"n": n, "passes": passes[sid], "rate": passes[sid] / n, "ci": [lo, hi]}
    guards: Counter[str] = Counter()
    for r in rs:
        for g in r["guards"] or []:
            if g.get("outcome") in ("block", "replace", "flag", "redact"):
                guards[str(g.get("name"))] += 1
    rated = [r["rating"] for r in rs if r["rating"] is not None]
    latencies = [float(r["latency_ms"]) for r in rs]
    costs = [float(r["cost_usd"]) for r in rs if r["cost_usd"] is not None]
    n = len(rs)
    return {
        "start": start, "end": start + width, "prompt_name": name, "prompt_version": version,
        "model": model, "traces": n, "scored": len(scored), "errors": len(errors),
        "scorers": scorers,
        "feedback_rate": len(rated) / n if n else None,
        "rated_down": sum(1 for x in rated if x < 0.5) / len(rated) if rated else None,
        "fallback_share": sum(1 for r in rs if r["path"] != "primary") / n if n else None,
        "guard_rates": {g: c / n for g, c in guards.items()},
        "latency_ms": {"p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95)},
        "cost_per_1k_usd": 1000 * sum(costs) / len(costs) if costs else None,
    }  # fmt: skip


@dataclass(frozen=True)
class AlertRule:
    """The alert rule: the bars, the baseline, and the false-alarm budget."""

    bars: Mapping[str, float]  # scorer -> min_pass_rate (gated scorers)
    baseline: Mapping[str, float]  # scorer -> baseline pass rate
    alpha: float = 0.05
    window_s: int = 3600
    min_n: int = 20  # a window with fewer evaluated traces raises no drop alert

    @property
    def looks(self) -> int:
        """Looks in the 30-day horizon: one per window and gated scorer."""
        return max(1, (HORIZON_S // self.window_s) * max(1, len(self.bars)))

    @property
    def alpha_per_look(self) -> float:
        return self.alpha / self.looks


def history_baseline(
    older: Sequence[Mapping[str, Any]], bars: Mapping[str, float], min_n: int = 200
) -> dict[str, float]:
    """Each gated scorer's pooled pass rate over the older windows (no GO eval baseline).

    Only where at least ``min_n`` traces were evaluated, so the baseline's own noise is small
    beside a window's.
    """
    passes: Counter[str] = Counter()
    n: Counter[str] = Counter()
    for w in older:
        for sid in bars:
            s = w["scorers"].get(sid)
            if s is not None:
                passes[sid] += s["passes"]
                n[sid] += s["n"]
    return {sid: passes[sid] / n[sid] for sid in bars if n[sid] >= min_n}


def drop_p_value(passes: int, n: int, baseline: float) -> float:
    """P(X <= passes) for X ~ Binomial(n, baseline): one-sided exact test of a drop."""
    from scipy.stats import binom

    return float(binom.cdf(passes, n, baseline))


def alerts(wins: Sequence[Mapping[str, Any]], rule: AlertRule) -> list[dict[str, Any]]:
    """Every alert the windows raise, with the evidence (counts, interval, p-value)."""
    out = []
    for w in wins:
        for sid, bar in rule.bars.items():
            s = w["scorers"].get(sid)
            if s is None:
                continue
            where = {
                "window_start": w["start"], "prompt_name": w["prompt_name"],
                "prompt_version": w["prompt_version"], "model": w["model"], "scorer": sid,
                "passes": s["passes"], "n": s["n"], "rate": s["rate"], "ci": s["ci"],
            }  # fmt: skip
            if s["ci"][1] < bar:
                out.append({**where, "kind": "below_bar", "bar": bar,
                            "message": f"{sid}: {s['rate']:.1%} pass (95% CI up to "
                            f"{s['ci'][1]:.1%}) — under the bar {bar:g}"})  # fmt: skip
            base = rule.baseline.get(sid)
            if base is not None and s["n"] >= rule.min_n:
                p = drop_p_value(s["passes"], s["n"], base)
                if p < rule.alpha_per_look:
                    out.append({**where, "kind": "drop", "baseline": base, "p_value": p,
                                "message": f"{sid}: {s['rate']:.1%} pass vs baseline {base:.1%} "
                                f"(p = {p:.2g} < {rule.alpha_per_look:.2g})"})  # fmt: skip
    return out


def requests_to_detect(baseline: float, drop: float, rule: AlertRule, power: float = 0.8) -> int:
    """Evaluated requests in one window for the drop rule to catch a ``drop`` with ``power``."""
    from scipy.stats import binom

    p1 = baseline - drop
    for n in range(rule.min_n, 100_000):
        # the largest pass count that still alarms, then the chance of at most that under p1
        k = int(binom.ppf(rule.alpha_per_look, n, baseline))
        while k >= 0 and binom.cdf(k, n, baseline) >= rule.alpha_per_look:
            k -= 1
        if k >= 0 and binom.cdf(k, n, p1) >= power:
            return n
    raise ValueError("not detectable within 100,000 requests")
