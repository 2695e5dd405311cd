"""Sample records grouped by case, and the few rules every summary shares.

A sample record is what the runner stores per case x sample (see docs/results-schema.md).
A record whose ``error`` is set is a *target error*: the feature under test failed, so
every scorer counts it as failed, whatever its ``scores`` say.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..data._case import Case

Record = Mapping[str, Any]


@dataclass(slots=True)
class CaseGroup:
    """One case and its sample records, ordered by sample index."""

    key: str
    id: str
    dataset: str
    case: Case | None
    records: list[Record] = field(default_factory=list)


def group_records(cases: Sequence[Case], records: Iterable[Record]) -> list[CaseGroup]:
    """Cases in their given order, each with its records; records of unknown cases last."""
    groups: dict[str, CaseGroup] = {}
    for case in cases:
        groups[case.key] = CaseGroup(case.key, case.id, case.dataset, case)
    for rec in records:
        key = str(rec.get("case_key") or f"{rec.get('dataset', 'default')}/{rec.get('case_id')}")
        group = groups.get(key)
        if group is None:
            case_id = str(rec.get("case_id") or key.rpartition("/")[2])
            dataset = str(rec.get("dataset") or key.rpartition("/")[0] or "default")
            group = groups[key] = CaseGroup(key, case_id, dataset, None)
        group.records.append(rec)
    for group in groups.values():
        group.records.sort(key=lambda r: int(r.get("sample") or 0))
    return list(groups.values())


def is_target_error(rec: Record) -> bool:
    """The feature under test failed on this sample (timeout, invalid output…)."""
    return bool(rec.get("error"))


def score_of(rec: Record, scorer_id: str) -> Mapping[str, Any] | None:
    """The record's score dict for ``scorer_id``, or None when it has none."""
    scores = rec.get("scores") or {}
    score = scores.get(scorer_id)
    # `type(...) is dict` first: records are plain dicts and the ABC check is slow.
    return score if type(score) is dict or isinstance(score, Mapping) else None


def passed_of(rec: Record, scorer_id: str) -> bool | None:
    """Pass/fail of one scorer on one sample: False on target errors, None if not evaluated."""
    if is_target_error(rec):
        return False
    score = score_of(rec, scorer_id)
    if score is None:
        return None
    passed = score.get("passed")
    return None if passed is None else bool(passed)


def known_float(value: Any) -> float | None:
    """A finite number, or None (unknown cost, missing latency…)."""
    if type(value) is float:  # the common case, checked first: this runs per score
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    f = float(value)
    return f if math.isfinite(f) else None
