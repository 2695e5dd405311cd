"""Which run store a ``--store`` value names: a SQLite file, or PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Union

from ..errors import UserError
from ._sqlite import RunStore

if TYPE_CHECKING:
    from ._postgres_runs import PostgresRunStore

AnyRunStore = Union[RunStore, "PostgresRunStore"]  # noqa: UP007 (a forward reference)


def is_url(location: str | Path) -> bool:
    """Whether ``location`` is a URL (``postgresql://…``, ``sqlite:///…``), not a path."""
    return "://" in str(location)


def open_run_store(location: str | Path) -> AnyRunStore:
    """``postgresql://USER:PW@HOST/DB`` → PostgreSQL; ``sqlite:///path`` or a path → SQLite."""
    text = str(location)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgresql", "postgres", "postgresql+asyncpg"):
        from ._postgres_runs import PostgresRunStore

        return PostgresRunStore(text)
    if scheme == "sqlite":
        return RunStore(Path(text[len("sqlite:///") :]))
    if scheme:
        raise UserError(
            f"unsupported run store URL scheme '{scheme}'",
            "use a file path (or sqlite:///path) or postgresql://USER:PW@HOST/DB",
        )
    return RunStore(Path(text))
