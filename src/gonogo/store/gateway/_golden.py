"""Traces and rated outputs → golden-dataset rows (closing the loop to the eval plan).

Each row is one JSON object that ``gonogo.data.load_dataset`` reads as a case:

``id``
    ``trace-<trace id>`` or ``fb-<feedback id>`` (unique in the file).
``input``
    The template variables the caller sent to the prompt endpoint; for a plain chat
    request, ``{"input": <last user message>}`` (the full ``messages`` go to metadata).
``expected``
    Feedback rows: the user's correction when there is one, else the output itself when it
    was rated good (rating ≥ 0.5); absent for outputs rated bad without a correction and
    for plain trace rows.
``contexts``
    The contexts the caller passed (RAG), when any.

Rows that repeat a case already written (same inputs, contexts and expected answer: the
``metadata.content_hash``) are left out, so a question asked a thousand times is one row.
``tags``
    ``source:trace`` / ``source:feedback``, ``prompt:<name>@<version>``,
    ``label:<label>``, ``path:<path>``, and for feedback ``rating:up|down``.
``metadata``
    ``trace_id``, ``prompt``, ``prompt_version``, ``model``, ``output``, ``status``,
    ``started_at`` (and ``messages`` for chat traces); feedback rows add ``rating``,
    ``comment``, ``correction``, ``feedback_id``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..._safejson import dumps
from ...data._append import case_key
from ._types import FeedbackRecord, GatewayStore, TraceRecord

GOOD_RATING = 0.5


def _inputs(trace: TraceRecord) -> tuple[dict[str, Any], dict[str, Any]]:
    """(case inputs, extra metadata) of a trace."""
    variables = trace.inputs.get("variables")
    if isinstance(variables, dict) and variables:
        return dict(variables), {}
    messages = trace.inputs.get("messages")
    if isinstance(messages, list):
        last = next(
            (
                m.get("content")
                for m in reversed(messages)
                if isinstance(m, dict) and m.get("role") == "user"
            ),
            None,
        )
        text = last if isinstance(last, str) else json.dumps(last, ensure_ascii=False)
        return {"input": text or ""}, {"messages": messages}
    return {"input": ""}, {}


def _tags(trace: TraceRecord) -> list[str]:
    tags = []
    if trace.prompt_name is not None:
        tags.append(f"prompt:{trace.prompt_name}@{trace.prompt_version}")
    if trace.prompt_label:
        tags.append(f"label:{trace.prompt_label}")
    tags.append(f"path:{trace.path}")
    return tags


def trace_to_golden(trace: TraceRecord) -> dict[str, Any]:
    """A golden-dataset row from one trace (no ``expected``: nobody judged the output)."""
    inputs, extra = _inputs(trace)
    row: dict[str, Any] = {
        "id": f"trace-{trace.id}",
        "input": inputs,
        "tags": ["source:trace", *_tags(trace)],
        "metadata": {
            "trace_id": trace.id,
            "prompt": trace.prompt_name,
            "prompt_version": trace.prompt_version,
            "model": trace.model,
            "output": trace.output,
            "status": trace.status,
            "started_at": trace.started_at,
            **extra,
        },
    }
    if trace.contexts:
        row["contexts"] = list(trace.contexts)
    return row


def feedback_to_golden(fb: FeedbackRecord, trace: TraceRecord) -> dict[str, Any]:
    """A golden-dataset row from a rated output: correction or good output → expected."""
    row = trace_to_golden(trace)
    row["id"] = f"fb-{fb.id}"
    good = fb.rating >= GOOD_RATING
    row["tags"] = ["source:feedback", f"rating:{'up' if good else 'down'}", *row["tags"][1:]]
    if fb.correction:
        row["expected"] = fb.correction
    elif good and trace.output is not None:
        row["expected"] = trace.output
    row["metadata"].update(
        feedback_id=fb.id, rating=fb.rating, comment=fb.comment, correction=fb.correction
    )
    return row


def dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with repeated cases left out (the first kept); each marked with its hash."""
    seen: set[str] = set()
    out = []
    for row in rows:
        digest = case_key(row.get("input"), row.get("contexts"), row.get("expected"))
        if digest in seen:
            continue
        seen.add(digest)
        row["metadata"]["content_hash"] = digest
        out.append(row)
    return out


def write_jsonl(rows: list[dict[str, Any]], out: str | Path) -> int:
    """Write rows one JSON object a line (folders created); returns how many.

    Each row is exactly one line for every reader: U+2028, U+2029 and U+0085 inside
    strings are written as escapes (see :func:`gonogo._safejson.dumps`).
    """
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(dumps(row, one_line=True) + "\n")
    return len(rows)


async def export_traces(
    store: GatewayStore,
    out: str | Path,
    *,
    since: float | None = None,
    until: float | None = None,
    prompt_name: str | None = None,
    limit: int | None = None,
    only_ok: bool = False,
) -> int:
    """Write traces as golden rows (oldest first); ``only_ok`` keeps HTTP 2xx answers."""
    traces = await store.list_traces(since=since, until=until, prompt_name=prompt_name, limit=limit)
    rows = [trace_to_golden(t) for t in reversed(traces) if not only_ok or 200 <= t.status < 300]
    return write_jsonl(dedupe(rows), out)


async def export_feedback(
    store: GatewayStore,
    out: str | Path,
    *,
    since: float | None = None,
    prompt_name: str | None = None,
    min_rating: float | None = None,
    below_rating: float | None = None,
    limit: int | None = None,
) -> int:
    """Rated outputs as golden rows (oldest first), ``min_rating`` ≤ rating < ``below_rating``."""
    pairs = await store.list_feedback(since=since, prompt_name=prompt_name, limit=limit)
    rows = [
        feedback_to_golden(fb, t)
        for fb, t in reversed(pairs)
        if (min_rating is None or fb.rating >= min_rating)
        and (below_rating is None or fb.rating < below_rating)
    ]
    return write_jsonl(dedupe(rows), out)
