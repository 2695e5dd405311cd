"""The lab's entry in the launch evidence log (what `gonogo launch` reads).

Two launch items lean on the lab: "hallucinations detected" (the recall of planted
hallucinations by the detectors the hallucination row names — its scorers and its
groundedness guard — the best lower bound among them) and "failure modes covered" (each
row's status in the lab). A lab restricted by ``--only``, ``--limit`` or a scenario is
recorded as a subset, which the checklist does not count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..spec import LoadedPRD
from ._guards import guard_id


def _hallucination_detectors(loaded: LoadedPRD) -> set[str]:
    own: set[str] = set()
    for fm in loaded.prd.failure_modes:
        if fm.provoke and "hallucinate" in fm.provoke:
            own.update(fm.detectors)
            if fm.guard is not None:
                own.add(guard_id(fm.guard.name or fm.id))
    return own


def lab_figures(loaded: LoadedPRD, doc: Mapping[str, Any], *, subset: bool) -> dict[str, Any]:
    """The figures the checklist reads, from a finished ``lab.json``."""
    rows = [r for r in doc.get("hallucination_recall") or [] if r.get("recall") is not None]
    own = _hallucination_detectors(loaded)
    pool = [r for r in rows if r["detector"] in own] or rows
    best = max(pool, key=lambda r: (r["ci"][0], r["recall"])) if pool else None
    recall = None if best is None else {
        "rate": best["recall"], "ci": best["ci"], "detector": best["detector"],
        "planted": best["planted"], "caught": best["caught"],
        "undecided": best.get("undecided", 0),
    }  # fmt: skip
    modes = {r["id"]: {"status": r["status"], "entry": r.get("entry")}
             for r in doc.get("failure_modes") or []}  # fmt: skip
    return {
        "hallucination_recall": recall,
        "failure_modes": modes,
        "mutation_score": doc.get("mutation_score"),
        "holes": [str(h) for h in doc.get("holes") or []],
        "subset": subset,
    }  # fmt: skip
