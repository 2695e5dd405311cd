"""``lab()``: the clean eval, one injected run per entry, the matrix — as one library call.

Every run goes through the ordinary runner (:func:`gonogo.run._evaluate.run_suite`) into
the ordinary run store: one commit per sample, the response cache, ``--resume``, Ctrl-C.
The clean run is the eval plan's own run — a completed ``gonogo eval`` run of the same
PRD, datasets and repeats is reused instead of repeated (``--fresh`` runs it again). Each
injected run is stored under the PRD's key plus ``#lab:<entry>:<fingerprint>``, so a
resumed lab continues (and reuses) exactly those runs. The target, its index and the
scorers are compiled once and shared by every run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RunError, UserError
from ..run import CaseSelection, EvalOptions, Progress, Suite, compile_suite, state_dir
from ..run._evaluate import run_suite
from ..spec import LoadedPRD, load_prd
from ..spec._lab import target_kind_of
from ..store import RunRow, RunStore
from ._build import ModelSetup, borrowed, build_stack, injected_suite, proxied
from ._guards import OfflineGuards
from ._mutate import entity_pool
from ._plan import LabEntry, LabPlan, build_plan

ProgressFn = Callable[[Progress], None]
DEFAULT_FAIL_SEVERITIES = ("high", "critical")
DEFAULT_FAIL_STATUSES = ("undetected",)


@dataclass
class LabOptions:
    """Options of one lab run (the CLI's flags)."""

    only: tuple[str, ...] = ()
    scenario: Path | None = None
    seed: int = 0
    out_dir: Path | None = None
    resume: bool = False
    fresh: bool = False
    use_cache: bool = True
    store_path: Path | None = None
    alpha: float = 0.05
    limit: int | None = None
    fail_severities: tuple[str, ...] = DEFAULT_FAIL_SEVERITIES
    fail_statuses: tuple[str, ...] = DEFAULT_FAIL_STATUSES
    through_gateway: bool = False
    record_evidence: bool = True  # append to the launch evidence log
    dry_run: bool = False  # say what would run and what it would cost; run nothing
    on_stage: Callable[[str, int], None] | None = None  # (what runs now, items)
    on_progress: ProgressFn | None = None


@dataclass
class RunOutput:
    """One run of the lab: its id, records, results.json, and whether it was reused."""

    label: str
    run_id: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Any] | None = None
    reused: bool = False
    error: str | None = None
    wall_s: float = 0.0
    guard_outcomes: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)


@dataclass(repr=False)
class LabResult:
    """What the lab produced: lab.json as a dict, report paths, the exit code."""

    document: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)
    exit_code: int = 0

    def __repr__(self) -> str:
        return f"LabResult(exit_code={self.exit_code})"


def _find(store: RunStore, key: str, fingerprint: str) -> tuple[RunRow | None, RunRow | None]:
    """The newest completed run with this fingerprint, and the newest unfinished one."""
    done = unfinished = None
    for row in store.list_runs(key, limit=50):
        if row.fingerprint != fingerprint:
            continue
        if row.status == "completed" and row.results is not None and done is None:
            done = row
        elif row.status != "completed" and unfinished is None:
            unfinished = row
    return done, unfinished


async def _run(
    suite: Suite, key: str, store: RunStore, opts: LabOptions, label: str, *, reuse: bool
) -> RunOutput:
    """Run ``suite`` under ``key`` (or reuse / resume its stored run)."""
    out = RunOutput(label)
    done, unfinished = _find(store, key, suite.fingerprint())
    if done is not None and reuse:
        out.run_id, out.results, out.reused = done.id, done.results, True
        out.records = list(store.samples(done.id))
        return out
    newest = store.latest_run(key)
    resume = opts.resume and unfinished is not None and newest is not None \
        and newest.id == unfinished.id  # fmt: skip
    if opts.on_stage is not None:
        opts.on_stage(label, len(suite.cases) * suite.repeats)
    eval_opts = EvalOptions(resume=resume, store_path=store.path, on_progress=opts.on_progress,
                            estimate=False, use_cache=opts.use_cache)  # fmt: skip
    t0 = time.perf_counter()
    try:
        result = await run_suite(suite, eval_opts, key=key)
    except RunError as e:
        out.error = e.message
        out.wall_s = time.perf_counter() - t0
        return out
    out.wall_s = time.perf_counter() - t0
    if result.outcome is not None and result.outcome.stopped_reason == "interrupted":
        # Ctrl-C: what completed is stored; stop the whole lab (`--resume` continues it)
        raise KeyboardInterrupt
    out.run_id, out.results = result.run_id, result.results
    if out.run_id is not None:
        out.records = list(store.samples(out.run_id))
    return out


