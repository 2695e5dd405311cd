"""HTTP-level tests of OpenAICompatibleProvider + ModelClient against a real loopback server."""

import asyncio
import json

import pytest
from models_kit import PRICE, USER, make_client

from gonogo.errors import ProviderError
from gonogo.models import ChatRequest, OpenAICompatibleProvider
from gonogo.testing import FakeOpenAIServer


async def _one(client, messages=USER, **kw):
    try:
        return await client.complete(messages, **kw)
    finally:
        await client.aclose()


def test_success_parses_text_usage_and_cost(server):
    client = make_client(server, price=PRICE)
    resp = asyncio.run(_one(client))
    assert resp.text == "Answer: Can I return opened shoes?"
    assert resp.usage is not None
    # The fake server counts ceil(chars / 4) tokens per side.
    assert (resp.usage.input_tokens, resp.usage.output_tokens) == (7, 9)
    assert resp.cost_usd == pytest.approx((7 * 2.0 + 9 * 8.0) / 1e6)
    assert resp.finish_reason == "stop"
    assert resp.model == "gpt-test"
    assert resp.attempts == 1 and not resp.cached and resp.latency_s > 0
    assert client.stats.spent_usd == pytest.approx(resp.cost_usd)
    assert client.stats.unknown_cost_calls == 0


def test_unknown_price_gives_unknown_cost_never_zero(server):
    client = make_client(server)
    resp = asyncio.run(_one(client))
    assert resp.usage is not None and resp.cost_usd is None
    assert client.stats.unknown_cost_calls == 1 and client.stats.spent_usd == 0.0
    assert client.estimate_cost(1000, 1000) is None
    assert make_client(server, price=PRICE).estimate_cost(1_000_000, 0) == pytest.approx(2.0)


def test_params_and_messages_are_sent(server):
    client = make_client(server, params={"temperature": 0.2, "max_tokens": 50})
    asyncio.run(_one(client, params={"temperature": 0.0, "seed": 7}))
    body = server.received[-1]
    assert body["model"] == "gpt-test"
    assert body["messages"] == USER
    assert body["temperature"] == 0.0 and body["max_tokens"] == 50 and body["seed"] == 7
    assert "response_format" not in body


def test_json_schema_is_sent_in_openai_wire_shape(server):
    schema = {
        "type": "object",
        "properties": {"score": {"type": "integer", "minimum": 1}, "reasoning": {"type": "string"}},
        "required": ["score", "reasoning"],
        "additionalProperties": False,
    }
    resp = asyncio.run(_one(make_client(server), response_format=schema))
    assert server.received[-1]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": True},
    }
    assert resp.text == '{"score": 1, "reasoning": "A short reasoning."}'


def test_429_is_retried_honouring_retry_after():
    with FakeOpenAIServer(faults=["429"], retry_after="0.2") as srv:
        client = make_client(srv, backoff_max_s=5.0)
        resp = asyncio.run(_one(client))
        assert resp.attempts == 2 and resp.text.startswith("Answer:")
        assert srv.stats.by_status[429] == 1 and srv.stats.requests == 2
        assert resp.latency_s >= 0.2  # waited the server's Retry-After, not the 1 ms backoff
        assert client.stats.retries == 1 and client.stats.requests == 2


@pytest.mark.parametrize("status", ["500", "502", "503"])
def test_5xx_is_retried(status):
    with FakeOpenAIServer(faults=[status, status]) as srv:
        resp = asyncio.run(_one(make_client(srv)))
        assert resp.attempts == 3 and srv.stats.by_status[int(status)] == 2


def test_malformed_body_retried_then_reported_as_bad_response():
    with FakeOpenAIServer(faults=["malformed", "missing_choices"]) as srv:
        assert asyncio.run(_one(make_client(srv))).attempts == 3
    with FakeOpenAIServer(faults=lambda n, body: "malformed") as srv:
        client = make_client(srv, max_retries=2)
        with pytest.raises(ProviderError) as info:
            asyncio.run(_one(client))
        assert info.value.kind == "bad_response" and info.value.retryable
        assert "not JSON" in str(info.value) and "after 3 attempts" in str(info.value)
        assert srv.stats.requests == 3 and client.stats.failures == 1


def test_missing_choices_is_bad_response():
    with FakeOpenAIServer(faults=lambda n, body: "missing_choices") as srv:
        with pytest.raises(ProviderError) as info:
            asyncio.run(_one(make_client(srv, max_retries=0)))
    assert info.value.kind == "bad_response" and "choices" in info.value.message


def test_dropped_connection_is_retried():
    with FakeOpenAIServer(faults=["drop", "drop"]) as srv:
        resp = asyncio.run(_one(make_client(srv)))
        assert resp.attempts == 3 and srv.stats.by_status["drop"] == 2
    with FakeOpenAIServer(faults=lambda n, body: "drop") as srv:
        with pytest.raises(ProviderError) as info:
            asyncio.run(_one(make_client(srv, max_retries=1)))
    assert info.value.kind == "connection" and info.value.retryable


