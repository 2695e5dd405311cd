"""``lab.json``: the lab's whole result as one versioned document (schema ``gonogo.lab`` v1).

Built from the stored runs only: the clean run's and each injected run's sample records
and results.json, plus the offline guard outcomes. The JSON Schema ships beside this
module (``lab.schema.json``) and is documented in docs/results-schema.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..compare._stats import metric_of
from ..run import Suite
from ..spec import LoadedPRD
from ..spec._lab import BUILTIN_INJECTIONS
from ._guards import OfflineGuards, guard_id, guard_records
from ._matrix import Detector, EntryRuns, Matrix, changed_samples, detection_matrix
from ._plan import LabEntry, LabPlan
from ._recall import hallucination_recall, planted

if TYPE_CHECKING:
    from ._run import LabOptions, RunOutput

SCHEMA = "gonogo.lab"
SCHEMA_VERSION = 1
MAX_CASES_PER_ENTRY = 25


def detectors_of(loaded: LoadedPRD, base: Suite, guards: OfflineGuards) -> list[Detector]:
    """The matrix's columns: every scorer of the plan, then every runtime guard."""
    specs = {s.id: s for s in loaded.prd.eval_plan.scorers}
    out = [
        Detector(d["id"], "scorer", d["kind"], metric_of(loaded.prd, d["id"]), specs.get(d["id"]))
        for d in base.scorer_descriptions
    ]
    out += [Detector(guard_id(n), "guard", guards.kinds[n]) for n in guards.names]
    return out


def own_detectors(loaded: LoadedPRD, entry: LabEntry, guards: OfflineGuards) -> list[str]:
    """The detectors a failure mode names: its ``detect`` scorers and its ``guard``."""
    fm = entry.failure_mode
    if fm is None:
        return []
    scorer_ids = {s.id for s in loaded.prd.eval_plan.scorers}
    own = [d for d in fm.detectors if d in scorer_ids]
    if fm.guard is not None:
        name = fm.guard.name or fm.id
        if name in guards.names:
            own.append(guard_id(name))
    return own


def _catches(entry: LabEntry) -> list[str]:
    out: list[str] = []
    for call in entry.calls:
        info = BUILTIN_INJECTIONS.get(call.name)
        for k in info.catches if info else ():
            if k not in out:
                out.append(k)
    return out


def _entry_runs(
    loaded: LoadedPRD, entry: LabEntry, run: RunOutput, guards: OfflineGuards
) -> EntryRuns:
    layers = [BUILTIN_INJECTIONS[c.name].layer if c.name in BUILTIN_INJECTIONS else "plugin"
              for c in entry.calls]  # fmt: skip
    fm = entry.failure_mode
    return EntryRuns(
        entry.id, entry.text, layers, _catches(entry), own_detectors(loaded, entry, guards),
        records=run.records, guard_records=guard_records(run.records, run.guard_outcomes),
        results=run.results, run_error=run.error,
        failure_mode=fm.id if fm else None, severity=fm.severity if fm else None,
    )  # fmt: skip


def build_document(
    loaded: LoadedPRD,
    base: Suite,
    plan: LabPlan,
    clean: RunOutput,
    runs: Sequence[tuple[LabEntry, RunOutput]],
    guards: OfflineGuards,
    opts: LabOptions,
) -> dict[str, Any]:
    """lab.json as a dict."""
    detectors = detectors_of(loaded, base, guards)
    entry_runs = [_entry_runs(loaded, e, r, guards) for e, r in runs]
    clean_guards = guard_records(clean.records, clean.guard_outcomes)
    kinds = frozenset(s.kind for s in loaded.prd.eval_plan.scorers)
    matrix = detection_matrix(
        base.cases, base.repeats, clean.records, clean_guards, entry_runs, detectors,
        clean_results=clean.results, alpha=opts.alpha, plan_kinds=kinds,
    )  # fmt: skip
    recall = []
    if any(planted(r) for e in entry_runs for r in e.records):
        recall = hallucination_recall(clean.records, clean_guards, entry_runs, detectors,
                                      1 - opts.alpha)  # fmt: skip
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "lab": _header(loaded, base, plan, opts),
        "clean_run": _run_view(clean),
        "runs": [{"entry": e.id, **_run_view(r)} for e, r in runs],
        "detectors": [
            {"id": d.id, "source": d.source, "kind": d.kind, "metric": d.metric} for d in detectors
        ],  # fmt: skip
        "guards": {
            "available": guards.available,
            "why_not": guards.why,
            "names": list(guards.names),
        },  # fmt: skip
        "entries": [_with_layers(r, e) for r, e in zip(matrix.entries, entry_runs, strict=True)],
        "failure_modes": _failure_modes(loaded, plan, matrix),
        "matrix": [c.to_dict() for c in matrix.cells],
        "mutation_score": matrix.mutation_score(),
        "hallucination_recall": recall,
        "cases": _cases(base, clean, runs),
    }
    doc["holes"] = [
        e["id"] for e in doc["entries"]
        if e["severity"] in opts.fail_severities and e["status"] in opts.fail_statuses
    ]  # fmt: skip
    plain: dict[str, Any] = json.loads(
        json.dumps(doc, default=str, allow_nan=True), parse_constant=_nan
    )  # NaN (an interval of one case) becomes null
    return plain


