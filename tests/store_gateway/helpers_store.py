"""Helpers for the gateway-store tests (a uniquely named module)."""

import asyncio
import time
import uuid
from contextlib import asynccontextmanager

from gonogo.store.gateway import TraceRecord, open_gateway_store


@asynccontextmanager
async def opened(url):
    store = open_gateway_store(url)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


def run_with(url, body):
    """Open the store at `url`, run `await body(store)`, close; returns its result."""

    async def main():
        async with opened(url) as store:
            return await body(store)

    return asyncio.run(main())


def trace(**over):
    base = dict(
        id=uuid.uuid4().hex,
        started_at=time.time(),
        endpoint="prompt",
        api_key_id="gk_00000001",
        prompt_name="answer",
        prompt_version=1,
        prompt_label="production",
        model="gpt-x",
        params={"temperature": 0.2},
        inputs={"variables": {"question": "Où est la gare ?"}},
        contexts=["ctx one", "ctx two"],
        output="À gauche.",
        status=200,
        path="primary",
        attempts=[{"model": "gpt-x", "outcome": "ok", "latency_ms": 51.5, "error": None}],
        guards=[{"name": "pii", "stage": "output", "outcome": "pass", "detail": None}],
        latency_ms=53.25,
        input_tokens=12,
        output_tokens=4,
        cost_usd=0.0015,
        error=None,
    )
    base.update(over)
    return TraceRecord(**base)


PROMPT = dict(
    system="You answer briefly.",
    user="Question: {question}",
    model="gpt-x",
    params={"temperature": 0.0},
    output_schema=None,
    actor="alice",
    message="first",
)
