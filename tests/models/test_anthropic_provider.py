"""AnthropicProvider against a fake /v1/messages endpoint on loopback (needs the SDK)."""

import asyncio
import json
import threading

import pytest
from aiohttp import web

from gonogo.errors import ProviderError
from gonogo.models import AnthropicProvider, ChatRequest, ModelClient


class FakeMessages:
    """POST /v1/messages: records bodies, answers from a list of (status, body) or echoes."""

    def __init__(self, plan=()):
        self.plan = list(plan)
        self.bodies = []
        self.port = 0

    async def handle(self, request):
        body = await request.json()
        self.bodies.append(body)
        if self.plan:
            status, payload, headers = self.plan.pop(0)
            return web.json_response(payload, status=status, headers=headers)
        if body.get("tools"):
            content = [
                {
                    "type": "tool_use",
                    "id": "t1",
                    "name": body["tools"][0]["name"],
                    "input": {"score": 4},
                }
            ]
        else:
            content = [{"type": "text", "text": "Echo: " + body["messages"][-1]["content"]}]
        return web.json_response(
            {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": content,
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 11, "output_tokens": 5},
            }
        )

    def __enter__(self):
        ready = threading.Event()

        async def serve():
            app = web.Application()
            app.router.add_post("/v1/messages", self.handle)
            self.runner = web.AppRunner(app, access_log=None)
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            self.stop = asyncio.Event()
            ready.set()
            await self.stop.wait()
            await self.runner.cleanup()

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(serve(),))
        self.thread.start()
        ready.wait(10)
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(10)


def _client(url, **kw):
    return ModelClient(
        AnthropicProvider("sk-ant", base_url=url, api_key_env="ANTHROPIC_API_KEY"),
        model="claude-test",
        backoff_base_s=0.001,
        **kw,
    )


async def _one(client, **kw):
    try:
        return await client.complete(
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], **kw
        )
    finally:
        await client.aclose()


def test_text_system_usage_and_params():
    with FakeMessages() as srv:
        resp = asyncio.run(
            _one(_client(srv.url, params={"temperature": 0, "seed": 3, "stop": "END"}))
        )
    assert resp.text == "Echo: hi" and resp.finish_reason == "end_turn"
    assert resp.usage is not None and (resp.usage.input_tokens, resp.usage.output_tokens) == (11, 5)
    body = srv.bodies[0]
    assert body["system"] == "Be brief." and body["messages"] == [{"role": "user", "content": "hi"}]
    assert body["max_tokens"] == 1024 and body["temperature"] == 0
    assert body["stop_sequences"] == ["END"] and "seed" not in body


def test_structured_output_through_a_forced_tool():
    schema = {"type": "object", "properties": {"score": {"type": "integer"}}}
    with FakeMessages() as srv:
        resp = asyncio.run(_one(_client(srv.url), response_format=schema))
    assert json.loads(resp.text) == {"score": 4}
    body = srv.bodies[0]
    assert body["tools"][0]["input_schema"] == schema
    assert body["tool_choice"] == {"type": "tool", "name": "output"}


def _err(status, message, headers=None):
    return (status, {"type": "error", "error": {"type": "x", "message": message}}, headers)


def test_errors_are_classified_and_retried_by_the_client():
    plan = [_err(429, "slow down", {"retry-after": "0"}), _err(529, "overloaded")]
    with FakeMessages(plan) as srv:
        resp = asyncio.run(_one(_client(srv.url)))
    assert resp.attempts == 3 and len(srv.bodies) == 3

    with FakeMessages([_err(401, "invalid x-api-key")]) as srv:
        with pytest.raises(ProviderError) as info:
            asyncio.run(_one(_client(srv.url)))
    assert info.value.kind == "auth" and "$ANTHROPIC_API_KEY" in (info.value.hint or "")
    assert len(srv.bodies) == 1

    with FakeMessages([_err(404, "model not found")]) as srv:
        with pytest.raises(ProviderError) as info:
            asyncio.run(_one(_client(srv.url)))
    assert info.value.kind == "not_found"


def test_provider_arguments_without_network():
    provider = AnthropicProvider("k")
    args = provider.arguments(
        ChatRequest(
            "c",
            [{"role": "user", "content": "x"}],
            {"max_tokens": 10, "top_k": 5, "thinking": {"a": 1}},
        )
    )
    assert args["max_tokens"] == 10
    assert args["extra_body"] == {"top_k": 5, "thinking": {"a": 1}}
    asyncio.run(provider.aclose())
