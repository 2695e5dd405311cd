"""SIGKILL: `gonogo serve` killed mid-load and restarted on the same store — every trace id
a client was given and every feedback acknowledged with 201 is still there.

The gateway answers only after a request's trace committed (group commit), and
acknowledges feedback only after its write is durable; a SIGKILL skips every shutdown
hook, so anything still only in memory would be lost. Run on SQLite (the default, WAL)
and on a real PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest
from gateway_ops_kit import make_key, write_prd

from gonogo.store.gateway import open_gateway_store
from gonogo.testing import FakeOpenAIServer, GatewayProcess

pytestmark = pytest.mark.slow

WORKERS = 40


class Acked:
    """What clients were told: trace ids with a complete answer, feedback ids with 201."""

    def __init__(self) -> None:
        self.traces: set[str] = set()
        self.feedback: dict[str, str] = {}  # feedback id -> trace id
        self.failures = 0
        self.after_kill = 0


async def _worker(
    session: aiohttp.ClientSession, base: str, key: str, w: int, acked: Acked, stop: asyncio.Event
) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    i = 0
    while not stop.is_set():
        i += 1
        stream = (w + i) % 5 == 0
        body = {"variables": {"question": f"w{w} q{i}"}, "stream": stream}
        try:
            async with session.post(
                f"{base}/v1/prompts/answer/completions", json=body, headers=headers
            ) as r:
                text = await r.text()
                trace_id = r.headers.get("X-Gonogo-Trace-Id")
                complete = r.status == 200 and (not stream or text.rstrip().endswith("[DONE]"))
            if not complete or trace_id is None:
                acked.failures += 1
                continue
            acked.traces.add(trace_id)
            fb = {"trace_id": trace_id, "rating": "up" if i % 2 else "down", "comment": f"w{w}"}
            async with session.post(f"{base}/v1/feedback", json=fb, headers=headers) as r:
                if r.status == 201:
                    acked.feedback[(await r.json())["id"]] = trace_id
                else:
                    acked.failures += 1
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError):
            acked.failures += 1
            if stop.is_set() or acked.after_kill:
                return
            await asyncio.sleep(0.01)


async def _load_then_kill(gw: GatewayProcess, key: str, kill_after: int) -> Acked:
    """Load until ``kill_after`` feedback posts were acknowledged, SIGKILL, load a bit more."""
    acked, stop = Acked(), asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        tasks = [
            asyncio.create_task(_worker(session, gw.url, key, w, acked, stop))
            for w in range(WORKERS)
        ]
        deadline = time.monotonic() + 30
        while (
            len(acked.feedback) < kill_after
            and len(acked.traces) < 5 * kill_after
            and time.monotonic() < deadline
        ):
            await asyncio.sleep(0.01)
        in_flight_before = acked.failures
        gw.kill()  # mid-load: requests and feedback writes in flight
        acked.after_kill = 1
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.gather(*tasks)
        assert acked.failures > in_flight_before, "the kill interrupted nothing"
    return acked


async def _check_store(store_url: str, acked: Acked) -> tuple[int, int]:
    store = open_gateway_store(store_url)
    await store.open()
    try:
        missing = [t for t in acked.traces if await store.get_trace(t) is None]
        stored_fb = {fb.id: fb.trace_id for fb, _ in await store.list_feedback(limit=None)}
        lost_fb = {f: t for f, t in acked.feedback.items() if stored_fb.get(f) != t}
        assert not missing, f"{len(missing)} of {len(acked.traces)} returned trace ids lost"
        assert not lost_fb, f"{len(lost_fb)} of {len(acked.feedback)} acknowledged feedback lost"
        return await store.count_traces(), len(stored_fb)
    finally:
        await store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_sigkill_mid_load_loses_no_acknowledged_trace_or_feedback(tmp_path, backend, request):
    if backend == "postgres":
        store_url = request.getfixturevalue("postgres_db_url")
    else:
        store_url = f"sqlite:///{tmp_path / 'gateway.db'}"
    with FakeOpenAIServer(latency_s=0.02) as upstream:
        prd = write_prd(tmp_path, upstream.base_url)
        key = make_key(store_url)
        gw = GatewayProcess(prd, store_url).start()
        try:
            acked = asyncio.run(_load_then_kill(gw, key, kill_after=300))
            assert gw.proc is not None and gw.proc.returncode == -9

            # restart on the same store: it opens (recovering the WAL) and serves
            gw2 = GatewayProcess(prd, store_url).start()
            try:
                asyncio.run(_check_store(store_url, acked))
                # feedback right after an answer must work: its trace was committed first
                assert len(acked.traces) >= 300 and len(acked.feedback) >= 300, (
                    len(acked.traces),
                    len(acked.feedback),
                )
                after = asyncio.run(_one_more(gw2.url, key))
                assert after["status"] == 200 and after["path"] == "primary", after
            finally:
                gw2.stop()
        finally:
            gw.stop()


async def _one_more(base: str, key: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as s:
        async with s.post(
            f"{base}/v1/prompts/answer/completions",
            json={"variables": {"question": "after restart"}},
            headers={"Authorization": f"Bearer {key}"},
        ) as r:
            return {"status": r.status, "path": r.headers.get("X-Gonogo-Path")}
