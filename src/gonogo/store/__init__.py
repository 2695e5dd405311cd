"""Persistence: runs and their per-sample results (SQLite by default), and the evidence log."""

from ._evidence import (
    ChainProblem,
    Evidence,
    EvidenceLog,
    PostgresEvidenceLog,
    SqliteEvidenceLog,
    open_evidence_log,
    verify_chain,
)
from ._sqlite import RunRow, RunStore, RunSummary, StoreWriteError, TrendPoint

__all__ = [
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
    "open_evidence_log",
    "verify_chain",
]
