"""Budget and rate counters: in-process by default, Redis to share them across replicas.

A counter lives ``ttl_s`` seconds from its first ``add`` (a later ``add`` does not extend
it), so a key per window — ``spend:day:2026-11-28`` — expires on its own. Redis applies
INCRBYFLOAT and the first EXPIRE in one Lua script, so concurrent replicas never lose an
increment or leave a counter without a lifetime.
"""

from __future__ import annotations

import time
from typing import Any

from ...errors import MissingDependencyError, UserError
from ._types import Counters, StoreError

# INCRBYFLOAT, and EXPIRE only while the key has no lifetime yet (EXPIRE NX needs Redis 7)
_ADD_LUA = """
local total = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return total
"""


class MemoryCounters:
    """Counters in this process only (one gateway worker, or tests)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[float, float]] = {}  # key -> (total, expires_at)

    async def add(self, key: str, amount: float, ttl_s: int) -> float:
        """Add ``amount``; a new counter expires ``ttl_s`` seconds from now."""
        now = time.monotonic()
        total, expires = self._values.get(key, (0.0, 0.0))
        if expires <= now:
            total, expires = 0.0, now + max(1, int(ttl_s))
        total += float(amount)
        self._values[key] = (total, expires)
        if len(self._values) > 10_000:
            self._sweep(now)
        return total

    async def get(self, key: str) -> float:
        """The counter's total, or 0.0."""
        total, expires = self._values.get(key, (0.0, 0.0))
        return total if expires > time.monotonic() else 0.0

    async def close(self) -> None:
        """Forget every counter."""
        self._values.clear()

    def _sweep(self, now: float) -> None:
        for k in [k for k, (_, exp) in self._values.items() if exp <= now]:
            del self._values[k]


class RedisCounters:
    """Counters in Redis, shared by every gateway replica that points at it."""

    def __init__(self, url: str, *, prefix: str = "gonogo:", max_connections: int = 32) -> None:
        try:
            import redis.asyncio as aioredis
        except ImportError:
            raise MissingDependencyError("Redis counters", "redis", "redis") from None
        self.url = _redact(url)
        self._prefix = prefix
        try:
            # a bounded pool that waits for a free connection instead of failing with
            # "Too many connections" when many requests update counters at once
            pool = aioredis.BlockingConnectionPool.from_url(
                url, max_connections=max_connections, timeout=10, decode_responses=True
            )
            self._client: Any = aioredis.Redis(connection_pool=pool)
        except ValueError as e:
            raise UserError(
                f"invalid Redis URL {self.url}: {e}", "use redis://HOST:PORT/DB"
            ) from None
        self._add = self._client.register_script(_ADD_LUA)

    async def add(self, key: str, amount: float, ttl_s: int) -> float:
        """INCRBYFLOAT + first EXPIRE, atomically; returns the new total."""
        try:
            total = await self._add(keys=[self._prefix + key], args=[float(amount), max(1, ttl_s)])
        except Exception as e:  # redis raises many classes; all mean "counter unavailable"
            raise StoreError(f"Redis counter update failed ({self.url}): {e}") from e
        return float(total)

    async def get(self, key: str) -> float:
        """The counter's total, or 0.0."""
        try:
            value = await self._client.get(self._prefix + key)
        except Exception as e:
            raise StoreError(f"Redis counter read failed ({self.url}): {e}") from e
        return 0.0 if value is None else float(value)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


def open_counters(url: str | None) -> Counters:
    """``None`` → in-process counters; ``redis://…`` / ``rediss://…`` / ``unix://…`` → Redis."""
    if url is None or url == "" or url == "memory":
        return MemoryCounters()
    if url.split(":", 1)[0] in ("redis", "rediss", "unix"):
        return RedisCounters(url)
    raise UserError(
        f"unsupported counters URL {_redact(url)!r}",
        "use redis://HOST:PORT/DB (or leave --redis unset for in-process counters)",
    )


def _redact(url: str) -> str:
    from ._open import redact_url

    return redact_url(url)
