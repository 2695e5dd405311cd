"""Row ↔ record conversion and checks shared by the SQLite and PostgreSQL backends.

Both backends store the same columns; JSON-valued fields travel as JSON text (SQLite
TEXT, PostgreSQL jsonb), so one pair of functions converts in both directions.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from ..._safejson import dumps, safe_text
from ...errors import UserError
from ._types import (
    REVIEW_VERDICTS,
    ApiKeyRecord,
    FeedbackRecord,
    LabelMove,
    PromptVersion,
    ReviewItem,
    ReviewLabel,
    TraceRecord,
)

# column order of the `traces` table (both backends)
TRACE_COLUMNS: tuple[str, ...] = (
    "id",
    "started_at",
    "endpoint",
    "api_key_id",
    "prompt_name",
    "prompt_version",
    "prompt_label",
    "model",
    "params",
    "inputs",
    "contexts",
    "output",
    "status",
    "path",
    "attempts",
    "guards",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "error",
)
_JSON_TRACE = frozenset({"params", "inputs", "contexts", "attempts", "guards"})
PROMPT_COLUMNS = (
    "name, version, system, user_tpl, model, params, output_schema, content_hash, "
    "created_at, created_by, message"
)
MOVE_COLUMNS = "id, name, label, from_version, to_version, actor, reason, at, kind"
FEEDBACK_COLUMNS = "id, trace_id, rating, comment, correction, created_at, api_key_id"
KEY_COLUMNS = "id, name, role, key_hash, created_at, revoked_at, daily_budget_usd"
REVIEW_ITEM_COLUMNS = (
    "id, queue, prd_key, source, ref, created_at, wanted, payload, claimed_by, claimed_until"
)
REVIEW_LABEL_COLUMNS = "item_id, reviewer, verdict, grade, comment, created_at"
MAX_COMMENT = 10_000

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/]{0,199}")


def _dumps(value: Any) -> str:
    # no NUL in any string: PostgreSQL refuses it in text and jsonb alike
    return dumps(value, compact=True, no_nul=True)


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def check_name(kind: str, value: str) -> None:
    """Names and labels: letters, digits, ``_ . - /`` (so ``name@3`` and ``name:label`` parse)."""
    if (not isinstance(value, str) or not _NAME.fullmatch(value)
            or any(part in (".", "..", "") for part in value.split("/"))):  # fmt: skip
        # a `..` or empty segment makes URLs built from the name point elsewhere
        raise UserError(
            f"invalid {kind} {value!r}",
            f"a {kind} starts with a letter or digit and uses only letters, digits, "
            "'_', '.', '-' or '/' (at most 200 characters; no '.', '..' or empty part "
            "between slashes)",
        )


def trace_row(t: TraceRecord) -> tuple[Any, ...]:
    """A trace as the `traces` table's column values (text always valid UTF-8, redacted)."""
    return tuple(_column(c, getattr(t, c)) for c in TRACE_COLUMNS)


def _column(name: str, value: Any) -> Any:
    if name in _JSON_TRACE:
        return _dumps(value)
    return safe_text(value, no_nul=True) if isinstance(value, str) else value


def trace_from_row(row: Sequence[Any]) -> TraceRecord:
    """A `traces` row (columns in TRACE_COLUMNS order) as a TraceRecord."""
    values = {
        c: (_loads(v) if c in _JSON_TRACE else v) for c, v in zip(TRACE_COLUMNS, row, strict=True)
    }
    return TraceRecord(**values)


def candidate_from_row(row: Sequence[Any]) -> TraceRecord:
    """A monitor candidate: a trace's columns, then whether it was rated down."""
    t = trace_from_row(row[:-1])
    t.rated_down = bool(row[-1])
    return t


def prompt_row(p: PromptVersion) -> tuple[Any, ...]:
    """A prompt version as `prompt_versions` column values."""
    return (
        p.name,
        p.version,
        p.system,
        p.user,
        p.model,
        _dumps(p.params),
        None if p.output_schema is None else _dumps(p.output_schema),
        p.content_hash,
        p.created_at,
        p.created_by,
        p.message,
    )


