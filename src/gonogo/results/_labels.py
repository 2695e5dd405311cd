"""Classification summaries for ``label`` scorers: confusion matrix, per-label precision/recall.

Built from the labels each score recorded in its metadata (``label``, ``expected_label``).
A target error counts as the prediction ``(error)``: the case's true label was missed.
Precision and recall come with Wilson intervals, since per-label counts are often small.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..stats import wilson_interval
from ._records import CaseGroup, score_of

ERROR_LABEL = "(error)"


def _pairs(scorer_id: str, groups: Sequence[CaseGroup]) -> list[tuple[str, str]]:
    pairs = []
    for group in groups:
        for rec in group.records:
            score = score_of(rec, scorer_id) or {}
            meta = score.get("metadata") or {}
            expected = meta.get("expected_label")
            if rec.get("error"):
                expected = expected or _expected_of(group)
                if expected is not None:
                    pairs.append((str(expected), ERROR_LABEL))
                continue
            if expected is not None and "label" in meta:
                pairs.append((str(expected), str(meta["label"])))
    return pairs


def _expected_of(group: CaseGroup) -> str | None:
    expected = group.case.expected if group.case is not None else None
    return None if expected is None else str(expected).strip()


def _rate(hits: int, n: int, confidence: float) -> dict[str, Any]:
    if n == 0:
        return {"value": None, "ci": None, "n": 0}
    lo, hi = wilson_interval(hits, n, confidence)
    return {"value": hits / n, "ci": [lo, hi], "n": n}


def confusion(
    scorer_id: str, groups: Sequence[CaseGroup], confidence: float, labels: Sequence[str] | None
) -> dict[str, Any] | None:
    """The ``confusion`` entry of a label scorer, or None when it recorded no labels.

    ``matrix[i][j]`` counts samples whose expected label is ``labels[i]`` and whose output
    was ``labels[j]``; ``labels`` are the PRD's (if given) then any others seen, sorted.
    """
    pairs = _pairs(scorer_id, groups)
    if not pairs:
        return None
    seen = {label for pair in pairs for label in pair}
    order = list(labels or [])
    order += sorted(seen - set(order) - {ERROR_LABEL, "(other)"})
    order += [x for x in ("(other)", ERROR_LABEL) if x in seen]
    index = {label: i for i, label in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for expected, got in pairs:
        matrix[index[expected]][index[got]] += 1
    counts = Counter(pairs)
    per_label: dict[str, dict[str, Any]] = {}
    for label in order:
        if label in (ERROR_LABEL, "(other)"):
            continue
        tp = counts[(label, label)]
        support = sum(matrix[index[label]])
        predicted = sum(row[index[label]] for row in matrix)
        precision = _rate(tp, predicted, confidence)
        recall = _rate(tp, support, confidence)
        p, r = precision["value"], recall["value"]
        f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r > 0 else None
        per_label[label] = {
            "support": support,
            "predicted": predicted,
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
    f1s = [float(v["f1"] or 0.0) for v in per_label.values() if v["support"]]
    correct = sum(counts[(x, x)] for x in per_label)
    return {
        "labels": order,
        "matrix": matrix,
        "per_label": per_label,
        "accuracy": _rate(correct, len(pairs), confidence),
        "macro_f1": sum(f1s) / len(f1s) if f1s else None,
    }
