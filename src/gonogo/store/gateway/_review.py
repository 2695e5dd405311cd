"""Shaping the dashboard's query results, the same for both backends."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ._rows import REVIEW_ITEM_COLUMNS, review_item_from_row, review_label_from_row
from ._types import ReviewItem, ReviewLabel

FACETS = ("prompt_name", "prompt_version", "model", "path")
_ITEM_WIDTH = len(REVIEW_ITEM_COLUMNS.split(","))


def merge_scores(rows: Sequence[Sequence[Any]]) -> dict[str, dict[str, Any]]:
    """``(trace_id, scores)`` rows → trace id → scorer id → score (later monitors win)."""
    out: dict[str, dict[str, Any]] = {}
    for trace_id, scores in rows:
        parsed = json.loads(scores) if isinstance(scores, str | bytes) else scores
        if isinstance(parsed, dict):
            out.setdefault(str(trace_id), {}).update(parsed)
    return out


def queue_counts(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """``(queue, items, done, labels)`` rows as dicts."""
    return [{"queue": q, "items": int(n), "done": int(d or 0), "labels": int(lb or 0)}
            for q, n, d, lb in rows]  # fmt: skip


def group_labels(rows: Sequence[Sequence[Any]]) -> list[tuple[ReviewItem, list[ReviewLabel]]]:
    """Item-and-label rows (by item) → each item with its labels."""
    out: list[tuple[ReviewItem, list[ReviewLabel]]] = []
    for row in rows:
        values = list(row)
        item_id = values[0]
        if not out or out[-1][0].id != item_id:
            out.append((review_item_from_row(values[:_ITEM_WIDTH]), []))
        out[-1][1].append(review_label_from_row(values[_ITEM_WIDTH:]))
    return out
