"""Persistence: runs and their results (SQLite, or PostgreSQL by URL), and the evidence log."""

from ._evidence import (
    ChainProblem,
    Evidence,
    EvidenceLog,
    PostgresEvidenceLog,
    SqliteEvidenceLog,
    open_evidence_log,
    verify_chain,
)
from ._open_runs import AnyRunStore, is_url, open_run_store
from ._sqlite import RunRow, RunStore, RunSummary, StoreWriteError, TrendPoint

__all__ = [
    "AnyRunStore",
    "ChainProblem",
    "Evidence",
    "EvidenceLog",
    "PostgresEvidenceLog",
    "RunRow",
    "RunStore",
    "RunSummary",
    "SqliteEvidenceLog",
    "StoreWriteError",
    "TrendPoint",
    "is_url",
    "open_evidence_log",
    "open_run_store",
    "verify_chain",
]
