"""The evidence log: what gonogo itself ran for a PRD, in an append-only hash chain.

Every eval, comparison, red-team run, lab run and drill appends one :class:`Evidence`: its
kind, verdict, key figures, time, the hash of the PRD parts it measured and of the prompt
version, the gonogo version and a link to its full result. Each entry carries the previous
entry's hash and its own (SHA-256 over its canonical JSON), so :meth:`verify` finds an
edited, deleted or reordered entry. The launch checklist (`gonogo launch`) reads it.

Two backends, one contract: SQLite (a file beside the run store, the default) and
PostgreSQL (``postgresql://…``), where several CI machines append to one log; appends are
serialised by a transaction-level advisory lock, so the chain stays linear.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from .._safejson import dumps
from .._userfiles import create_private
from ..errors import UserError

GENESIS = "0" * 64
_DDL = (
    "CREATE TABLE IF NOT EXISTS {table} (seq {seq} PRIMARY KEY, kind TEXT, prd_key TEXT, "
    "prd_hash TEXT, prompt_hash TEXT, verdict TEXT, figures TEXT, created_at TEXT, "
    "gonogo_version TEXT, link TEXT, prev_hash TEXT, hash TEXT)"
)
_COLUMNS = (
    "seq", "kind", "prd_key", "prd_hash", "prompt_hash", "verdict", "figures", "created_at",
    "gonogo_version", "link", "prev_hash", "hash",
)  # fmt: skip


@dataclass(frozen=True)
class Evidence:
    """One entry of the log. ``seq`` starts at 1; ``hash`` covers every other field."""

    kind: str  # eval | compare | redteam | lab | monitor | drill:<name>
    prd_key: str
    prd_hash: str
    prompt_hash: str
    verdict: str
    figures: dict[str, Any] = field(default_factory=dict)
    link: str = ""
    created_at: str = ""
    gonogo_version: str = ""
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """Everything the hash covers (all but ``hash``)."""
        d = asdict(self)
        d.pop("hash")
        return d

    def computed_hash(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`body`."""
        blob = json.dumps(self.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def age_s(self, now: datetime | None = None) -> float:
        """Seconds since the entry was made."""
        made = datetime.fromisoformat(self.created_at)
        return ((now or datetime.now(UTC)) - made).total_seconds()


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain breaks, and how."""

    seq: int
    problem: str


def seal(entry: Evidence, seq: int, prev_hash: str) -> Evidence:
    """``entry`` as the next link: sequence number, previous hash, time, its own hash."""
    from .. import __version__

    linked = replace(
        entry,
        seq=seq,
        prev_hash=prev_hash,
        created_at=entry.created_at or datetime.now(UTC).isoformat(timespec="milliseconds"),
        gonogo_version=entry.gonogo_version or __version__,
        hash="",
    )
    return replace(linked, hash=linked.computed_hash())


def verify_chain(entries: list[Evidence]) -> list[ChainProblem]:
    """Every break in ``entries`` (in stored order): a bad hash, a missing or moved link."""
    problems = []
    prev, expected_seq = GENESIS, 1
    for e in entries:
        if e.seq != expected_seq:
            what = "missing" if e.seq > expected_seq else "out of order or repeated"
            problems.append(ChainProblem(e.seq, f"entry {expected_seq} is {what} (found {e.seq})"))
        if e.prev_hash != prev:
            why = "its previous-entry hash does not match: an entry before it was edited, "
            problems.append(ChainProblem(e.seq, why + "removed or reordered"))
        if e.computed_hash() != e.hash:
            problems.append(ChainProblem(e.seq, "its content does not match its hash: edited"))
        prev, expected_seq = e.hash, e.seq + 1
    return problems


class EvidenceLog(Protocol):
    """The evidence log's contract (both backends)."""

    url: str

    async def append(self, entry: Evidence) -> Evidence:
        """Seal ``entry`` as the next link and store it; returns it sealed."""
        ...

    async def entries(self, prd_key: str | None = None) -> list[Evidence]:
        """Entries in chain order (only ``prd_key``'s when given)."""
        ...

    async def verify(self) -> list[ChainProblem]:
        """Every break in the whole chain; empty when intact."""
        ...

    async def close(self) -> None:
        """Release the connection."""
        ...


def _row(values: Any) -> Evidence:
    d = dict(zip(_COLUMNS, values, strict=True))
    d["figures"] = json.loads(d["figures"]) if isinstance(d["figures"], str) else d["figures"]
    return Evidence(**d)


def _values(e: Evidence) -> tuple[Any, ...]:
    d = asdict(e)
    d["figures"] = dumps(e.figures)
    return tuple(d[c] for c in _COLUMNS)


class SqliteEvidenceLog:
    """The log in a SQLite file (owner-only), appends in ``BEGIN IMMEDIATE`` transactions."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            create_private(self.path)
            self._db = sqlite3.connect(str(self.path), isolation_level=None)
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.execute(_DDL.format(table="evidence", seq="INTEGER"))
        except (sqlite3.Error, OSError) as e:
            raise UserError(f"cannot open the evidence log {self.path}: {e}",
                            "check the path, or pass another --evidence") from None  # fmt: skip

    async def append(self, entry: Evidence) -> Evidence:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            last = self._db.execute("SELECT seq, hash FROM evidence ORDER BY seq DESC LIMIT 1")
            row = last.fetchone()
            sealed = seal(entry, (row[0] + 1) if row else 1, row[1] if row else GENESIS)
            marks = ",".join("?" * len(_COLUMNS))
            self._db.execute(f"INSERT INTO evidence VALUES ({marks})", _values(sealed))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return sealed

    async def entries(self, prd_key: str | None = None) -> list[Evidence]:
        cols = ", ".join(_COLUMNS)
        if prd_key is None:
            rows = self._db.execute(f"SELECT {cols} FROM evidence ORDER BY seq")
        else:
            rows = self._db.execute(
                f"SELECT {cols} FROM evidence WHERE prd_key=? ORDER BY seq", (prd_key,)
            )
        return [_row(r) for r in rows.fetchall()]

    async def verify(self) -> list[ChainProblem]:
        return verify_chain(await self.entries())

    async def close(self) -> None:
        self._db.close()


class PostgresEvidenceLog:
    """The log in PostgreSQL; appends hold an advisory lock so the chain stays linear."""

    _LOCK = 7_310_262_001  # pg_advisory_xact_lock key of the evidence chain

    def __init__(self, url: str) -> None:
        self._dsn = url
        self.url = url.split("@")[-1] if "@" in url else url
        self._conn: Any = None

    async def _connection(self) -> Any:
        if self._conn is None:
            try:
                import asyncpg
            except ImportError:
                from ..errors import MissingDependencyError

                raise MissingDependencyError("an evidence log on PostgreSQL", "postgres",
                                             "asyncpg") from None  # fmt: skip
            try:
                self._conn = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as e:
                raise UserError(f"cannot connect to the evidence log at {self.url}: {e}",
                                "check the URL and that the server runs") from None  # fmt: skip
            async with self._conn.transaction():  # one creator at a time: no race on the DDL
                await self._conn.execute("SELECT pg_advisory_xact_lock($1)", self._LOCK)
                await self._conn.execute(_DDL.format(table="gonogo_evidence", seq="BIGINT"))
        return self._conn

    async def append(self, entry: Evidence) -> Evidence:
        conn = await self._connection()
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", self._LOCK)
            row = await conn.fetchrow(
                "SELECT seq, hash FROM gonogo_evidence ORDER BY seq DESC LIMIT 1"
            )
            sealed = seal(entry, (row["seq"] + 1) if row else 1, row["hash"] if row else GENESIS)
            marks = ",".join(f"${i + 1}" for i in range(len(_COLUMNS)))
            await conn.execute(f"INSERT INTO gonogo_evidence VALUES ({marks})", *_values(sealed))
        return sealed

    async def entries(self, prd_key: str | None = None) -> list[Evidence]:
        conn = await self._connection()
        cols = ", ".join(_COLUMNS)
        if prd_key is None:
            rows = await conn.fetch(f"SELECT {cols} FROM gonogo_evidence ORDER BY seq")
        else:
            rows = await conn.fetch(
                f"SELECT {cols} FROM gonogo_evidence WHERE prd_key=$1 ORDER BY seq", prd_key
            )
        return [_row(tuple(r)) for r in rows]

    async def verify(self) -> list[ChainProblem]:
        return verify_chain(await self.entries())

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


def open_evidence_log(url_or_path: str | Path) -> EvidenceLog:
    """A log for ``postgresql://…``, ``sqlite:///path`` or a plain file path."""
    text = str(url_or_path)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresEvidenceLog(text)
    return SqliteEvidenceLog(
        text.removeprefix("sqlite:///") if text.startswith("sqlite:///") else text
    )