def _nan(_: str) -> None:
    return None


def _with_layers(result: Any, e: EntryRuns) -> dict[str, Any]:
    return {**result.to_dict(), "layers": e.layers}


def _header(loaded: LoadedPRD, base: Suite, plan: LabPlan, opts: LabOptions) -> dict[str, Any]:
    model = loaded.prd.model
    prompt = None
    if model is not None and loaded.prd.eval_plan.target == "model":
        prompt = {"name": model.prompt.name, "version": model.prompt.version}
    return {
        "id": "",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "prd_path": str(loaded.path),
        "prd_sha256": loaded.sha256,
        "feature": loaded.prd.feature,
        "gonogo_version": __version__,
        "target": getattr(base.target, "name", "target"),
        "prompt": prompt,
        "seed": plan.seed,
        "alpha": opts.alpha,
        "scenario": plan.scenario,
        "n_cases": len(base.cases),
        "repeats": base.repeats,
        "datasets": [
            {"name": d.name, "path": d.path, "sha256": d.sha256, "cases": len(d.cases)}
            for d in base.datasets
        ],  # fmt: skip
        "fail_on": {
            "severities": list(opts.fail_severities),
            "statuses": list(opts.fail_statuses),
        },  # fmt: skip
        "wall_s": None,
    }


def _run_view(run: RunOutput) -> dict[str, Any]:
    res = run.results or {}
    return {"run_id": run.run_id, "reused": run.reused, "verdict": res.get("verdict"),
            "wall_s": round(run.wall_s, 3), "error": run.error}  # fmt: skip


def _failure_modes(loaded: LoadedPRD, plan: LabPlan, matrix: Matrix) -> list[dict[str, Any]]:
    by_fm = {e.failure_mode: e for e in matrix.entries if e.failure_mode}
    rows = []
    for fm in loaded.prd.failure_modes:
        e = by_fm.get(fm.id)
        if e is not None:
            rows.append({"id": fm.id, "severity": fm.severity, "provoke": fm.provoke,
                         "entry": e.id, "status": e.status, "reason": e.reason})  # fmt: skip
        else:
            why = plan.skipped.get(fm.id, "not run in this lab (--only or a scenario)")
            rows.append({"id": fm.id, "severity": fm.severity, "provoke": fm.provoke,
                         "entry": None, "status": "not_in_lab", "reason": why})  # fmt: skip
    return rows


def _cases(
    base: Suite, clean: RunOutput, runs: Sequence[tuple[LabEntry, RunOutput]]
) -> list[dict[str, Any]]:
    """Per entry, the changed samples side by side (most changed first), for the HTML page."""
    cases = {c.key: c for c in base.cases}
    before = {(str(r["case_key"]), int(r.get("sample") or 0)): r for r in clean.records}
    out = []
    for entry, run in runs:
        rows = []
        for rec in run.records:
            key = (str(rec["case_key"]), int(rec.get("sample") or 0))
            old = before.get(key)
            if old is None or changed_samples([old], [rec]) == 0:
                continue
            flips = _flips(old, rec)
            rows.append((-len(flips), key, old, rec, flips))
        rows.sort(key=lambda r: (r[0], r[1]))
        for _, key, old, rec, flips in rows[:MAX_CASES_PER_ENTRY]:
            case = cases.get(key[0])
            out.append({
                "entry": entry.id, "key": key[0], "sample": key[1],
                "input": case.input_text if case else None,
                "expected": case.expected if case else None,
                "clean": _side(old), "injected": _side(rec), "flipped": flips,
                "effects": (rec.get("lab") or {}).get("effects") or [],
            })  # fmt: skip
    return out


def _side(rec: Mapping[str, Any]) -> dict[str, Any]:
    scores = rec.get("scores") or {}
    return {
        "output": rec.get("output"),
        "error": rec.get("error"),
        "contexts": rec.get("contexts"),
        "scores": {
            k: {"passed": v.get("passed"), "value": v.get("value"), "reason": v.get("reason")}
            for k, v in scores.items()
        },  # fmt: skip
    }


def _flips(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    from ..results._records import passed_of

    ids = set(a.get("scores") or {}) | set(b.get("scores") or {})
    return sorted(i for i in ids if passed_of(a, i) is True and passed_of(b, i) is False)
