"""API keys: ``Authorization: Bearer <key>`` checked by its sha256 against the store.

Lookups are cached by hash for ``ttl_s`` (default 10 s: a revoked key stops working
within that), unknown hashes for ``negative_ttl_s`` (1 s) in a bounded map, so a flood
of wrong keys costs one store read per key per second at most. The secret itself is
never kept, logged or traced: only its hash (in memory) and the key's public id.
``GONOGO_ADMIN_KEY`` (passed as ``bootstrap_admin``) is an admin key that lives only in
the gateway's memory — use it to call the admin API before any key is created.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._http import HTTPError, Scope, header

if TYPE_CHECKING:
    from ._store import ApiKeyRecord, GatewayStore

BOOTSTRAP_ID = "gk_env_admin"
_NEGATIVE_MAX = 10_000
_FIX = (
    "pass `Authorization: Bearer <key>`; create one with "
    "`gonogo keys create NAME --role app --prd PRD`"
)


def hash_secret(secret: str) -> str:
    """sha256 hex digest of a key (the store's contract)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyCache:
    """Resolves bearer keys to :class:`ApiKeyRecord` with a short-lived cache."""

    def __init__(
        self,
        store: GatewayStore,
        *,
        ttl_s: float = 10.0,
        negative_ttl_s: float = 1.0,
        bootstrap_admin: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self._clock = clock
        self._hits: dict[str, tuple[ApiKeyRecord, float]] = {}
        self._misses: dict[str, float] = {}
        self._bootstrap: ApiKeyRecord | None = None
        if bootstrap_admin:
            from ._store import ApiKeyRecord

            self._bootstrap = ApiKeyRecord(
                id=BOOTSTRAP_ID, name="GONOGO_ADMIN_KEY", role="admin",
                key_hash=hash_secret(bootstrap_admin), created_at=time.time(),
                revoked_at=None, daily_budget_usd=None,
            )  # fmt: skip

    async def authenticate(self, scope: Scope, role: str) -> ApiKeyRecord:
        """The key record of the request; 401 without a valid key, 403 for the wrong role.

        ``role="app"`` accepts app and admin keys; ``role="admin"`` only admin keys; a
        ``reviewer`` key (the dashboard's) is refused everywhere here.
        """
        raw = header(scope, b"authorization")
        if raw is None:
            raise HTTPError(401, "missing_api_key", "this endpoint needs an API key", _FIX)
        scheme, _, secret = raw.decode("latin-1").partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            raise HTTPError(401, "invalid_api_key", "the Authorization header is not "
                            "`Bearer <key>`", _FIX)  # fmt: skip
        rec = await self.lookup(hash_secret(secret))
        if rec is None or rec.revoked_at is not None:
            raise HTTPError(401, "invalid_api_key", "the API key is not valid (unknown or "
                            "revoked)", _FIX)  # fmt: skip
        if rec.role == "reviewer":  # a dashboard key: labels reviews, calls nothing here
            raise HTTPError(403, "forbidden", "a reviewer key only works in the dashboard "
                            "(gonogo ui)", "use an app or admin key")  # fmt: skip
        if role == "admin" and rec.role != "admin":
            raise HTTPError(403, "forbidden", "this endpoint needs an admin key",
                            "use a key created with "
                            "`gonogo keys create NAME --role admin --prd PRD`")  # fmt: skip
        return rec

    async def lookup(self, key_hash: str) -> ApiKeyRecord | None:
        """The record for ``key_hash`` (cached), or None."""
        boot = self._bootstrap
        if boot is not None and key_hash == boot.key_hash:
            return boot
        now = self._clock()
        hit = self._hits.get(key_hash)
        if hit is not None and hit[1] > now:
            return hit[0]
        miss = self._misses.get(key_hash)
        if miss is not None and miss > now:
            return None
        rec = await self.store.find_key(key_hash)
        if rec is None:
            if len(self._misses) >= _NEGATIVE_MAX:
                self._misses.clear()
            self._misses[key_hash] = now + self.negative_ttl_s
            self._hits.pop(key_hash, None)
            return None
        self._hits[key_hash] = (rec, now + self.ttl_s)
        self._misses.pop(key_hash, None)
        return rec

    def forget(self) -> None:
        """Drop every cached lookup (after a key is revoked through this gateway)."""
        self._hits.clear()
        self._misses.clear()
