"""The gateway store's records, protocols, errors and API-key helpers.

These dataclasses are the contract between the gateway (which writes traces and reads the
registry on its hot path) and the storage backends (SQLite, PostgreSQL). They are plain
dataclasses, not pydantic models, because the gateway builds one per request and the
budget for all its per-request work is about a millisecond.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ...errors import RunError, UserError

Role = Literal["app", "admin", "reviewer"]
ROLES: tuple[str, ...] = ("app", "admin", "reviewer")
"""``app``: the feature endpoints; ``admin``: also the registry, keys and budgets;
``reviewer``: only the dashboard (`gonogo ui`), where it labels review items but cannot
promote or roll back (the gateway refuses it on every endpoint)."""
REVIEW_VERDICTS: tuple[str, ...] = ("pass", "fail", "skip")


class UnknownPromptError(UserError):
    """A prompt name, version or label that the registry does not have."""


class UnknownTraceError(UserError):
    """Feedback (or a lookup) names a trace id that the store does not have."""


class StoreError(RunError):
    """The store itself failed (disk full, database locked too long, server unreachable)."""


class UnknownKeyError(UserError):
    """An API key id that the store does not have."""


@dataclass(frozen=True, slots=True)
class PromptVersion:
    """One immutable version of a prompt in the registry."""

    name: str
    version: int
    system: str | None
    user: str
    model: str | None
    params: dict[str, Any]
    output_schema: dict[str, Any] | None
    content_hash: str
    created_at: float
    created_by: str
    message: str | None


@dataclass(frozen=True, slots=True)
class LabelMove:
    """One recorded move of a label: who moved it, when, from which version to which, why.

    ``kind`` is ``"move"`` for a promote and ``"rollback"`` for a rollback (an addition to
    the contract, defaulted so positional construction keeps working).
    """

    id: int
    name: str
    label: str
    from_version: int | None
    to_version: int
    actor: str
    reason: str | None
    at: float
    kind: str = "move"


@dataclass(slots=True)
class TraceRecord:
    """Everything about one gateway request (see the gateway docs for each field)."""

    id: str
    started_at: float
    endpoint: str
    api_key_id: str | None
    prompt_name: str | None
    prompt_version: int | None
    prompt_label: str | None
    model: str | None
    params: dict[str, Any]
    inputs: dict[str, Any]
    contexts: list[str]
    output: str | None
    status: int
    path: str
    attempts: list[dict[str, Any]]
    guards: list[dict[str, Any]]
    latency_ms: float
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    error: str | None
    rated_down: bool = False  # not a column: set by claim_traces (feedback rating < 0.5)


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """A rating of one trace's output: 1.0 = thumbs up, 0.0 = down, or a number in [0, 1]."""

    id: str
    trace_id: str
    rating: float
    comment: str | None
    correction: str | None
    created_at: float
    api_key_id: str | None


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A stored API key: only the sha256 of its secret is kept."""

    id: str
    name: str
    role: Role
    key_hash: str
    created_at: float
    revoked_at: float | None
    daily_budget_usd: float | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One thing for people to judge (an eval sample or a production trace), in a queue.

    ``payload`` is what the reviewer sees, copied when the item is queued: ``input``,
    ``contexts``, ``output``, ``expected`` and ``scores`` (scorer id → value, passed,
    reason). ``wanted`` is how many reviewers should label it; ``claimed_by`` holds it
    until ``claimed_until`` (a lease), so two reviewers are not shown the same item.
    """

    id: str
    queue: str
    prd_key: str
    source: str  # eval | trace
    ref: str  # run_id/case_key#sample, or the trace id
    created_at: float
    wanted: int
    payload: dict[str, Any]
    claimed_by: str | None = None
    claimed_until: float | None = None


@dataclass(frozen=True, slots=True)
class ReviewLabel:
    """A reviewer's judgement of an item: pass, fail or skip, a rubric grade, a comment."""

    item_id: str
    reviewer: str
    verdict: str  # pass | fail | skip
    grade: int | None
    comment: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class TraceFilter:
    """Which traces a search keeps (None: no filter on that field).

    ``guard``: a guard's name that acted on the trace (blocked, replaced, flagged or
    redacted), or ``"any"``; ``feedback``: ``"down"`` (rated below 0.5), ``"up"``,
    ``"any"`` or ``"none"``.
    """

    prompt_name: str | None = None
    prompt_version: int | None = None
    model: str | None = None
    path: str | None = None
    guard: str | None = None
    feedback: str | None = None
    since: float | None = None
    until: float | None = None


