import asyncio
import signal
import sqlite3
import subprocess
import sys

import pytest
from models_kit import PRICE, USER, make_client

from gonogo.errors import ProviderError
from gonogo.models import ChatResponse, ModelClient, ResponseCache, ScriptedProvider, Usage


def test_identical_call_is_served_from_cache(server, tmp_path):
    cache = ResponseCache(tmp_path / "cache.sqlite")
    client = make_client(server, cache=cache, price=PRICE)

    async def go():
        try:
            return [await client.complete(USER), await client.complete(USER)]
        finally:
            await client.aclose()

    fresh, again = asyncio.run(go())
    assert server.stats.requests == 1
    assert not fresh.cached and again.cached and again.attempts == 0
    assert again.text == fresh.text and again.usage == fresh.usage
    assert again.cost_usd == fresh.cost_usd is not None  # the original cost is kept...
    assert client.stats.spent_usd == fresh.cost_usd  # ...but spent only once
    assert client.stats.cache_hits == 1 and client.stats.calls == 2


def test_sample_index_and_request_change_the_key(server, tmp_path):
    cache = ResponseCache(tmp_path / "cache.sqlite")
    client = make_client(server, cache=cache)

    async def go():
        try:
            await client.complete(USER, sample=0)
            await client.complete(USER, sample=1)  # a repeat is a distinct sample
            await client.complete(USER, sample=1, params={"temperature": 1})
            await client.complete(USER, sample=1, response_format={"type": "object"})
            await client.complete(USER, sample=0)
            await client.complete(USER, sample=1)
        finally:
            await client.aclose()

    asyncio.run(go())
    assert server.stats.requests == 4 and client.stats.cache_hits == 2


def test_cache_persists_across_reopen(server, tmp_path):
    path = tmp_path / "sub" / "cache.sqlite"
    first = make_client(server, cache=ResponseCache(path))
    asyncio.run(first.complete(USER, sample=3))
    assert first.cache is not None
    first.cache.close()
    second = make_client(server, cache=ResponseCache(path))
    resp = asyncio.run(second.complete(USER, sample=3))
    assert resp.cached and server.stats.requests == 1


def test_no_cache_read_refreshes_the_entry(server, tmp_path):
    client = make_client(server, cache=ResponseCache(tmp_path / "c.sqlite"))

    async def go():
        await client.complete(USER)
        refreshed = await client.complete(USER, use_cache=False)
        hit = await client.complete(USER)
        await client.aclose()
        return refreshed, hit

    refreshed, hit = asyncio.run(go())
    assert not refreshed.cached and hit.cached and server.stats.requests == 2


def test_failures_are_not_cached(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    provider = ScriptedProvider([{"error": "auth"}, "fine"])
    client = ModelClient(provider, model="m", cache=cache)
    with pytest.raises(ProviderError) as failed:
        asyncio.run(client.complete(USER))
    assert failed.value.kind == "auth" and len(cache) == 0
    assert asyncio.run(client.complete(USER)).text == "fine"
    assert len(cache) == 1 and provider.calls == 2


def test_cache_stores_to_dict_and_ignores_unreadable_rows(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    resp = ChatResponse("hi", "m", Usage(3, 4), cost_usd=0.5, finish_reason="stop")
    cache.put("k", resp.to_dict())
    assert ChatResponse.from_dict(cache.get("k") or {}) == resp
    assert cache.get("missing") is None
    db = sqlite3.connect(path)
    db.execute("INSERT INTO responses VALUES ('bad', '{not json', 0)")
    db.commit()
    db.close()
    assert cache.get("bad") is None
    cache.close()
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_entries_survive_a_killed_process(tmp_path):
    path = tmp_path / "c.sqlite"
    code = (
        "import os, signal, sys\n"
        "from gonogo.models import ResponseCache\n"
        "c = ResponseCache(sys.argv[1])\n"
        "c.put('k', {'text': 'paid for', 'model': 'm'})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert ResponseCache(path).get("k") == {"text": "paid for", "model": "m"}


def test_client_cache_key_matches_what_complete_uses(server, tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    client = make_client(server, cache=cache, params={"temperature": 0})
    schema = {"type": "object"}
    key = client.cache_key(USER, 2, response_format=schema)
    assert cache.get(key) is None
    asyncio.run(client.complete(USER, sample=2, response_format=schema))
    assert cache.get(key) is not None
    assert client.cache_key(USER, 3, response_format=schema) != key
    assert client.cache_key(client.request(USER, response_format=schema), 2) == key
