"""The launch checklist's items, each decided from the evidence log and the PRD alone.

An item is ``pass``, ``fail``, ``missing`` (no evidence), ``stale`` (evidence of another
version of the measured PRD parts or prompt, or too old) or ``waived`` (the PRD says who
skipped it and why). Every decision keeps the evidence it used, and a failing or missing
item says what to run or what to add to the PRD, at its file:line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..spec import LoadedPRD, RedTeamSpec, part_hash, prompt_hash
from ..store import Evidence

TITLES = {
    "evals": "Evals GO",
    "redteam": "Red-teamed",
    "hallucinations": "Hallucinations detected and handled",
    "fallback": "Fallback if the model is unavailable",
    "costs": "Costs within budget",
    "feedback": "User feedback captured",
    "rollback": "Prompt rollback within the objective",
    "failure_modes": "Failure modes covered",
}
GATING_KINDS = ("groundedness", "rubric")  # scorers that can detect a hallucination


@dataclass
class Item:
    """One checklist item's decision."""

    id: str
    status: str  # pass | fail | missing | stale | waived
    why: list[str]
    fix: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    waiver: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": TITLES[self.id], "status": self.status, "why": self.why,
            "fix": self.fix, "evidence": self.evidence, "waiver": self.waiver,
        }  # fmt: skip


@dataclass
class Context:
    """What every item reads: the PRD, its evidence, the hashes of now, and the time."""

    loaded: LoadedPRD
    entries: list[Evidence]
    dataset_hashes: list[str] | None  # None when the datasets cannot be read
    now_age: Callable[[Evidence], float]

    def latest(
        self, kind: str, accept: Callable[[Evidence], bool] | None = None
    ) -> Evidence | None:
        for e in reversed(self.entries):
            if e.kind == kind and (accept is None or accept(e)):
                return e
        return None

    def where(self, *path: str | int) -> str:
        """``file:line`` of a PRD key (or of its nearest parent), for a fix."""
        line, _ = self.loaded.position(tuple(path))
        return f"{self.loaded.path}:{line}" if line else str(self.loaded.path)


def evidence_view(e: Evidence, ctx: Context) -> dict[str, Any]:
    """An entry as the report shows it: what, when, its hash and link."""
    return {
        "seq": e.seq, "kind": e.kind, "verdict": e.verdict, "created_at": e.created_at,
        "age_s": round(ctx.now_age(e), 1), "hash": e.hash, "link": e.link,
        "figures": e.figures,
    }  # fmt: skip


def _stale(e: Evidence, ctx: Context, extra: Mapping[str, Any] | None = None) -> str | None:
    prd = ctx.loaded.prd
    if e.prompt_hash != prompt_hash(prd):
        return "made for another prompt version (the prompt or the target changed since)"
    if e.prd_hash != part_hash(prd, e.kind, extra):
        return "made for another version of the PRD parts it measured (edited since)"
    return None


def _evidence_item(
    ctx: Context,
    item: str,
    kind: str,
    run: str,
    *,
    extra: Mapping[str, Any] | None = None,
    accept: Callable[[Evidence], bool] | None = None,
) -> Item:
    """The common shape: the latest entry of ``kind`` must exist, be current and pass."""
    e = ctx.latest(kind, accept)
    if e is None:
        return Item(item, "missing", [f"no {kind} evidence for this PRD"], [run])
    view = [evidence_view(e, ctx)]
    stale = _stale(e, ctx, extra)
    if stale is not None:
        return Item(item, "stale", [f"the latest {kind} (#{e.seq}) was {stale}"], [run], view)
    if e.verdict not in ("GO", "pass"):
        return Item(item, "fail", [f"the latest {kind} (#{e.seq}) says {e.verdict}"], [], view)
    return Item(item, "pass", [f"{kind} #{e.seq}: {e.verdict}"], [], view)


def evals(ctx: Context) -> Item:
    extra = {"datasets": ctx.dataset_hashes} if ctx.dataset_hashes is not None else None
    item = _evidence_item(ctx, "evals", "eval", f"gonogo eval {ctx.loaded.path}", extra=extra,
                          accept=lambda e: not e.figures.get("subset"))  # fmt: skip
    return item


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(text: str) -> float:
    """``7d`` → 604800."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    return float(m.group(1)) * _UNIT[m.group(2)]


def _whole_redteam(e: Evidence) -> bool:
    """A red-team run of every family in the PRD's scope (not narrowed with ``--family``)."""
    return not e.figures.get("subset")


