"""Build results.json: the versioned contract between the runner and every report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..stats import DEFAULT_RESAMPLES, DEFAULT_SEED
from ._cases import case_entry
from ._failure_modes import failure_mode_entry
from ._labels import confusion
from ._records import Record, group_records
from ._scorers import by_tag, summarize_scorer
from ._thresholds import evaluate_thresholds
from ._totals import totals

if TYPE_CHECKING:
    from ..data._case import Case
    from ..spec._prd import PRD

SCHEMA = "gonogo.results"
SCHEMA_VERSION = 1

_EXIT_CODES = {"GO": 0, "NO-GO": 1, "INCOMPLETE": 3}


def aggregate(
    prd: PRD,
    cases: Sequence[Case],
    records: Iterable[Record],
    run_meta: Mapping[str, Any],
    *,
    scorer_descriptions: Mapping[str, str] | Sequence[Mapping[str, Any]] | None = None,
    seed: int = DEFAULT_SEED,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> dict[str, Any]:
    """Summarise a run's sample records into the results.json dict (schema version 1).

    ``cases`` are the run's golden cases (cases without records are reported as not
    run); ``records`` the runner's sample records; ``run_meta`` is copied to ``run``.
    ``scorer_descriptions`` is ``{scorer id: text}`` or the scorers' ``describe()``
    records (``{"id", "kind", "params"}``), which are kept so the run can be rebuilt.
    The result is plain JSON data (no NaN); see docs/results-schema.md.
    """
    plan = prd.eval_plan
    groups = group_records(cases, records)
    specs = {s.id: s for s in plan.scorers}
    scorer_ids = list(specs)
    for group in groups:
        for rec in group.records:
            scorer_ids += [sid for sid in rec.get("scores") or {} if sid not in scorer_ids]
    described = _descriptions(scorer_descriptions)
    scorers = []
    for sid in scorer_ids:
        spec, info = specs.get(sid), described.get(sid, {})
        entry = summarize_scorer(
            sid,
            spec,
            groups,
            plan.confidence,
            description=info.get("description") or getattr(spec, "description", None),
            seed=seed,
            n_resamples=n_resamples,
        )
        entry["kind"] = entry["kind"] or info.get("kind")
        entry["params"] = info.get("params")
        entry["by_tag"] = by_tag(sid, spec, groups, plan.confidence)
        if entry["kind"] == "label":
            labels = getattr(spec, "labels", None)
            entry["confusion"] = confusion(sid, groups, plan.confidence, labels)
        scorers.append(entry)
    by_id = {s["id"]: s for s in scorers}
    thresholds = evaluate_thresholds(plan.thresholds, plan.gate_on, by_id, plan.confidence)
    idle = {s["id"] for s in scorers if s["pass_rate"] is None}
    gated = {t.scorer for t in plan.thresholds} or None
    case_entries = [case_entry(g, scorer_ids, idle, gated) for g in groups]
    modes = [failure_mode_entry(m, scorer_ids, groups, plan.confidence) for m in prd.failure_modes]
    budget = prd.launch.budget if prd.launch else None
    tot = totals(groups, case_entries, budget.per_1k_requests_usd if budget else None)
    run = dict(run_meta)
    verdict, reasons = _verdict(thresholds, run, tot)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "run": run,
        "verdict": verdict,
        "verdict_reasons": reasons,
        "gate": {"gate_on": plan.gate_on, "confidence": plan.confidence},
        "warnings": _warnings(scorers, thresholds, tot, run),
        "thresholds": thresholds,
        "scorers": scorers,
        "failure_modes": modes,
        "totals": tot,
        "cases": case_entries,
    }


def _descriptions(
    given: Mapping[str, str] | Sequence[Mapping[str, Any]] | None,
) -> dict[str, dict[str, Any]]:
    """Normalise ``scorer_descriptions``: ``{id: text}`` or ``[{"id", "kind", "params"}]``."""
    if not given:
        return {}
    if isinstance(given, Mapping):
        return {str(k): {"description": v} for k, v in given.items()}
    out: dict[str, dict[str, Any]] = {}
    for item in given:
        params = item.get("params")
        text = item.get("description") or (params or {}).get("description")
        out[str(item["id"])] = {"kind": item.get("kind"), "params": params, "description": text}
    return out


def _verdict(
    thresholds: list[dict[str, Any]], run: Mapping[str, Any], tot: Mapping[str, Any]
) -> tuple[str, list[str]]:
    failing = [f"{t['scorer']}: {t['message']}" for t in thresholds if not t["passed"]]
    if run.get("status") == "partial":
        why = run.get("stopped_reason") or "stopped early"
        head = (
            f"the run did not complete ({why}): {tot['n_cases_run']} of "
            f"{tot['n_cases']} cases have results"
        )
        return "INCOMPLETE", [head, *failing]
    if not thresholds:
        return "NO-GO", ["no thresholds defined: nothing is gated (add eval_plan.thresholds)"]
    if failing:
        return "NO-GO", failing
    n = len(thresholds)
    return "GO", [f"all {n} threshold{'s' if n != 1 else ''} pass"]


def _warnings(
    scorers: list[dict[str, Any]],
    thresholds: list[dict[str, Any]],
    tot: Mapping[str, Any],
    run: Mapping[str, Any],
) -> list[str]:
    out: list[str] = []
    if not thresholds:
        out.append("no thresholds: nothing is gated, so the verdict cannot be GO")
    for s in scorers:
        if s["n_not_evaluated"]:
            out.append(
                f"{s['id']}: {s['n_not_evaluated']} of {s['n_samples']} samples not evaluated"
                f" ({s['not_evaluated_reason']})"
            )
        if s["n_errors"]:
            out.append(f"{s['id']}: the scorer raised an error on {s['n_errors']} samples")
    if tot["n_target_errors"]:
        kinds = ", ".join(f"{k}: {v}" for k, v in tot["target_errors_by_kind"].items())
        out.append(
            f"{tot['n_target_errors']} samples failed with target errors ({kinds}); "
            "they count as failed"
        )
    if cost_is_missing(tot, run):
        out.append(
            f"cost unknown for {tot['cost_unknown_samples']} of {tot['n_samples']} samples "
            "(no price for the model?): cost totals include known costs only"
        )
    if tot["n_cases_run"] < tot["n_cases"]:
        out.append(f"{tot['n_cases'] - tot['n_cases_run']} cases have no results")
    return out


def cost_is_missing(tot: Mapping[str, Any], run: Mapping[str, Any]) -> bool:
    """Whether unknown costs deserve a warning: some samples lack a cost that should exist.

    A model target always has a cost (unknown only when its price is missing); a Python or
    HTTP target reports one only if it chooses to, so when none of its samples has a cost
    the cost is simply not tracked — not a warning.
    """
    if not tot["cost_unknown_samples"]:
        return False
    return bool(tot["cost_known_samples"]) or str(run.get("target", "")).startswith("model:")


def exit_code(results: Mapping[str, Any]) -> int:
    """The CLI exit code for a verdict: 0 GO, 1 NO-GO, 3 INCOMPLETE (the run did not finish)."""
    return _EXIT_CODES[str(results["verdict"])]
