"""Recording launch evidence: each finished run appends an entry to the PRD's evidence log.

The log lives beside the run store (``.gonogo/evidence.sqlite``) unless
``$GONOGO_EVIDENCE_URL`` names another (a file or ``postgresql://…``, so CI jobs on many
machines append to one log). :func:`eval_figures` is what an eval contributes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..data import Dataset
from ..spec import LoadedPRD, part_hash, prompt_hash
from ..store import Evidence, EvidenceLog, open_evidence_log
from ._suite import state_dir

EVIDENCE_ENV = "GONOGO_EVIDENCE_URL"
Figures = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class EvidenceSpec:
    """What a finished run records: its kind, its key figures, and what else it measured.

    ``datasets``: the golden datasets' hashes join the measured parts' hash (an eval
    measured them; editing a dataset makes the evidence stale).
    """

    kind: str
    figures: Figures
    datasets: bool = False


def evidence_url(loaded: LoadedPRD) -> str:
    """Where this PRD's evidence goes: ``$GONOGO_EVIDENCE_URL`` or beside its run store."""
    return os.environ.get(EVIDENCE_ENV) or str(state_dir(loaded) / "evidence.sqlite")


def open_log(loaded: LoadedPRD, url: str | None = None) -> EvidenceLog:
    """The evidence log of ``loaded`` (or at ``url``)."""
    return open_evidence_log(url or evidence_url(loaded))


async def record(
    loaded: LoadedPRD,
    kind: str,
    verdict: str,
    figures: Mapping[str, Any],
    link: str,
    *,
    extra: Mapping[str, Any] | None = None,
    url: str | None = None,
) -> Evidence:
    """Append one entry for this PRD; ``extra`` joins the measured parts' hash."""
    log = open_log(loaded, url)
    try:
        return await log.append(
            Evidence(
                kind=kind,
                prd_key=loaded.key,
                prd_hash=part_hash(loaded.prd, kind, extra),
                prompt_hash=prompt_hash(loaded.prd),
                verdict=verdict,
                figures=dict(figures),
                link=link,
            )
        )
    finally:
        await log.close()


def eval_figures(results: Mapping[str, Any]) -> dict[str, Any]:
    """An eval's key figures: each threshold, the case count, cost and tokens, the subset."""
    tot = results["totals"]
    return {
        "thresholds": [
            {k: t[k] for k in ("scorer", "metric", "estimate", "ci", "target", "status")}
            for t in results["thresholds"]
        ],
        "scorers": {s["id"]: s["kind"] for s in results["scorers"]},
        "n_cases": tot["n_cases"],
        "n_samples": tot["n_samples"],
        "cost_usd": tot["cost_usd"],
        "cost_per_1k_requests_usd": tot["cost_per_1k_requests_usd"],
        "tokens": tot["tokens"],
        "subset": (results.get("run") or {}).get("subset"),
    }


def dataset_hashes(datasets: Iterable[Dataset]) -> list[str]:
    """The golden datasets' content hashes, sorted (what an eval's evidence depends on)."""
    return sorted(d.sha256 for d in datasets)


EVAL_EVIDENCE = EvidenceSpec("eval", eval_figures, datasets=True)
