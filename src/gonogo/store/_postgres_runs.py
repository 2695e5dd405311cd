"""The run store on PostgreSQL: CI jobs on many machines write their runs to one database.

The same contract as :class:`~gonogo.store.RunStore` (``gonogo eval --store
postgresql://USER:PW@HOST/DB``; the dashboard reads it with ``gonogo ui --runs URL``).
Its callers are synchronous, so asyncpg runs on a private event loop in a thread of its
own and each call waits for its answer. Rows added with ``commit=False`` are kept and
written together, in one transaction, by :meth:`commit` — the runner's group commit;
a result is durable once its commit returns, as with SQLite. The schema is SQLite's with
a ``seq`` column ordering runs made in the same millisecond, migrated under an advisory
lock so several CI jobs starting together migrate once.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from .._safejson import dumps
from ..errors import MissingDependencyError, UserError
from . import _run_queries as rq
from ._sqlite import (
    RunRow,
    RunSummary,
    StoreWriteError,
    TrendPoint,
    summary_of,
    trend_of,
    trend_point,
)
from .gateway._open import redact_url
from .gateway._queries import Query, Style

T = TypeVar("T")
_STYLE: Style = "numeric"
_LOCK = 0x72756E73  # pg_advisory_xact_lock key ("runs")
_MIGRATIONS = [
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        prd_path TEXT NOT NULL, fingerprint TEXT NOT NULL, status TEXT NOT NULL,
        meta TEXT NOT NULL, results TEXT, summary TEXT, trend TEXT, verdict TEXT,
        seq BIGSERIAL
    );
    CREATE INDEX runs_by_prd ON runs (prd_path, created_at);
    CREATE TABLE samples (
        run_id TEXT NOT NULL REFERENCES runs (id), case_key TEXT NOT NULL,
        sample INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (run_id, case_key, sample)
    );
    CREATE TABLE run_cases (
        run_id TEXT NOT NULL REFERENCES runs (id), idx INTEGER NOT NULL,
        case_key TEXT NOT NULL, status TEXT NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (run_id, idx)
    );
    CREATE INDEX run_cases_by_status ON run_cases (run_id, status, idx);
    CREATE INDEX run_cases_by_key ON run_cases (run_id, case_key)
    """,
]
_RUN_COLUMNS = rq.RUN_COLUMNS
_UPSERT_SAMPLE = (
    "INSERT INTO samples (run_id, case_key, sample, record) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (run_id, case_key, sample) DO UPDATE SET record = excluded.record"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _text(value: Any) -> str:
    return dumps(value, no_nul=True)  # PostgreSQL refuses NUL in text


class PostgresRunStore:
    """Runs and their per-sample results in PostgreSQL (the same contract as RunStore)."""

    def __init__(self, url: str) -> None:
        try:
            import asyncpg
        except ImportError:
            raise MissingDependencyError("a run store on PostgreSQL", "postgres",
                                         "asyncpg") from None  # fmt: skip
        self._asyncpg = asyncpg
        _scheme, rest = url.split("://", 1)
        self._dsn = "postgresql://" + rest
        self.url = redact_url(url)
        self.path = self.url  # what messages name
        self._pending: list[tuple[str, str, int, str]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="gonogo-run-store")  # fmt: skip
        self._thread.start()
        self._conn: Any = None
        try:
            self._conn = self._call(self._connect())
        except BaseException:
            self._stop_loop()
            raise

    # -- plumbing ------------------------------------------------------------------------
    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def _connect(self) -> Any:
        try:
            conn = await self._asyncpg.connect(self._dsn, timeout=30)
        except Exception as e:  # refused, auth, unknown database: the user's to fix
            raise UserError(f"cannot connect to the run store {self.url}: {e}",
                            "check the URL (postgresql://USER:PASSWORD@HOST:PORT/DB), that the "
                            "server is running and that the database exists") from None  # fmt: skip
        try:
            async with conn.transaction():
                await conn.execute(f"SELECT pg_advisory_xact_lock({_LOCK})")
                await conn.execute("CREATE TABLE IF NOT EXISTS gonogo_run_schema (version INTEGER)")
                version = await conn.fetchval(
                    "SELECT COALESCE(MAX(version), 0) FROM gonogo_run_schema")
                if version > len(_MIGRATIONS):
                    raise UserError(f"the run store {self.url} was written by a newer gonogo "
                                    f"(schema v{version})",
                                    "upgrade gonogo, or use another --store")  # fmt: skip
                for i in range(version, len(_MIGRATIONS)):
                    for stmt in _MIGRATIONS[i].split(";"):
                        if stmt.strip():
                            await conn.execute(stmt)
                    await conn.execute("INSERT INTO gonogo_run_schema (version) VALUES ($1)", i + 1)
        except BaseException:
            await conn.close()
            raise
        return conn

    def _run(self, coro: Coroutine[Any, Any, T], *, write: bool = False) -> T:
        try:
            return self._call(coro)
        except (self._asyncpg.PostgresError, self._asyncpg.InterfaceError, OSError) as e:
            if write:
                raise StoreWriteError(f"cannot write to the run store {self.url}: {e}",
                                      "check the database, then continue with --resume: the "
                                      "results committed so far are kept") from None  # fmt: skip
            raise UserError(f"cannot read the run store {self.url}: {e}",
                            "check the database and the URL") from None  # fmt: skip

    def _fetch(self, q: Query) -> list[Any]:
        return self._run(self._conn.fetch(q.sql, *q.args))

    def _fetchrow(self, sql: str, *args: Any) -> Any:
        return self._run(self._conn.fetchrow(sql, *args))

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    # -- runs ----------------------------------------------------------------------------
    def create_run(self, prd_path: str, fingerprint: str, meta: dict[str, Any]) -> str:
        """Start a run record; returns its id."""
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        now = _now()
        self._run(self._conn.execute(
            "INSERT INTO runs (id, created_at, updated_at, prd_path, fingerprint, status, meta) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            run_id, now, now, prd_path, fingerprint, "running", _text(meta)),
            write=True)  # fmt: skip
        return run_id

    def latest_run(self, prd_path: str, *, unfinished: bool = False) -> RunRow | None:
        """The newest run of a PRD (only unfinished ones when asked)."""
        sql = f"SELECT {_RUN_COLUMNS} FROM runs WHERE prd_path = $1"
        if unfinished:
            sql += " AND status IN ('running', 'partial', 'failed')"
        row = self._fetchrow(sql + " ORDER BY created_at DESC, seq DESC LIMIT 1", prd_path)
        return None if row is None else _run_row(row)

    def get_run(self, run_id: str) -> RunRow | None:
        """A run by id."""
        row = self._fetchrow(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = $1", run_id)
        return None if row is None else _run_row(row)

    def list_runs(self, prd_path: str | None = None, limit: int = 20) -> list[RunRow]:
        """Newest runs first."""
        q = Query(_STYLE, f"SELECT {_RUN_COLUMNS} FROM runs")
        q.where(optional=[("prd_path =", prd_path)])
        q.then(" ORDER BY created_at DESC, seq DESC").limit(limit)
        return [_run_row(r) for r in self._fetch(q)]

    def finish_run(
        self,
        run_id: str,
        status: str,
        meta: dict[str, Any],
        results: dict[str, Any] | None,
        *,
        texts: list[str | None] | None = None,
    ) -> None:
        """Record the run's final status, metadata and results (its summary and cases too).

        ``texts`` (the cases already encoded) is accepted for the SQLite store's sake:
        PostgreSQL's text has no NUL character, so the cases are encoded here.
        """
        self.commit()

        async def go() -> None:
            async with self._conn.transaction():
                await self._conn.execute(
                    "UPDATE runs SET status = $1, meta = $2, results = $3, summary = $4, "
                    "trend = $5, updated_at = $6, verdict = $8 WHERE id = $7", status, _text(meta),
                    None if results is None else _text(results),
                    None if results is None else _text(summary_of(results)),
                    None if results is None else _text(trend_of(results, meta)), _now(),
                    run_id, None if results is None else results.get("verdict"))  # fmt: skip
                await self._conn.execute("DELETE FROM run_cases WHERE run_id = $1", run_id)
                if results is not None:
                    await self._conn.executemany(
                        "INSERT INTO run_cases VALUES ($1, $2, $3, $4, $5)",
                        [(run_id, i, str(c.get("key")), str(c.get("status")), _text(c))
                         for i, c in enumerate(results.get("cases") or [])])  # fmt: skip

        self._run(go(), write=True)

    # -- samples -------------------------------------------------------------------------
    def add_sample(self, run_id: str, record: dict[str, Any], *, commit: bool = True) -> None:
        """Persist one case × sample result (with ``commit=False``: at the next commit)."""
        self._pending.append((run_id, record["case_key"], int(record["sample"]), _text(record)))
        if commit:
            self.commit()

    def commit(self) -> None:
        """Write the rows added with ``commit=False``, in one transaction."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []

        async def go() -> None:
            async with self._conn.transaction():
                await self._conn.executemany(_UPSERT_SAMPLE, rows)

        self._run(go(), write=True)

    def samples(self, run_id: str) -> Iterator[dict[str, Any]]:
        """Every stored sample record of a run."""
        rows = self._fetch(Query(_STYLE, "SELECT record FROM samples").where(
            ("run_id =", run_id)).then(' ORDER BY case_key COLLATE "C", sample'))  # fmt: skip
        for (rec,) in rows:
            yield json.loads(rec)

    def done_keys(self, run_id: str) -> set[tuple[str, int]]:
        """(case_key, sample) pairs already completed in a run."""
        q = Query(_STYLE, "SELECT case_key, sample FROM samples").where(("run_id =", run_id))
        return {(k, int(s)) for k, s in self._fetch(q)}

    def close(self) -> None:
        """Write anything pending and close the connection (even when that write fails)."""
        try:
            self.commit()
        finally:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    self._call(conn.close())
                except (self._asyncpg.PostgresError, self._asyncpg.InterfaceError, OSError):
                    pass
            self._stop_loop()

    # -- what the dashboard reads ----------------------------------------------------------
    def prd_paths(self) -> list[str]:
        """Every PRD key with a stored run."""
        return [r[0] for r in self._fetch(Query(_STYLE, "SELECT DISTINCT prd_path FROM runs "
                                                'ORDER BY 1'))]  # fmt: skip

    def count_runs(self, prd_path: str | None = None) -> int:
        """How many runs are stored (of one PRD)."""
        q = Query(_STYLE, "SELECT COUNT(*) FROM runs").where(optional=[("prd_path =", prd_path)])
        return int(self._fetch(q)[0][0])

    def run_summaries(
        self, prd_path: str | None = None, *, limit: int = 50, offset: int = 0,
        before: str | None = None, verdict: str | None = None,
    ) -> list[RunSummary]:  # fmt: skip
        """Runs newest first, with their summaries (filtered like RunStore's)."""
        q = rq.run_summaries(_STYLE, prd_path, before, limit, offset, verdict)
        return [_summary(r) for r in self._fetch(q)]

    def run_summary(self, run_id: str) -> RunSummary | None:
        """One run's header and summary."""
        row = self._fetchrow(f"SELECT {rq.SUMMARY_COLUMNS} FROM runs WHERE id = $1", run_id)
        return None if row is None else _summary(row)

    def previous_run(self, run: RunSummary) -> RunSummary | None:
        """The newest finished run of the same PRD made before ``run``."""
        rows = self._fetch(rq.previous_run(_STYLE, run.prd_path, run.created_at, run.id))
        return _summary(rows[0]) if rows else None

    def trend_points(self, prd_path: str, *, limit: int = 1000) -> list[TrendPoint]:
        """A PRD's finished runs, newest first, as trends need them."""
        rows = self._fetch(rq.trend_points(_STYLE, prd_path, limit))
        return [trend_point(tuple(r)) for r in rows]

    def run_cases(
        self, run_id: str, *, statuses: tuple[str, ...] = (), search: str | None = None,
        offset: int = 0, limit: int = 50,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        """A page of a run's cases in dataset order, and how many match in all."""
        total = self._fetch(rq.count_cases(_STYLE, run_id, statuses, search))[0][0]
        rows = self._fetch(rq.page_cases(_STYLE, run_id, statuses, search, offset, limit))
        return [json.loads(r[0]) for r in rows], int(total)

    def run_case(self, run_id: str, key: str) -> dict[str, Any] | None:
        """One case of a run, by key."""
        row = self._fetchrow("SELECT record FROM run_cases WHERE run_id = $1 AND case_key = $2",
                             run_id, key)  # fmt: skip
        return None if row is None else dict(json.loads(row[0]))

    def case_statuses(self, run_id: str) -> dict[str, str]:
        """Case key → status, for every case of a run."""
        q = Query(_STYLE, "SELECT case_key, status FROM run_cases").where(("run_id =", run_id))
        return {k: s for k, s in self._fetch(q)}


def _run_row(r: Any) -> RunRow:
    results = None if r[7] is None else json.loads(r[7])
    return RunRow(id=r[0], created_at=r[1], prd_path=r[3], fingerprint=r[4], status=r[5],
                  meta=json.loads(r[6]), results=results)  # fmt: skip


def _summary(r: Any) -> RunSummary:
    summary = r[5]
    return RunSummary(id=r[0], created_at=r[1], prd_path=r[2], status=r[3], meta=json.loads(r[4]),
                      summary=None if summary is None else json.loads(summary))  # fmt: skip
