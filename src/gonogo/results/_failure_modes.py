"""The failure-mode table: how often each mode's detector scorers fired.

A failure mode is *detected* on a sample when any of its detector scorers failed there.
Target-error samples are left out: a timeout is not evidence of, say, invented terms
(target errors are reported on their own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..stats import proportion_interval
from ._records import CaseGroup, is_target_error, passed_of


def _counts(group: CaseGroup, detectors: Sequence[str]) -> tuple[int, int]:
    detected = evaluated = 0
    for rec in group.records:
        if is_target_error(rec):
            continue
        verdicts = [passed_of(rec, d) for d in detectors]
        if all(v is None for v in verdicts):
            continue
        evaluated += 1
        detected += any(v is False for v in verdicts)
    return detected, evaluated


def failure_mode_entry(
    mode: Any, scorer_ids: Sequence[str], groups: Sequence[CaseGroup], confidence: float
) -> dict[str, Any]:
    """The ``failure_modes[]`` entry for one row of the PRD's failure-mode table."""
    entries: list[str] = list(mode.detectors)
    detectors = [d for d in entries if d in scorer_ids]
    others = [d for d in entries if d not in scorer_ids]
    counts = [_counts(g, detectors) for g in groups] if detectors else []
    prop = proportion_interval([d for d, _ in counts], [e for _, e in counts], confidence)
    if not detectors:
        status = "no_detector"
    elif prop.n == 0:
        status = "not_evaluated"
    else:
        status = "detected" if prop.successes > 0 else "not_detected"
    return {
        "id": mode.id,
        "what": mode.what,
        "example": mode.example,
        "severity": mode.severity,
        "likelihood": mode.likelihood,
        "mitigate": mode.mitigate,
        "provoke": mode.provoke,
        "owner": mode.owner,
        "detectors": detectors,
        "other_detectors": others,
        "n_evaluated": prop.n,
        "detected": prop.successes,
        "cases_detected": sum(1 for d, _ in counts if d > 0),
        "rate": prop.estimate,
        "rate_ci": [prop.lo, prop.hi] if prop.estimate is not None else None,
        "status": status,
    }
