"""Budget / rate counters: in-process and a real Redis behave the same."""

import asyncio
import uuid

import pytest

from gonogo.errors import UserError
from gonogo.store.gateway import MemoryCounters, open_counters


def run(url, body):
    async def main():
        c = open_counters(url)
        try:
            return await body(c)
        finally:
            await c.close()

    return asyncio.run(main())


def test_add_returns_running_total_and_get_reads_it(counters_url):
    async def body(c):
        key = f"spend:{uuid.uuid4().hex}"
        totals = [await c.add(key, x, 60) for x in (0.5, 0.25, 1.0)]
        return totals, await c.get(key), await c.get("spend:absent")

    totals, now, absent = run(counters_url, body)
    assert totals == [0.5, 0.75, 1.75] and now == 1.75 and absent == 0.0


def test_concurrent_adds_lose_nothing(counters_url):
    key = f"rate:{uuid.uuid4().hex}"

    async def body(c):
        await asyncio.gather(*(c.add(key, 1, 60) for _ in range(200)))
        return await c.get(key)

    assert run(counters_url, body) == 200.0


def test_a_counter_expires_after_its_ttl_and_later_adds_do_not_extend_it(counters_url):
    key = f"win:{uuid.uuid4().hex}"

    async def body(c):
        await c.add(key, 1.0, 1)
        await asyncio.sleep(0.6)
        mid = await c.add(key, 1.0, 1)  # must not push the expiry out
        await asyncio.sleep(0.7)
        return mid, await c.get(key), await c.add(key, 3.0, 1)

    mid, after, fresh = run(counters_url, body)
    assert mid == 2.0 and after == 0.0 and fresh == 3.0


def test_counter_urls():
    assert isinstance(open_counters(None), MemoryCounters)
    with pytest.raises(UserError, match="unsupported counters URL"):
        open_counters("memcached://localhost")


def test_an_unreachable_redis_is_a_store_error_naming_it():
    from gonogo.store.gateway import StoreError

    async def body(c):
        with pytest.raises(StoreError, match="127.0.0.1:1/0"):
            await c.add("k", 1, 10)

    run("redis://127.0.0.1:1/0", body)
