"""Run both variants through the ordinary runner, on the same cases and sample indexes.

Each variant is compiled into its own :class:`~gonogo.run.Suite` (its own target and
clients, the shared response cache) and executed by the ordinary
:class:`~gonogo.run.Executor` into the ordinary run store, so a comparison's runs are
runs like any other: every result is committed as it completes, ``--resume`` continues
them, and ``gonogo report PRD --run ID --out DIR`` renders either side on its own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..data import Case
from ..errors import RunError, UserError
from ..models import ResponseCache
from ..run import (
    CallableTarget,
    Executor,
    Progress,
    Suite,
    TargetOutput,
    compile_suite,
    new_run_meta,
    update_run_meta,
)
from ..spec import LoadedPRD
from ..store import AnyRunStore
from ._variants import ResolvedVariant, variant_prd

ProgressFn = Callable[[Progress], None]


class ArgsTarget:
    """A target that sees every case with ``target_args`` added to its inputs.

    Scorers keep the case as written: the runner passes them its own ``Case``.
    """

    def __init__(self, inner: Any, args: Mapping[str, Any]) -> None:
        self.inner = inner
        self.args = dict(args)
        shown = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        self.name = f"{inner.name}({shown})"

    async def __call__(self, case: Case, sample: int) -> TargetOutput:
        seen = dataclasses.replace(case, inputs={**case.inputs, **self.args})
        out: TargetOutput = await self.inner(seen, sample)
        return out


def _check_callable_accepts(target: CallableTarget, args: Mapping[str, Any]) -> None:
    params = inspect.signature(target.fn).parameters
    if "case" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    unknown = [k for k in args if k not in params]
    if unknown:
        raise UserError(
            f"target {target.name} takes no argument {', '.join(map(repr, unknown))} "
            "(from the variant's target_args)",
            "add the parameter to the function, or fix the target_args key",
        )


def build_suite(
    loaded: LoadedPRD, variant: ResolvedVariant, *, use_cache: bool, repeats: int | None
) -> Suite:
    """Compile the variant's PRD into a Suite."""
    return compile_suite(variant_prd(loaded, variant, repeats=repeats), use_cache=use_cache)


def adapt_suite(
    suite: Suite,
    variant: ResolvedVariant,
    limit: int | None,
    *,
    shared_cache: ResponseCache | None = None,
) -> None:
    """Apply ``target_args``, the case limit and the other side's response cache."""
    if shared_cache is not None:
        for client in (suite.target_client, suite.judge_client):
            if client is not None:
                client.cache = shared_cache
    args = variant.spec.target_args
    if args:
        if isinstance(suite.target, CallableTarget):
            _check_callable_accepts(suite.target, args)
            suite.target.extra_kwargs = dict(args)  # keyword arguments, `case` or not
        suite.target = ArgsTarget(suite.target, args)
    if limit is not None:
        suite.cases = suite.cases[:limit]


@dataclass
class VariantRun:
    """One side of a comparison: its suite, run id and sample records."""

    variant: ResolvedVariant
    suite: Suite
    run_id: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Any] | None = None
    resumed: int = 0
    executed: int = 0
    reused: bool = False


def run_fingerprint(suite: Suite, variant: ResolvedVariant, limit: int | None) -> str:
    """What the run measures: PRD, datasets, repeats, the variant's settings, the limit."""
    parts = [suite.fingerprint(), variant.fingerprint(), str(limit)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def store_key(loaded: LoadedPRD, variant: ResolvedVariant) -> str:
    """The run store's key of a variant's runs (kept apart from `gonogo eval` runs)."""
    return f"{loaded.key}#compare:{variant.name}:{variant.fingerprint()}"


def _meta(run: VariantRun, comparison_id: str, limit: int | None) -> dict[str, Any]:
    v = run.variant
    return {
        **new_run_meta(run.suite),
        "limit": limit,
        "variant": {"role": v.role, "name": v.name, "label": v.label, "overrides": v.overrides},
        "comparison": {"id": comparison_id, "role": v.role},
    }


def open_run(
    store: AnyRunStore,
    run: VariantRun,
    key: str,
    fingerprint: str,
    *,
    resume: bool,
    comparison_id: str,
    limit: int | None,
) -> set[tuple[str, int]]:
    """Start the variant's run, or pick up its last one with ``resume``; the done keys."""
    row = store.latest_run(key) if resume else None
    if row is not None and row.fingerprint == fingerprint:
        run.run_id, run.meta = row.id, row.meta
        run.meta.setdefault("comparison", {})["id"] = comparison_id
        done = store.done_keys(row.id)
        run.reused = row.status == "completed"
        run.resumed = len(done)
        return done
    run.meta = _meta(run, comparison_id, limit)
    run.run_id = store.create_run(key, fingerprint, run.meta)
    return set()


class _Combined:
    """Adds up the two executors' progress for one progress bar."""

    def __init__(self, total: int, on_progress: ProgressFn | None) -> None:
        self.parts: dict[str, Progress] = {}
        self.total = total
        self.on_progress = on_progress

    def callback(self, role: str) -> ProgressFn:
        def update(p: Progress) -> None:
            self.parts[role] = p
            if self.on_progress is not None:
                ps = self.parts.values()
                self.on_progress(
                    Progress(
                        total=self.total,
                        done=sum(x.done for x in ps),
                        target_errors=sum(x.target_errors for x in ps),
                        spent_usd=sum(x.spent_usd for x in ps),
                    )
                )

        return update


async def execute(
    store: AnyRunStore,
    runs: list[VariantRun],
    dones: list[set[tuple[str, int]]],
    on_start: Callable[[int], None] | None,
    on_progress: ProgressFn | None,
) -> None:
    """Run what is left of both variants concurrently; record each run's outcome."""
    executors = []
    combined: _Combined | None = None
    remaining = [
        sum(1 for c in r.suite.cases for s in range(r.suite.repeats) if (c.key, s) not in done)
        for r, done in zip(runs, dones, strict=True)
    ]
    combined = _Combined(sum(remaining), on_progress)
    if on_start is not None:
        on_start(sum(remaining))
    for run, done in zip(runs, dones, strict=True):
        executors.append(
            Executor(
                run.suite,
                store,
                run.run_id,
                done=done,
                on_progress=combined.callback(run.variant.role),
            )
        )
    t0 = time.perf_counter()
    tasks = [asyncio.ensure_future(ex.run()) for ex in executors]
    try:
        outcomes = await asyncio.gather(*tasks)
    except BaseException as e:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        status = "failed" if isinstance(e, RunError) else "partial"
        for run in runs:
            run.meta["wall_s"] = run.meta.get("wall_s", 0.0) + time.perf_counter() - t0
            run.meta.update(status=status, stopped_reason=type(e).__name__)
            store.finish_run(run.run_id, status, run.meta, None)
        raise
    wall = time.perf_counter() - t0
    for run, outcome in zip(runs, outcomes, strict=True):
        run.executed = outcome.executed
        update_run_meta(run.meta, run.suite, outcome, wall)


def finish(store: AnyRunStore, run: VariantRun, other: VariantRun) -> None:
    """Aggregate the run's results.json, link it to the other side, store both."""
    from ..results import aggregate

    run.meta.setdefault("comparison", {})["other_run"] = other.run_id
    run.records = list(store.samples(run.run_id))
    run.results = aggregate(
        run.suite.prd,
        run.suite.cases,
        run.records,
        {"id": run.run_id, **run.meta},
        scorer_descriptions=run.suite.scorer_descriptions,
    )
    store.finish_run(run.run_id, str(run.meta.get("status", "completed")), run.meta, run.results)
