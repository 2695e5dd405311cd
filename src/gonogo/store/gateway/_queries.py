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

from ._rows import (
    FEEDBACK_COLUMNS,
    KEY_COLUMNS,
    MOVE_COLUMNS,
    PROMPT_COLUMNS,
    REVIEW_ITEM_COLUMNS,
    REVIEW_LABEL_COLUMNS,
    TRACE_COLUMNS,
)
from ._types import TraceFilter

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


# -- the dashboard: trace search --------------------------------------------------------
ACTED = ("block", "replace", "flag", "redact")
"""Guard outcomes that count as the guard having fired."""


def _guard_fired(q: Query, name: str) -> str:
    """SQL: one of the trace's guards acted (``name``: that guard; ``"any"``: any)."""
    outcomes = ", ".join(f"'{o}'" for o in ACTED)
    if q.style == "qmark":  # SQLite's JSON1
        cond = f"json_extract(g.value, '$.outcome') IN ({outcomes})"
        if name != "any":
            cond += f" AND json_extract(g.value, '$.name') = {q.arg(name)}"
        return f"EXISTS (SELECT 1 FROM json_each(t.guards) g WHERE {cond})"
    cond = f"g->>'outcome' IN ({outcomes})"
    if name != "any":
        cond += f" AND g->>'name' = {q.arg(name)}"
    return f"EXISTS (SELECT 1 FROM jsonb_array_elements(t.guards) g WHERE {cond})"


_FEEDBACK_CONDITIONS = {
    "down": "EXISTS (SELECT 1 FROM feedback f WHERE f.trace_id = t.id AND f.rating < 0.5)",
    "up": "EXISTS (SELECT 1 FROM feedback f WHERE f.trace_id = t.id AND f.rating >= 0.5)",
    "any": "EXISTS (SELECT 1 FROM feedback f WHERE f.trace_id = t.id)",
    "none": "NOT EXISTS (SELECT 1 FROM feedback f WHERE f.trace_id = t.id)",
}
FEEDBACK_FILTERS = tuple(_FEEDBACK_CONDITIONS)


def _trace_conditions(q: Query, f: TraceFilter) -> str:
    optional = [
        ("t.prompt_name =", f.prompt_name),
        ("t.prompt_version =", f.prompt_version),
        ("t.model =", f.model),
        ("t.path =", f.path),
        ("t.started_at >=", f.since),
        ("t.started_at <", f.until),
    ]
    parts = [f"{cond} {q.arg(value)}" for cond, value in optional if value is not None]
    if f.guard:
        parts.append(_guard_fired(q, f.guard))
    if f.feedback:
        parts.append(_FEEDBACK_CONDITIONS[f.feedback])
    return (" WHERE " + " AND ".join(parts)) if parts else ""


def search_traces(style: Style, f: TraceFilter, offset: int, limit: int) -> Query:
    """A page of traces matching ``f``, newest first."""
    q = Query(style, TRACE_SELECT)
    q.then(_trace_conditions(q, f))
    q.then(f" ORDER BY t.started_at DESC, t.id LIMIT {q.arg(limit)} OFFSET {q.arg(offset)}")
    return q


def count_traces(style: Style, f: TraceFilter) -> Query:
    """How many traces match ``f``."""
    q = Query(style, "SELECT COUNT(*) FROM traces t")
    return q.then(_trace_conditions(q, f))


def trace_facet(style: Style, column: str, limit: int = 200) -> Query:
    """Distinct non-null values of one trace column (for the filter menus)."""
    assert column in ("prompt_name", "prompt_version", "model", "path")
    q = Query(style, f"SELECT DISTINCT {column} FROM traces WHERE {column} IS NOT NULL")
    return q.then(f" ORDER BY {column}").limit(limit)


def trace_feedback(style: Style, trace_id: str) -> Query:
    """Every rating of a trace, oldest first."""
    q = Query(style, f"SELECT {FEEDBACK_COLUMNS} FROM feedback")
    return q.where(("trace_id =", trace_id)).then(" ORDER BY created_at, id")


def trace_scores(style: Style, trace_ids: Sequence[str]) -> Query:
    """Scores of traces by every monitor: ``(trace_id, scores)`` rows."""
    q = Query(style, "SELECT trace_id, scores FROM monitor_scores WHERE status = 'scored'")
    marks = ", ".join(q.arg(t) for t in trace_ids)
    return q.then(f" AND trace_id IN ({marks}) ORDER BY monitor")