def redteam(ctx: Context) -> Item:
    launch = ctx.loaded.prd.launch
    spec = (launch.redteam if launch else None) or RedTeamSpec()
    whole = _whole_redteam
    item = _evidence_item(ctx, "redteam", "redteam", f"gonogo redteam run {ctx.loaded.path}",
                          accept=whole)  # fmt: skip
    part = ctx.latest("redteam", lambda e: not whole(e))
    if item.status == "missing" and part is not None:
        item.why.append(
            f"redteam #{part.seq} ran only {', '.join(part.figures['subset'])} (--family): "
            "a subset does not count"
        )
    if item.status == "pass" and spec.fresh_within:
        e = ctx.latest("redteam", whole)
        assert e is not None
        if ctx.now_age(e) > seconds(spec.fresh_within):
            days = ctx.now_age(e) / 86400
            item.status = "stale"
            item.why = [f"the latest red-team run is {days:.1f} days old; fresh_within is "
                        f"{spec.fresh_within}"]  # fmt: skip
            item.fix = [f"gonogo redteam run {ctx.loaded.path}"]
    return item


def _gated_detectors(ctx: Context) -> list[str]:
    plan = ctx.loaded.prd.eval_plan
    kinds = {s.id: s.kind for s in plan.scorers}
    return [t.scorer for t in plan.thresholds if kinds.get(t.scorer) in GATING_KINDS]


def _grounding_guard(ctx: Context) -> tuple[str, str] | None:
    """(name, action) of the first groundedness guard, named as the gateway names it."""
    prd = ctx.loaded.prd
    named = [(fm.guard, fm.guard.name or fm.id) for fm in prd.failure_modes if fm.guard]
    named += [(g, g.name or g.kind) for g in (prd.launch.guards if prd.launch else [])]
    for g, name in named:
        if g.kind == "groundedness":
            return name, g.action or "flag"
    return None


_MADE_UP = re.compile(r"hallucin|invent|fabricat|made[- ]up|make[s]? up|ungrounded|unsupported"
                      r"|not in the (?:context|sources|documents)", re.I)  # fmt: skip


def _hallucination_row(ctx: Context) -> int | None:
    """The index of the failure-mode row about made-up answers, if one reads like it."""
    for i, fm in enumerate(ctx.loaded.prd.failure_modes):
        if _MADE_UP.search(f"{fm.id} {fm.what}"):
            return i
    return None


def hallucinations(ctx: Context) -> Item:
    why, fix, evidence = [], [], []
    status = "pass"
    detectors = _gated_detectors(ctx)
    if not detectors:
        status = "fail"
        why.append("no groundedness or rubric scorer gates the eval plan")
        fix.append(f"add a `groundedness` scorer and a threshold on it "
                   f"({ctx.where('eval_plan', 'thresholds')})")  # fmt: skip
    else:
        why.append(f"detected by gated scorer(s): {', '.join(detectors)}")
    floor = ctx.loaded.prd.launch.hallucination_recall if ctx.loaded.prd.launch else 0.8
    lab = ctx.latest("lab", lambda e: not e.figures.get("subset"))
    recall = (lab.figures.get("hallucination_recall") if lab else None) or {}
    if lab is None:
        status = _worse(status, "missing")
        why.append("no lab run has planted hallucinations to measure detection recall")
        fix.append(f"gonogo lab {ctx.loaded.path}")
    else:
        evidence.append(evidence_view(lab, ctx))
        lo = (recall.get("ci") or [None])[0]
        if lo is None or lo < floor:
            status = _worse(status, "fail")
            why.append(f"planted hallucinations caught: {recall.get('rate')} (lower bound {lo}) "
                       f"— the floor is {floor:g}")  # fmt: skip
        else:
            why.append(f"planted hallucinations caught at ≥ {floor:g} (lower bound {lo:.2f})")
    guard = _grounding_guard(ctx)
    if guard is None:
        status = _worse(status, "fail")
        why.append("no runtime groundedness guard handles them")
        row = _hallucination_row(ctx)
        if row is None:
            where = f"a failure-mode row about made-up answers ({ctx.where('failure_modes')})"
        else:
            fm = ctx.loaded.prd.failure_modes[row]
            where = f"failure mode '{fm.id}' ({ctx.where('failure_modes', row)})"
        fix.append(f"add `guard: {{kind: groundedness, action: replace}}` to {where} and a "
                   f"`{{static: …}}` graceful answer to launch.fallback")  # fmt: skip
    else:
        drill = _evidence_item(ctx, "hallucinations", "drill:groundedness",
                               f"gonogo launch {ctx.loaded.path} --run-missing")  # fmt: skip
        evidence += drill.evidence
        why += [f"guard '{guard[0]}' ({guard[1]}): " + "; ".join(drill.why)]
        fix += drill.fix
        status = _worse(status, drill.status)
    return Item("hallucinations", status, why, fix, evidence)


