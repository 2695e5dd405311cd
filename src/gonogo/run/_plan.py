"""What a run will cost, before it runs (``gonogo eval --dry-run``, ``--max-cost``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..data import Case
from ._suite import Suite
from ._targets import ModelTarget

DEFAULT_OUTPUT_TOKENS = 256
JUDGE_SYSTEM_TOKENS = 250
JUDGE_OUTPUT_TOKENS = 150


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


@dataclass
class CallEstimate:
    """Calls to one model and what they are expected to cost."""

    role: str  # target | judge
    model: str
    calls: int = 0
    cached_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0  # None: no price for this model

    def add(self, client_cost: float | None, tin: int, tout: int) -> None:
        self.calls += 1
        self.input_tokens += tin
        self.output_tokens += tout
        if self.cost_usd is not None:
            self.cost_usd = None if client_cost is None else self.cost_usd + client_cost


@dataclass
class RunPlan:
    """The calls a run will make and their estimated cost."""

    items: int
    cases: int
    repeats: int
    estimates: list[CallEstimate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total_cost_usd(self) -> float | None:
        """Sum of the estimates; None when any model's price is unknown."""
        costs = [e.cost_usd for e in self.estimates if e.calls - e.cached_calls > 0]
        if any(c is None for c in costs):
            return None
        return sum(c for c in costs if c is not None)

    @property
    def cost_per_item(self) -> float:
        """Average estimated cost of one case × sample (0 when unknown)."""
        total = self.total_cost_usd
        return (total or 0.0) / self.items if self.items else 0.0


def plan_run(suite: Suite, remaining: list[tuple[Case, int]], *, estimate: bool = True) -> RunPlan:
    """Count target and judge calls for the remaining items and estimate their cost.

    With ``estimate=False`` only the counts are filled in (renders no prompt, reads no
    cache): what a quiet run without a cost cap needs.
    """
    plan = RunPlan(items=len(remaining), cases=len(suite.cases), repeats=suite.repeats)
    if not estimate:
        return plan
    target = suite.target
    # the red team wraps the model spec's target (to extend its system prompt per probe):
    # its calls are the model's, priced as in an eval
    target = getattr(target, "inner", target)
    out_tokens = DEFAULT_OUTPUT_TOKENS
    if isinstance(target, ModelTarget):
        client = target.client
        out_tokens = int(client.params.get("max_tokens") or DEFAULT_OUTPUT_TOKENS)
        est = CallEstimate("target", client.model)
        for case, sample in remaining:
            messages = target.messages(case)
            tin = sum(_tokens(m["content"]) for m in messages)
            if (
                suite.cache is not None
                and suite.cache.get(
                    client.cache_key(messages, sample, response_format=target.spec.output_schema)
                )
                is not None
            ):
                est.calls += 1
                est.cached_calls += 1
                continue
            est.add(client.estimate_cost(tin, out_tokens), tin, out_tokens)
        plan.estimates.append(est)
        if "max_tokens" not in client.params:
            plan.notes.append(
                f"output length assumed {DEFAULT_OUTPUT_TOKENS} tokens per answer "
                "(set model.params.max_tokens for a tighter estimate)"
            )
    else:
        plan.notes.append(f"target '{target.name}' reports its own cost; not estimated here")
    _plan_judge(suite, remaining, out_tokens, plan)
    return plan


def _plan_judge(
    suite: Suite, remaining: list[tuple[Case, int]], out_tokens: int, plan: RunPlan
) -> None:
    # the suite's own scorers (a red team's suite has one, judged or not), not the PRD's
    judged = [d for d in suite.scorer_descriptions
              if d["kind"] == "rubric" or (d.get("params") or {}).get("judge") is True]  # fmt: skip
    rubrics = [d for d in judged if d["kind"] == "rubric"]
    if not judged:
        return
    if suite.judge_client is None:
        why = suite.judge_unavailable or "no judge configured (eval_plan.judge)"
        plan.notes.append(f"{len(rubrics)} rubric scorer(s) will be NOT EVALUATED: {why}")
        return
    judge = suite.judge_client
    est = CallEstimate("judge", judge.model)
    for case, _ in remaining:
        probe = case.metadata.get("probe") if isinstance(case.metadata, dict) else None
        for r in judged:
            if r["kind"] == "redteam" and (probe or {}).get("grader") != "refusal":
                continue  # the red team's judge reads only harmful / jailbreak / off-scope
            criteria = str((r.get("params") or {}).get("criteria", ""))
            tin = (
                JUDGE_SYSTEM_TOKENS
                + _tokens(criteria)
                + _tokens(case.input_text)
                + _tokens(str(case.expected or ""))
                + out_tokens
            )
            est.add(judge.estimate_cost(tin, JUDGE_OUTPUT_TOKENS), tin, JUDGE_OUTPUT_TOKENS)
    plan.estimates.append(est)
    plan.notes.append(
        "judge calls counted once each; invalid judge output is retried (up to 2 more calls)"
    )