def prompt_from_row(r: Sequence[Any]) -> PromptVersion:
    """A `prompt_versions` row as a PromptVersion."""
    return PromptVersion(
        name=r[0],
        version=int(r[1]),
        system=r[2],
        user=r[3],
        model=r[4],
        params=_loads(r[5]),
        output_schema=None if r[6] is None else _loads(r[6]),
        content_hash=r[7],
        created_at=float(r[8]),
        created_by=r[9],
        message=r[10],
    )


def move_from_row(r: Sequence[Any]) -> LabelMove:
    """A `label_moves` row as a LabelMove."""
    return LabelMove(
        id=int(r[0]),
        name=r[1],
        label=r[2],
        from_version=None if r[3] is None else int(r[3]),
        to_version=int(r[4]),
        actor=r[5],
        reason=r[6],
        at=float(r[7]),
        kind=r[8],
    )


def feedback_row(fb: FeedbackRecord) -> tuple[Any, ...]:
    """Feedback as `feedback` column values (rating checked to lie in [0, 1])."""
    rating = float(fb.rating)
    if not 0.0 <= rating <= 1.0:
        raise UserError(
            f"feedback rating {fb.rating!r} is outside [0, 1]",
            "use 1.0 for thumbs up, 0.0 for thumbs down, or a number in between",
        )
    comment, correction = (
        None if v is None else safe_text(v, no_nul=True) for v in (fb.comment, fb.correction)
    )
    return (fb.id, fb.trace_id, rating, comment, correction, fb.created_at, fb.api_key_id)


def feedback_from_row(r: Sequence[Any]) -> FeedbackRecord:
    """A `feedback` row as a FeedbackRecord."""
    return FeedbackRecord(
        id=r[0],
        trace_id=r[1],
        rating=float(r[2]),
        comment=r[3],
        correction=r[4],
        created_at=float(r[5]),
        api_key_id=r[6],
    )


def key_row(k: ApiKeyRecord) -> tuple[Any, ...]:
    """A key record as `api_keys` column values."""
    return (k.id, k.name, k.role, k.key_hash, k.created_at, k.revoked_at, k.daily_budget_usd)


def key_from_row(r: Sequence[Any]) -> ApiKeyRecord:
    """An `api_keys` row as an ApiKeyRecord."""
    return ApiKeyRecord(
        id=r[0],
        name=r[1],
        role=r[2],
        key_hash=r[3],
        created_at=float(r[4]),
        revoked_at=None if r[5] is None else float(r[5]),
        daily_budget_usd=None if r[6] is None else float(r[6]),
    )


def check_budget(daily_budget_usd: float | None) -> float | None:
    """A key's daily budget: None (no limit of its own) or a finite USD amount ≥ 0."""
    if daily_budget_usd is None:
        return None
    if isinstance(daily_budget_usd, bool) or not isinstance(daily_budget_usd, int | float):
        raise UserError(
            f"a daily budget must be a number, not {daily_budget_usd!r}",
            "pass a USD amount ≥ 0, or none to drop the key's own limit",
        )
    try:
        value = float(daily_budget_usd)
    except OverflowError:  # an int too large for a float (e.g. from JSON)
        value = math.inf
    if not math.isfinite(value) or value < 0:
        raise UserError(
            f"a daily budget must be a finite USD amount ≥ 0, not {daily_budget_usd!r}",
            "pass a USD amount ≥ 0, or none to drop the key's own limit",
        )
    return value


def unknown_prompt(name: str, version: int | None = None) -> UserError:
    """The error for a prompt name (or version) the registry does not have."""
    from ._types import UnknownPromptError

    if version is None:
        return UnknownPromptError(
            f"unknown prompt '{name}'", "push it first: gonogo prompt push PRD (see prompt list)"
        )
    return UnknownPromptError(
        f"prompt '{name}' has no version {version}",
        f"see its versions with: gonogo prompt history {name} / gonogo prompt list",
    )


