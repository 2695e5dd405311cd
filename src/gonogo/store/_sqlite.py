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
from typing import TYPE_CHECKING, Any

from .._redact import redact
from .._safejson import case_texts, dumps, escape_line_ends, plain_json
from .._userfiles import create_private
from ..errors import RunError, UserError

if TYPE_CHECKING:
    from .gateway._queries import Style

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
    # v2: what the dashboard (`gonogo ui`) reads without parsing a whole results.json:
    # the results less their cases, and one row per case (paged, filtered by status)
    """
    ALTER TABLE runs ADD COLUMN summary TEXT;
    ALTER TABLE runs ADD COLUMN trend TEXT;  -- JSON: the few numbers a trend over runs plots
    ALTER TABLE runs ADD COLUMN verdict TEXT;  -- GO | NO-GO | INCOMPLETE once finished
    CREATE TABLE run_cases (
        run_id TEXT NOT NULL REFERENCES runs(id),
        idx INTEGER NOT NULL,            -- position in results.json's cases (dataset order)
        case_key TEXT NOT NULL,
        status TEXT NOT NULL,            -- pass | flaky | fail | error | not_evaluated | not_run
        record TEXT NOT NULL,            -- JSON: the case as in results.json
        PRIMARY KEY (run_id, idx)
    );
    CREATE INDEX run_cases_by_status ON run_cases (run_id, status, idx);
    CREATE INDEX run_cases_by_key ON run_cases (run_id, case_key);
    """,
]

SUMMARY_DROPS = ("cases",)
"""What a run's summary leaves out of its results: the cases (kept one row each)."""


def summary_of(results: dict[str, Any]) -> dict[str, Any]:
    """The results without their cases (what lists, trends and the run page header need)."""
    return {k: v for k, v in results.items() if k not in SUMMARY_DROPS}


