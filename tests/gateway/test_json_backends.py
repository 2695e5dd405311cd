"""Hostile JSON never costs the gateway a trace or a cent of recorded spend — with orjson
and without it (``pip install 'gonogo[gateway]'`` has no orjson: the standard library's
json then runs, and must refuse and write exactly what orjson does)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from gateway_ops_kit import make_key, write_prd
from serve_env_kit import GatewayProcess, without_orjson

from gonogo.store.gateway import open_gateway_store
from gonogo.testing import FakeOpenAIServer

pytestmark = pytest.mark.slow

NORMAL = 200
# each one a raw body the standard library parses happily and orjson refuses
POISON = [
    b'{"model":"m","messages":[{"role":"user","content":"hi \\ud800"}]}',
    b'{"model":"m","messages":[{"role":"user","content":"\\udfff x"}],"temperature":0.1}',
    b'{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":NaN}',
    b'{"model":"m","messages":[{"role":"user","content":"hi"}],"top_p":1e309}',
    b'{"model":"m","messages":[{"role":"user","content":"hi"}],"x":'
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}",
]


@pytest.fixture(params=["orjson", "json"])
def backend(request, tmp_path):
    if request.param == "json":
        with without_orjson(tmp_path / "no-orjson"):
            yield request.param
    else:
        yield request.param


async def _send_all(url: str, key: str) -> tuple[list[int], list[int], float]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    normal = [
        json.dumps(
            {"model": "m", "messages": [{"role": "user", "content": f"question {i}"}]}
        ).encode()
        for i in range(NORMAL)
    ]
    bodies = normal[:100] + POISON + normal[100:]  # the poison lands in the middle of batches
    async with aiohttp.ClientSession(headers=headers) as s:

        async def one(body: bytes) -> tuple[int, float]:
            async with s.post(url + "/v1/chat/completions", data=body) as r:
                answer = json.loads(await r.read())
                usage = answer.get("usage") if r.status == 200 else None
                if not usage:
                    return r.status, 0.0
                # fake-model's prices in the PRD: $0.15 / $0.60 per million tokens
                cost = (usage["prompt_tokens"] * 0.15 + usage["completion_tokens"] * 0.60) / 1e6
                return r.status, cost

        answers = await asyncio.gather(*(one(b) for b in bodies))
    statuses = [status for status, _ in answers]
    poison = statuses[100 : 100 + len(POISON)]
    return statuses[:100] + statuses[100 + len(POISON) :], poison, sum(c for _, c in answers)


PUSHES = [
    b'{"user": "Q: {question} \\ud800"}',
    b'{"user": "Q: {question}", "params": {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
    b'{"user": "Q: {question}", "params": {"temperature": NaN}}',
]


async def _push_all(url: str, key: str) -> list[int]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as s:
        statuses = []
        for body in PUSHES:
            async with s.post(url + "/v1/admin/prompts/answer/versions", data=body) as r:
                await r.read()
                statuses.append(r.status)
    return statuses


def _stored(url: str) -> tuple[int, float]:
    async def go() -> tuple[int, float]:
        store = open_gateway_store(url)
        await store.open()
        try:
            return await store.count_traces(), await store.spend_since(0)
        finally:
            await store.close()

    return asyncio.run(go())


def test_poison_bodies_are_400_and_every_other_trace_and_its_spend_is_kept(tmp_path, backend):
    name = backend  # the fixture keeps orjson from the server for "json"
    with FakeOpenAIServer() as upstream:
        prd = write_prd(tmp_path, upstream.base_url, timeout_s=5.0)
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
        key, admin = make_key(url, "app"), make_key(url, "admin")
        with GatewayProcess(prd, url) as gw:
            health = json.loads(_get(gw.url + "/healthz"))
            assert health["json"] == name  # the backend under test really runs
            normal, poison, billed = asyncio.run(_send_all(gw.url, key))
            pushes = asyncio.run(_push_all(gw.url, admin))
            log = gw.output()
    assert normal == [200] * NORMAL
    assert poison == [400] * len(POISON)
    assert pushes == [400] * len(PUSHES)  # not 503: the store never sees them
    count, spent = _stored(url)
    assert count == NORMAL + len(POISON)  # the refused ones are traced too
    assert spent == pytest.approx(billed, rel=1e-9) and billed > 0  # no spend went missing
    assert "Traceback" not in log and "ERROR" not in log, log


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()