POOL_NAMES = 800


def _pools(records: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """Names wrong ones are drawn from, and passages near misses are drawn from.

    The answers' names come first: they are what answers look like. The passages serve
    near misses when there is no retriever to ask (a model spec's ``{contexts}``).
    """
    passages: dict[str, None] = {}
    answers: list[str] = []
    for r in records:
        for c in r.get("contexts") or []:
            passages.setdefault(str(c), None)
        if isinstance(r.get("output"), str):
            answers.append(r["output"])
    texts = list(passages)[:2000]
    return entity_pool([*answers, *texts], limit=POOL_NAMES), texts


async def _guard_pass(guards: OfflineGuards, suite: Suite, run: RunOutput) -> None:
    if not guards.available:
        return
    questions = {c.key: c.input_text for c in suite.cases}
    for rec in run.records:
        key = (str(rec["case_key"]), int(rec.get("sample") or 0))
        run.guard_outcomes[key] = await guards.outcomes(questions.get(key[0], ""), rec)


async def lab(prd_path: str | Path, opts: LabOptions | None = None) -> LabResult:
    """Break the feature on purpose, one injection at a time; measure who notices.

    Raises ``SpecError`` / ``UserError`` for bad references (before anything runs) and
    ``RunError`` when the clean run itself fails.
    """
    opts = opts or LabOptions()
    t0 = time.perf_counter()
    loaded = load_prd(prd_path)
    plan = build_plan(loaded, only=opts.only, scenario=opts.scenario, seed=opts.seed)
    selection = CaseSelection(limit=opts.limit) if opts.limit else None
    base = compile_suite(loaded, use_cache=opts.use_cache, selection=selection)
    store = RunStore(opts.store_path or state_dir(loaded) / "runs.sqlite")
    if opts.dry_run:
        try:
            return LabResult({"dry_run": await _dry_run(loaded, base, plan, store, opts)})
        finally:
            await base.aclose()
            store.close()
    try:
        clean = await _clean_run(loaded, base, store, opts)
        if clean.error is not None or clean.results is None:
            raise RunError(f"the clean run failed: {clean.error}", "fix the feature (or its "
                           "setup) and run `gonogo lab` again with --resume")  # fmt: skip
        guards = OfflineGuards(loaded.prd)
        await _guard_pass(guards, base, clean)
        runs = await _injected_runs(loaded, base, plan, clean, store, opts, guards)
        from ._document import build_document

        document = build_document(loaded, base, plan, clean, runs, guards, opts)
        document["lab"]["wall_s"] = round(time.perf_counter() - t0, 3)
        from ._store import save_lab

        document["lab"]["id"] = save_lab(store, loaded, document)
        if opts.record_evidence:
            await _record_evidence(loaded, base, document, opts)
    finally:
        await base.aclose()
        store.close()
    result = LabResult(document, exit_code=exit_code(document, opts))
    if opts.out_dir is not None:
        from ..report._lab import write_lab_reports

        result.paths = write_lab_reports(document, opts.out_dir)
    return result


async def _dry_run(
    loaded: LoadedPRD, base: Suite, plan: LabPlan, store: RunStore, opts: LabOptions
) -> dict[str, Any]:
    """What ``lab --dry-run`` says: the runs it would make and one run's calls and cost.

    Every injected run is the eval plan run again (its answers changed by the injection),
    so its calls are one eval's, none of them cached; the clean run is reused when a
    completed eval of this PRD and dataset exists (not with ``--fresh``).
    """
    done, _ = _find(store, loaded.key, base.fingerprint())
    reused = done is not None and not opts.fresh and not opts.through_gateway
    # injected answers are new: a borrowed suite has no cache, so every call is counted
    one = await run_suite(borrowed(base), EvalOptions(dry_run=True, store_path=store.path),
                          key=f"{loaded.key}#lab-dry-run")  # fmt: skip
    assert one.plan is not None
    runs = len(plan.entries) + (0 if reused else 1)
    per_run = one.plan.total_cost_usd
    return {
        "clean_run": {"reused": done.id if reused and done is not None else None},
        "injected_runs": [
            {"id": e.id, "injection": e.text,
             "failure_mode": e.failure_mode.id if e.failure_mode else None}
            for e in plan.entries
        ],
        "skipped": dict(plan.skipped),
        "runs": runs,
        "samples_per_run": one.plan.items,
        "calls_per_run": {e.role: e.calls for e in one.plan.estimates},
        "cost_per_run_usd": per_run,
        "total_cost_usd": None if per_run is None else round(runs * per_run, 6),
        "notes": list(one.plan.notes),
    }  # fmt: skip


async def _record_evidence(
    loaded: LoadedPRD, base: Suite, document: dict[str, Any], opts: LabOptions
) -> None:
    """The lab's entry in the launch evidence log (see ``_evidence.py``)."""
    from ..run._evidence import dataset_hashes, record
    from ._evidence import lab_figures

    subset = bool(opts.only or opts.limit or opts.scenario)
    figures = lab_figures(loaded, document, subset=subset)
    verdict = "NO-GO" if document.get("holes") else "GO"
    await record(loaded, "lab", verdict, figures, f"lab:{document['lab']['id']}",
                 extra={"datasets": dataset_hashes(base.datasets)})  # fmt: skip


async def launch_step(prd_path: str | Path) -> str:
    """What `gonogo launch --run-missing` runs for the lab items: the whole lab, recorded."""
    result = await lab(prd_path, LabOptions())
    doc = result.document
    holes = doc.get("holes") or []
    return f"lab {doc['lab']['id']}: " + (f"{len(holes)} hole(s)" if holes else "no hole")


async def _clean_run(
    loaded: LoadedPRD, base: Suite, store: RunStore, opts: LabOptions
) -> RunOutput:
    """The eval plan's own run (reused when completed before), or through the gateway."""
    if not opts.through_gateway:
        return await _run(borrowed(base), loaded.key, store, opts, "clean run",
                          reuse=not opts.fresh)  # fmt: skip
    if target_kind_of(loaded.prd) != "model":
        raise UserError(
            "--through-gateway needs the PRD's model spec as the target: the gateway serves it",
            "drop --through-gateway (your app's own calls are not behind the gateway)",
        )
    setup = ModelSetup(loaded, base, [], f"{opts.seed}|clean", gateway=True)
    try:
        target = await setup.target(through_proxy=False)
        suite = borrowed(base, target=target)
        return await _run(suite, f"{loaded.key}#lab-gateway:clean", store, opts,
                          "clean run (gateway)", reuse=not opts.fresh)  # fmt: skip
    finally:
        await setup.aclose()


async def _injected_runs(
    loaded: LoadedPRD,
    base: Suite,
    plan: LabPlan,
    clean: RunOutput,
    store: RunStore,
    opts: LabOptions,
    guards: OfflineGuards,
) -> list[tuple[LabEntry, RunOutput]]:
    from ..compare._stats import by_case

    clean_by_case = by_case(clean.records)
    pools = _pools(clean.records)
    out = []
    for entry in plan.entries:
        stack = build_stack(entry.calls, loaded.base_dir)
        for inj in stack:
            await inj.setup(loaded)
        fp = entry.fingerprint(plan.seed)
        setup = ModelSetup(loaded, base, stack, f"{plan.seed}|{fp}", gateway=opts.through_gateway)
        try:
            suite = await injected_suite(loaded, base, stack, setup, clean_by_case, pools,
                                   through_proxy=proxied(loaded, stack))  # fmt: skip
            key = f"{loaded.key}#lab{'-gateway' if opts.through_gateway else ''}:{entry.id}:{fp}"
            run = await _run(suite, key, store, opts, f"lab:{entry.id}", reuse=opts.resume)
        finally:
            await setup.aclose()
        await _guard_pass(guards, base, run)
        out.append((entry, run))
    return out


def exit_code(document: Mapping[str, Any], opts: LabOptions) -> int:
    """1 when a failure mode of a failing severity has a failing status, else 0."""
    for e in document.get("entries") or []:
        if e.get("severity") in opts.fail_severities and e.get("status") in opts.fail_statuses:
            return 1
    return 0
