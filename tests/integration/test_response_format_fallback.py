"""The JSON-Schema fallback for llama-cpp-python's server, against a loopback replica.

llama-cpp-python's OpenAI-compatible server (0.3.x) rejects ``response_format`` of type
``json_schema`` — with HTTP 500 and a pydantic message naming ``json_object`` — and
ignores integer ``minimum``/``maximum`` in the schema it does take. These tests need no
model (they are not ``llm`` tests): the replica answers with the real server's error body
(recorded from 0.3.36) and records what it was sent.
"""

import asyncio
import json

import pytest

from gonogo.errors import ProviderError
from gonogo.models import ModelClient, OpenAICompatibleProvider
from gonogo_testkit import raw_http_server

LLAMA_CPP_REJECTION = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}"
)
SCHEMA = {
    "type": "object",
    "properties": {
        "reasoning": {"type": "string"},
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["reasoning", "score"],
}


class LlamaCppReplica:
    """Rejects json_schema as llama-cpp-python does; answers anything else."""

    def __init__(self, *, message: str = LLAMA_CPP_REJECTION, status: int = 500) -> None:
        self.message, self.status = message, status
        self.received: list[dict] = []
        self._server = raw_http_server(self._answer)
        self.base_url = ""

    def __enter__(self):
        self.base_url = self._server.__enter__() + "/v1"
        return self

    def __exit__(self, *exc):
        self._server.__exit__(*exc)

    def _answer(self, headers, raw: bytes) -> tuple[int, bytes]:
        body = json.loads(raw)
        self.received.append(body)
        if (body.get("response_format") or {}).get("type") == "json_schema":
            error = {"message": self.message, "type": "internal_server_error"}
            return self.status, json.dumps({"error": error}).encode()
        content = json.dumps({"reasoning": "ok", "score": 3})
        choice = {"index": 0, "message": {"role": "assistant", "content": content}}
        usage = {"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14}
        answer = {"model": "m", "choices": [{**choice, "finish_reason": "stop"}], "usage": usage}
        return 200, json.dumps(answer).encode()


def run(server, *, schema=SCHEMA, calls=2):
    provider = OpenAICompatibleProvider(server.base_url)
    client = ModelClient(provider, model="m", max_retries=2, backoff_base_s=0.0)

    async def go():
        try:
            asks = [[{"role": "user", "content": f"q{i}"}] for i in range(calls)]
            return [await client.complete(m, response_format=schema) for m in asks]
        finally:
            await client.aclose()

    return provider, client, asyncio.run(go())


def test_rejected_json_schema_is_resent_as_json_object_with_the_schema():
    with LlamaCppReplica() as srv:
        provider, client, responses = run(srv)
    assert [json.loads(r.text)["score"] for r in responses] == [3, 3]
    sent = [body["response_format"] for body in srv.received]
    assert [f["type"] for f in sent] == ["json_schema", "json_object", "json_object"]
    assert provider.schema_style == "json_object"  # remembered: one rejection, not one per call
    score = sent[1]["schema"]["properties"]["score"]
    assert score["enum"] == [1, 2, 3, 4, 5]  # the range the server's grammar would ignore
    assert {k: v for k, v in score.items() if k != "enum"} == SCHEMA["properties"]["score"]
    assert client.stats.retries == 0 and client.stats.failures == 0


def test_other_errors_are_not_mistaken_for_the_rejection():
    # a 500 that does not name json_object is a server error: retried, never re-styled
    with LlamaCppReplica(message="response_format broke the server") as srv:
        with pytest.raises(ProviderError) as info:
            run(srv, calls=1)
    assert info.value.kind == "server_error"
    assert [body["response_format"]["type"] for body in srv.received] == ["json_schema"] * 3


def test_plain_requests_never_switch_style():
    with LlamaCppReplica() as srv:
        provider = OpenAICompatibleProvider(srv.base_url)
        client = ModelClient(provider, model="m")

        async def go():
            try:
                return await client.complete([{"role": "user", "content": "hi"}])
            finally:
                await client.aclose()

        asyncio.run(go())
    assert provider.schema_style == "json_schema"
    assert "response_format" not in srv.received[0]
