"""The statements both SQL backends run, written once for either placeholder style.

SQLite takes ``?`` for each parameter, PostgreSQL numbers them (``$1``, ``$2``, …). Each
function here returns a :class:`Query` — the SQL text with the backend's placeholders
and its arguments in order — so the registry, trace, feedback, key and spend queries
(their filters, ordering and limits) are written once and cannot drift apart. What
really differs stays in the backends: transactions and locking, conflict handling, and
PostgreSQL's one-statement batch insert of traces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ._rows import FEEDBACK_COLUMNS, KEY_COLUMNS, MOVE_COLUMNS, PROMPT_COLUMNS, TRACE_COLUMNS

Style = Literal["qmark", "numeric"]
"""``qmark``: ``?`` (sqlite3); ``numeric``: ``$1``, ``$2``, … (asyncpg)."""

TRACE_SELECT = f"SELECT {', '.join('t.' + c for c in TRACE_COLUMNS)} FROM traces t"
FEEDBACK_WIDTH = len(FEEDBACK_COLUMNS.split(","))
"""A feedback row joined with its trace: the first ``FEEDBACK_WIDTH`` values are feedback."""


@dataclass
class Query:
    """SQL text and its arguments, built with one backend's placeholders."""

    style: Style
    sql: str = ""
    args: list[Any] = field(default_factory=list)

    def arg(self, value: Any) -> str:
        """Add an argument; returns its placeholder."""
        self.args.append(value)
        return "?" if self.style == "qmark" else f"${len(self.args)}"

    def where(
        self, *conditions: tuple[str, Any], optional: Sequence[tuple[str, Any]] = ()
    ) -> Query:
        """`` WHERE c1 AND c2 …``: every condition, and the optional ones whose value is set.

        A condition ends with its operator (``"t.started_at >="``); the placeholder follows.
        An optional condition whose value is None is left out (no filter).
        """
        chosen = [*conditions, *((c, v) for c, v in optional if v is not None)]
        parts = [f"{cond} {self.arg(value)}" for cond, value in chosen]
        if parts:
            self.sql += " WHERE " + " AND ".join(parts)
        return self

    def then(self, sql: str) -> Query:
        """Append literal SQL."""
        self.sql += sql
        return self

    def limit(self, n: int | None) -> Query:
        """`` LIMIT n`` when ``n`` is given."""
        if n is not None:
            self.sql += f" LIMIT {self.arg(n)}"
        return self


def insert(style: Style, table: str, columns: str, row: Sequence[Any]) -> Query:
    """``INSERT INTO table (columns) VALUES (…)`` for one row."""
    q = Query(style)
    values = ", ".join(q.arg(v) for v in row)
    return q.then(f"INSERT INTO {table} ({columns}) VALUES ({values})")


# -- registry ---------------------------------------------------------------------------
def latest_prompt(style: Style, name: str) -> Query:
    """The newest version of a prompt."""
    q = Query(style, f"SELECT {PROMPT_COLUMNS} FROM prompt_versions")
    return q.where(("name =", name)).then(" ORDER BY version DESC LIMIT 1")


def prompt_version(style: Style, name: str, version: int, columns: str = PROMPT_COLUMNS) -> Query:
    """One version of a prompt (``columns="1"`` only asks whether it exists)."""
    q = Query(style, f"SELECT {columns} FROM prompt_versions")
    return q.where(("name =", name), ("version =", version))


def prompt_versions(style: Style, name: str) -> Query:
    """Every version of a prompt, oldest first."""
    q = Query(style, f"SELECT {PROMPT_COLUMNS} FROM prompt_versions")
    return q.where(("name =", name)).then(" ORDER BY version")


def label_version(style: Style, name: str, label: str) -> Query:
    """The version a label points at."""
    q = Query(style, "SELECT version FROM prompt_labels")
    return q.where(("name =", name), ("label =", label))


def label_moves(style: Style, name: str, label: str | None) -> Query:
    """Recorded moves of one label, or of every label of the prompt, oldest first."""
    q = Query(style, f"SELECT {MOVE_COLUMNS} FROM label_moves")
    return q.where(("name =", name), optional=[("label =", label)]).then(" ORDER BY id")