# -- the dashboard: human review --------------------------------------------------------
REVIEW_ITEM_SELECT = f"SELECT {REVIEW_ITEM_COLUMNS} FROM review_items"
_LABELS_OF = "(SELECT COUNT(*) FROM review_labels l WHERE l.item_id = i.id AND l.verdict <> 'skip')"


def insert_review_item(style: Style, row: Sequence[Any]) -> Query:
    """Queue one item unless it is already in its queue; returns its id when added."""
    q = insert(style, "review_items", REVIEW_ITEM_COLUMNS, row)
    return q.then(" ON CONFLICT DO NOTHING RETURNING id")


def review_candidates(
    style: Style, prd_key: str, queue: str, reviewer: str, now: float, limit: int
) -> Query:
    """Items ``reviewer`` may take next: theirs first, then the oldest free ones."""
    cols = ", ".join("i." + c.strip() for c in REVIEW_ITEM_COLUMNS.split(","))
    q = Query(style, f"SELECT {cols} FROM review_items i")
    # each placeholder is its own argument: SQLite's `?` cannot be reused like `$1`
    q.then(f" WHERE i.prd_key = {q.arg(prd_key)} AND i.queue = {q.arg(queue)}"
           " AND NOT EXISTS (SELECT 1 FROM review_labels l WHERE l.item_id = i.id"
           f" AND l.reviewer = {q.arg(reviewer)}) AND {_LABELS_OF} < i.wanted"
           f" AND (i.claimed_by IS NULL OR i.claimed_until < {q.arg(now)}"
           f" OR i.claimed_by = {q.arg(reviewer)}) ORDER BY CASE WHEN i.claimed_by = "
           f"{q.arg(reviewer)} THEN 0 ELSE 1 END, i.created_at, i.id")  # fmt: skip
    return q.limit(limit)


def claim_review_item(
    style: Style, item_id: str, reviewer: str, now: float, until: float
) -> Query:
    """Hold an item for ``reviewer`` until ``until``; returns its id only when won."""
    q = Query(style)
    q.then(f"UPDATE review_items SET claimed_by = {q.arg(reviewer)}, claimed_until = "
           f"{q.arg(until)} WHERE id = {q.arg(item_id)} AND (claimed_by IS NULL OR "
           f"claimed_until < {q.arg(now)} OR claimed_by = {q.arg(reviewer)})")  # fmt: skip
    q.then(" RETURNING id")
    return q


def release_review_item(style: Style, item_id: str, reviewer: str) -> Query:
    """Drop ``reviewer``'s hold on an item."""
    q = Query(style, "UPDATE review_items SET claimed_by = NULL, claimed_until = NULL")
    return q.where(("id =", item_id), ("claimed_by =", reviewer))


def review_item(style: Style, item_id: str) -> Query:
    """One item."""
    return Query(style, REVIEW_ITEM_SELECT).where(("id =", item_id))


def upsert_review_label(style: Style, row: Sequence[Any]) -> Query:
    """A reviewer's label of an item (replacing their earlier one)."""
    q = insert(style, "review_labels", REVIEW_LABEL_COLUMNS, row)
    return q.then(" ON CONFLICT (item_id, reviewer) DO UPDATE SET verdict = excluded.verdict,"
                  " grade = excluded.grade, comment = excluded.comment,"
                  " created_at = excluded.created_at")  # fmt: skip


def review_queue_counts(style: Style, prd_key: str) -> Query:
    """Per queue: items, items labelled as often as wanted, labels (skips aside)."""
    q = Query(style, f"SELECT i.queue, COUNT(*), SUM(CASE WHEN {_LABELS_OF} >= i.wanted "
                     f"THEN 1 ELSE 0 END), SUM({_LABELS_OF}) FROM review_items i")  # fmt: skip
    return q.where(("i.prd_key =", prd_key)).then(" GROUP BY i.queue ORDER BY i.queue")


def review_labels(style: Style, prd_key: str, queue: str | None) -> Query:
    """Labelled items of a PRD: each item's columns, then one label's, by item."""
    icols = ", ".join("i." + c.strip() for c in REVIEW_ITEM_COLUMNS.split(","))
    lcols = ", ".join("l." + c.strip() for c in REVIEW_LABEL_COLUMNS.split(","))
    q = Query(style, f"SELECT {icols}, {lcols} FROM review_items i "
                     "JOIN review_labels l ON l.item_id = i.id")  # fmt: skip
    q.where(("i.prd_key =", prd_key), optional=[("i.queue =", queue)])
    return q.then(" ORDER BY i.created_at, i.id, l.created_at, l.reviewer")
