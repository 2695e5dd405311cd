"""PostgreSQL backend of the gateway store: several gateway replicas share one database.

asyncpg with a connection pool (extra ``postgres``). The schema is the SQLite one with
jsonb columns; migrations run under an advisory lock so replicas starting together
migrate once. Every registry write (push, promote, rollback) first locks the single
``registry_meta`` row, so two replicas or CLIs can never interleave a label move or hand
out the same version number, and the revision bump commits with the change it announces.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from ...errors import MissingDependencyError, UserError
from . import _queries as sql
from ._open import redact_url
from ._queries import Query
from ._review import FACETS, group_labels, merge_scores, queue_counts
from ._rows import (
    FEEDBACK_COLUMNS,
    KEY_COLUMNS,
    PROMPT_COLUMNS,
    TRACE_COLUMNS,
    candidate_from_row,
    check_budget,
    check_name,
    feedback_from_row,
    feedback_row,
    key_from_row,
    key_row,
    monitor_json,
    monitor_row,
    move_from_row,
    prompt_from_row,
    prompt_row,
    review_item_from_row,
    review_item_row,
    review_label_row,
    trace_from_row,
    trace_row,
    unknown_key,
    unknown_prompt,
    unknown_review_item,
    unknown_trace,
)
from ._sql import MIGRATIONS, labels_usage, new_version, rollback_target, statements
from ._types import (
    ApiKeyRecord,
    FeedbackRecord,
    LabelMove,
    PromptVersion,
    ReviewItem,
    ReviewLabel,
    StoreError,
    TraceFilter,
    TraceRecord,
)

_STYLE: sql.Style = "numeric"
_MIGRATION_LOCK = 0x676F6E6F  # pg_advisory_xact_lock key ("gono")
# PostgreSQL array type of each trace column, for the one-statement batch insert below
_TRACE_ARRAY_TYPES = {
    "started_at": "float8",
    "prompt_version": "int4",
    "status": "int4",
    "latency_ms": "float8",
    "input_tokens": "int4",
    "output_tokens": "int4",
    "cost_usd": "float8",
}
_JSON_COLUMNS = ("params", "inputs", "contexts", "attempts", "guards")
# a whole batch in one statement: one array per column, unnest()ed into rows (several
# times faster than a row-by-row executemany for batches of 10-100)
_TRACE_INSERT = (
    f"INSERT INTO traces ({', '.join(TRACE_COLUMNS)}) SELECT "
    + ", ".join(f"{c}::jsonb" if c in _JSON_COLUMNS else c for c in TRACE_COLUMNS)
    + " FROM unnest("
    + ", ".join(
        f"${i + 1}::{_TRACE_ARRAY_TYPES.get(c, 'text')}[]" for i, c in enumerate(TRACE_COLUMNS)
    )
    + f") AS t({', '.join(TRACE_COLUMNS)}) ON CONFLICT (id) DO NOTHING"
)
_LOCK_REGISTRY = "SELECT revision FROM registry_meta WHERE id = 1 FOR UPDATE"
_BUMP = "UPDATE registry_meta SET revision = revision + 1 WHERE id = 1"


class PostgresGatewayStore:
    """The gateway store in a PostgreSQL database (``postgresql://user:pw@host:port/db``)."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        _scheme, rest = url.split("://", 1)
        self._dsn = "postgresql://" + rest  # asyncpg does not know +asyncpg / postgres:
        self.url = redact_url(url)
        self._sizes = (min_size, max_size)
        self._pool: Any = None
        self._asyncpg: Any = None

    async def __aenter__(self) -> PostgresGatewayStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- plumbing ----------------------------------------------------------------------
    async def open(self) -> None:
        """Connect the pool and create or migrate the schema."""
        if self._pool is not None:
            return
        try:
            import asyncpg
        except ImportError:
            raise MissingDependencyError(
                "the PostgreSQL gateway store", "postgres", "asyncpg"
            ) from None
        self._asyncpg = asyncpg
        try:
            self._pool = await asyncpg.create_pool(
                self._dsn, min_size=self._sizes[0], max_size=self._sizes[1], command_timeout=60
            )
        except Exception as e:  # bad DSN, refused, auth, unknown database: all the user's to fix
            raise UserError(
                f"cannot connect to the PostgreSQL gateway store {self.url}: {e}",
                "check the URL (postgresql://USER:PASSWORD@HOST:PORT/DB), that the server is "
                "running and that the database exists",
            ) from None
        try:
            await self._migrate()
        except BaseException:
            await self.close()
            raise

    async def _migrate(self) -> None:
        async with self._tx() as c:
            await c.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            await c.execute("CREATE TABLE IF NOT EXISTS gonogo_gateway_schema (version INTEGER)")
            version = await c.fetchval(
                "SELECT COALESCE(MAX(version), 0) FROM gonogo_gateway_schema"
            )
            if version > len(MIGRATIONS):
                raise UserError(
                    f"the gateway store {self.url} was written by a newer gonogo "
                    f"(schema v{version})",
                    "upgrade gonogo, or pass another --store URL",
                )
            for i in range(version, len(MIGRATIONS)):
                for stmt in statements(
                    MIGRATIONS[i], json_type="JSONB", serial="BIGSERIAL PRIMARY KEY"
                ):
                    await c.execute(stmt)
                await c.execute("INSERT INTO gonogo_gateway_schema (version) VALUES ($1)", i + 1)

    async def close(self) -> None:
        """Close every pooled connection."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    def _check(self) -> Any:
        if self._pool is None:
            raise StoreError("the gateway store is not open", "call `await store.open()` first")
        return self._pool

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[Any]:
        """A pooled connection inside a transaction; driver errors become StoreError."""
        pool = self._check()
        try:
            async with pool.acquire() as conn, conn.transaction():
                yield conn
        except (self._asyncpg.PostgresError, self._asyncpg.InterfaceError, OSError) as e:
            raise StoreError(f"gateway store query failed ({self.url}): {e}") from e

    async def _fetch(self, statement: str, *args: Any) -> list[Any]:
        pool = self._check()
        try:
            return list(await pool.fetch(statement, *args))
        except (self._asyncpg.PostgresError, self._asyncpg.InterfaceError, OSError) as e:
            raise StoreError(f"gateway store query failed ({self.url}): {e}") from e

    async def _fetchrow(self, statement: str, *args: Any) -> Any:
        rows = await self._fetch(statement, *args)
        return rows[0] if rows else None

    # -- registry ----------------------------------------------------------------------
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
        async with self._tx() as c:
            await c.execute(_LOCK_REGISTRY)
            latest = await _latest(c, name)
            pv = new_version(
                name,
                latest,
                system=system,
                user=user,
                model=model,
                params=params,
                output_schema=output_schema,
                actor=actor,
                message=message,
            )
            if pv is None:
                assert latest is not None
                return latest, False
            await _execute(c, sql.insert(_STYLE, "prompt_versions", PROMPT_COLUMNS, prompt_row(pv)))
            await c.execute(_BUMP)
            return pv, True

    async def get_prompt(self, name: str, version: int) -> PromptVersion | None:
        """One version, or None."""
        q = sql.prompt_version(_STYLE, name, version)
        row = await self._fetchrow(q.sql, *q.args)
        return None if row is None else prompt_from_row(row)

    async def list_prompts(self) -> list[tuple[str, int, dict[str, int]]]:
        """Every prompt: name, latest version, labels → version."""
        latest = await self._fetch(
            "SELECT name, MAX(version) FROM prompt_versions GROUP BY name ORDER BY name"
        )
        labels: dict[str, dict[str, int]] = {}
        for name, label, version in await self._fetch(
            "SELECT name, label, version FROM prompt_labels ORDER BY name, label"
        ):
            labels.setdefault(name, {})[label] = int(version)
        return [(n, int(v), labels.get(n, {})) for n, v in latest]

    async def versions(self, name: str) -> list[PromptVersion]:
        """Every version of a prompt, oldest first."""
        q = sql.prompt_versions(_STYLE, name)
        return [prompt_from_row(r) for r in await self._fetch(q.sql, *q.args)]

    async def move_label(
        self, name: str, label: str, version: int, *, actor: str, reason: str | None
    ) -> LabelMove:
        """Point a label at a version; the move is recorded with who, when and why."""
        labels_usage(label)
        return await self._move(name, label, version, None, actor, reason)

    async def rollback_label(
        self,
        name: str,
        label: str,
        *,
        actor: str,
        reason: str | None,
        to_version: int | None = None,
    ) -> LabelMove:
        """Move a label back to its previous target (or to ``to_version``)."""
        labels_usage(label)
        return await self._move(name, label, to_version, "rollback", actor, reason)

    async def _move(
        self,
        name: str,
        label: str,
        version: int | None,
        kind: str | None,
        actor: str,
        reason: str | None,
    ) -> LabelMove:
        check_name("prompt name", name)
        async with self._tx() as c:
            await c.execute(_LOCK_REGISTRY)  # one registry writer at a time, across replicas
            if await _latest(c, name) is None:
                raise unknown_prompt(name)
            current = await _fetchval(c, sql.label_version(_STYLE, name, label))
            history = await _history(c, name, label)
            if kind == "rollback":
                version = rollback_target(name, label, current, history, version)
            assert version is not None
            exists = await _fetchval(c, sql.prompt_version(_STYLE, name, version, columns="1"))
            if exists is None:
                raise unknown_prompt(name, version)
            if version == current and kind is None and history:
                return history[-1]
            await _execute(c, sql.set_label(_STYLE, name, label, version))
            at = time.time()
            move = (name, label, current, version, actor, reason, at, kind or "move")
            move_id = await _fetchval(c, sql.record_move(_STYLE, move).then(" RETURNING id"))
            await c.execute(_BUMP)
            return LabelMove(
                int(move_id), name, label, current, version, actor, reason, at, kind or "move"
            )

    async def label_history(self, name: str, label: str | None = None) -> list[LabelMove]:
        """Recorded moves, oldest first (of one label, or of every label of the prompt)."""
        async with self._tx() as c:
            return await _history(c, name, label)

    async def registry_revision(self) -> int:
        """Grows on every push and label move (one primary-key read)."""
        row = await self._fetchrow("SELECT revision FROM registry_meta WHERE id = 1")
        return int(row[0])

    async def resolve_all(self) -> dict[tuple[str, str], PromptVersion]:
        """(name, label) → version for every label, plus (name, "latest")."""
        cols = ", ".join("v." + c.strip() for c in PROMPT_COLUMNS.split(","))
        out: dict[tuple[str, str], PromptVersion] = {}
        for row in await self._fetch(
            f"SELECT DISTINCT ON (v.name) {cols} FROM prompt_versions v "
            "ORDER BY v.name, v.version DESC"
        ):
            pv = prompt_from_row(row)
            out[(pv.name, "latest")] = pv
        for row in await self._fetch(
            f"SELECT l.label, {cols} FROM prompt_labels l JOIN prompt_versions v "
            "ON v.name = l.name AND v.version = l.version"
        ):
            pv = prompt_from_row(list(row)[1:])
            out[(pv.name, row[0])] = pv
        return out

    # -- traces and feedback -------------------------------------------------------------
    async def write_traces(self, traces: Sequence[TraceRecord]) -> None:
        """Store a batch in one transaction; durable when this returns."""
        if not traces:
            return
        columns = list(zip(*(trace_row(t) for t in traces), strict=True))
        async with self._tx() as c:
            await c.execute(_TRACE_INSERT, *columns)

    async def get_trace(self, trace_id: str) -> TraceRecord | None:
        """One trace, or None."""
        q = sql.trace_by_id(_STYLE, trace_id)
        row = await self._fetchrow(q.sql, *q.args)
        return None if row is None else trace_from_row(row)

    async def list_traces(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        prompt_name: str | None = None,
        limit: int | None = None,
    ) -> list[TraceRecord]:
        """Traces newest first, filtered by start time and prompt name."""
        q = sql.list_traces(_STYLE, since, until, prompt_name, limit)
        return [trace_from_row(r) for r in await self._fetch(q.sql, *q.args)]

    async def count_traces(self) -> int:
        """How many traces are stored."""
        row = await self._fetchrow("SELECT COUNT(*) FROM traces")
        return int(row[0])

    async def claim_traces(
        self, monitor: str, worker: str, *, after: float, lease_s: float, limit: int
    ) -> list[TraceRecord]:
        """Claim traces for a monitor; concurrent workers never win the same trace."""
        now = time.time()
        async with self._tx() as c:
            q = sql.monitor_candidates(_STYLE, monitor, after, now - lease_s, limit)
            candidates = [candidate_from_row(r) for r in await c.fetch(q.sql, *q.args)]
            won = []
            for t in candidates:
                claim = sql.monitor_claim(_STYLE, monitor, t.id, worker, now, now - lease_s)
                if await c.fetchval(claim.sql, *claim.args) is not None:
                    won.append(t)
        return won

    async def record_monitor(
        self, monitor: str, worker: str, outcomes: Sequence[tuple[str, str, dict[str, Any] | None]]
    ) -> int:
        """Store the outcomes of traces this worker claimed."""
        now, stored = time.time(), 0
        async with self._tx() as c:
            for trace_id, status, scores in outcomes:
                q = sql.monitor_record(_STYLE, monitor, trace_id, worker, status, now,
                                       monitor_json(scores))  # fmt: skip
                result = await c.execute(q.sql, *q.args)
                stored += int(result.split()[-1])
        return stored

    async def monitor_results(self, monitor: str, *, since: float) -> list[dict[str, Any]]:
        """Handled traces of a monitor, oldest first."""
        q = sql.monitor_results(_STYLE, monitor, since)
        return [monitor_row(tuple(r)) for r in await self._fetch(q.sql, *q.args)]

    async def get_watermark(self, monitor: str) -> float | None:
        """A monitor's watermark."""
        q = sql.get_watermark(_STYLE, monitor)
        row = await self._fetchrow(q.sql, *q.args)
        return None if row is None else float(row[0])

    async def set_watermark(self, monitor: str, value: float) -> None:
        """Move a monitor's watermark forward."""
        async with self._tx() as c:
            await _execute(c, sql.set_watermark(_STYLE, monitor, value, time.time()))

    async def add_feedback(self, fb: FeedbackRecord) -> None:
        """Store feedback (durable on return); UnknownTraceError if the trace is missing."""
        row = feedback_row(fb)
        async with self._tx() as c:
            if await _fetchval(c, sql.trace_exists(_STYLE, fb.trace_id)) is None:
                raise unknown_trace(fb.trace_id)
            q = sql.insert(_STYLE, "feedback", FEEDBACK_COLUMNS, row)
            done = await _fetchval(c, q.then(" ON CONFLICT (id) DO NOTHING RETURNING 1"))
            if done is None:
                raise UserError(f"feedback '{fb.id}' already exists", "use a new feedback id")

    async def list_feedback(
        self,
        *,
        since: float | None = None,
        prompt_name: str | None = None,
        limit: int | None = None,
    ) -> list[tuple[FeedbackRecord, TraceRecord]]:
        """Feedback with its trace, newest first."""
        q = sql.list_feedback(_STYLE, since, prompt_name, limit)
        n = sql.FEEDBACK_WIDTH
        out = []
        for r in await self._fetch(q.sql, *q.args):
            values = list(r)
            out.append((feedback_from_row(values[:n]), trace_from_row(values[n:])))
        return out

    # -- keys ----------------------------------------------------------------------------
    async def add_key(self, rec: ApiKeyRecord) -> None:
        """Store a key record (its hash, never the secret)."""
        async with self._tx() as c:
            q = sql.insert(_STYLE, "api_keys", KEY_COLUMNS, key_row(rec))
            done = await _fetchval(c, q.then(" ON CONFLICT DO NOTHING RETURNING 1"))
        if done is None:
            raise UserError(f"API key '{rec.id}' already exists", "create a new key")

    async def find_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The key with this hash (revoked ones included), or None."""
        q = sql.key_by_hash(_STYLE, key_hash)
        row = await self._fetchrow(q.sql, *q.args)
        return None if row is None else key_from_row(row)

    async def list_keys(self) -> list[ApiKeyRecord]:
        """Every key, oldest first."""
        rows = await self._fetch(f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id")
        return [key_from_row(r) for r in rows]

    async def revoke_key(self, key_id: str) -> None:
        """Mark a key revoked (again is a no-op); UnknownKeyError if there is no such id."""
        async with self._tx() as c:
            if await _fetchval(c, sql.key_exists(_STYLE, key_id)) is None:
                raise unknown_key(key_id)
            await _execute(c, sql.revoke_key(_STYLE, key_id, time.time()))

    async def set_key_budget(self, key_id: str, daily_budget_usd: float | None) -> None:
        """Set (or with None, drop) a key's own daily budget; UnknownKeyError if no such id."""
        budget = check_budget(daily_budget_usd)
        async with self._tx() as c:
            q = sql.set_key_budget(_STYLE, key_id, budget)
            done = await _fetchval(c, q.then(" RETURNING 1"))
        if done is None:
            raise unknown_key(key_id)

    async def spend_since(self, since: float, api_key_id: str | None = None) -> float:
        """Sum of ``cost_usd`` of traces started at or after ``since``."""
        q = sql.spend_since(_STYLE, since, api_key_id)
        row = await self._fetchrow(q.sql, *q.args)
        return float(row[0])

    # -- the dashboard ---------------------------------------------------------------------
    async def search_traces(
        self, where: TraceFilter, *, offset: int = 0, limit: int = 50
    ) -> tuple[list[TraceRecord], int]:
        """A page of traces newest first, and how many match in all."""
        count = sql.count_traces(_STYLE, where)
        page = sql.search_traces(_STYLE, where, offset, limit)
        total = await self._fetchrow(count.sql, *count.args)
        rows = await self._fetch(page.sql, *page.args)
        return [trace_from_row(r) for r in rows], int(total[0])

    async def trace_facets(self) -> dict[str, list[Any]]:
        """Values seen in traces, for filter menus."""
        out: dict[str, list[Any]] = {}
        for column in FACETS:
            q = sql.trace_facet(_STYLE, column)
            out[column] = [r[0] for r in await self._fetch(q.sql, *q.args)]
        return out

    async def trace_feedback(self, trace_id: str) -> list[FeedbackRecord]:
        """Every rating of one trace, oldest first."""
        q = sql.trace_feedback(_STYLE, trace_id)
        return [feedback_from_row(r) for r in await self._fetch(q.sql, *q.args)]

    async def trace_scores(self, trace_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Trace id → the scores `gonogo monitor` gave it (merged over monitors)."""
        if not trace_ids:
            return {}
        q = sql.trace_scores(_STYLE, list(trace_ids))
        return merge_scores([tuple(r) for r in await self._fetch(q.sql, *q.args)])

    async def add_review_items(self, items: Sequence[ReviewItem]) -> int:
        """Queue items (one already in its queue is kept as it is); returns how many new."""
        added = 0
        async with self._tx() as c:
            for item in items:
                q = sql.insert_review_item(_STYLE, review_item_row(item))
                added += await c.fetchval(q.sql, *q.args) is not None
        return added

    async def claim_review_item(
        self, prd_key: str, queue: str, reviewer: str, *, lease_s: float = 600.0
    ) -> ReviewItem | None:
        """The next item of a queue for ``reviewer``, held for ``lease_s``."""
        now = time.time()
        async with self._tx() as c:
            q = sql.review_candidates(_STYLE, prd_key, queue, reviewer, now, 20)
            for row in await c.fetch(q.sql, *q.args):
                item = review_item_from_row(list(row))
                claim = sql.claim_review_item(_STYLE, item.id, reviewer, now, now + lease_s)
                if await c.fetchval(claim.sql, *claim.args) is not None:
                    return replace(item, claimed_by=reviewer, claimed_until=now + lease_s)
        return None

    async def get_review_item(self, item_id: str) -> ReviewItem | None:
        """One item, or None."""
        q = sql.review_item(_STYLE, item_id)
        row = await self._fetchrow(q.sql, *q.args)
        return None if row is None else review_item_from_row(list(row))

    async def label_review_item(self, label: ReviewLabel) -> None:
        """Record (or replace) a reviewer's label of an item and release their claim."""
        row = review_label_row(label)
        async with self._tx() as c:
            if await _fetchval(c, sql.review_item(_STYLE, label.item_id)) is None:
                raise unknown_review_item(label.item_id)
            await _execute(c, sql.upsert_review_label(_STYLE, row))
            await _execute(c, sql.release_review_item(_STYLE, row[0], row[1]))

    async def review_queues(self, prd_key: str) -> list[dict[str, Any]]:
        """Per queue of a PRD: items, done, labels."""
        q = sql.review_queue_counts(_STYLE, prd_key)
        return queue_counts([tuple(r) for r in await self._fetch(q.sql, *q.args)])

    async def review_labels(
        self, prd_key: str, queue: str | None = None
    ) -> list[tuple[ReviewItem, list[ReviewLabel]]]:
        """Every labelled item of a PRD (of one queue) with its labels."""
        q = sql.review_labels(_STYLE, prd_key, queue)
        return group_labels([tuple(r) for r in await self._fetch(q.sql, *q.args)])


async def _fetchval(c: Any, q: Query) -> Any:
    return await c.fetchval(q.sql, *q.args)


async def _execute(c: Any, q: Query) -> None:
    await c.execute(q.sql, *q.args)


async def _latest(c: Any, name: str) -> PromptVersion | None:
    q = sql.latest_prompt(_STYLE, name)
    row = await c.fetchrow(q.sql, *q.args)
    return None if row is None else prompt_from_row(row)


async def _history(c: Any, name: str, label: str | None) -> list[LabelMove]:
    q = sql.label_moves(_STYLE, name, label)
    return [move_from_row(r) for r in await c.fetch(q.sql, *q.args)]