def set_label(style: Style, name: str, label: str, version: int) -> Query:
    """Point a label at a version (creating the label when new)."""
    q = insert(style, "prompt_labels", "name, label, version", (name, label, version))
    return q.then(" ON CONFLICT (name, label) DO UPDATE SET version = excluded.version")


def record_move(style: Style, move: Sequence[Any]) -> Query:
    """Record a label move: ``(name, label, from_version, to_version, actor, reason, at, kind)``."""
    columns = MOVE_COLUMNS.split(", ", 1)[1]  # every column but the generated id
    return insert(style, "label_moves", columns, move)


# -- traces and feedback ----------------------------------------------------------------
def trace_by_id(style: Style, trace_id: str) -> Query:
    """One trace."""
    return Query(style, TRACE_SELECT).where(("t.id =", trace_id))


def list_traces(
    style: Style,
    since: float | None,
    until: float | None,
    prompt_name: str | None,
    limit: int | None,
) -> Query:
    """Traces newest first, filtered by start time and prompt name."""
    q = Query(style, TRACE_SELECT)
    optional = [
        ("t.started_at >=", since),
        ("t.started_at <", until),
        ("t.prompt_name =", prompt_name),
    ]
    q.where(optional=optional)
    return q.then(" ORDER BY t.started_at DESC, t.id").limit(limit)


def trace_exists(style: Style, trace_id: str) -> Query:
    """``1`` when the trace exists."""
    return Query(style, "SELECT 1 FROM traces").where(("id =", trace_id))


def list_feedback(
    style: Style, since: float | None, prompt_name: str | None, limit: int | None
) -> Query:
    """Feedback joined with its trace (``FEEDBACK_WIDTH`` feedback values first), newest first."""
    fcols = ", ".join("f." + c.strip() for c in FEEDBACK_COLUMNS.split(","))
    tcols = ", ".join("t." + c for c in TRACE_COLUMNS)
    q = Query(style, f"SELECT {fcols}, {tcols} FROM feedback f JOIN traces t ON t.id = f.trace_id")
    q.where(optional=[("f.created_at >=", since), ("t.prompt_name =", prompt_name)])
    return q.then(" ORDER BY f.created_at DESC, f.id").limit(limit)


def spend_since(style: Style, since: float, api_key_id: str | None) -> Query:
    """Sum of ``cost_usd`` of traces started at or after ``since`` (of one key, or all)."""
    q = Query(style, "SELECT COALESCE(SUM(cost_usd), 0) FROM traces")
    return q.where(("started_at >=", since), optional=[("api_key_id =", api_key_id)])


# -- keys -------------------------------------------------------------------------------
def key_by_hash(style: Style, key_hash: str) -> Query:
    """The key with this hash."""
    return Query(style, f"SELECT {KEY_COLUMNS} FROM api_keys").where(("key_hash =", key_hash))


def key_exists(style: Style, key_id: str) -> Query:
    """``1`` when the key exists."""
    return Query(style, "SELECT 1 FROM api_keys").where(("id =", key_id))


def revoke_key(style: Style, key_id: str, at: float) -> Query:
    """Mark a key revoked at ``at`` unless it already is."""
    q = Query(style)
    q.sql = f"UPDATE api_keys SET revoked_at = {q.arg(at)} WHERE id = {q.arg(key_id)}"
    return q.then(" AND revoked_at IS NULL")


def set_key_budget(style: Style, key_id: str, budget: float | None) -> Query:
    """Set (or with None, drop) a key's daily budget."""
    q = Query(style)
    q.sql = f"UPDATE api_keys SET daily_budget_usd = {q.arg(budget)} WHERE id = {q.arg(key_id)}"
    return q


# -- monitor ----------------------------------------------------------------------------
MONITOR_COLUMNS = "monitor, trace_id, status, worker, claimed_at, scored_at, scores"
MONITOR_RESULT_COLUMNS = (
    "m.trace_id, m.status, m.scores, t.started_at, t.prompt_name, t.prompt_version, t.model, "
    "t.status, t.path, t.guards, t.latency_ms, t.cost_usd, t.error"
)


