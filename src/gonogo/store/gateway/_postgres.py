"""PostgreSQL backend of the gateway store (being written; see docs/registry.md)."""

from __future__ import annotations

from ._open import redact_url
from ._sqlite import SQLiteGatewayStore
from ._types import StoreError


class PostgresGatewayStore(SQLiteGatewayStore):
    """Placeholder until the asyncpg backend lands: refuses to open."""

    def __init__(self, url: str) -> None:
        super().__init__("/nonexistent", redact_url(url))

    async def open(self) -> None:
        """Not implemented yet."""
        raise StoreError("the PostgreSQL gateway store is not implemented yet", "use SQLite")