class GatewayStore(Protocol):
    """Registry, traces, feedback and keys; every method is async and task-safe."""

    url: str

    async def open(self) -> None:
        """Connect and create or migrate the schema."""
        ...

    async def close(self) -> None:
        """Release connections and threads."""
        ...

    async def push_prompt(
        self,
        name: str,
        *,
        system: str | None,
        user: str,
        model: str | None,
        params: dict[str, Any],
        output_schema: dict[str, Any] | None,
        actor: str,
        message: str | None,
    ) -> tuple[PromptVersion, bool]:
        """Add a version; identical content to the latest returns ``(latest, False)``."""
        ...

    async def get_prompt(self, name: str, version: int) -> PromptVersion | None:
        """One version, or None."""
        ...

    async def list_prompts(self) -> list[tuple[str, int, dict[str, int]]]:
        """Every prompt: name, latest version, labels → version."""
        ...

    async def versions(self, name: str) -> list[PromptVersion]:
        """Every version of a prompt, oldest first."""
        ...

    async def move_label(
        self, name: str, label: str, version: int, *, actor: str, reason: str | None
    ) -> LabelMove:
        """Point a label at a version (recorded); UnknownPromptError for a bad name/version."""
        ...

    async def rollback_label(
        self,
        name: str,
        label: str,
        *,
        actor: str,
        reason: str | None,
        to_version: int | None = None,
    ) -> LabelMove:
        """Move a label back to its previous target (or ``to_version``)."""
        ...

    async def label_history(self, name: str, label: str | None = None) -> list[LabelMove]:
        """Recorded moves, oldest first."""
        ...

    async def registry_revision(self) -> int:
        """A number that grows on every push and label move (cheap to poll)."""
        ...

    async def resolve_all(self) -> dict[tuple[str, str], PromptVersion]:
        """(name, label) → version for every label, plus (name, "latest")."""
        ...

    async def write_traces(self, traces: Sequence[TraceRecord]) -> None:
        """Store a batch in one transaction; durable when this returns."""
        ...

    async def get_trace(self, trace_id: str) -> TraceRecord | None:
        """One trace, or None."""
        ...

    async def list_traces(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        prompt_name: str | None = None,
        limit: int | None = None,
    ) -> list[TraceRecord]:
        """Traces newest first, filtered."""
        ...

    async def count_traces(self) -> int:
        """How many traces are stored."""
        ...

    async def claim_traces(
        self, monitor: str, worker: str, *, after: float, lease_s: float, limit: int
    ) -> list[TraceRecord]:
        """Claim up to ``limit`` traces from ``after`` on that ``monitor`` has not handled.

        Each trace is won by one worker only (a claim whose lease ended can be won again);
        the claimed traces are returned, oldest first.
        """
        ...

    async def record_monitor(
        self, monitor: str, worker: str, outcomes: Sequence[tuple[str, str, dict[str, Any] | None]]
    ) -> int:
        """Store ``(trace_id, "scored" | "skipped", scores)`` of traces this worker holds."""
        ...

    async def monitor_results(self, monitor: str, *, since: float) -> list[dict[str, Any]]:
        """Scored and skipped traces of ``monitor`` from ``since`` on, oldest first."""
        ...

    async def get_watermark(self, monitor: str) -> float | None:
        """The start time before which ``monitor`` has handled every trace."""
        ...

    async def set_watermark(self, monitor: str, value: float) -> None:
        """Move the watermark forward (never back)."""
        ...

    async def add_feedback(self, fb: FeedbackRecord) -> None:
        """Store feedback (durable on return); UnknownTraceError if the trace is missing."""
        ...

    async def list_feedback(
        self,
        *,
        since: float | None = None,
        prompt_name: str | None = None,
        limit: int | None = None,
    ) -> list[tuple[FeedbackRecord, TraceRecord]]:
        """Feedback with its trace, newest first."""
        ...

    async def add_key(self, rec: ApiKeyRecord) -> None:
        """Store a key record (its hash, never the secret)."""
        ...

    async def find_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The key with this hash (revoked ones included), or None."""
        ...

    async def list_keys(self) -> list[ApiKeyRecord]:
        """Every key, oldest first."""
        ...

    async def revoke_key(self, key_id: str) -> None:
        """Mark a key revoked; UnknownKeyError if there is no such id."""
        ...

    async def set_key_budget(self, key_id: str, daily_budget_usd: float | None) -> None:
        """Set (or with None, drop) a key's own daily budget; UnknownKeyError if no such id.

        A value that is not a finite number ≥ 0 is a UserError.
        """
        ...

    async def spend_since(self, since: float, api_key_id: str | None = None) -> float:
        """Sum of ``cost_usd`` of traces started at or after ``since``."""
        ...

    # -- the dashboard (`gonogo ui`) ---------------------------------------------------------
    async def search_traces(
        self, where: TraceFilter, *, offset: int = 0, limit: int = 50
    ) -> tuple[list[TraceRecord], int]:
        """A page of traces newest first, and how many match in all."""
        ...

    async def trace_facets(self) -> dict[str, list[Any]]:
        """Values seen in traces, for filter menus: prompt_name, prompt_version, model, path."""
        ...

    async def trace_feedback(self, trace_id: str) -> list[FeedbackRecord]:
        """Every rating of one trace, oldest first."""
        ...

    async def trace_scores(self, trace_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Trace id → the scores `gonogo monitor` gave it (merged over monitors)."""
        ...

    async def add_review_items(self, items: Sequence[ReviewItem]) -> int:
        """Queue items (an item already in its queue is kept as it is); returns how many new."""
        ...

    async def claim_review_item(
        self, prd_key: str, queue: str, reviewer: str, *, lease_s: float = 600.0
    ) -> ReviewItem | None:
        """The next item of a queue for ``reviewer``, held for ``lease_s`` (None: done).

        An item this reviewer already holds comes first; an item another reviewer holds
        (lease not ended), one this reviewer labelled or skipped, or one with ``wanted``
        labels already, is never handed out.
        """
        ...

    async def get_review_item(self, item_id: str) -> ReviewItem | None:
        """One item, or None."""
        ...

    async def label_review_item(self, label: ReviewLabel) -> None:
        """Record (or replace) a reviewer's label of an item and release their claim."""
        ...

    async def review_queues(self, prd_key: str) -> list[dict[str, Any]]:
        """Per queue of a PRD: ``queue``, ``items``, ``done`` (labelled as wanted), ``labels``."""
        ...

    async def review_labels(
        self, prd_key: str, queue: str | None = None
    ) -> list[tuple[ReviewItem, list[ReviewLabel]]]:
        """Every labelled item of a PRD (of one queue) with its labels (skips included)."""
        ...