_ORDER = {"pass": 0, "stale": 1, "missing": 2, "fail": 3}


def _worse(a: str, b: str) -> str:
    return a if _ORDER[a] >= _ORDER[b] else b


def fallback(ctx: Context) -> Item:
    launch = ctx.loaded.prd.launch
    if launch is None or not launch.fallback:
        return Item("fallback", "fail", ["the PRD has no fallback chain"],
                    [f"add `launch.fallback: [<cheaper model>, {{static: …}}]` "
                     f"({ctx.where('launch')})"])  # fmt: skip
    return _evidence_item(ctx, "fallback", "drill:fallback",
                          f"gonogo launch {ctx.loaded.path} --run-missing")  # fmt: skip


def feedback(ctx: Context) -> Item:
    launch = ctx.loaded.prd.launch
    if launch is None or not launch.feedback:
        return Item("feedback", "fail", ["the PRD does not say how feedback is captured"],
                    [f"add `launch.feedback: thumbs up/down` ({ctx.where('launch')})"])  # fmt: skip
    return _evidence_item(ctx, "feedback", "drill:feedback",
                          f"gonogo launch {ctx.loaded.path} --run-missing")  # fmt: skip


def rollback(ctx: Context) -> Item:
    launch = ctx.loaded.prd.launch
    if launch is None or not launch.rollback_within:
        return Item("rollback", "fail", ["the PRD sets no rollback objective"],
                    [f"add `launch.rollback_within: 1h` ({ctx.where('launch')})"])  # fmt: skip
    item = _evidence_item(ctx, "rollback", "drill:rollback",
                          f"gonogo launch {ctx.loaded.path} --run-missing")  # fmt: skip
    if item.evidence:
        took = item.evidence[0]["figures"].get("worst_s")
        bound = seconds(launch.rollback_within)
        shown = "?" if took is None else f"{took:.2f}"
        item.why.append(f"rollback took {shown} s (objective {launch.rollback_within})")
        if item.status == "pass" and (took is None or took > bound):
            item.status = "fail"
    return item


def costs(ctx: Context) -> Item:
    launch = ctx.loaded.prd.launch
    budget = launch.budget if launch else None
    if budget is None or (budget.per_1k_requests_usd is None and budget.monthly_usd is None):
        return Item("costs", "fail", ["the PRD sets no cost budget"],
                    [f"add `launch.budget: {{per_1k_requests_usd: …, monthly_usd: …, "
                     f"expected_requests_per_day: …}}` ({ctx.where('launch')})"])  # fmt: skip
    e = ctx.latest("eval", lambda e: not e.figures.get("subset"))
    if e is None:
        return Item("costs", "missing", ["no eval has measured the cost per request"],
                    [f"gonogo eval {ctx.loaded.path}"])  # fmt: skip
    view = [evidence_view(e, ctx)]
    extra = {"datasets": ctx.dataset_hashes} if ctx.dataset_hashes is not None else None
    stale = _stale(e, ctx, extra)
    if stale is not None:
        return Item("costs", "stale", [f"the cost was measured by eval #{e.seq}, {stale}"],
                    [f"gonogo eval {ctx.loaded.path}"], view)  # fmt: skip
    per_1k = e.figures.get("cost_per_1k_requests_usd")
    if per_1k is None:
        why, fix = _not_priced(ctx, e.seq)
        return Item("costs", "missing", why, fix, view)
    why, status = [f"${per_1k:.4f} per 1,000 requests (eval #{e.seq})"], "pass"
    if budget.per_1k_requests_usd is not None and per_1k > budget.per_1k_requests_usd:
        status = "fail"
        why.append(f"over the budget of ${budget.per_1k_requests_usd:g} per 1,000 requests")
    if budget.expected_requests_per_day:
        monthly = per_1k * budget.expected_requests_per_day * 30 / 1000
        why.append(f"projected ${monthly:,.2f} a month at {budget.expected_requests_per_day:,} "
                   "requests a day")  # fmt: skip
        if budget.monthly_usd is not None and monthly > budget.monthly_usd:
            status = "fail"
            why.append(f"over the monthly budget of ${budget.monthly_usd:,.2f}")
    for kind in ("eval", "redteam", "lab"):
        run = ctx.latest(kind)
        if run is not None and run.figures.get("cost_usd") is not None:
            why.append(f"the {kind} run itself cost ${run.figures['cost_usd']:.4f}")
    return Item("costs", status, why, [], view)