def unknown_label(name: str, label: str) -> UserError:
    """The error for a label that does not point anywhere yet."""
    from ._types import UnknownPromptError

    return UnknownPromptError(
        f"prompt '{name}' has no label '{label}'",
        f"promote a version first: gonogo prompt promote {name} VERSION --label {label}",
    )


def unknown_trace(trace_id: str) -> UserError:
    """The error for feedback on a trace id the store does not have."""
    from ._types import UnknownTraceError

    return UnknownTraceError(
        f"no trace with id '{trace_id}'",
        "send the id from the X-Gonogo-Trace-Id header (or the response's `id`)",
    )


def unknown_key(key_id: str) -> UserError:
    """The error for a key id the store does not have."""
    from ._types import UnknownKeyError

    return UnknownKeyError(f"no API key with id '{key_id}'", "see the ids with: gonogo keys list")


def unknown_review_item(item_id: str) -> UserError:
    """The error for a review item id the store does not have."""
    return UserError(f"no review item with id '{item_id}'",
                     "open the review queue again: the item list may have changed")  # fmt: skip


def monitor_row(row: Sequence[Any]) -> dict[str, Any]:
    """A monitor result row (``MONITOR_RESULT_COLUMNS`` and the lowest rating) as a dict."""
    keys = ("trace_id", "status", "scores", "started_at", "prompt_name", "prompt_version",
            "model", "http_status", "path", "guards", "latency_ms", "cost_usd", "error",
            "rating")  # fmt: skip
    out = dict(zip(keys, row, strict=True))
    out["scores"] = _loads(out["scores"]) if out["scores"] is not None else None
    out["guards"] = _loads(out["guards"])
    return out


def monitor_json(scores: dict[str, Any] | None) -> str | None:
    """Scores as stored (JSON text; NUL-free for PostgreSQL)."""
    return None if scores is None else _dumps(scores)


def review_item_row(item: ReviewItem) -> tuple[Any, ...]:
    """A review item as `review_items` column values."""
    return (
        item.id, item.queue, item.prd_key, item.source, item.ref, item.created_at,
        int(item.wanted), _dumps(item.payload), item.claimed_by, item.claimed_until,
    )  # fmt: skip


def review_item_from_row(r: Sequence[Any]) -> ReviewItem:
    """A `review_items` row as a ReviewItem."""
    return ReviewItem(
        id=r[0], queue=r[1], prd_key=r[2], source=r[3], ref=r[4], created_at=float(r[5]),
        wanted=int(r[6]), payload=_loads(r[7]), claimed_by=r[8],
        claimed_until=None if r[9] is None else float(r[9]),
    )  # fmt: skip


def review_label_row(label: ReviewLabel) -> tuple[Any, ...]:
    """A label as `review_labels` column values (verdict, grade and comment checked)."""
    if label.verdict not in REVIEW_VERDICTS:
        raise UserError(f"unknown review verdict {label.verdict!r}",
                        "use " + ", ".join(REVIEW_VERDICTS))  # fmt: skip
    grade = label.grade
    if grade is not None and (isinstance(grade, bool) or not isinstance(grade, int)
                              or not -1000 <= grade <= 1000):  # fmt: skip
        raise UserError(f"a grade must be a whole number, not {grade!r}", "pick a rubric grade")
    comment = label.comment
    if comment is not None:
        if len(comment) > MAX_COMMENT:
            raise UserError(f"a comment is limited to {MAX_COMMENT} characters",
                            "shorten it")  # fmt: skip
        comment = safe_text(comment, no_nul=True)
    return (label.item_id, safe_text(label.reviewer, no_nul=True), label.verdict, grade,
            comment, label.created_at)  # fmt: skip


def review_label_from_row(r: Sequence[Any]) -> ReviewLabel:
    """A `review_labels` row as a ReviewLabel."""
    return ReviewLabel(item_id=r[0], reviewer=r[1], verdict=r[2],
                       grade=None if r[3] is None else int(r[3]), comment=r[4],
                       created_at=float(r[5]))  # fmt: skip