def monitor_candidates(
    style: Style, monitor: str, after: float, lease_before: float, limit: int
) -> Query:
    """Traces from ``after`` on that ``monitor`` has not handled, oldest first.

    Each row is a trace's columns followed by whether it was rated down.

    Not handled: no row yet; a claim whose lease ended before ``lease_before`` (its worker
    died); or sampled out and since rated down (negatively rated traces are always scored).
    """
    q = Query(style)
    rated_down = "EXISTS (SELECT 1 FROM feedback f WHERE f.trace_id = t.id AND f.rating < 0.5)"
    select = TRACE_SELECT.replace(" FROM traces t", f", {rated_down} FROM traces t")
    q.then(f"{select} LEFT JOIN monitor_scores m ON m.monitor = {q.arg(monitor)} "
           "AND m.trace_id = t.id")  # fmt: skip
    q.then(f" WHERE t.started_at >= {q.arg(after)} AND (m.trace_id IS NULL"
           f" OR (m.status = 'claimed' AND m.claimed_at < {q.arg(lease_before)})"
           " OR (m.status = 'skipped' AND EXISTS (SELECT 1 FROM feedback f"
           " WHERE f.trace_id = t.id AND f.rating < 0.5)))")  # fmt: skip
    return q.then(" ORDER BY t.started_at, t.id").limit(limit)


def monitor_claim(
    style: Style, monitor: str, trace_id: str, worker: str, now: float, lease_before: float
) -> Query:
    """Claim one trace; returns its id only when this worker won it."""
    q = Query(style)
    values = ", ".join(q.arg(v) for v in (monitor, trace_id, "claimed", worker, now))
    q.then(f"INSERT INTO monitor_scores (monitor, trace_id, status, worker, claimed_at) "
           f"VALUES ({values}) ON CONFLICT (monitor, trace_id) DO UPDATE SET "
           "status = 'claimed', worker = excluded.worker, claimed_at = excluded.claimed_at, "
           "scores = NULL, scored_at = NULL WHERE (monitor_scores.status = 'claimed' AND "
           f"monitor_scores.claimed_at < {q.arg(lease_before)}) OR monitor_scores.status = "
           "'skipped' RETURNING trace_id")  # fmt: skip
    return q


def monitor_record(
    style: Style, monitor: str, trace_id: str, worker: str, status: str, at: float,
    scores: str | None,
) -> Query:  # fmt: skip
    """Store a claimed trace's outcome (only if this worker still holds the claim)."""
    q = Query(style)
    q.then(f"UPDATE monitor_scores SET status = {q.arg(status)}, scored_at = {q.arg(at)}, "
           f"scores = {q.arg(scores)}")  # fmt: skip
    return q.where(("monitor =", monitor), ("trace_id =", trace_id), ("worker =", worker),
                   ("status =", "claimed"))  # fmt: skip


def monitor_results(style: Style, monitor: str, since: float) -> Query:
    """Every scored trace of ``monitor`` from ``since`` on, with what windows need."""
    q = Query(style)
    rating = "(SELECT MIN(f.rating) FROM feedback f WHERE f.trace_id = t.id)"
    q.then(f"SELECT {MONITOR_RESULT_COLUMNS}, {rating} FROM monitor_scores m "
           "JOIN traces t ON t.id = m.trace_id")  # fmt: skip
    return q.where(("m.monitor =", monitor), ("t.started_at >=", since)).then(
        " ORDER BY t.started_at"
    )


def get_watermark(style: Style, monitor: str) -> Query:
    """A monitor's watermark."""
    q = Query(style).then("SELECT watermark FROM monitor_state")
    return q.where(("monitor =", monitor))


def set_watermark(style: Style, monitor: str, value: float, now: float) -> Query:
    """Move a monitor's watermark (forward only)."""
    q = Query(style)
    values = ", ".join(q.arg(v) for v in (monitor, value, now))
    return q.then(f"INSERT INTO monitor_state (monitor, watermark, updated_at) VALUES ({values}) "
                  "ON CONFLICT (monitor) DO UPDATE SET watermark = excluded.watermark, "
                  "updated_at = excluded.updated_at WHERE excluded.watermark > "
                  "monitor_state.watermark")  # fmt: skip
