"""``evaluate``: the eval → statistical go/no-go loop as one library call."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from .._safejson import case_texts
from ..errors import RunError, UserError
from ..spec import load_prd
from ..store import AnyRunStore, RunStore, is_url, open_run_store
from ._evidence import EVAL_EVIDENCE, EvidenceSpec, dataset_hashes, record
from ._plan import RunPlan, plan_run
from ._runner import Executor, ProgressFn, RunOutcome
from ._select import CaseSelection
from ._suite import Suite, compile_suite, state_dir

EXIT_CODES = {"GO": 0, "NO-GO": 1, "INCOMPLETE": 3}


@dataclass
class EvalOptions:
    """Options of one eval run (the CLI's flags)."""

    out_dir: Path | None = None
    resume: bool = False
    use_cache: bool = True
    max_cost: float | None = None
    dry_run: bool = False
    store_path: Path | str | None = None  # a SQLite file, or postgresql://… (one shared store)
    on_progress: ProgressFn | None = None
    on_start: Any = None  # called with (RunPlan, resumed_count) before execution starts
    estimate: bool = True  # estimate calls' cost up front (always with dry_run / max_cost)
    selection: CaseSelection | None = None  # a subset of the golden cases (--limit / --filter)


@dataclass(repr=False)
class EvalResult:
    """What an eval produced: the results dict, report paths and the exit code."""

    plan: RunPlan
    run_id: str | None = None
    store_path: Path | str | None = None  # a file, or the URL with its password masked
    results: dict[str, Any] | None = None
    outcome: RunOutcome | None = None
    paths: dict[str, Path] = field(default_factory=dict)
    resumed: int = 0
    held_interrupt: bool = False  # Ctrl-C came while the finished run was being written

    def __repr__(self) -> str:
        # Short on purpose: asyncio.run() reprs the finished task's result on exit, and
        # the dataclass repr of a 2,000-case results dict costs ~50 ms each time.
        return f"EvalResult(run_id={self.run_id!r}, verdict={self.verdict!r})"

    @property
    def verdict(self) -> str | None:
        return None if self.results is None else str(self.results["verdict"])

    @property
    def exit_code(self) -> int:
        """0 GO, 1 NO-GO, 3 when the run did not complete."""
        if self.results is None:
            return 0
        return EXIT_CODES.get(str(self.results["verdict"]), 3)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def evaluate(prd_path: str | Path, opts: EvalOptions | None = None) -> EvalResult:
    """Run (or plan, with ``dry_run``) the PRD's eval plan and aggregate the verdict."""
    opts = opts or EvalOptions()
    loaded = load_prd(prd_path)
    suite = compile_suite(loaded, use_cache=opts.use_cache, selection=opts.selection)
    return await run_suite(suite, opts, key=loaded.key, evidence=EVAL_EVIDENCE)


Aggregator = Callable[[Suite, AnyRunStore, str, dict[str, Any]], dict[str, Any]]
ReportWriter = Callable[[dict[str, Any], Path], dict[str, Path]]


async def run_suite(
    suite: Suite,
    opts: EvalOptions,
    *,
    key: str,
    aggregate: Aggregator | None = None,
    write_reports: ReportWriter | None = None,
    evidence: EvidenceSpec | None = None,
) -> EvalResult:
    """Run a compiled suite through the store: resume, cost cap, Ctrl-C, aggregation.

    The one runner every capability shares: ``gonogo eval`` runs the eval plan's suite;
    others (the red team) run their own suite under their own store ``key`` with their own
    ``aggregate`` (records → result document, whose ``verdict`` sets the exit code) and
    ``write_reports``. ``evidence`` appends the finished run to the PRD's evidence log (the
    launch checklist's input). The suite is closed at the end.
    """
    store: AnyRunStore | None = None
    try:
        location = opts.store_path or state_dir(suite.loaded) / "runs.sqlite"
        store = open_run_store(location) if is_url(location) else RunStore(Path(location))
        run_id, done, meta = open_run(store, suite, resume=opts.resume, key=key)
        remaining = [
            (c, s) for c in suite.cases for s in range(suite.repeats) if (c.key, s) not in done
        ]
        plan = plan_run(
            suite, remaining, estimate=opts.estimate or opts.dry_run or opts.max_cost is not None
        )
        if opts.max_cost is not None:
            unpriced = sorted({e.model for e in plan.estimates
                               if e.cost_usd is None and e.calls > e.cached_calls})  # fmt: skip
            if unpriced:
                plan.notes.append(
                    f"--max-cost {opts.max_cost:g} cannot be enforced for {', '.join(unpriced)}: "
                    "no price, so its calls count as free; add the model to the PRD's `prices` "
                    "(USD per million input/output tokens)"
                )
            elif not plan.estimates:
                plan.notes.append(
                    f"--max-cost {opts.max_cost:g} counts only the costs the target reports "
                    "(a Python or HTTP target that reports none costs nothing to it)"
                )
        result = EvalResult(plan=plan, resumed=len(done), store_path=store.path)
        if opts.dry_run:
            return result
        if run_id is None:
            run_id = store.create_run(key, suite.fingerprint(), meta)
        result.run_id = run_id
        if opts.on_start is not None:
            opts.on_start(plan, len(done))
        if aggregate is None:
            from .._preload import preload_soon

            preload_soon(["gonogo.results"] + (["gonogo.report"] if opts.out_dir else []))
        executor = Executor(
            suite,
            store,
            run_id,
            done=done,
            max_cost=opts.max_cost,
            est_cost_per_item=plan.cost_per_item,
            on_progress=opts.on_progress,
        )
        t0 = time.perf_counter()
        try:
            outcome = await executor.run()
        except RunError:
            meta["wall_s"] = meta.get("wall_s", 0.0) + time.perf_counter() - t0
            with contextlib.suppress(RunError):  # the store itself may be what failed
                store.finish_run(run_id, "failed", meta, None)
            raise
        except (KeyboardInterrupt, asyncio_cancelled()):
            # Ctrl-C: what completed is stored; report it as INCOMPLETE (exit 3), resumable.
            store.commit()
            outcome = RunOutcome("partial", "interrupted", executor.progress.done)
        update_run_meta(meta, suite, outcome, time.perf_counter() - t0)
        result.outcome = outcome
        with finishing_writes() as pressed:  # a Ctrl-C now waits for results and reports
            result.results = (aggregate or _aggregate)(suite, store, run_id, meta)
            texts = case_texts(result.results)  # the cases encoded once, written three times
            store.finish_run(run_id, outcome.status, meta, result.results, texts=texts)
            if evidence is not None:
                extra = {"datasets": dataset_hashes(suite.datasets)} if evidence.datasets else None
                verdict = str(result.results["verdict"])
                figures = evidence.figures(result.results)
                await record(
                    suite.loaded, evidence.kind, verdict, figures, f"run:{run_id}", extra=extra
                )
            if opts.out_dir is not None:
                if write_reports is None:
                    from ..report import write_reports as write_eval_reports

                    result.paths = write_eval_reports(result.results, opts.out_dir, texts=texts)
                else:
                    result.paths = write_reports(result.results, opts.out_dir)
        result.held_interrupt = bool(pressed)
        return result
    finally:
        await suite.aclose()
        if store is not None:
            with contextlib.suppress(RunError):  # already reported, if it failed
                store.close()


@contextlib.contextmanager
def finishing_writes() -> Iterator[list[bool]]:
    """Hold off one Ctrl-C while a finished run is aggregated, stored and written.

    These take well under a second; cut in the middle, the run was stored as finished but
    its evidence and reports were missing, and the command said only "aborted". The first
    Ctrl-C is noted (``EvalResult.held_interrupt``, said by the CLI); a second one
    interrupts at once (a hung database write stays stoppable). Only on the main thread,
    where signal handlers live.
    """
    import signal
    import threading

    pressed: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return

    def note(signum: int, frame: Any) -> None:
        if pressed:
            raise KeyboardInterrupt
        pressed.append(True)

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def asyncio_cancelled() -> type[BaseException]:
    import asyncio

    return asyncio.CancelledError


def open_run(
    store: AnyRunStore, suite: Suite, *, resume: bool, key: str
) -> tuple[str | None, set[tuple[str, int]], dict[str, Any]]:
    """A new run's meta, or (``resume``) the last unfinished run under ``key`` to continue."""
    if not resume:
        return None, set(), new_run_meta(suite)
    row = store.latest_run(key)
    if row is None:
        raise UserError(
            f"nothing to resume: no earlier run of {suite.loaded.path.name}",
            "drop --resume to start a new run",
        )
    if row.status == "completed":
        raise UserError(
            f"nothing to resume: the last run ({row.id}) completed",
            "drop --resume to start a new run (the cache makes it cheap)",
        )
    if row.fingerprint != suite.fingerprint():
        raise UserError(
            f"cannot resume run {row.id}: the PRD, its datasets or repeats changed "
            "since it started",
            "drop --resume to start a new run",
        )
    meta = row.meta
    meta["resumed_at"] = [*meta.get("resumed_at", []), _now()]
    return row.id, store.done_keys(row.id), meta


def _prompt_of(prd: Any) -> dict[str, Any] | None:
    """The PRD's prompt name and version (the dashboard's trends by prompt version)."""
    prompt = getattr(prd.model, "prompt", None) if prd.model is not None else None
    if prompt is None:
        return None
    return {"name": getattr(prompt, "name", None), "version": getattr(prompt, "version", None)}


def new_run_meta(suite: Suite) -> dict[str, Any]:
    """A new run's ``meta`` (what results.json records about the run), status "running"."""
    prd = suite.prd
    return {
        "started_at": _now(),
        "prd_path": str(suite.loaded.path),
        "prd_sha256": suite.loaded.sha256,
        "feature": prd.feature,
        "target": suite.target.name,
        "prompt": _prompt_of(prd),
        "repeats": suite.repeats,
        "gonogo_version": __version__,
        "status": "running",
        "stopped_reason": None,
        "datasets": [
            {"name": d.name, "path": d.path, "sha256": d.sha256, "cases": len(d.cases)}
            for d in suite.datasets
        ],
        "judge": None
        if suite.judge_client is None
        else {"model": suite.judge_client.model, "fingerprint": suite.judge_fingerprint},
        "scorers": suite.scorer_descriptions,
        "wall_s": 0.0,
        "calls": {"target": 0, "judge": 0, "cache_hits": 0},
        "subset": None
        if not suite.selection.active
        else {
            "selection": suite.selection.describe(),
            "cases": len(suite.cases),
            "of": sum(len(d.cases) for d in suite.datasets),
        },
    }


def update_run_meta(meta: dict[str, Any], suite: Suite, outcome: RunOutcome, wall: float) -> None:
    """Record a finished (or stopped) execution in ``meta``: status, wall time, calls."""
    meta["finished_at"] = _now()
    meta["status"] = outcome.status
    meta["stopped_reason"] = outcome.stopped_reason
    meta["wall_s"] = round(meta.get("wall_s", 0.0) + wall, 3)
    calls = meta.setdefault("calls", {"target": 0, "judge": 0, "cache_hits": 0})
    for role, client in (("target", suite.target_client), ("judge", suite.judge_client)):
        if client is not None:
            calls[role] += client.stats.calls - client.stats.cache_hits
            calls["cache_hits"] += client.stats.cache_hits
    if suite.target_client is None:
        calls["target"] += outcome.executed


def _aggregate(
    suite: Suite, store: AnyRunStore, run_id: str, meta: dict[str, Any]
) -> dict[str, Any]:
    from ..results import aggregate

    records = list(store.samples(run_id))
    run_meta = {"id": run_id, **meta}
    return aggregate(
        suite.prd, suite.cases, records, run_meta, scorer_descriptions=suite.scorer_descriptions
    )
