"""``--run-missing``: run what the checklist lacks (or holds only stale evidence of).

Each step is a real run that appends its own evidence: the eval, the red team, and the
drills against a real `gonogo serve` of the PRD on loopback. ``--dry-run`` lists the steps
and what the model calls would cost (drills run against a loopback fake: $0).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from ..run._evidence import record
from ..spec import LoadedPRD

if TYPE_CHECKING:
    from ._checklist import LaunchOptions

NEEDS = {  # item -> the steps whose evidence it reads
    "evals": ("eval",),
    "costs": ("eval",),
    "redteam": ("redteam",),
    "hallucinations": ("lab", "drill:groundedness"),
    "failure_modes": ("lab",),
    "fallback": ("drill:fallback",),
    "feedback": ("drill:feedback",),
    "rollback": ("drill:rollback",),
}


@dataclass
class Step:
    """One run to make: what it is, why, and how."""

    kind: str
    why: str
    run: Callable[[], Awaitable[str]]
    cost: Callable[[], Awaitable[float | None]] | None = None
    cost_usd: float | None = 0.0

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "why": self.why, "estimated_cost_usd": self.cost_usd}


def _possible(loaded: LoadedPRD, kind: str) -> str | None:
    """Why ``kind`` cannot run for this PRD (None when it can)."""
    prd = loaded.prd
    launch = prd.launch
    if kind == "lab" and not any(
        fm.provoke and fm.provoke.startswith("lab:") for fm in prd.failure_modes
    ):
        return (
            "no failure-mode row says how to provoke it in the lab — add `provoke: "
            "lab:<injection>` to a row (e.g. `lab:hallucinate`), then `gonogo lab`"
        )
    if kind.startswith("drill:") and prd.model is None:
        return "drills run the gateway, which serves the PRD's model spec"
    if kind == "drill:fallback" and not (launch and launch.fallback):
        return "no fallback chain to drill"
    if kind == "drill:feedback" and not (launch and launch.feedback):
        return "no feedback mechanism declared"
    if kind == "drill:rollback" and not (launch and launch.rollback_within):
        return "no rollback objective"
    if kind == "drill:groundedness":
        guards = [fm.guard for fm in prd.failure_modes if fm.guard] + list(
            launch.guards if launch else []
        )
        if not any(g.kind == "groundedness" for g in guards):
            return "no groundedness guard to drill"
    return None


REUSABLE = ("lab", "drill:")  # kinds whose current evidence is reused, not re-run


def plan_missing(
    loaded: LoadedPRD, doc: dict[str, Any], fresh: Mapping[str, str] | None = None
) -> tuple[list[Step], list[dict[str, str]]]:
    """The steps that would turn missing or stale items into evidence, and those skipped.

    ``fresh``: kinds whose latest evidence is current for this PRD and prompt (kind → what
    it is, e.g. ``lab #12``): re-running them would measure the same thing, so an item
    missing something else (a drill) reuses them. A step this PRD cannot run is skipped
    with why; the item stays as it is, with its fix.
    """
    fresh = fresh or {}
    kinds: dict[str, str] = {}
    for item in doc["items"]:
        status = item["status"]
        if status not in ("missing", "stale", "fail"):
            continue
        for kind in NEEDS[item["id"]]:
            if status == "fail" and not _lacks(item, kind):
                continue  # failing on its evidence: re-running would not change that
            if item["id"] == "costs" and status == "missing" and not _lacks(item, kind):
                continue  # not priced: re-running the eval would not price it (its fix says how)
            kinds.setdefault(kind, f"{item['id']}: {status}")
    steps, skipped = [], []
    for kind, why in kinds.items():
        blocked = _possible(loaded, kind)
        if blocked is not None:
            skipped.append({"kind": kind, "why": blocked})
        elif kind.startswith(REUSABLE) and kind in fresh:
            skipped.append({"kind": kind, "why": f"reusing {fresh[kind]}: current evidence"})
        else:
            steps.append(_step(loaded, kind, why))
    return steps, skipped


async def fresh_evidence(loaded: LoadedPRD, url: str) -> dict[str, str]:
    """Lab and drill kinds whose latest entry is current for this PRD and prompt version."""
    from ..run._evidence import open_log
    from ._items import Context, _stale

    log = open_log(loaded, url)
    try:
        entries = await log.entries(loaded.key)
    finally:
        await log.close()
    latest = {}
    for e in entries:
        if e.kind == "lab" and e.figures.get("subset"):
            continue
        latest[e.kind] = e
    from ._checklist import _dataset_hashes

    ctx = Context(loaded, entries, None, lambda e: 0.0)
    lab_extra = {"datasets": _dataset_hashes(loaded)}  # what a lab entry's hash covers too
    return {
        kind: f"{kind} #{e.seq} ({e.created_at})"
        for kind, e in latest.items()
        if kind.startswith(REUSABLE)
        and _stale(e, ctx, lab_extra if kind == "lab" else None) is None
    }


def _lacks(item: dict[str, Any], kind: str) -> bool:
    return not any(e["kind"] == kind for e in item["evidence"])


def _step(loaded: LoadedPRD, kind: str, why: str) -> Step:
    path = loaded.path

    async def run_eval() -> str:
        from ..run import EvalOptions, evaluate

        result = await evaluate(path, EvalOptions(estimate=False))
        return f"eval {result.run_id}: {result.verdict}"

    async def run_redteam() -> str:
        from ..redteam import RedTeamOptions, redteam

        result = await redteam(path, RedTeamOptions(estimate=False))
        return f"redteam {result.run_id}: {result.verdict}"

    async def run_lab() -> str:
        from ..lab import launch_step

        return await launch_step(path)

    async def run_drill() -> str:
        from ._drills import DRILLS

        name = kind.removeprefix("drill:")
        verdict, figures = await asyncio.to_thread(DRILLS[name], loaded)
        await record(loaded, kind, verdict, figures, f"drill:{name}")
        return f"{kind}: {verdict}"

    runs = {"eval": run_eval, "redteam": run_redteam, "lab": run_lab}
    return Step(
        kind, why, runs.get(kind, run_drill), cost_usd=0.0 if kind.startswith("drill:") else None
    )


async def estimate(loaded: LoadedPRD, steps: list[Step]) -> None:
    """Fill each eval / red-team step's estimated cost from its own dry run."""
    for step in steps:
        if step.kind == "eval":
            from ..run import EvalOptions, evaluate

            step.cost_usd = (
                await evaluate(loaded.path, EvalOptions(dry_run=True))
            ).plan.total_cost_usd
        elif step.kind == "redteam":
            from ..redteam import RedTeamOptions, redteam

            plan = (await redteam(loaded.path, RedTeamOptions(dry_run=True))).plan
            step.cost_usd = plan.total_cost_usd


async def run_missing(
    loaded: LoadedPRD,
    steps: list[Step],
    url: str,
    opts: LaunchOptions,
    skipped: list[dict[str, str]] | None = None,
) -> list[str]:
    """Run each step in turn (each records its evidence); what ran, in words.

    A step that turns out not to be runnable here (a UserError) is added to ``skipped`` with
    why — said once, in the checklist's "did not run" lines — and the others still run.
    """
    import os

    from ..run._evidence import EVIDENCE_ENV

    ran = []
    previous = os.environ.get(EVIDENCE_ENV)
    os.environ[EVIDENCE_ENV] = url  # every run below appends to this log
    try:
        for step in steps:
            if opts.on_step is not None:
                opts.on_step(f"running {step.kind} ({step.why})…")
            try:
                ran.append(await step.run())
            except UserError as e:  # this step cannot run here: say why, run the others
                if skipped is not None:
                    skipped.append({"kind": step.kind, "why": str(e)})
                else:
                    ran.append(f"{step.kind}: not run — {e}")
    finally:
        if previous is None:
            os.environ.pop(EVIDENCE_ENV, None)
        else:
            os.environ[EVIDENCE_ENV] = previous
    return ran
