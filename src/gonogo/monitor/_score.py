"""Scoring production traces with the eval plan's reference-free scorers.

A trace has no expected answer, so only the scorers that judge an answer on its own run:
groundedness (against the trace's recorded contexts), regex, JSON Schema, length, latency,
cost, answer relevancy, fixed-value containment, and rubric judges when a judge is
configured (within a judge budget). Errored requests are not scored for quality; they are
counted as errors in their window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from ..data import Case, TargetOutput
from ..scorers import Scorer, ScorerContext, build_scorers
from ..spec import LoadedPRD
from ..store.gateway import TraceRecord

REFERENCE_FREE = frozenset({
    "groundedness", "regex", "regex_absent", "json", "length", "latency", "cost",
    "answer_relevancy",
})  # fmt: skip
FIRED = ("block", "replace", "flag", "redact")


def reference_free(loaded: LoadedPRD, *, judge: bool) -> list[Any]:
    """The eval plan's scorer specs that need no expected answer (rubrics: with a judge)."""
    out = []
    for s in loaded.prd.eval_plan.scorers:
        kind = s.kind
        if kind in REFERENCE_FREE or (kind == "rubric" and judge):
            out.append(s)
        elif kind in ("contains_any", "contains_all") and getattr(s, "values", None):
            out.append(s)
    return out


def build_monitor_scorers(loaded: LoadedPRD, judge_client: Any = None) -> list[Scorer]:
    """Scorers ready to run on traces."""
    plan = loaded.prd.eval_plan
    ctx = ScorerContext(
        judge=judge_client,
        judge_model=plan.judge.name if plan.judge and judge_client is not None else None,
        base_dir=str(loaded.base_dir),
        output_schema=loaded.prd.model.output_schema if loaded.prd.model else None,
    )
    specs = reference_free(loaded, judge=judge_client is not None)
    return list(build_scorers(specs, ctx)) if specs else []


def sampled(trace_id: str, rate: float) -> bool:
    """Deterministic sampling: the same trace is in or out on every worker and every run."""
    if rate >= 1:
        return True
    bucket = int(hashlib.sha256(trace_id.encode()).hexdigest()[:8], 16) / 2**32
    return bucket < rate


def must_score(t: TraceRecord) -> str | None:
    """Why a trace is scored whatever the sample rate (None: it may be sampled out).

    It errored, a guard fired, a fallback answered, or a user rated it down.
    """
    if t.error or t.status >= 400:
        return "error"
    if any(g.get("outcome") in FIRED for g in t.guards):
        return "guard"
    if t.path != "primary":
        return "fallback"
    if t.rated_down:
        return "rated_down"
    return None


def as_case(t: TraceRecord) -> tuple[Case, TargetOutput]:
    """A trace as the case and output a scorer reads."""
    inputs = dict(t.inputs.get("variables") or {}) if isinstance(t.inputs, dict) else {}
    question = _last_user(t.inputs) if isinstance(t.inputs, dict) else None
    if question and not inputs:
        inputs = {"input": question}
    contexts = [str(c) for c in t.contexts] if t.contexts else None
    case = Case(id=t.id, inputs=inputs, contexts=contexts, dataset="production")
    out = TargetOutput(
        t.output, contexts=contexts, latency_s=t.latency_ms / 1000, cost_usd=t.cost_usd,
        input_tokens=t.input_tokens, output_tokens=t.output_tokens,
    )  # fmt: skip
    return case, out


def _last_user(inputs: dict[str, Any]) -> str | None:
    for m in reversed(inputs.get("messages") or []):
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str):
            return str(m["content"])
    return None


async def score_trace(t: TraceRecord, scorers: Sequence[Scorer]) -> dict[str, Any]:
    """``{scorer id: {value, passed, reason}}`` (not evaluated: passed None)."""
    case, out = as_case(t)
    scores: dict[str, Any] = {}
    for scorer in scorers:
        try:
            s = await scorer.score(case, out)
        except Exception as e:  # one scorer's bug must not stop the monitor
            scores[scorer.id] = {"value": None, "passed": None, "reason": f"scorer raised: {e}"}
            continue
        scores[scorer.id] = {"value": s.value, "passed": s.passed, "reason": s.reason[:300]}
    return scores
