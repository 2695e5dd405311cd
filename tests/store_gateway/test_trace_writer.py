"""Group commit without collateral damage: a trace the store refuses is the only one lost,
and the spend it carried still counts against the budget."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from helpers_store import opened, trace

from gonogo.gateway._budget import BudgetMeter
from gonogo.gateway._traces import TraceWriter
from gonogo.spec import Budget


class Refusing:
    """A real SQLite store that refuses any batch holding a trace whose output is POISON
    (as a store does with a row it cannot encode or a value out of a column's range)."""

    def __init__(self, store):
        self.store = store
        self.calls = 0

    async def write_traces(self, traces):
        self.calls += 1
        if any(t.output == "POISON" for t in traces):
            raise ValueError("cannot store this row")
        await self.store.write_traces(traces)


def test_one_refused_trace_never_takes_its_batch_with_it(tmp_path):
    async def go():
        async with opened(f"sqlite:///{tmp_path / 'g.db'}") as store:
            refusing = Refusing(store)
            lost = []
            writer = TraceWriter(refusing, on_lost=lost.append)
            writer.start()
            traces = [trace(output=f"ok {i}") for i in range(200)]
            for i in (3, 77, 150, 151, 199):
                traces[i] = trace(output="POISON")
            results = await asyncio.gather(*(writer.write(t) for t in traces))
            await writer.close()
            return traces, results, lost, await store.count_traces(), refusing.calls, writer

    traces, results, lost, count, calls, writer = asyncio.run(go())
    poisoned = [t.output == "POISON" for t in traces]
    assert results == [not p for p in poisoned]  # each caller told the truth about its own
    assert count == 195 and writer.written == 195 and writer.errors == 5
    assert [t.id for t in lost] == [t.id for t in traces if t.output == "POISON"]
    assert calls < 120  # bisection, not one write per trace


def test_a_store_that_is_down_fails_fast_and_loses_no_spend():
    class Down:
        calls = 0

        async def write_traces(self, traces):
            Down.calls += 1
            raise OSError("disk I/O error")

        async def spend_since(self, since, key_id=None):
            return 0.0  # the store has none of it

    async def go():
        store = Down()
        meter = BudgetMeter(Budget(daily_usd=0.5), store, None, namespace="t")
        writer = TraceWriter(store, on_lost=meter.keep_unstored)
        writer.start()
        t0 = time.perf_counter()
        now = time.time()
        traces = [trace(id=uuid.uuid4().hex, cost_usd=0.0045, api_key_id="k1", started_at=now)
                  for _ in range(40)]  # fmt: skip
        for t in traces:
            meter.add(t.cost_usd, t.api_key_id)
        results = await asyncio.gather(*(writer.write(t) for t in traces))
        elapsed = time.perf_counter() - t0
        await writer.close()
        await meter._refresh()  # re-read the spend from the store: none of it is there
        return results, elapsed, meter

    results, elapsed, meter = asyncio.run(go())
    assert results == [False] * 40
    assert elapsed < 5
    assert meter.total(meter._k_day()) == pytest.approx(40 * 0.0045)  # $0.18, still counted
    assert meter.total(meter._k_month()) == pytest.approx(40 * 0.0045)
