"""ModelClient: one place for retries, timeouts, concurrency, cache and cost.

The runner, the judges and the gateway all call models through a ModelClient wrapping
a :class:`~gonogo.models.Provider`, so every call gets the same policy:

- at most ``concurrency`` calls in flight to the provider;
- a timeout per attempt; retries of retryable failures (429, 5xx, connection errors,
  timeouts, malformed bodies) with exponential backoff and full jitter, honouring
  ``Retry-After``;
- the response cache, keyed on the whole request and the sample index;
- the cost from the price table — ``None`` when unknown, never 0.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ProviderError
from ._cache import ResponseCache
from ._types import ChatRequest, ChatResponse, Message, Provider, Usage

if TYPE_CHECKING:
    from ..spec._prd import Price


@dataclass(slots=True)
class ClientStats:
    """Counters of one client.

    ``calls`` counts every ``complete()`` call (cache hits included); ``requests`` the
    attempts sent to the provider; ``retries`` the attempts beyond the first;
    ``failures`` the calls that raised after retries. ``spent_usd`` sums the cost of
    fresh (uncached) answers with a known price; ``unknown_cost_calls`` counts fresh
    answers whose cost is unknown, so a total is never mistaken for complete.
    """

    calls: int = 0
    cache_hits: int = 0
    requests: int = 0
    retries: int = 0
    failures: int = 0
    spent_usd: float = 0.0
    unknown_cost_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "cache_hits": self.cache_hits,
            "requests": self.requests,
            "retries": self.retries,
            "failures": self.failures,
            "spent_usd": self.spent_usd,
            "unknown_cost_calls": self.unknown_cost_calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
        }


class ModelClient:
    """Calls one model through one provider with retries, limits, cache and cost."""

    def __init__(
        self,
        provider: Provider,
        *,
        model: str,
        params: dict[str, Any] | None = None,
        timeout_s: float = 60,
        max_retries: int = 3,
        concurrency: int = 16,
        price: Price | None = None,
        cache: ResponseCache | None = None,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 20.0,
    ) -> None:
        self.provider = provider
        self.model = model
        self.params: dict[str, Any] = dict(params or {})
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.concurrency = concurrency
        self.price = price
        self.cache = cache
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.stats = ClientStats()
        self._provider_id = provider.id
        # USD per token, precomputed once: the hot path multiplies two ints.
        self._rates = (
            None if price is None else (price.input_per_1m / 1e6, price.output_per_1m / 1e6)
        )
        self._sem: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # A last-resort timer for providers that ignore timeout_s; theirs fires first.
        self._guard_s = timeout_s + min(1.0, 0.05 + 0.1 * timeout_s)

    def estimate_cost(self, input_tokens: int, output_tokens: int) -> float | None:
        """USD for that many tokens at this model's price; None when the price is unknown."""
        if self._rates is None:
            return None
        return input_tokens * self._rates[0] + output_tokens * self._rates[1]

    def request(
        self,
        messages: list[Message],
        *,
        response_format: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> ChatRequest:
        """The ChatRequest ``complete()`` sends for these messages."""
        merged = {**self.params, **params} if params else dict(self.params)
        return ChatRequest(self.model, messages, merged, response_format)

    def cache_key(
        self,
        messages: list[Message] | ChatRequest,
        sample: int = 0,
        *,
        response_format: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> str:
        """The cache key ``complete()`` uses for the same arguments (e.g. to plan a run)."""
        if isinstance(messages, ChatRequest):
            request = messages
        else:
            request = self.request(messages, response_format=response_format, params=params)
        return request.cache_key(self._provider_id, sample)

    async def complete(
        self,
        messages: list[Message] | ChatRequest,
        *,
        sample: int = 0,
        response_format: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        use_cache: bool = True,
    ) -> ChatResponse:
        """One answer for ``messages`` (sample index ``sample``), from cache or provider.

        ``use_cache=False`` skips the lookup but still stores the fresh answer.
        Raises :class:`~gonogo.errors.ProviderError` once retries are exhausted.
        """
        if isinstance(messages, ChatRequest):
            request = messages
        else:
            request = self.request(messages, response_format=response_format, params=params)
        stats = self.stats
        stats.calls += 1
        cache = self.cache
        key = None
        if cache is not None:
            key = request.cache_key(self._provider_id, sample)
            if use_cache:
                hit = cache.get(key)
                if hit is not None:
                    stats.cache_hits += 1
                    resp = ChatResponse.from_dict(hit)
                    resp.cached = True
                    resp.attempts = 0
                    return resp
        async with self._semaphore():
            resp = await self._attempts(request)
        self._account(resp)
        if key is not None and cache is not None:
            cache.put(key, resp.to_dict())
        return resp

    def _semaphore(self) -> asyncio.Semaphore:
        # asyncio primitives bind to one loop; a new asyncio.run() gets a new semaphore.
        loop = asyncio.get_running_loop()
        if self._sem is None or self._loop is not loop:
            self._sem = asyncio.Semaphore(self.concurrency)
            self._loop = loop
        return self._sem

    async def _attempts(self, request: ChatRequest) -> ChatResponse:
        stats = self.stats
        provider = self.provider
        t0 = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            stats.requests += 1
            try:
                async with asyncio.timeout(self._guard_s):
                    resp = await provider.complete(request, timeout_s=self.timeout_s)
            except (ProviderError, TimeoutError) as exc:
                err = exc if isinstance(exc, ProviderError) else self._timeout_error()
                if not err.retryable or attempt > self.max_retries:
                    stats.failures += 1
                    if attempt > 1:
                        err.message += f" (after {attempt} attempts)"
                    raise err from (None if err is exc else exc)
                stats.retries += 1
                await asyncio.sleep(self._backoff(attempt, err.retry_after))
                continue
            resp.latency_s = time.perf_counter() - t0
            resp.attempts = attempt
            if not resp.model:
                resp.model = request.model
            return resp

    def _timeout_error(self) -> ProviderError:
        return ProviderError(
            f"{self._provider_id}: no answer within {self.timeout_s:g}s",
            "raise timeout_s in the PRD, or lower concurrency if the server is overloaded",
            kind="timeout",
            retryable=True,
        )

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter: uniform in [0, min(max, base·2^(n-1))], at least Retry-After."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
        delay = random.uniform(0.0, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max_s))
        return delay

    def _account(self, resp: ChatResponse) -> None:
        stats = self.stats
        usage: Usage | None = resp.usage
        rates = self._rates
        if usage is not None:
            stats.input_tokens += usage.input_tokens
            stats.output_tokens += usage.output_tokens
        if rates is None or usage is None:
            # No price: keep a cost the provider itself reported (e.g. a gateway), else unknown.
            if resp.cost_usd is None:
                stats.unknown_cost_calls += 1
            else:
                stats.spent_usd += resp.cost_usd
        else:
            cost = usage.input_tokens * rates[0] + usage.output_tokens * rates[1]
            resp.cost_usd = cost
            stats.spent_usd += cost

    async def aclose(self) -> None:
        """Release the provider's connections."""
        await self.provider.aclose()

    async def __aenter__(self) -> ModelClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