def trend_of(results: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """What a trend over many runs needs of one, small enough to read 1,000 at once."""
    return {
        "verdict": results.get("verdict"),
        "prompt": meta.get("prompt"),
        "scorers": [[s.get("id"), s.get("pass_rate"), s.get("pass_ci")]
                    for s in results.get("scorers") or []],
        "thresholds": [[t.get("scorer"), t.get("metric"), t.get("target"), t.get("estimate"),
                        t.get("ci")] for t in results.get("thresholds") or []],
    }  # fmt: skip


def _encode_results(
    results: dict[str, Any] | None, texts: list[str | None] | None = None
) -> tuple[str | None, list[str] | None]:
    """The ``results`` column's text and each case's ``run_cases`` text, cases encoded once.

    The same texts as ``dumps(results)`` and ``dumps(case, one_line=True)``: the whole is
    joined from the cases' texts (a 2,000-case run is ~2 MB of JSON; encoding it twice
    was a tenth of a second of every run's end). Anything that needs :func:`json_safe`'s
    repair, or cases that are not the last key, takes the general path.
    """
    if results is None:
        return None, None
    cases = results.get("cases")
    if isinstance(cases, list) and cases and next(reversed(results)) == "cases":
        head = plain_json({k: v for k, v in results.items() if k != "cases"})
        raw = texts if texts is not None and len(texts) == len(cases) else case_texts(results)
        assert raw is not None
        encoded = [t for t in raw if t is not None]
        if head is not None and len(encoded) == len(cases):
            joined = ", ".join(encoded)
            start = "{" if head == "{}" else head[:-1] + ", "
            whole = redact(f'{start}"cases": [{joined}]}}')
            return whole, [redact(escape_line_ends(t)) for t in encoded]
    return dumps(results), None


@dataclass
class TrendPoint:
    """One finished run as a trend sees it: verdict, prompt, per-scorer pass rates."""

    id: str
    created_at: str
    verdict: str
    prompt: dict[str, Any] | None
    scorers: list[list[Any]]  # [id, pass_rate, pass_ci]
    thresholds: list[list[Any]]  # [scorer, metric, target, estimate, ci]


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


@dataclass
class RunSummary:
    """A stored run's header and its results less the cases (``summary`` is None unfinished)."""

    id: str
    created_at: str
    prd_path: str
    status: str
    meta: dict[str, Any]
    summary: dict[str, Any] | None

    @property
    def verdict(self) -> str:
        """GO, NO-GO, INCOMPLETE — or the run's status when it has no results."""
        return str((self.summary or {}).get("verdict") or self.status)


_STYLE: Style = "qmark"


def _queries() -> Any:
    """The dashboard's queries (:mod:`._run_queries`), loaded on first use.

    They are built with the gateway store's query builder, and importing
    ``gonogo.store.gateway`` loads the whole gateway store: an eval never needs it.
    """
    from . import _run_queries

    return _run_queries


def trend_point(row: Any) -> TrendPoint:
    """A ``(id, created_at, trend)`` row as a TrendPoint."""
    run_id, created_at, trend = row
    t = json.loads(trend) if isinstance(trend, str) else trend
    return TrendPoint(run_id, created_at, str(t.get("verdict")), t.get("prompt"),
                      t.get("scorers") or [], t.get("thresholds") or [])  # fmt: skip


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
            "INSERT INTO runs (id, created_at, updated_at, prd_path, fingerprint, status, meta)"
            " VALUES (?,?,?,?,?,?,?)",
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
        self,
        run_id: str,
        status: str,
        meta: dict[str, Any],
        results: dict[str, Any] | None,
        *,
        texts: list[str | None] | None = None,
    ) -> None:
        """Record the run's final status, metadata and aggregated results.

        The results are also kept as a summary (less the cases) and one row per case, so
        the dashboard pages a 10,000-case run without parsing all of it. ``texts`` are
        the cases already encoded (:func:`gonogo._safejson.case_texts`), if at hand.
        """
        with self._writing():
            outer = self._db.in_transaction  # rows added with commit=False join this commit
            if not outer:
                self._db.execute("BEGIN IMMEDIATE")
            whole, cases = _encode_results(results, texts)
            self._db.execute(
                "UPDATE runs SET status=?, meta=?, results=?, summary=?, trend=?, verdict=?, "
                "updated_at=? WHERE id=?",
                (
                    status,
                    dumps(meta),
                    whole,
                    None if results is None else dumps(summary_of(results)),
                    None if results is None else dumps(trend_of(results, meta)),
                    None if results is None else results.get("verdict"),
                    _now(),
                    run_id,
                ),
            )
            self._write_cases(run_id, results, cases)
            if not outer:
                self._db.execute("COMMIT")

    def _write_cases(
        self, run_id: str, results: dict[str, Any] | None, texts: list[str] | None = None
    ) -> None:
        self._db.execute("DELETE FROM run_cases WHERE run_id=?", (run_id,))
        if results is None:
            return
        cases = results.get("cases") or []
        if texts is None:
            texts = [dumps(c, one_line=True) for c in cases]
        self._db.executemany(
            "INSERT INTO run_cases VALUES (?,?,?,?,?)",
            (
                (run_id, i, str(c.get("key")), str(c.get("status")), text)
                for i, (c, text) in enumerate(zip(cases, texts, strict=True))
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

    # -- what the dashboard reads ---------------------------------------------------------
    def prd_paths(self) -> list[str]:
        """Every PRD key (``prd_path``) with a stored run."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT prd_path FROM runs ORDER BY 1")]

    def count_runs(self, prd_path: str | None = None) -> int:
        """How many runs are stored (of one PRD)."""
        if prd_path is None:
            return int(self._db.execute("SELECT count(*) FROM runs").fetchone()[0])
        sql = "SELECT count(*) FROM runs WHERE prd_path=?"
        return int(self._db.execute(sql, (prd_path,)).fetchone()[0])

    def run_summaries(
        self, prd_path: str | None = None, *, limit: int = 50, offset: int = 0,
        before: str | None = None, verdict: str | None = None,
    ) -> list[RunSummary]:  # fmt: skip
        """Runs newest first, with their summaries (filtered by PRD, time and verdict).

        ``verdict`` keeps runs with that verdict — or that status, for runs not finished
        (running, partial, failed); ``before`` those created before that time.
        """
        q = _queries().run_summaries(_STYLE, prd_path, before, limit, offset, verdict)
        return [self._summary_row(r) for r in self._db.execute(q.sql, q.args).fetchall()]

    def run_summary(self, run_id: str) -> RunSummary | None:
        """One run's header and summary."""
        row = self._db.execute(
            f"SELECT {_queries().SUMMARY_COLUMNS} FROM runs WHERE id=?", (run_id,)
        ).fetchone()
        return None if row is None else self._summary_row(row)

    def previous_run(self, run: RunSummary) -> RunSummary | None:
        """The newest finished run of the same PRD made before ``run``."""
        q = _queries().previous_run(_STYLE, run.prd_path, run.created_at, run.id)
        row = self._db.execute(q.sql, q.args).fetchone()
        return None if row is None else self._summary_row(row)

    def _summary_row(self, r: tuple[Any, ...]) -> RunSummary:
        summary = r[5]
        if summary is None and r[6]:  # finished by a gonogo before the v2 schema: index it
            summary = self._backfill(r[0])
        return RunSummary(
            id=r[0], created_at=r[1], prd_path=r[2], status=r[3], meta=json.loads(r[4]),
            summary=json.loads(summary) if isinstance(summary, str) else summary,
        )  # fmt: skip

    def _backfill(self, run_id: str) -> str | None:
        results, meta = self._db.execute(
            "SELECT results, meta FROM runs WHERE id=?", (run_id,)
        ).fetchone()
        parsed = json.loads(results)
        text = dumps(summary_of(parsed))
        trend = dumps(trend_of(parsed, json.loads(meta)))
        with self._writing():
            outer = self._db.in_transaction
            if not outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("UPDATE runs SET summary=?, trend=?, verdict=? WHERE id=?",
                             (text, trend, parsed.get("verdict"), run_id))  # fmt: skip
            self._write_cases(run_id, parsed)
            if not outer:
                self._db.execute("COMMIT")
        return text

    def trend_points(self, prd_path: str, *, limit: int = 1000) -> list[TrendPoint]:
        """A PRD's finished runs, newest first, as trends need them (cheap for 1,000 runs)."""
        stale = self._db.execute(
            "SELECT id FROM runs WHERE prd_path=? AND results IS NOT NULL AND trend IS NULL",
            (prd_path,),
        ).fetchall()
        for (run_id,) in stale:  # finished by a gonogo before the v2 schema
            self._backfill(run_id)
        q = _queries().trend_points(_STYLE, prd_path, limit)
        return [trend_point(r) for r in self._db.execute(q.sql, q.args).fetchall()]

    def run_cases(
        self, run_id: str, *, statuses: tuple[str, ...] = (), search: str | None = None,
        offset: int = 0, limit: int = 50,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        """A page of a run's cases in dataset order, and how many match in all.

        ``statuses`` keeps cases with those statuses; ``search`` those whose key or text
        contains it (case-insensitive).
        """
        self.run_summary(run_id)  # indexes a run finished before the v2 schema
        rq = _queries()
        count = rq.count_cases(_STYLE, run_id, statuses, search)
        page = rq.page_cases(_STYLE, run_id, statuses, search, offset, limit)
        total = self._db.execute(count.sql, count.args).fetchone()[0]
        rows = self._db.execute(page.sql, page.args)
        return [json.loads(r[0]) for r in rows], int(total)

    def run_case(self, run_id: str, key: str) -> dict[str, Any] | None:
        """One case of a run (as in results.json), by key."""
        self.run_summary(run_id)
        row = self._db.execute(
            "SELECT record FROM run_cases WHERE run_id=? AND case_key=?", (run_id, key)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def case_statuses(self, run_id: str) -> dict[str, str]:
        """Case key → status, for every case of a run (the diff against another run)."""
        self.run_summary(run_id)
        rows = self._db.execute(
            "SELECT case_key, status FROM run_cases WHERE run_id=?", (run_id,)
        )
        return {k: s for k, s in rows}

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
