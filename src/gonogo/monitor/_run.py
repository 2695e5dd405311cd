"""``monitor()``: one pass of `gonogo monitor` — claim, score, window, alert, deliver.

Traces are read incrementally: each pass claims the traces its monitor has not handled
(claims are rows in the gateway store, so a trace is won by one worker — several workers on
PostgreSQL split the stream — and a worker killed mid-batch loses only its lease), scores
the sampled ones, records every outcome in the same store, and moves the durable watermark.
A trace arriving up to ``late_s`` after later ones (replicas commit in batches) is still
picked up: each pass looks back that far behind the watermark.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._redact import add_secret
from ..spec import LoadedPRD
from ..store.gateway import open_gateway_store
from ._score import FIRED, build_monitor_scorers, must_score, sampled, score_trace
from ._windows import WINDOW_S, AlertRule, alerts, history_baseline, rejected_summary, windows

SCHEMA = "gonogo.monitor"
SCHEMA_VERSION = 1


@dataclass
class MonitorOptions:
    """How one monitor pass runs."""

    store_url: str
    name: str | None = None  # default: the PRD's path (one monitor per PRD)
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    sample_rate: float = 1.0
    batch: int = 500
    lease_s: float = 120.0
    late_s: float = 3600.0
    start_s: float = 86400.0  # first pass: traces of the last day
    window: str = "hour"
    alpha: float = 0.05
    recent_windows: int = 2  # alerts are raised on this many latest windows
    judge: bool = False
    judge_budget_usd: float = 1.0  # per pass
    judge_max: int = 500  # judged traces per pass (caps a judge whose price is unknown)
    webhook: str | None = None
    metrics_file: Path | None = None
    out_dir: Path | None = None
    record_evidence: bool = True


async def monitor(loaded: LoadedPRD, opts: MonitorOptions) -> dict[str, Any]:
    """One pass; returns the monitor document (windows, alerts, what this pass did)."""
    name = opts.name or f"prd:{loaded.key}"
    judge = _judge_client(loaded) if opts.judge else None
    scorers = build_monitor_scorers(loaded, judge)
    store = open_gateway_store(opts.store_url, base_dir=loaded.base_dir)
    await store.open()
    t0 = time.perf_counter()
    try:
        rubrics = frozenset(s.id for s in loaded.prd.eval_plan.scorers if s.kind == "rubric")
        meter = JudgeMeter(judge, opts.judge_budget_usd, opts.judge_max, rubrics)
        handled, newest = await _handle(store, name, scorers, opts, meter)
        now = time.time()
        width = WINDOW_S[opts.window]
        rows = await store.monitor_results(name, since=now - width * max(opts.recent_windows, 24))
    finally:
        await store.close()
        if judge is not None:
            await judge.aclose()
    wins = windows(rows, opts.window)
    recent_start = (now // width - opts.recent_windows + 1) * width
    bars = _bars(loaded)
    baseline, baseline_from = await _baseline(loaded), "launch eval"
    if not baseline:
        baseline, baseline_from = (
            history_baseline([w for w in wins if w["start"] < recent_start], bars),
            "monitor history",
        )
    rule = AlertRule(bars=bars, baseline=baseline, alpha=opts.alpha, window_s=width)
    raised = alerts([w for w in wins if w["start"] >= recent_start], rule)
    modes = failure_mode_rates(loaded, rows, [s.id for s in scorers])
    doc = {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "monitor": name,
        "store": getattr(store, "url", opts.store_url), "checked_at": now,
        "pass": {"handled": handled, "seconds": round(time.perf_counter() - t0, 3),
                 "lag_s": None if newest is None else round(now - newest, 3),
                 "scorers": [s.id for s in scorers], "sample_rate": opts.sample_rate,
                 "judge": meter.summary()},
        "rule": {"bars": dict(rule.bars), "baseline": dict(rule.baseline),
                 "baseline_from": baseline_from if rule.baseline else None, "alpha": rule.alpha,
                 "looks_per_30_days": rule.looks, "alpha_per_look": rule.alpha_per_look},
        "windows": wins, "rejected": rejected_summary(rows), "alerts": raised,
        "failure_modes": modes,
    }  # fmt: skip
    await _deliver(loaded, doc, opts)
    return doc


class JudgeMeter:
    """The judge's spend in one pass.

    Once the budget or the trace cap is reached, the rest of the pass is scored without the
    rubric scorers (and the pass says so).
    """

    def __init__(
        self, judge: Any, budget_usd: float, max_traces: int, rubric_ids: frozenset[str]
    ) -> None:
        self.judge, self.budget_usd, self.max_traces = judge, budget_usd, max_traces
        self.rubric_ids = rubric_ids
        self.judged = 0
        self.stopped: str | None = None

    def spent(self) -> float:
        return float(self.judge.stats.spent_usd) if self.judge is not None else 0.0

    def allow(self) -> bool:
        if self.judge is None or self.stopped:
            return False
        if self.spent() >= self.budget_usd:
            self.stopped = f"judge budget ${self.budget_usd:g} spent"
        elif self.judged >= self.max_traces:
            self.stopped = f"{self.max_traces} traces judged"
        return self.stopped is None

    def summary(self) -> dict[str, Any] | None:
        if self.judge is None:
            return None
        unknown = int(self.judge.stats.unknown_cost_calls)
        return {"judged": self.judged, "spent_usd": round(self.spent(), 6),
                "unknown_cost_calls": unknown, "budget_usd": self.budget_usd,
                "max_traces": self.max_traces, "stopped": self.stopped}  # fmt: skip


async def _handle(
    store: Any, name: str, scorers: list[Any], opts: MonitorOptions, meter: JudgeMeter
) -> tuple[dict[str, int], float | None]:
    """Claim, score and record batches until none is left; move the watermark."""
    mark = await store.get_watermark(name)
    after = (time.time() - opts.start_s) if mark is None else mark - opts.late_s
    counts = {"scored": 0, "skipped": 0, "rejected": 0}
    newest: float | None = None
    cheap = [s for s in scorers if s.id not in meter.rubric_ids]
    while True:
        claimed = await store.claim_traces(name, opts.worker, after=after, lease_s=opts.lease_s,
                                           limit=opts.batch)  # fmt: skip
        if not claimed:
            break
        outcomes: list[tuple[str, str, dict[str, Any] | None]] = []
        rejected = 0
        for t in claimed:
            if 400 <= t.status < 500 and not t.attempts:
                # refused before any model call: nothing to score, and no quality window —
                # recorded with no scores at all (see _windows.is_rejected)
                outcomes.append((t.id, "scored", None))
                rejected += 1
            elif must_score(t) or sampled(t.id, opts.sample_rate):
                if t.error or t.status >= 400:
                    scores: dict[str, Any] = {}
                elif len(cheap) < len(scorers) and meter.allow():
                    meter.judged += 1
                    scores = await score_trace(t, scorers)
                else:
                    scores = await score_trace(t, cheap)
                outcomes.append((t.id, "scored", scores))
            else:
                outcomes.append((t.id, "skipped", None))
        await store.record_monitor(name, opts.worker, outcomes)
        for _, status, _ in outcomes:
            counts[status] += 1
        counts["scored"] -= rejected
        counts["rejected"] += rejected
        newest = max([newest or 0.0, *(t.started_at for t in claimed)])
    if newest is not None:
        await store.set_watermark(name, newest)
    return counts, newest


def failure_mode_rates(
    loaded: LoadedPRD, rows: list[dict[str, Any]], scorer_ids: list[str]
) -> dict[str, dict[str, Any]]:
    """How often each failure mode showed in the handled traffic (the windows' span).

    A trace shows a mode when one of the mode's detector scorers failed on it, or when the
    mode's gateway guard fired on it. Feeds the launch checklist's Pareto (production
    frequency beside the eval's and the red team's).
    """
    from ..stats import wilson_interval

    out: dict[str, dict[str, Any]] = {}
    for fm in loaded.prd.failure_modes:
        detectors = [d for d in fm.detectors if d in scorer_ids]
        guard = (fm.guard.name or fm.id) if fm.guard else None
        if not detectors and guard is None:
            continue
        shown = seen = 0
        for r in rows:
            if r["status"] != "scored" and guard is None:
                continue
            scores = r["scores"] or {}
            verdicts = [(scores.get(d) or {}).get("passed") for d in detectors]
            fired = guard is not None and any(
                g.get("name") == guard and g.get("outcome") in FIRED for g in r["guards"] or []
            )
            if guard is None and all(v is None for v in verdicts):
                continue
            seen += 1
            shown += fired or any(v is False for v in verdicts)
        if seen:
            lo, hi = wilson_interval(shown, seen)
            out[fm.id] = {"rate": shown / seen, "ci": [lo, hi], "shown": shown, "n": seen,
                          "detectors": detectors, "guard": guard}  # fmt: skip
    return out


def _bars(loaded: LoadedPRD) -> dict[str, float]:
    return {t.scorer: float(t.min_pass_rate) for t in loaded.prd.eval_plan.thresholds
            if t.min_pass_rate is not None}  # fmt: skip


async def _baseline(loaded: LoadedPRD) -> dict[str, float]:
    """Each gated scorer's pass rate in the latest GO eval of this PRD (the launch baseline)."""
    from ..run._evidence import open_log

    log = open_log(loaded)
    try:
        entries = await log.entries(loaded.key)
    except Exception:  # no log yet: no baseline, only the bars
        return {}
    finally:
        await log.close()
    for e in reversed(entries):
        if e.kind == "eval" and e.verdict == "GO" and not e.figures.get("subset"):
            rows = e.figures.get("thresholds", [])
            return {
                t["scorer"]: float(t["estimate"])
                for t in rows
                if t.get("metric") == "pass_rate" and t.get("estimate") is not None
            }
    return {}


def _judge_client(loaded: LoadedPRD) -> Any:
    from ..models import build_client

    plan = loaded.prd.eval_plan
    return None if plan.judge is None else build_client(plan.judge, loaded.prd.prices)


async def _deliver(loaded: LoadedPRD, doc: dict[str, Any], opts: MonitorOptions) -> None:
    if opts.out_dir is not None:
        from ..report._json import write_text_atomic

        opts.out_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(opts.out_dir / "monitor.json", json.dumps(doc, indent=2) + "\n")
    if opts.metrics_file is not None:
        from ..report._json import write_text_atomic

        write_text_atomic(opts.metrics_file, prometheus(doc))
    if opts.webhook and doc["alerts"]:
        add_secret(opts.webhook)  # webhook URLs carry tokens: never print or store them
        doc["webhook"] = await post_webhook(opts.webhook, webhook_body(loaded, doc))
    if opts.record_evidence:
        from ..run._evidence import record

        figures = {"alerts": doc["alerts"], "handled": doc["pass"]["handled"],
                   "windows": len(doc["windows"]), "lag_s": doc["pass"]["lag_s"],
                   "failure_modes": doc.get("failure_modes", {})}  # fmt: skip
        await record(loaded, "monitor", "alert" if doc["alerts"] else "pass", figures,
                     f"monitor:{doc['monitor']}")  # fmt: skip


def webhook_body(loaded: LoadedPRD, doc: dict[str, Any]) -> dict[str, Any]:
    """A Slack-compatible body (``text``) with the alerts' figures — no trace content."""
    lines = [f":rotating_light: gonogo monitor — {loaded.prd.feature}: "
             f"{len(doc['alerts'])} alert(s)"]  # fmt: skip
    for a in doc["alerts"]:
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(a["window_start"]))
        lines.append(f"• {a['message']} — {a['prompt_name']} v{a['prompt_version']} "
                     f"({a['model']}), window from {when}, {a['n']} traces")  # fmt: skip
    fields = ("kind", "scorer", "window_start", "prompt_name", "prompt_version", "model",
              "passes", "n", "rate", "ci", "bar", "baseline", "p_value")  # fmt: skip
    return {"text": "\n".join(lines),
            "alerts": [{k: a[k] for k in fields if k in a} for a in doc["alerts"]]}  # fmt: skip


