"""On-disk response cache: one SQLite file, keyed on the whole request and sample index.

Puts made inside a running event loop are group-committed at the end of the same
loop tick (one COMMIT for every answer that arrived together); outside a loop each put
commits at once. Either way a killed run keeps the responses it paid for (all but those
of its last few milliseconds) and a re-run of an unchanged plan costs nothing. WAL mode
with ``synchronous=NORMAL`` keeps a put to microseconds (no fsync per commit) while
staying crash-safe for the database file.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .._safejson import dumps
from .._userfiles import create_private
from ..errors import UserError

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS responses ("
    "key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at REAL NOT NULL)"
)


class ResponseCache:
    """A SQLite-backed map from cache key to a response dict (``ChatResponse.to_dict()``).

    Safe to share between the calls of one event loop and worker threads: every
    statement runs under one lock.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            create_private(self.path)  # model answers: owner-only (0600)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise UserError(
                f"cannot open the response cache at {self.path}: {e}",
                "choose a writable cache location, or run with --no-cache",
            ) from e
        self._lock = threading.Lock()
        self._commit_scheduled = False

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value for ``key``, or None (also for an unreadable entry)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            value = json.loads(row[0])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store ``value`` under ``key`` (replacing any older value) and commit."""
        blob = dumps(value, compact=True)
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            if loop is not None and not self._db.in_transaction:
                self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, value, created_at) VALUES (?, ?, ?)",
                (key, blob, time.time()),
            )
        if loop is not None and not self._commit_scheduled:
            self._commit_scheduled = True
            loop.call_soon(self.commit)

    def commit(self) -> None:
        """Commit puts still pending in the current transaction."""
        with self._lock:
            self._commit_scheduled = False
            if self._db.in_transaction:
                self._db.execute("COMMIT")

    def __len__(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM responses").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Commit anything pending and close the database file."""
        self.commit()
        with self._lock:
            self._db.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
