"""SQLite backend of the gateway store (the default: one file next to the PRD).

WAL mode with ``synchronous=NORMAL``: a committed transaction survives the process being
killed (SIGKILL), and readers never wait for the writer. Every write runs on one
dedicated thread (SQLite allows one writer at a time anyway), every read on a small pool
of reader threads with a connection each, so the event loop never blocks on disk; a
write's coroutine returns only after its COMMIT.

Checkpoints (copying the WAL back into the database file, with its fsyncs) run on a
third thread of their own (:class:`_Checkpointer`), not inside a COMMIT: SQLite's
automatic checkpoint is off on the writer's connection. Left on, the COMMIT that took the
WAL past 1,000 pages (one trace commit in ~140 at 200 requests/s) took 4-7 ms instead of
~0.1 ms, and the requests waiting on it were most of the gateway's slowest 1% (issue
#18). The checkpointer runs PASSIVE checkpoints, which never block the writer or the
readers; when commits keep it from ever catching up, the writer finishes one between
two transactions, so the WAL stays bounded.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from ..._userfiles import create_private
from ...errors import UserError
from . import _queries as sql
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
    unknown_label,
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

T = TypeVar("T")
_TRACE_INSERT = (
    f"INSERT INTO traces ({', '.join(TRACE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(TRACE_COLUMNS))}) ON CONFLICT (id) DO NOTHING"
)
_READERS = 2
_STYLE: sql.Style = "qmark"
_CHECKPOINT_S = 0.5  # the checkpointer looks this often for new commits to copy back
_CHECKPOINT_ROUNDS = 6  # PASSIVE passes per look, to catch up with commits made meanwhile
SPEND_RESCAN_S = 600.0  # spend_since sums everything again this often (self-healing)
_WAL_LIMIT = 4000  # WAL pages: past this, uncaught-up, the writer thread finishes the job


class SQLiteGatewayStore:
    """The gateway store in one SQLite file (WAL)."""

    def __init__(self, path: str | Path, url: str | None = None) -> None:
        self.path = Path(path)
        self.url = url or f"sqlite:///{self.path}"
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writer: _WriterThread | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._checkpointer: _Checkpointer | None = None
        # spend_since's running sums: (since, key) -> (sum, last rowid read, when)
        self._spend: dict[tuple[float, str | None], tuple[float, int, float]] = {}

    async def __aenter__(self) -> SQLiteGatewayStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- plumbing ----------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
            with self._lock:
                self._conns.append(db)
        return db

    def _tx(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        db = self._conn()
        # IMMEDIATE takes the write lock up front: a CLI and a gateway sharing the file
        # never deadlock upgrading a read transaction to a write.
        db.execute("BEGIN IMMEDIATE")
        try:
            result = fn(db, *args)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if self._checkpointer is not None:
            self._checkpointer.commits += 1  # only this thread writes it
        return result

    def _finish_checkpoint(self) -> None:
        """A checkpoint on the writer thread, between two transactions.

        Nothing of this process can append to the WAL meanwhile, so it catches up and the
        next COMMIT starts the WAL over from the top.
        """
        try:
            self._conn().execute("PRAGMA wal_checkpoint(PASSIVE)").close()
        except sqlite3.Error:  # best effort: the checkpointer's next look tries again
            pass

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        if self._writer is None:
            raise StoreError("the gateway store is not open", "call `await store.open()` first")
        try:
            return await self._writer.call(self._tx, fn, args)
        except sqlite3.Error as e:
            raise StoreError(f"gateway store write failed ({self.path}): {e}") from e

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        if self._readers is None:
            raise StoreError("the gateway store is not open", "call `await store.open()` first")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, lambda: fn(self._conn(), *args))
        except sqlite3.Error as e:
            raise StoreError(f"gateway store read failed ({self.path}): {e}") from e

    async def open(self) -> None:
        """Create the file (and its folder) if needed, switch to WAL, migrate the schema."""
        if self._writer is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            create_private(self.path)  # traces and key hashes: owner-only (0600)
        except OSError as e:
            raise UserError(
                f"cannot create the folder of the gateway store {self.path}: {e.strerror}",
                "pass another --store URL, e.g. sqlite:///path/to/gateway.db",
            ) from None
        self._writer = _WriterThread()
        self._writer.start()
        self._readers = ThreadPoolExecutor(_READERS, thread_name_prefix="gonogo-store-read")
        try:
            await self._writer.call(self._migrate)
            self._checkpointer = _Checkpointer(self)
            self._checkpointer.start()
        except sqlite3.Error as e:
            await self.close()
            raise UserError(
                f"cannot open the gateway store {self.path}: {e}",
                "check the path is a gonogo gateway database, or pass another --store URL",
            ) from None
        except BaseException:
            await self.close()
            raise

    def _migrate(self) -> None:
        db = self._conn()  # the writer thread's connection
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's job, off the COMMIT
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise UserError(
                f"the gateway store {self.path} was written by a newer gonogo (schema v{version})",
                "upgrade gonogo, or pass another --store URL",
            )
        for i in range(version, len(MIGRATIONS)):
            db.execute("BEGIN IMMEDIATE")
            try:
                for stmt in statements(
                    MIGRATIONS[i], json_type="TEXT", serial="INTEGER PRIMARY KEY AUTOINCREMENT"
                ):
                    db.execute(stmt)
                db.execute(f"PRAGMA user_version={i + 1}")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    async def close(self) -> None:
        """Wait for pending writes, then close every connection and thread."""
        if self._checkpointer is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._checkpointer.stop)
            self._checkpointer = None
        loop = asyncio.get_running_loop()
        if self._writer is not None:
            await loop.run_in_executor(None, self._writer.stop)
        if self._readers is not None:
            await loop.run_in_executor(None, self._readers.shutdown, True)
        self._writer = self._readers = None
        with self._lock:
            for db in self._conns:
                db.close()
            self._conns.clear()
        self._local = threading.local()

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
        content = dict(
            system=system,
            user=user,
            model=model,
            params=params,
            output_schema=output_schema,
            actor=actor,
            message=message,
        )
        return await self._write(_push, name, content)

    async def get_prompt(self, name: str, version: int) -> PromptVersion | None:
        """One version, or None."""
        return await self._read(_get_prompt, name, version)

    async def list_prompts(self) -> list[tuple[str, int, dict[str, int]]]:
        """Every prompt: name, latest version, labels → version."""
        return await self._read(_list_prompts)

    async def versions(self, name: str) -> list[PromptVersion]:
        """Every version of a prompt, oldest first."""
        return await self._read(_versions, name)

    async def move_label(
        self, name: str, label: str, version: int, *, actor: str, reason: str | None
    ) -> LabelMove:
        """Point a label at a version; the move is recorded with who, when and why."""
        labels_usage(label)
        return await self._write(_move, name, label, version, None, actor, reason)

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
        return await self._write(_move, name, label, to_version, "rollback", actor, reason)

    async def label_history(self, name: str, label: str | None = None) -> list[LabelMove]:
        """Recorded moves, oldest first (of one label, or of every label of the prompt)."""
        return await self._read(_history, name, label)

    async def registry_revision(self) -> int:
        """Grows on every push and label move."""
        return await self._read(_revision)

    async def resolve_all(self) -> dict[tuple[str, str], PromptVersion]:
        """(name, label) → version for every label, plus (name, "latest")."""
        return await self._read(_resolve_all)

    # -- traces and feedback -------------------------------------------------------------
    async def write_traces(self, traces: Sequence[TraceRecord]) -> None:
        """Store a batch in one transaction; durable when this returns."""
        if traces:
            rows = [trace_row(t) for t in traces]
            await self._write(_insert_traces, rows)

    async def get_trace(self, trace_id: str) -> TraceRecord | None:
        """One trace, or None."""
        return await self._read(_get_trace, trace_id)

    async def list_traces(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        prompt_name: str | None = None,
        limit: int | None = None,
    ) -> list[TraceRecord]:
        """Traces newest first, filtered by start time and prompt name."""
        return await self._read(_list_traces, since, until, prompt_name, limit)

    async def count_traces(self) -> int:
        """How many traces are stored."""
        return await self._read(
            lambda db: int(db.execute("SELECT COUNT(*) FROM traces").fetchone()[0])
        )

    async def claim_traces(
        self, monitor: str, worker: str, *, after: float, lease_s: float, limit: int
    ) -> list[TraceRecord]:
        """Claim traces for a monitor (one transaction: the claims and what they won)."""
        return await self._write(_claim, monitor, worker, after, lease_s, limit)

    async def record_monitor(
        self, monitor: str, worker: str, outcomes: Sequence[tuple[str, str, dict[str, Any] | None]]
    ) -> int:
        """Store the outcomes of traces this worker claimed."""
        return await self._write(_record_monitor, monitor, worker, list(outcomes))

    async def monitor_results(self, monitor: str, *, since: float) -> list[dict[str, Any]]:
        """Handled traces of a monitor, oldest first."""
        q = sql.monitor_results(_STYLE, monitor, since)
        return await self._read(lambda db: [monitor_row(r) for r in _run(db, q)])

    async def get_watermark(self, monitor: str) -> float | None:
        """A monitor's watermark."""
        q = sql.get_watermark(_STYLE, monitor)
        row = await self._read(lambda db: _run(db, q).fetchone())
        return None if row is None else float(row[0])

    async def set_watermark(self, monitor: str, value: float) -> None:
        """Move a monitor's watermark forward."""
        await self._write(
            lambda db: _run(db, sql.set_watermark(_STYLE, monitor, value, time.time()))
        )

    async def add_feedback(self, fb: FeedbackRecord) -> None:
        """Store feedback (durable on return); UnknownTraceError if the trace is missing."""
        row = feedback_row(fb)
        await self._write(_add_feedback, row)

    async def list_feedback(
        self,
        *,
        since: float | None = None,
        prompt_name: str | None = None,
        limit: int | None = None,
    ) -> list[tuple[FeedbackRecord, TraceRecord]]:
        """Feedback with its trace, newest first."""
        return await self._read(_list_feedback, since, prompt_name, limit)

    # -- keys ----------------------------------------------------------------------------
    async def add_key(self, rec: ApiKeyRecord) -> None:
        """Store a key record (its hash, never the secret)."""
        await self._write(_add_key, key_row(rec))

    async def find_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The key with this hash (revoked ones included), or None."""
        return await self._read(_find_key, key_hash)

    async def list_keys(self) -> list[ApiKeyRecord]:
        """Every key, oldest first."""
        return await self._read(
            lambda db: [
                key_from_row(r)
                for r in db.execute(f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id")
            ]
        )

    async def revoke_key(self, key_id: str) -> None:
        """Mark a key revoked (again is a no-op); UnknownKeyError if there is no such id."""
        await self._write(_revoke_key, key_id)

    async def set_key_budget(self, key_id: str, daily_budget_usd: float | None) -> None:
        """Set (or with None, drop) a key's own daily budget; UnknownKeyError if no such id."""
        await self._write(_set_key_budget, key_id, check_budget(daily_budget_usd))

    async def spend_since(self, since: float, api_key_id: str | None = None) -> float:
        """Sum of ``cost_usd`` of traces started at or after ``since``.

        Incremental: the budget asks the same ``since`` (today's start, the month's) every
        few seconds, so the sum so far is kept with the highest rowid it has read, and each
        call reads only the rows inserted since — a rowid range, not today's every trace
        (a rowid is the insertion order: the table has no deletes). Every
        :data:`SPEND_RESCAN_S` the sum is recomputed from scratch.
        """
        return await self._read(self._spend_since, since, api_key_id)

    def _spend_since(self, db: sqlite3.Connection, since: float, api_key_id: str | None) -> float:
        now = time.monotonic()
        top = int(db.execute("SELECT COALESCE(MAX(rowid), 0) FROM traces").fetchone()[0])
        held = self._spend.get((since, api_key_id))
        if held is not None and held[1] <= top and now - held[2] < SPEND_RESCAN_S:
            total, after, born = held
        else:  # first ask, a stale sum, or rowids that went back: sum from scratch
            total, after, born = 0.0, 0, now
        # a running sum reads the new rows by rowid ("+" keeps SQLite off the indexes);
        # a fresh one reads the period by the started_at / key indexes
        plus = "+" if after else ""
        cond = f"rowid > ? AND rowid <= ? AND {plus}started_at >= ?"
        args: list[Any] = [after, top, since]
        if api_key_id is not None:
            cond += f" AND {plus}api_key_id = ?"
            args.append(api_key_id)
        row = db.execute(f"SELECT COALESCE(SUM(cost_usd), 0) FROM traces WHERE {cond}", args)
        total += float(row.fetchone()[0])
        if len(self._spend) > 64:  # sums of periods gone by (yesterday's start …)
            self._spend.clear()
        self._spend[(since, api_key_id)] = (total, top, born)
        return total

    # -- the dashboard ---------------------------------------------------------------------
    async def search_traces(
        self, where: TraceFilter, *, offset: int = 0, limit: int = 50
    ) -> tuple[list[TraceRecord], int]:
        """A page of traces newest first, and how many match in all."""
        return await self._read(_search_traces, where, offset, limit)

    async def trace_facets(self) -> dict[str, list[Any]]:
        """Values seen in traces, for filter menus."""
        return await self._read(_trace_facets)

    async def trace_feedback(self, trace_id: str) -> list[FeedbackRecord]:
        """Every rating of one trace, oldest first."""
        q = sql.trace_feedback(_STYLE, trace_id)
        return await self._read(lambda db: [feedback_from_row(r) for r in _run(db, q)])

    async def trace_scores(self, trace_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Trace id → the scores `gonogo monitor` gave it (merged over monitors)."""
        if not trace_ids:
            return {}
        q = sql.trace_scores(_STYLE, list(trace_ids))
        return await self._read(lambda db: merge_scores(_run(db, q).fetchall()))

    async def add_review_items(self, items: Sequence[ReviewItem]) -> int:
        """Queue items (one already in its queue is kept as it is); returns how many new."""
        rows = [review_item_row(i) for i in items]
        return await self._write(_add_review_items, rows) if rows else 0

    async def claim_review_item(
        self, prd_key: str, queue: str, reviewer: str, *, lease_s: float = 600.0
    ) -> ReviewItem | None:
        """The next item of a queue for ``reviewer``, held for ``lease_s``."""
        return await self._write(_claim_review, prd_key, queue, reviewer, lease_s)

    async def get_review_item(self, item_id: str) -> ReviewItem | None:
        """One item, or None."""
        q = sql.review_item(_STYLE, item_id)
        return await self._read(lambda db: _first(_run(db, q), review_item_from_row))

    async def label_review_item(self, label: ReviewLabel) -> None:
        """Record (or replace) a reviewer's label of an item and release their claim."""
        row = review_label_row(label)
        await self._write(_label_review, row)

    async def review_queues(self, prd_key: str) -> list[dict[str, Any]]:
        """Per queue of a PRD: items, done, labels."""
        q = sql.review_queue_counts(_STYLE, prd_key)
        return await self._read(lambda db: queue_counts(_run(db, q).fetchall()))

    async def review_labels(
        self, prd_key: str, queue: str | None = None
    ) -> list[tuple[ReviewItem, list[ReviewLabel]]]:
        """Every labelled item of a PRD (of one queue) with its labels."""
        q = sql.review_labels(_STYLE, prd_key, queue)
        return await self._read(lambda db: group_labels(_run(db, q).fetchall()))


class _WriterThread(threading.Thread):
    """The store's one writer thread: runs jobs in the order given, one at a time.

    A leaner hand-off than ``run_in_executor`` on a one-thread pool (measured on one
    core: ~24 µs of CPU per round trip against ~35 µs), and a trace commit makes one
    per request: the job goes in a ``SimpleQueue``, its result comes back to the loop
    with one ``call_soon_threadsafe``. As with an executor, a job whose future was
    cancelled before it started does not run.
    """

    def __init__(self) -> None:
        super().__init__(name="gonogo-store-write", daemon=True)
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()

    def call(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Run ``fn(*args)`` on this thread; the future (of the running loop) gets its result."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        self._jobs.put((fn, args, fut, loop))
        return fut

    def submit(self, fn: Callable[[], object]) -> None:
        """Run ``fn()`` on this thread, nobody waiting (errors are the job's own business)."""
        self._jobs.put((fn, (), None, None))

    def run(self) -> None:
        jobs = self._jobs
        while (job := jobs.get()) is not None:
            fn, args, fut, loop = job
            if fut is not None and fut.cancelled():  # read across threads: a flag, no more
                continue
            try:
                result = fn(*args)
            except BaseException as e:  # handed to the waiter, as an executor would
                if fut is not None and loop is not None:
                    _hand_back(loop, _fail, fut, e)
            else:
                if fut is not None and loop is not None:
                    _hand_back(loop, _succeed, fut, result)

    def stop(self) -> None:
        """Run the jobs already queued, then end the thread (blocks until it has)."""
        self._jobs.put(None)
        if self.is_alive():
            self.join()


_Job = tuple[
    Callable[..., Any],
    tuple[Any, ...],
    "asyncio.Future[Any] | None",
    "asyncio.AbstractEventLoop | None",
]


def _hand_back(loop: asyncio.AbstractEventLoop, setter: Callable[..., None], *args: Any) -> None:
    try:
        loop.call_soon_threadsafe(setter, *args)
    except RuntimeError:  # the loop is closed: nobody is waiting any more
        pass


def _succeed(fut: asyncio.Future[Any], result: Any) -> None:
    if not fut.done():
        fut.set_result(result)


def _fail(fut: asyncio.Future[Any], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)


class _Checkpointer(threading.Thread):
    """Copies committed WAL pages back into the database file, off the writer's path.

    Every ``_CHECKPOINT_S`` after new commits: PASSIVE checkpoints on a connection of its
    own — up to ``_CHECKPOINT_ROUNDS`` passes, each copying what was committed during the
    last, until the WAL is fully copied (only then does the next COMMIT start it over
    from the top; a WAL that is never fully copied only grows). It holds the GIL only
    between SQLite calls, and runs at the process's own priority: a lowered one (nice
    19) let a thread preempted while holding the GIL wait behind other processes on a
    busy core for tens of milliseconds, and the event loop with it. With the
    same ``synchronous=NORMAL`` as the writer, a checkpoint syncs the WAL and the database
    file exactly as SQLite's automatic one does. If it cannot catch up and the WAL passes
    ``_WAL_LIMIT`` pages, the writer thread checkpoints between two transactions.
    """

    def __init__(self, store: SQLiteGatewayStore) -> None:
        super().__init__(name="gonogo-store-checkpoint", daemon=True)
        self.store = store
        self.commits = 0  # incremented by the writer thread after each COMMIT
        self.checkpoints = 0
        self._halt = threading.Event()  # (Thread has a _stop of its own)

    def run(self) -> None:
        db = sqlite3.connect(str(self.store.path), isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA synchronous=NORMAL")
            seen = self.commits
            while not self._halt.wait(_CHECKPOINT_S):
                if self.commits != seen:
                    seen = self.commits
                    self.checkpoint(db)
        finally:
            db.close()

    def checkpoint(self, db: sqlite3.Connection) -> None:
        """PASSIVE passes until one finds no new commit; the writer finishes past the limit.

        A pass reports the WAL's size as it was when the pass began, so "all copied" may be
        stale by the end of it: only a pass that finds the same size as the one before
        proves that nothing was committed in between (it then copies nothing, cheaply).
        """
        prev = log = -1
        for _ in range(_CHECKPOINT_ROUNDS):
            try:
                busy, log, done = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:  # locked by another process, say: the next look retries
                return
            self.checkpoints += 1
            if busy or log < 0 or (log == prev and done >= log):
                return  # another checkpoint runs, not in WAL mode, or caught up
            prev = log
        writer = self.store._writer
        if log >= _WAL_LIMIT and writer is not None:
            writer.submit(self.store._finish_checkpoint)

    def stop(self) -> None:
        """Stop and wait for the thread (after a checkpoint in progress)."""
        self._halt.set()
        if self.is_alive():
            self.join()


# -- the statements, run on the store's threads ---------------------------------------------
def _run(db: sqlite3.Connection, q: Query) -> sqlite3.Cursor:
    return db.execute(q.sql, q.args)


def _first(cur: sqlite3.Cursor, convert: Callable[[Any], T]) -> T | None:
    row = cur.fetchone()
    return None if row is None else convert(row)


def _search_traces(
    db: sqlite3.Connection, where: TraceFilter, offset: int, limit: int
) -> tuple[list[TraceRecord], int]:
    total = int(_run(db, sql.count_traces(_STYLE, where)).fetchone()[0])
    page = [trace_from_row(r) for r in _run(db, sql.search_traces(_STYLE, where, offset, limit))]
    return page, total


def _trace_facets(db: sqlite3.Connection) -> dict[str, list[Any]]:
    return {c: [r[0] for r in _run(db, sql.trace_facet(_STYLE, c))] for c in FACETS}


def _add_review_items(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> int:
    added = 0
    for row in rows:
        added += _run(db, sql.insert_review_item(_STYLE, row)).fetchone() is not None
    return added


def _claim_review(
    db: sqlite3.Connection, prd_key: str, queue: str, reviewer: str, lease_s: float
) -> ReviewItem | None:
    now = time.time()
    q = sql.review_candidates(_STYLE, prd_key, queue, reviewer, now, 20)
    for row in _run(db, q).fetchall():
        item = review_item_from_row(row)
        claim = sql.claim_review_item(_STYLE, item.id, reviewer, now, now + lease_s)
        if _run(db, claim).fetchone() is not None:
            return replace(item, claimed_by=reviewer, claimed_until=now + lease_s)
    return None


def _label_review(db: sqlite3.Connection, row: tuple[Any, ...]) -> None:
    if _run(db, sql.review_item(_STYLE, row[0])).fetchone() is None:
        raise unknown_review_item(row[0])
    _run(db, sql.upsert_review_label(_STYLE, row))
    _run(db, sql.release_review_item(_STYLE, row[0], row[1]))


def _latest(db: sqlite3.Connection, name: str) -> PromptVersion | None:
    row = _run(db, sql.latest_prompt(_STYLE, name)).fetchone()
    return None if row is None else prompt_from_row(row)


def _bump(db: sqlite3.Connection) -> None:
    db.execute("UPDATE registry_meta SET revision = revision + 1 WHERE id = 1")


def _push(db: sqlite3.Connection, name: str, content: dict[str, Any]) -> tuple[PromptVersion, bool]:
    latest = _latest(db, name)
    pv = new_version(name, latest, **content)
    if pv is None:
        assert latest is not None
        return latest, False
    _run(db, sql.insert(_STYLE, "prompt_versions", PROMPT_COLUMNS, prompt_row(pv)))
    _bump(db)
    return pv, True


def _get_prompt(db: sqlite3.Connection, name: str, version: int) -> PromptVersion | None:
    row = _run(db, sql.prompt_version(_STYLE, name, version)).fetchone()
    return None if row is None else prompt_from_row(row)


def _list_prompts(db: sqlite3.Connection) -> list[tuple[str, int, dict[str, int]]]:
    latest = db.execute(
        "SELECT name, MAX(version) FROM prompt_versions GROUP BY name ORDER BY name"
    ).fetchall()
    labels: dict[str, dict[str, int]] = {}
    for name, label, version in db.execute(
        "SELECT name, label, version FROM prompt_labels ORDER BY name, label"
    ):
        labels.setdefault(name, {})[label] = int(version)
    return [(n, int(v), labels.get(n, {})) for n, v in latest]


def _versions(db: sqlite3.Connection, name: str) -> list[PromptVersion]:
    return [prompt_from_row(r) for r in _run(db, sql.prompt_versions(_STYLE, name))]


def _history(db: sqlite3.Connection, name: str, label: str | None) -> list[LabelMove]:
    return [move_from_row(r) for r in _run(db, sql.label_moves(_STYLE, name, label))]


def _move(
    db: sqlite3.Connection,
    name: str,
    label: str,
    version: int | None,
    kind: str | None,
    actor: str,
    reason: str | None,
) -> LabelMove:
    check_name("prompt name", name)
    if _latest(db, name) is None:
        raise unknown_prompt(name)
    row = _run(db, sql.label_version(_STYLE, name, label)).fetchone()
    current = None if row is None else int(row[0])
    if kind == "rollback":
        version = rollback_target(name, label, current, _history(db, name, label), version)
    elif current is None and version is None:
        raise unknown_label(name, label)
    assert version is not None
    if _get_prompt(db, name, version) is None:
        raise unknown_prompt(name, version)
    if version == current and kind is None:
        moves = _history(db, name, label)
        if moves:
            return moves[-1]
    _run(db, sql.set_label(_STYLE, name, label, version))
    at = time.time()
    move = (name, label, current, version, actor, reason, at, kind or "move")
    cur = _run(db, sql.record_move(_STYLE, move))
    _bump(db)
    assert cur.lastrowid is not None
    return LabelMove(
        cur.lastrowid, name, label, current, version, actor, reason, at, kind or "move"
    )


def _revision(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT revision FROM registry_meta WHERE id=1").fetchone()[0])


def _resolve_all(db: sqlite3.Connection) -> dict[tuple[str, str], PromptVersion]:
    cols = ", ".join("v." + c.strip() for c in PROMPT_COLUMNS.split(","))
    out: dict[tuple[str, str], PromptVersion] = {}
    for row in db.execute(
        f"SELECT {cols} FROM prompt_versions v WHERE v.version = "
        "(SELECT MAX(version) FROM prompt_versions w WHERE w.name = v.name)"
    ):
        pv = prompt_from_row(row)
        out[(pv.name, "latest")] = pv
    for row in db.execute(
        f"SELECT l.label, {cols} FROM prompt_labels l JOIN prompt_versions v "
        "ON v.name = l.name AND v.version = l.version"
    ):
        pv = prompt_from_row(row[1:])
        out[(pv.name, row[0])] = pv
    return out


def _insert_traces(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    # return nothing: a cursor handed back to the event-loop thread would be finalized
    # there, concurrently with the writer thread using the same connection
    db.executemany(_TRACE_INSERT, rows).close()


def _get_trace(db: sqlite3.Connection, trace_id: str) -> TraceRecord | None:
    row = _run(db, sql.trace_by_id(_STYLE, trace_id)).fetchone()
    return None if row is None else trace_from_row(row)


def _list_traces(
    db: sqlite3.Connection,
    since: float | None,
    until: float | None,
    prompt_name: str | None,
    limit: int | None,
) -> list[TraceRecord]:
    q = sql.list_traces(_STYLE, since, until, prompt_name, limit)
    return [trace_from_row(r) for r in _run(db, q)]


def _add_feedback(db: sqlite3.Connection, row: tuple[Any, ...]) -> None:
    if _run(db, sql.trace_exists(_STYLE, row[1])).fetchone() is None:
        raise unknown_trace(row[1])
    try:
        _run(db, sql.insert(_STYLE, "feedback", FEEDBACK_COLUMNS, row))
    except sqlite3.IntegrityError:
        raise UserError(f"feedback '{row[0]}' already exists", "use a new feedback id") from None


def _list_feedback(
    db: sqlite3.Connection, since: float | None, prompt_name: str | None, limit: int | None
) -> list[tuple[FeedbackRecord, TraceRecord]]:
    q = sql.list_feedback(_STYLE, since, prompt_name, limit)
    n = sql.FEEDBACK_WIDTH
    return [(feedback_from_row(r[:n]), trace_from_row(r[n:])) for r in _run(db, q)]


def _add_key(db: sqlite3.Connection, row: tuple[Any, ...]) -> None:
    try:
        _run(db, sql.insert(_STYLE, "api_keys", KEY_COLUMNS, row))
    except sqlite3.IntegrityError:
        raise UserError(f"API key '{row[0]}' already exists", "create a new key") from None


def _find_key(db: sqlite3.Connection, key_hash: str) -> ApiKeyRecord | None:
    row = _run(db, sql.key_by_hash(_STYLE, key_hash)).fetchone()
    return None if row is None else key_from_row(row)


def _revoke_key(db: sqlite3.Connection, key_id: str) -> None:
    if _run(db, sql.key_exists(_STYLE, key_id)).fetchone() is None:
        raise unknown_key(key_id)
    _run(db, sql.revoke_key(_STYLE, key_id, time.time()))


def _set_key_budget(db: sqlite3.Connection, key_id: str, budget: float | None) -> None:
    cur = _run(db, sql.set_key_budget(_STYLE, key_id, budget))
    if cur.rowcount == 0:
        raise unknown_key(key_id)


def _claim(
    db: sqlite3.Connection, monitor: str, worker: str, after: float, lease_s: float, limit: int
) -> list[TraceRecord]:
    now = time.time()
    candidates = [candidate_from_row(r) for r in _run(db, sql.monitor_candidates(
        _STYLE, monitor, after, now - lease_s, limit))]  # fmt: skip
    won = []
    for t in candidates:
        q = sql.monitor_claim(_STYLE, monitor, t.id, worker, now, now - lease_s)
        if _run(db, q).fetchone() is not None:
            won.append(t)
    return won


def _record_monitor(
    db: sqlite3.Connection, monitor: str, worker: str,
    outcomes: list[tuple[str, str, dict[str, Any] | None]],
) -> int:  # fmt: skip
    now, stored = time.time(), 0
    for trace_id, status, scores in outcomes:
        q = sql.monitor_record(_STYLE, monitor, trace_id, worker, status, now, monitor_json(scores))
        stored += _run(db, q).rowcount
    return stored