async def post_webhook(url: str, body: dict[str, Any], tries: int = 4) -> dict[str, Any]:
    """POST ``body``; retry 5xx, 429 and connection errors with backoff; the outcome."""
    import aiohttp

    delay, last = 0.5, ""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        for attempt in range(1, tries + 1):
            try:
                async with session.post(url, json=body) as r:
                    if r.status < 300:
                        return {"delivered": True, "attempts": attempt, "status": r.status}
                    last = f"HTTP {r.status}"
                    if r.status < 500 and r.status != 429:
                        break
            except (aiohttp.ClientError, TimeoutError) as e:
                last = type(e).__name__
            await asyncio.sleep(delay)
            delay *= 2
    return {"delivered": False, "attempts": attempt, "error": last}


def prometheus(doc: dict[str, Any]) -> str:
    """The latest window of each prompt version as Prometheus text (node_exporter textfile)."""
    out = [
        "# HELP gonogo_monitor_pass_rate Pass rate of a scorer in the latest window.",
        "# TYPE gonogo_monitor_pass_rate gauge",
    ]
    latest: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    for w in doc["windows"]:
        latest[(w["prompt_name"], w["prompt_version"], w["model"])] = w
    for (name, version, model), w in latest.items():
        for sid, s in w["scorers"].items():
            labels = f'scorer="{sid}",prompt="{name}",version="{version}",model="{model}"'
            out.append(f"gonogo_monitor_pass_rate{{{labels}}} {s['rate']:.6f}")
    out += ["# HELP gonogo_monitor_alerts Alerts raised by the last pass.",
            "# TYPE gonogo_monitor_alerts gauge", f"gonogo_monitor_alerts {len(doc['alerts'])}",
            "# HELP gonogo_monitor_lag_seconds Age of the newest trace handled by the last pass.",
            "# TYPE gonogo_monitor_lag_seconds gauge",
            f"gonogo_monitor_lag_seconds {doc['pass']['lag_s'] or 0}"]  # fmt: skip
    return "\n".join(out) + "\n"
