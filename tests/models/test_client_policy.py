"""ModelClient's retry/backoff/timeout policy, with providers that need no network."""

import asyncio
import random

import pytest

from gonogo.errors import ProviderError
from gonogo.models import ChatRequest, ChatResponse, ModelClient, ScriptedProvider, Usage

USER = [{"role": "user", "content": "hello"}]


def test_backoff_is_full_jitter_capped_and_honours_retry_after():
    client = ModelClient(ScriptedProvider(["x"]), model="m", backoff_base_s=0.5, backoff_max_s=4)
    random.seed(1)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = [client._backoff(attempt, None) for _ in range(300)]
        assert 0 <= min(delays) and max(delays) <= ceiling
        assert max(delays) > 0.8 * ceiling  # spread over the whole range: full jitter
    assert all(client._backoff(1, 3.0) >= 3.0 for _ in range(50))
    assert client._backoff(1, 600.0) == 4  # Retry-After is capped at backoff_max_s


def test_scripted_failures_are_retried_up_to_max_retries():
    provider = ScriptedProvider([{"error": "rate_limit"}, {"error": "server_error"}, "ok"])
    client = ModelClient(provider, model="m", max_retries=2, backoff_base_s=0.001)
    resp = asyncio.run(client.complete(USER))
    assert resp.text == "ok" and resp.attempts == 3 and client.stats.retries == 2

    provider = ScriptedProvider([{"error": "server_error"}])
    client = ModelClient(provider, model="m", max_retries=2, backoff_base_s=0.001)
    with pytest.raises(ProviderError) as info:
        asyncio.run(client.complete(USER))
    assert info.value.kind == "server_error" and provider.calls == 3
    assert client.stats.failures == 1 and client.stats.requests == 3


def test_non_retryable_failure_is_raised_at_once():
    provider = ScriptedProvider([{"error": "auth"}, "never"])
    client = ModelClient(provider, model="m", backoff_base_s=0.001)
    with pytest.raises(ProviderError) as info:
        asyncio.run(client.complete(USER))
    assert info.value.kind == "auth" and provider.calls == 1


class _Hangs:
    """A provider that ignores its timeout: the client's guard must still stop it."""

    id = "hangs"

    async def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatResponse:
        await asyncio.sleep(30)
        return ChatResponse("late", "m")

    async def aclose(self) -> None:
        pass


def test_timeout_guard_for_providers_that_ignore_timeouts():
    client = ModelClient(_Hangs(), model="m", timeout_s=0.05, max_retries=1, backoff_base_s=0.001)
    with pytest.raises(ProviderError) as info:
        asyncio.run(client.complete(USER))
    assert info.value.kind == "timeout" and client.stats.requests == 2


def test_scripted_latency_past_timeout_is_a_timeout():
    client = ModelClient(
        ScriptedProvider(["x"], latency_s=1.0), model="m", timeout_s=0.02, max_retries=0
    )
    with pytest.raises(ProviderError) as info:
        asyncio.run(client.complete(USER))
    assert info.value.kind == "timeout"


class _Priced:
    id = "priced"

    async def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatResponse:
        return ChatResponse("x", "", Usage(1, 1), cost_usd=0.25)

    async def aclose(self) -> None:
        pass


def test_provider_reported_cost_is_kept_without_a_price():
    client = ModelClient(_Priced(), model="m")
    resp = asyncio.run(client.complete(USER))
    assert resp.cost_usd == 0.25 and client.stats.spent_usd == 0.25
    assert resp.model == "m"  # filled from the request when the provider gives none


def test_request_merges_params_without_mutating_defaults():
    client = ModelClient(ScriptedProvider(["x"]), model="m", params={"temperature": 0.2})
    req = client.request(USER, params={"seed": 1})
    assert req.params == {"temperature": 0.2, "seed": 1} and client.params == {"temperature": 0.2}
    req.params["x"] = 1
    assert client.request(USER).params == {"temperature": 0.2}


def test_a_chat_request_is_sent_as_is():
    seen = []
    client = ModelClient(ScriptedProvider(lambda r: seen.append(r) or "ok"), model="ignored")
    req = ChatRequest("other", USER, {"temperature": 1})
    asyncio.run(client.complete(req))
    assert seen == [req]