def test_timeout_after_retries():
    with FakeOpenAIServer(faults=lambda n, body: "slow", slow_s=3.0) as srv:
        client = make_client(srv, timeout_s=0.15, max_retries=1)
        with pytest.raises(ProviderError) as info:
            asyncio.run(_one(client))
        assert info.value.kind == "timeout" and info.value.retryable
        assert "0.15s" in str(info.value) and "timeout_s" in (info.value.hint or "")
        assert srv.stats.requests == 2 and client.stats.retries == 1


def test_401_is_not_retried_and_hints_at_the_key_variable():
    with FakeOpenAIServer(api_key="right") as srv:
        provider = OpenAICompatibleProvider(srv.base_url, "wrong", api_key_env="ACME_KEY")
        client = make_client(srv, provider=provider)
        with pytest.raises(ProviderError) as info:
            asyncio.run(_one(client))
        assert srv.stats.requests == 1
    err = info.value
    assert err.kind == "auth" and err.status == 401 and not err.retryable
    assert "$ACME_KEY" in (err.hint or "") and "Incorrect API key" in err.message
    assert "\n" not in str(err)


def test_right_key_is_accepted():
    with FakeOpenAIServer(api_key="right") as srv:
        assert asyncio.run(_one(make_client(srv, api_key="right"))).text.startswith("Answer")


def test_404_and_400_are_not_retried_and_say_what_to_check():
    with FakeOpenAIServer(faults=lambda n, body: "404") as srv:
        with pytest.raises(ProviderError) as info:
            asyncio.run(_one(make_client(srv)))
        assert srv.stats.requests == 1
    assert info.value.kind == "not_found" and "base_url" in (info.value.hint or "")
    assert "'gpt-test'" in (info.value.hint or "")
    with FakeOpenAIServer(faults=lambda n, body: "400") as srv:
        with pytest.raises(ProviderError) as info:
            asyncio.run(_one(make_client(srv)))
        assert srv.stats.requests == 1
    assert info.value.kind == "error" and info.value.status == 400
    assert "Injected failure." in info.value.message


def test_unreachable_server_is_a_connection_error():
    with FakeOpenAIServer() as srv:
        url = srv.base_url
    client = make_client(srv, max_retries=1, provider=OpenAICompatibleProvider(url))
    with pytest.raises(ProviderError) as info:
        asyncio.run(_one(client))
    assert info.value.kind == "connection" and "cannot reach" in info.value.message


def test_concurrency_limit_is_respected():
    with FakeOpenAIServer(latency_s=0.03) as srv:
        client = make_client(srv, concurrency=4)

        async def many():
            try:
                msgs = [[{"role": "user", "content": f"q{i}"}] for i in range(24)]
                return await asyncio.gather(*(client.complete(m) for m in msgs))
            finally:
                await client.aclose()

        answers = asyncio.run(many())
        assert [a.text for a in answers] == [f"Answer: q{i}" for i in range(24)]
        assert srv.stats.max_in_flight == 4  # the limit holds, and is used


def test_random_faults_are_ridden_out():
    with FakeOpenAIServer(fault_rate=0.3, seed=3) as srv:
        client = make_client(srv, max_retries=8, concurrency=8)

        async def many():
            try:
                msgs = [[{"role": "user", "content": f"q{i}"}] for i in range(40)]
                return await asyncio.gather(*(client.complete(m) for m in msgs))
            finally:
                await client.aclose()

        answers = asyncio.run(many())
        assert [a.text for a in answers] == [f"Answer: q{i}" for i in range(40)]
        assert client.stats.retries == sum(srv.stats.faults.values()) > 0


def test_client_survives_a_new_event_loop(server):
    client = make_client(server)
    first = asyncio.run(client.complete(USER))
    second = asyncio.run(client.complete(USER, sample=1))  # new loop: new session, semaphore
    asyncio.run(client.aclose())
    assert first.text == second.text and server.stats.requests == 2


def test_provider_can_be_used_directly(server):
    provider = OpenAICompatibleProvider(server.base_url + "/")

    async def go():
        try:
            return await provider.complete(ChatRequest("m", USER), timeout_s=5)
        finally:
            await provider.aclose()

    resp = asyncio.run(go())
    assert resp.text.startswith("Answer") and provider.id == f"openai-compatible:{server.base_url}"


@pytest.mark.parametrize(
    "usage",
    [None, {}, {"prompt_tokens": None, "completion_tokens": None}, {"completion_tokens": 3}],
)
def test_a_body_without_token_counts_parses_with_usage_unknown(usage):
    body = {"model": "m", "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]}
    if usage is not None:
        body["usage"] = usage
    resp = OpenAICompatibleProvider("http://127.0.0.1:9/v1")._parse(json.dumps(body).encode())
    assert (resp.text, resp.usage) == ("hi", None)
