"""Faults: 2,000 requests at concurrency 100 through `gonogo serve` while the upstream
fails 30% of its calls — every request answered (model or fallback, never a bare 500)
and every one traced.

The upstream (FakeOpenAIServer) fails at random, seeded: calls slower than the
gateway's timeout, 500/502/503, 429, malformed JSON bodies, bodies without choices and
dropped connections. The PRD's chain is fake-model → fake-mini (same faulty upstream)
→ a static answer, so every request must end as HTTP 200 on one of those paths. Run on
SQLite and on the multi-replica setup (real PostgreSQL store, budget counters in Redis).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from typing import Any

import aiohttp
import pytest
from gateway_ops_kit import STATIC, make_key, write_prd

from gonogo.store.gateway import open_gateway_store
from gonogo.testing import FakeOpenAIServer, GatewayProcess

pytestmark = pytest.mark.slow

N, CONCURRENCY = 2000, 100
FAULT_MIX = ("slow", "500", "502", "503", "429", "malformed", "missing_choices", "drop")


async def _one(
    session: aiohttp.ClientSession, base: str, key: str, i: int, rng: random.Random
) -> dict[str, Any]:
    """One request; which endpoint (chat or feature, streaming or not) varies by i."""
    headers = {"Authorization": f"Bearer {key}"}
    stream = i % 10 == 9
    if i % 2 == 0:
        url = f"{base}/v1/chat/completions"
        body: dict[str, Any] = {
            "model": "fake-model",
            "stream": stream,
            "messages": [{"role": "user", "content": f"Question {i}?"}],
        }
    else:
        url = f"{base}/v1/prompts/answer/completions"
        body = {"label": "production", "variables": {"question": f"Q{i}"}, "stream": stream}
    async with session.post(url, json=body, headers=headers) as r:
        text = await r.text()
        return {
            "i": i,
            "status": r.status,
            "stream": stream,
            "endpoint": "chat" if i % 2 == 0 else "prompt",
            "trace_id": r.headers.get("X-Gonogo-Trace-Id"),
            "path": r.headers.get("X-Gonogo-Path"),
            "content_type": r.headers.get("Content-Type", ""),
            "text": text,
        }


async def _load(base: str, key: str) -> list[dict[str, Any]]:
    rng = random.Random(7)
    sem = asyncio.Semaphore(CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=CONCURRENCY), timeout=timeout
    ) as session:

        async def bounded(i: int) -> dict[str, Any]:
            async with sem:
                return await _one(session, base, key, i, rng)

        return await asyncio.gather(*(bounded(i) for i in range(N)))


def _answer_text(r: dict[str, Any]) -> str:
    """The answer a client got: chat content, prompt output, or the streamed deltas."""
    if r["stream"]:
        events = [line[6:] for line in r["text"].splitlines() if line.startswith("data: ")]
        assert events and events[-1] == "[DONE]", f"request {r['i']}: stream not finished"
        chunks = [json.loads(e) for e in events[:-1]]
        if r["endpoint"] == "chat":
            return "".join(
                c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices")
            )
        text = "".join(c["delta"] for c in chunks if "delta" in c)
        final = chunks[-1]  # the feature endpoint ends with the whole response object
        assert final.get("output") == text and final.get("id") == r["trace_id"], final
        return text
    body = json.loads(r["text"])
    if r["endpoint"] == "chat":
        return str(body["choices"][0]["message"]["content"])
    return str(body["output"])


async def _stored(store_url: str) -> tuple[int, dict[str, Any]]:
    store = open_gateway_store(store_url)
    await store.open()
    try:
        traces = await store.list_traces(limit=None)
        return await store.count_traces(), {t.id: t for t in traces}
    finally:
        await store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres+redis"])
def test_every_request_answered_and_traced_under_30_percent_upstream_faults(
    tmp_path, backend, request
):
    extra: list[str] = []
    if backend == "sqlite":
        store_url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:  # the multi-replica setup: shared PostgreSQL store, budget counters in Redis
        store_url = request.getfixturevalue("postgres_db_url")
        extra = ["--redis", request.getfixturevalue("redis_url")]
    upstream = FakeOpenAIServer(
        latency_s=0.02, fault_rate=0.3, fault_mix=FAULT_MIX, slow_s=3.0, seed=11
    )
    with upstream:
        prd = write_prd(tmp_path, upstream.base_url, timeout_s=0.5)
        key = make_key(store_url)
        with GatewayProcess(prd, store_url, extra=extra) as gw:
            results = asyncio.run(_load(gw.url, key))
            logs = gw.output()
        faults = dict(upstream.stats.faults)

    # the upstream really failed about 30% of its calls, of every kind
    assert sum(faults.values()) >= 0.25 * upstream.stats.requests, faults
    assert set(faults) == set(FAULT_MIX), faults

    statuses = Counter(r["status"] for r in results)
    assert statuses == {200: N}, f"not every request answered with 200: {statuses}\n{logs}"
    paths = Counter(r["path"] for r in results)
    allowed = {"primary", "fallback:1:fake-mini", "static"}
    assert set(paths) <= allowed, paths
    assert paths["primary"] > 0.5 * N and paths["fallback:1:fake-mini"] > 0, paths
    assert paths["static"] > 0, paths  # both models failed for ~9% of requests
    for r in results:
        text = _answer_text(r)
        if r["path"] == "static":
            assert text == STATIC, r
        else:
            assert text.startswith("Answer:"), r

    count, traces = asyncio.run(_stored(store_url))
    assert count == N, f"{count} traces stored for {N} requests"
    ids = [r["trace_id"] for r in results]
    assert None not in ids and len(set(ids)) == N
    missing = [t for t in ids if t not in traces]
    assert not missing, f"{len(missing)} returned trace ids are not in the store"
    for r in results:
        t = traces[r["trace_id"]]
        assert (t.status, t.path, t.endpoint) == (200, r["path"], r["endpoint"]), (t, r)
        assert not (t.error or "").startswith("internal error"), t.error
        # every upstream try is in the trace: which model, how it ended
        outcomes = [(a["model"], a["outcome"] == "ok") for a in t.attempts]
        expected = {
            "primary": [("fake-model", True)],
            "fallback:1:fake-mini": [("fake-model", False), ("fake-mini", True)],
            "static": [("fake-model", False), ("fake-mini", False)],
        }[r["path"]]
        assert outcomes == expected, t.attempts
