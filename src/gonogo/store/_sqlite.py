"""The run store: every case × sample result persisted the moment it completes.

SQLite in WAL mode with one commit per result, so a run killed mid-way (even with
SIGKILL) keeps every result it reported as done; ``--resume`` continues from them.
The schema is versioned with ``PRAGMA user_version`` and upgraded by ``_MIGRATIONS``.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._safejson import dumps
from .._userfiles import create_private
from ..errors import RunError, UserError

_MIGRATIONS: list[str] = [
    # v1
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        prd_path TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status TEXT NOT NULL,            -- running | partial | completed | failed
        meta TEXT NOT NULL,              -- JSON: run_meta
        results TEXT                     -- JSON: results.json once aggregated
    );
    CREATE INDEX runs_by_prd ON runs (prd_path, created_at);
    CREATE TABLE samples (
        run_id TEXT NOT NULL REFERENCES runs(id),
        case_key TEXT NOT NULL,
        sample INTEGER NOT NULL,
        record TEXT NOT NULL,            -- JSON: the sample record
        PRIMARY KEY (run_id, case_key, sample)
    );
    """,
]


class StoreWriteError(RunError):
    """The run store refused a write (disk full, I/O error): the run cannot go on."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class RunRow:
    """A stored run's header."""

    id: str
    created_at: str
    prd_path: str
    fingerprint: str
    status: str
    meta: dict[str, Any]
    results: dict[str, Any] | None


class RunStore:
    """SQLite-backed store of runs and their per-sample results."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            create_private(self.path)  # outputs and errors: owner-only (0600)
            self._db = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._migrate()
        except sqlite3.Error as e:
            raise UserError(
                f"cannot open the run store {self.path}: {e}",
                "check the path, or pass --store to use another file",
            ) from None
        except OSError as e:
            raise UserError(
                f"cannot create the run store {self.path}: {e.strerror}",
                "check the path, or pass --store to use another file",
            ) from None

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(_MIGRATIONS):
            raise UserError(
                f"the run store {self.path} was written by a newer gonogo (schema v{version})",
                "upgrade gonogo, or use another --store",
            )
        for i in range(version, len(_MIGRATIONS)):
            self._db.execute("BEGIN IMMEDIATE")
            for stmt in _MIGRATIONS[i].split(";"):
                if stmt.strip():
                    self._db.execute(stmt)
            self._db.execute(f"PRAGMA user_version={i + 1}")
            self._db.execute("COMMIT")

    # -- runs -------------------------------------------------------------------------
    def create_run(self, prd_path: str, fingerprint: str, meta: dict[str, Any]) -> str:
        """Start a run record; returns its id."""
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        now = _now()
        self._db.execute(
            "INSERT INTO runs VALUES (?,?,?,?,?,?,?,NULL)",
            (run_id, now, now, prd_path, fingerprint, "running", dumps(meta)),
        )
        return run_id

    def latest_run(self, prd_path: str, *, unfinished: bool = False) -> RunRow | None:
        """The newest run of a PRD (only unfinished ones when asked)."""
        sql = "SELECT * FROM runs WHERE prd_path=?"
        if unfinished:
            sql += " AND status IN ('running','partial','failed')"
        row = self._db.execute(
            sql + " ORDER BY created_at DESC, rowid DESC LIMIT 1", (prd_path,)
        ).fetchone()
        return None if row is None else self._row(row)

    def get_run(self, run_id: str) -> RunRow | None:
        """A run by id."""
        row = self._db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        return None if row is None else self._row(row)

    def list_runs(self, prd_path: str | None = None, limit: int = 20) -> list[RunRow]:
        """Newest runs first."""
        if prd_path is None:
            rows = self._db.execute("SELECT * FROM runs ORDER BY created_at DESC LIMIT ?", (limit,))
        else:
            rows = self._db.execute(
                "SELECT * FROM runs WHERE prd_path=? ORDER BY created_at DESC LIMIT ?",
                (prd_path, limit),
            )
        return [self._row(r) for r in rows.fetchall()]

    def finish_run(
        self, run_id: str, status: str, meta: dict[str, Any], results: dict[str, Any] | None
    ) -> None:
        """Record the run's final status, metadata and aggregated results."""
        with self._writing():
            self._db.execute(
                "UPDATE runs SET status=?, meta=?, results=?, updated_at=? WHERE id=?",
                (
                    status,
                    dumps(meta),
                    None if results is None else dumps(results),
                    _now(),
                    run_id,
                ),
            )

    @staticmethod
    def _row(r: tuple[Any, ...]) -> RunRow:
        return RunRow(
            id=r[0],
            created_at=r[1],
            prd_path=r[3],
            fingerprint=r[4],
            status=r[5],
            meta=json.loads(r[6]),
            results=None if r[7] is None else json.loads(r[7]),
        )

    # -- samples ----------------------------------------------------------------------
    def add_sample(self, run_id: str, record: dict[str, Any], *, commit: bool = True) -> None:
        """Persist one case × sample result.

        With ``commit=False`` the row joins an open transaction that the caller commits
        with :meth:`commit` — the runner does so at the end of the same event-loop tick,
        so results that complete together share one commit (group commit).
        """
        with self._writing():
            if not commit and not self._db.in_transaction:
                self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO samples VALUES (?,?,?,?)",
                (run_id, record["case_key"], record["sample"], dumps(record)),
            )

    def commit(self) -> None:
        """Commit rows added with ``commit=False``."""
        with self._writing():
            if self._db.in_transaction:
                self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A failed write (disk full, I/O error) as a :class:`StoreWriteError`."""
        try:
            yield
        except sqlite3.Error as e:
            if self._db.in_transaction:  # what was not committed is lost: say so
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise StoreWriteError(
                f"cannot write to the run store {self.path}: {e}",
                "free disk space (or pass --store FILE on another disk), then continue with "
                "--resume: the results committed so far are kept",
            ) from None

    def samples(self, run_id: str) -> Iterator[dict[str, Any]]:
        """Every stored sample record of a run."""
        for (rec,) in self._db.execute(
            "SELECT record FROM samples WHERE run_id=? ORDER BY case_key, sample", (run_id,)
        ):
            yield json.loads(rec)

    def done_keys(self, run_id: str) -> set[tuple[str, int]]:
        """(case_key, sample) pairs already completed in a run."""
        return {
            (k, s)
            for k, s in self._db.execute(
                "SELECT case_key, sample FROM samples WHERE run_id=?", (run_id,)
            )
        }

    def close(self) -> None:
        """Commit anything pending and close the database (even when the commit fails)."""
        try:
            self.commit()
        finally:
            self._db.close()