class Counters(Protocol):
    """Budget and rate counters; shared across replicas when backed by Redis."""

    async def add(self, key: str, amount: float, ttl_s: int) -> float:
        """Add to a counter (created with a ``ttl_s`` lifetime); returns the new total."""
        ...

    async def get(self, key: str) -> float:
        """A counter's total (0.0 when absent or expired)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


# -- keys ------------------------------------------------------------------------------
def hash_key(secret: str) -> str:
    """The sha256 hex digest stored in place of an API key's secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


MAX_KEY_NAME = 200


def check_key_name(name: str) -> None:
    """A key's name: printable text (no CR, LF or other control character), ≤ 200 chars.

    The one rule for ``gonogo keys create`` and the admin API alike: a name goes into
    listings and logs, where a line break could forge a line.
    """
    if not isinstance(name, str) or not name.strip():
        raise UserError("a key needs a name", "name it after the app or person using it")
    if len(name) > MAX_KEY_NAME or not name.isprintable():
        raise UserError(
            f"a key's name must be printable text of at most {MAX_KEY_NAME} characters "
            "(no line breaks or other control characters)",
            "name the key after the app or person using it",
        )


def new_api_key(
    name: str, role: str, daily_budget_usd: float | None = None
) -> tuple[str, ApiKeyRecord]:
    """A fresh key: ``(secret shown once, record holding only its hash)``."""
    if role not in ROLES:
        raise UserError(f"unknown key role '{role}'", "use --role app, admin or reviewer")
    check_key_name(name)
    from ._rows import check_budget  # _rows imports this module

    daily_budget_usd = check_budget(daily_budget_usd)
    key_id = "gk_" + secrets.token_hex(4)
    secret = f"gng_{key_id[3:]}_{secrets.token_urlsafe(24)}"
    rec = ApiKeyRecord(
        id=key_id,
        name=name,
        role=role,  # type: ignore[arg-type]  # checked against ROLES above
        key_hash=hash_key(secret),
        created_at=time.time(),
        revoked_at=None,
        daily_budget_usd=daily_budget_usd,
    )
    return secret, rec


def version_text(pv: PromptVersion) -> str:
    """A version as readable text (what ``gonogo prompt show`` prints and both diffs compare)."""
    parts = [f"model: {pv.model or '-'}", f"params: {json.dumps(pv.params, sort_keys=True)}"]
    if pv.output_schema is not None:
        schema = json.dumps(pv.output_schema, indent=2, sort_keys=True)
        parts.append("output_schema:\n" + schema)
    parts.append("system:\n" + (pv.system if pv.system is not None else "-"))
    parts.append("user:\n" + pv.user)
    return "\n".join(parts) + "\n"


def content_hash(
    system: str | None,
    user: str,
    model: str | None,
    params: dict[str, Any],
    output_schema: dict[str, Any] | None,
) -> str:
    """sha256 of a prompt version's content (what makes two pushes "identical")."""
    blob = json.dumps(
        {
            "system": system,
            "user": user,
            "model": model,
            "params": params,
            "output_schema": output_schema,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class _LabelStack:
    """Replays a label's history to find what a rollback goes back to.

    A promote pushes the version it moved away from; a rollback pops back to it. So after
    1 → 2 → 3, rollbacks go to 2, then 1, then fail ("nothing to roll back to"), instead of
    toggling between the last two versions.
    """

    current: int | None = None
    stack: list[int] = field(default_factory=list)

    def replay(self, moves: Sequence[tuple[int | None, int, str]]) -> _LabelStack:
        for from_v, to_v, kind in moves:
            if kind == "rollback":
                if to_v in self.stack:
                    del self.stack[_last_index(self.stack, to_v) :]
            elif from_v is not None and from_v != to_v:
                self.stack.append(from_v)
            self.current = to_v
        return self

    def target(self) -> int | None:
        for v in reversed(self.stack):
            if v != self.current:
                return v
        return None


def _last_index(items: list[int], value: int) -> int:
    return len(items) - 1 - items[::-1].index(value)