def _not_priced(ctx: Context, seq: int) -> tuple[list[str], list[str]]:
    """Why an eval measured no cost, and how to fix it: not evaluated, never a fail.

    A model with no price has an unknown cost, never $0 — so the budget cannot be checked
    (the item is ``missing``: no cost evidence) until the PRD prices it.
    """
    prd = ctx.loaded.prd
    model = prd.model.name if prd.model is not None else None
    if prd.eval_plan.target == "model" and model is not None and model not in prd.prices:
        where = ctx.where("prices" if ("prices",) in ctx.loaded.positions else "model")
        return (
            [f"not priced: model '{model}' has no price in `prices`, so eval #{seq} could not "
             "measure the cost (unknown, never counted as $0) — the budget is not evaluated"],
            [f"add `prices: {{{model}: {{input_per_1m: …, output_per_1m: …}}}}` in US dollars "
             f"per million tokens ({where}; a model that costs nothing: 0), then gonogo eval "
             f"{ctx.loaded.path}"],
        )  # fmt: skip
    return (
        [f"not priced: eval #{seq} measured no cost (the target reports none, or the provider "
         "reported no token usage) — the budget is not evaluated"],
        [f"price the model the feature calls in `prices` and test it as `eval_plan.target: "
         f"model`, or waive this item with the cost measured elsewhere (`launch.waivers`, "
         f"{ctx.where('launch')})"],
    )  # fmt: skip


def failure_modes(ctx: Context) -> Item:
    rows = ctx.loaded.prd.failure_modes
    if not rows:
        return Item("failure_modes", "fail", ["the PRD has no failure-mode table"],
                    [f"add `failure_modes:` rows with detect, mitigate and provoke "
                     f"({ctx.where('failure_modes')})"])  # fmt: skip
    lab = ctx.latest("lab", lambda e: not e.figures.get("subset"))
    detected = (lab.figures.get("failure_modes") if lab else None) or {}
    why, fix, status = [], [], "pass"
    covered: list[str] = []
    for i, fm in enumerate(rows):
        gaps = [k for k in ("detect", "mitigate", "provoke") if not getattr(fm, k)]
        if fm.guard is not None and "mitigate" in gaps:
            gaps.remove("mitigate")
        lab_status = (
            (detected.get(fm.id) or {}).get("status") if isinstance(detected, dict) else None
        )
        serious = fm.severity in ("high", "critical")
        if gaps:
            why.append(f"{fm.id} ({fm.severity}): no {', '.join(gaps)}")
            fix.append(
                f"add {', '.join(gaps)} to failure mode '{fm.id}' ({ctx.where('failure_modes', i)})"
            )
            status = _worse(status, "fail" if serious else status)
        elif lab_status != "detected" and serious:
            why.append(f"{fm.id} ({fm.severity}): " + (
                "its provocation was not run in the lab" if lab_status is None
                else f"the lab says {lab_status}"))  # fmt: skip
            status = _worse(status, "missing" if lab_status is None else "fail")
            if lab_status is None and not (fm.provoke or "").startswith("lab:"):
                fix.append(f"add `provoke: lab:<injection>` to failure mode '{fm.id}' "
                           f"({ctx.where('failure_modes', i)}), then gonogo lab "
                           f"{ctx.loaded.path}")  # fmt: skip
            elif lab_status is None:
                fix.append(f"gonogo lab {ctx.loaded.path}")
        else:
            covered.append(
                f"{fm.id} ({fm.severity}): covered" + (f", lab: {lab_status}" if lab_status else "")
            )
    if status == "pass" or not why:
        why += covered
    elif covered:  # the reasons name what is wrong; the rows that hold are only counted
        ids = ", ".join(line.split(" (", 1)[0] for line in covered)
        why.append(f"covered: {ids}")
    evidence = [evidence_view(lab, ctx)] if lab else []
    return Item("failure_modes", status, why, sorted(set(fix), key=fix.index), evidence)


CHECKS: dict[str, Callable[[Context], Item]] = {
    "evals": evals,
    "redteam": redteam,
    "hallucinations": hallucinations,
    "fallback": fallback,
    "costs": costs,
    "feedback": feedback,
    "rollback": rollback,
    "failure_modes": failure_modes,
}


def decide(ctx: Context, waivers: Sequence[Any]) -> list[Item]:
    """Every item, in checklist order; a waived item keeps its decision beside the waiver."""
    by_item = {w.item: w for w in waivers}
    items = []
    for name, check in CHECKS.items():
        item = check(ctx)
        w = by_item.get(name)
        if w is not None and item.status != "pass":
            item.waiver = {"reason": w.reason, "owner": w.owner, "was": item.status}
            item.status = "waived"
        items.append(item)
    return items
