"""Persistence: runs and their per-sample results (SQLite by default)."""

from ._sqlite import RunRow, RunStore, StoreWriteError

__all__ = ["RunRow", "RunStore", "StoreWriteError"]
