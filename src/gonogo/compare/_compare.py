"""``compare``: two variants on the same cases, tested case by case, as one library call."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import UserError
from ..run import Progress, Suite, state_dir
from ..spec import LoadedPRD, load_prd
from ..spec._variants import PRD_VARIANT, PREFERENCE
from ..store import AnyRunStore, open_run_store
from . import _document as doc
from ._preference import DEFAULT_CRITERIA, Judgement, PreferenceJudge, judge_pairs
from ._run import (
    VariantRun,
    adapt_suite,
    build_suite,
    execute,
    finish,
    open_run,
    run_fingerprint,
    store_key,
)
from ._stats import (
    ScorerComparison,
    Settings,
    add_power,
    adjust,
    by_case,
    compare_scorer,
    metric_of,
    overall,
    run_test,
)
from ._variants import VariantRef, resolve_variant

DEFAULT_FAIL_ON = frozenset({"worse", "inferior", "inconclusive", "too_small", "not_evaluated"})
"""Overall verdicts that exit 1 unless ``--fail-on`` says otherwise."""
VERDICTS = (
    "better",
    "no_difference",
    "worse",
    "non_inferior",
    "inferior",
    "inconclusive",
    "too_small",
    "not_evaluated",
)


@dataclass
class CompareOptions:
    """Options of one comparison (the CLI's flags); None means "as the PRD says"."""

    mode: str | None = None
    margin: float | None = None
    min_effect: float | None = None
    alpha: float | None = None
    out_dir: Path | None = None
    repeats: int | None = None
    limit: int | None = None
    use_cache: bool = True
    resume: bool = False
    store_path: Path | str | None = None
    preference: bool | None = None
    n_resamples: int = 10_000
    seed: int = 0
    on_start: Callable[[str, int], None] | None = None  # (stage, total items)
    on_progress: Callable[[Progress], None] | None = None


@dataclass(repr=False)
class ComparisonResult:
    """What a comparison produced: comparison.json as a dict, both runs, report paths."""

    document: dict[str, Any]
    runs: dict[str, VariantRun] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"ComparisonResult(verdict={self.verdict!r})"

    @property
    def verdict(self) -> str:
        """The overall verdict (better, no_difference, worse, non_inferior, inferior…)."""
        return str(self.document["verdict"])

    def exit_code(self, fail_on: frozenset[str] | set[str] = DEFAULT_FAIL_ON) -> int:
        """1 when the overall verdict is in ``fail_on``, else 0."""
        return 1 if self.verdict in fail_on else 0


def _settings(loaded: LoadedPRD, opts: CompareOptions) -> Settings:
    cfg = loaded.prd.compare
    mode = opts.mode or (cfg.mode if cfg else "superiority")
    margin = opts.margin if opts.margin is not None else (cfg.margin if cfg else None)
    if mode == "non_inferiority" and margin is None:
        raise UserError(
            "non-inferiority needs a margin: how much worse B may be and still pass",
            "add `margin: 0.05` under `compare:` in the PRD, or pass --margin 0.05",
        )
    if mode != "non_inferiority" and opts.margin is not None:
        raise UserError("--margin only applies to non-inferiority", "add --mode non_inferiority")
    return Settings(
        mode=mode,
        margin=margin if mode == "non_inferiority" else None,
        min_effect=opts.min_effect or (cfg.min_effect if cfg else 0.1),
        alpha=opts.alpha or (cfg.alpha if cfg else 0.05),
        power=cfg.power if cfg else 0.8,
        n_resamples=opts.n_resamples,
        seed=opts.seed,
    )


def _refs(loaded: LoadedPRD, a: VariantRef | None, b: VariantRef | None) -> tuple[VariantRef, ...]:
    cfg = loaded.prd.compare
    ref_a = a if a is not None else VariantRef(cfg.baseline if cfg else PRD_VARIANT)
    if b is None:
        if cfg is None or cfg.candidate is None:
            raise UserError(
                "which variant is B? Nothing names it",
                "pass --b NAME (a variant of the PRD) or --b key=value overrides "
                "(e.g. --b model=gpt-4o-mini), or set `compare.candidate` in the PRD",
            )
        b = VariantRef(cfg.candidate)
    return ref_a, b


def _primary_ids(loaded: LoadedPRD, scorer_ids: list[str]) -> list[str]:
    cfg = loaded.prd.compare
    if cfg is not None and cfg.primary:
        return list(cfg.primary)
    gated = [t.scorer for t in loaded.prd.eval_plan.thresholds if t.scorer in scorer_ids]
    return list(dict.fromkeys(gated)) or list(scorer_ids)


def _check_same_cases(runs: list[VariantRun]) -> None:
    a, b = (r.suite for r in runs)
    if [d.sha256 for d in a.datasets] != [d.sha256 for d in b.datasets] or [
        c.key for c in a.cases
    ] != [c.key for c in b.cases]:
        raise UserError(
            "the two variants do not run on the same golden cases, so they cannot be "
            "compared case by case",
            "compare variants of one PRD with the same datasets",
        )
    if a.repeats != b.repeats:
        raise UserError("the two variants have different repeats", "use the same --repeats")


def _preference_on(loaded: LoadedPRD, opts: CompareOptions, suite: Suite) -> bool:
    cfg = loaded.prd.compare
    wanted = opts.preference if opts.preference is not None else (cfg.preference if cfg else None)
    if wanted and suite.judge_client is None:
        raise UserError(
            "a pairwise preference needs a judge, and the eval plan has none",
            "add `eval_plan.judge`, or turn the preference off",
        )
    return suite.judge_client is not None if wanted is None else bool(wanted)


async def compare(
    prd_path: str | Path,
    a: VariantRef | None = None,
    b: VariantRef | None = None,
    opts: CompareOptions | None = None,
) -> ComparisonResult:
    """Run variants A and B on the same cases and samples; test every scorer, paired.

    ``a`` defaults to ``compare.baseline`` (else the PRD as written), ``b`` to
    ``compare.candidate``. Raises ``UserError`` for bad input (unknown variants, no B,
    variants on different cases) and ``RunError`` when a run fails.
    """
    opts = opts or CompareOptions()
    t0 = time.perf_counter()
    loaded = load_prd(prd_path)
    settings = _settings(loaded, opts)
    ref_a, ref_b = _refs(loaded, a, b)
    variants = [resolve_variant(loaded, ref_a, "a"), resolve_variant(loaded, ref_b, "b")]
    runs: list[VariantRun] = []
    store: AnyRunStore | None = None
    try:
        for v in variants:
            # One response cache for both: two connections' write transactions would
            # lock each other out of the same SQLite file.
            shared = runs[0].suite.cache if runs else None
            suite = build_suite(
                loaded, v, use_cache=opts.use_cache and not runs, repeats=opts.repeats
            )
            runs.append(VariantRun(v, suite))
            adapt_suite(suite, v, opts.limit, shared_cache=shared)
        _check_same_cases(runs)
        use_pref = _preference_on(loaded, opts, runs[0].suite)  # before any call is made
        store = open_run_store(opts.store_path or state_dir(loaded) / "runs.sqlite")
        result = await _run_and_compare(loaded, runs, store, settings, opts, use_pref)
        result.document["comparison"]["wall_s"] = round(time.perf_counter() - t0, 3)
        from ._store import save_comparison

        save_comparison(store, loaded, result.document)  # for the dashboard
    finally:
        for r in runs:
            await r.suite.aclose()
        if store is not None:
            store.close()
    await _record(loaded, result.document)
    if opts.out_dir is not None:
        from ..report import write_comparison

        result.paths = write_comparison(result.document, opts.out_dir)
    return result


async def _record(loaded: LoadedPRD, doc: dict[str, Any]) -> None:
    """Append the comparison to the PRD's launch evidence log."""
    from ..run._evidence import record

    figures = {
        "variants": {k: v.get("name") for k, v in doc["variants"].items()},
        "scorers": {s["id"]: s["verdict"] for s in doc["scorers"]},
    }
    link = f"comparison:{doc['comparison'].get('id')}"
    await record(loaded, "compare", str(doc["verdict"]), figures, link)


async def _run_and_compare(
    loaded: LoadedPRD,
    runs: list[VariantRun],
    store: AnyRunStore,
    settings: Settings,
    opts: CompareOptions,
    use_pref: bool,
) -> ComparisonResult:
    cid = datetime.now(UTC).strftime("cmp-%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
    dones = [
        open_run(
            store,
            r,
            store_key(loaded, r.variant),
            run_fingerprint(r.suite, r.variant, opts.limit),
            resume=opts.resume,
            comparison_id=cid,
            limit=opts.limit,
        )
        for r in runs
    ]
    on_start = opts.on_start
    await execute(
        store,
        runs,
        dones,
        (lambda n: on_start("run", n)) if on_start else None,
        opts.on_progress,
    )
    finish(store, runs[0], runs[1])
    finish(store, runs[1], runs[0])
    document = await _analyse(loaded, runs, settings, opts, use_pref)
    document["comparison"]["id"] = cid
    return ComparisonResult(document, {"a": runs[0], "b": runs[1]})


async def _analyse(
    loaded: LoadedPRD,
    runs: list[VariantRun],
    settings: Settings,
    opts: CompareOptions,
    use_pref: bool,
) -> dict[str, Any]:
    run_a, run_b = runs
    suite = run_a.suite
    cases = suite.cases
    a, b = by_case(run_a.records), by_case(run_b.records)
    specs = {s.id: s for s in loaded.prd.eval_plan.scorers}
    scorer_ids = [s.id for s in suite.scorers]
    primary = _primary_ids(loaded, scorer_ids)
    rows = [
        compare_scorer(
            sid,
            specs.get(sid),
            metric_of(loaded.prd, sid),
            primary=sid in primary,
            cases=cases,
            a=a,
            b=b,
            repeats=suite.repeats,
            settings=settings,
        )
        for sid in scorer_ids
    ]
    pairs = doc.sample_pairs(cases, a, b)
    judged: list[Judgement] | None = None
    judge = None
    if use_pref and suite.judge_client is not None:
        cfg = loaded.prd.compare
        criteria = (cfg.preference_criteria if cfg else None) or DEFAULT_CRITERIA
        judge = PreferenceJudge(suite.judge_client, criteria)
        if opts.on_start is not None:
            opts.on_start("preference", len(pairs))
        judged = await judge_pairs(judge, pairs, _pair_progress(opts, len(pairs)))
        rows.append(_preference_row(pairs, judged, PREFERENCE in primary, suite.repeats, settings))
    adjust(rows, settings)
    for row in rows:
        add_power(row, settings)
        if row.id == PREFERENCE and row.test is not None:
            row.test = replace(row.test, reason=_preference_reason(row.test))
    verdict, reasons = overall(rows, settings)
    sims = await doc.similarities(pairs)
    document: dict[str, Any] = doc.clean(
        {
            "schema": doc.SCHEMA,
            "schema_version": doc.SCHEMA_VERSION,
            "comparison": _header(loaded, suite, opts),
            "settings": {
                "mode": settings.mode,
                "margin": settings.margin,
                "min_effect": settings.min_effect,
                "alpha": settings.alpha,
                "confidence": settings.confidence,
                "power": settings.power,
                "primary": [r.id for r in rows if r.primary],
                "preference": use_pref,
            },
            "variants": {"a": doc.variant_entry(run_a), "b": doc.variant_entry(run_b)},
            "verdict": verdict,
            "verdict_label": doc.verdict_label(verdict),
            "verdict_reasons": reasons,
            "warnings": _warnings(runs, rows),
            "scorers": [r.to_dict() for r in rows],
            "preference": doc.preference_summary(
                judged, judge.client.model if judge else None, judge.fingerprint if judge else None
            ),
            "similarity": doc.similarity_summary(sims),
            "cases": doc.case_entries(cases, a, b, rows, specs, pairs, sims, judged),
        }
    )
    return document


def _pair_progress(opts: CompareOptions, total: int) -> Callable[[int], None] | None:
    fn = opts.on_progress
    if fn is None:
        return None
    return lambda done: fn(Progress(total=total, done=done))


def _preference_row(
    pairs: list[Any], judged: list[Judgement], primary: bool, repeats: int, settings: Settings
) -> ScorerComparison:
    """The judge's preference as a paired test: per case, the share of samples each side won."""
    wins: dict[str, list[tuple[float, float]]] = {}
    for (case, _, _, _), j in zip(pairs, judged, strict=True):
        if j.winner is not None:
            wins.setdefault(case.key, []).append((float(j.winner == "a"), float(j.winner == "b")))
    xs = [sum(w[0] for w in ws) / len(ws) for ws in wins.values()]
    ys = [sum(w[1] for w in ws) / len(ws) for ws in wins.values()]
    n_cases = len({p[0].key for p in pairs})
    row = ScorerComparison(PREFERENCE, "preference", repeats == 1, primary)
    row.n_excluded = n_cases - len(xs)
    if not xs:
        row.not_evaluated = "the judge gave no usable preference"
        return row
    row.test = run_test(PREFERENCE, xs, ys, binary=repeats == 1, settings=settings)
    return row


def _preference_reason(t: Any) -> str:
    words = {
        "better": "the judge prefers B",
        "worse": "the judge prefers A",
        "too_small": "too few cases to tell which the judge prefers",
        "non_inferior": "the judge does not prefer A by more than the margin",
        "inferior": "the judge prefers A by more than the margin",
        "inconclusive": "inconclusive preference",
    }
    head = words.get(t.verdict, "no detectable preference")
    return (
        f"{head}: of {t.n} cases, B preferred in {t.wins}, A in {t.losses}, "
        f"{t.ties} ties (both orders must agree; p = {t.p_value:.3g}, "
        f"{t.p_adjusted:.3g} after Holm)."
    )


def _header(loaded: LoadedPRD, suite: Suite, opts: CompareOptions) -> dict[str, Any]:
    return {
        "id": "",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "prd_path": str(loaded.path),
        "prd_sha256": loaded.sha256,
        "feature": loaded.prd.feature,
        "gonogo_version": __version__,
        "n_cases": len(suite.cases),
        "repeats": suite.repeats,
        "limit": opts.limit,
        "datasets": [
            {"name": d.name, "path": d.path, "sha256": d.sha256, "cases": len(d.cases)}
            for d in suite.datasets
        ],
        "judge": None
        if suite.judge_client is None
        else {"model": suite.judge_client.model, "fingerprint": suite.judge_fingerprint},
        "wall_s": None,
    }


def _warnings(runs: list[VariantRun], rows: list[ScorerComparison]) -> list[str]:
    out = []
    a, b = (r.variant for r in runs)
    if a.fingerprint() == b.fingerprint():
        out.append("A and B are the same settings: any difference is noise (an A/A test)")
    for r in runs:
        tot = (r.results or {}).get("totals") or {}
        if tot.get("n_target_errors"):
            out.append(
                f"{r.variant.role.upper()} ({r.variant.label}): {tot['n_target_errors']} samples "
                "failed with target errors; they count as failed"
            )
    for row in rows:
        if row.not_evaluated:
            out.append(f"{row.id}: not compared — {row.not_evaluated}")
        elif row.n_excluded:
            out.append(f"{row.id}: {row.n_excluded} cases left out (not evaluated under A or B)")
    return out
