"""Group commit of traces: a request's response waits for its trace's batch to commit.

Requests hand their :class:`TraceRecord` to :meth:`TraceWriter.write` and await it. One
background task takes everything queued, writes it with one ``store.write_traces`` call
(one transaction), and wakes the waiters — so a trace whose response was acknowledged
survives a SIGKILL, and at N requests in flight the store sees a few transactions, not
N. The cost is latency: a request waits for the batch in progress plus its own
(about two commit times; see benchmarks/README.md). A failed write is retried twice;
if it still fails, the batch is split in halves and each half written on its own, down
to single traces, so one trace the store refuses never takes the others with it. Only
then are the waiters of the traces not written told (the response is still sent:
availability first; the ``gonogo_trace_write_errors_total`` metric counts them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._store import GatewayStore, TraceRecord

log = logging.getLogger("gonogo.gateway")


class TraceWriter:
    """Batches trace writes; see the module docstring."""

    def __init__(
        self,
        store: GatewayStore,
        *,
        max_batch: int = 1000,
        wait_s: float = 10.0,
        on_batch: Callable[[list[TraceRecord]], None] | None = None,
        on_wait: Callable[[float], None] | None = None,
        on_lost: Callable[[TraceRecord], None] | None = None,
    ) -> None:
        self.store = store
        self.max_batch = max_batch
        self.wait_s = wait_s  # a response waits at most this long for its commit
        self.on_batch = on_batch  # after each commit (e.g. the OpenTelemetry export)
        self.on_wait = on_wait  # each trace's hand-off-to-commit time (a metric)
        self.on_lost = on_lost  # a trace that could not be written (its spend is kept)
        self.batches = 0
        self.written = 0
        self.errors = 0
        self._queue: list[tuple[TraceRecord, asyncio.Future[bool], float]] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        """Start the writer task on the running loop."""
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def write(self, trace: TraceRecord) -> bool:
        """Queue ``trace`` and wait until its batch committed; False if it could not be."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bool] = loop.create_future()
        self._queue.append((trace, fut, time.perf_counter()))
        assert self._wake is not None, "TraceWriter.start() was not called"
        self._wake.set()
        # A plain timer, not wait_for(): no extra task per request on the hot path.
        timer = loop.call_later(self.wait_s, _give_up, fut, trace.id, self.wait_s)
        try:
            return await fut
        finally:
            timer.cancel()

    def submit(self, trace: TraceRecord) -> asyncio.Future[bool]:
        """Queue ``trace`` without waiting (the caller may await the future later)."""
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((trace, fut, time.perf_counter()))
        assert self._wake is not None
        self._wake.set()
        return fut

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            written = await self._commit([t for t, _, _ in batch])
            now = time.perf_counter()
            for (trace, fut, queued), ok in zip(batch, written, strict=True):
                if not ok and self.on_lost is not None:
                    self.on_lost(trace)
                if not fut.done():
                    fut.set_result(ok)
                if self.on_wait is not None:
                    self.on_wait(now - queued)

    async def _commit(self, traces: list[TraceRecord]) -> list[bool]:
        """Write ``traces``; whether each one was written."""
        for attempt in range(3):
            if await self._write(traces, attempt=attempt):
                return [True] * len(traces)
            await asyncio.sleep(0.05 * (attempt + 1))
        if len(traces) == 1:
            self.errors += 1
            return [False]
        written = await self._split(traces)
        lost = written.count(False)
        log.warning("batch of %d trace(s) split after 3 failed writes: %d written, %d lost",
                    len(traces), len(traces) - lost, lost)  # fmt: skip
        return written

    async def _split(self, traces: list[TraceRecord]) -> list[bool]:
        # Bisect once the batch failed three times: each half in its own transaction, no
        # more retries (a store that is down fails every half fast), down to single traces.
        if len(traces) == 1:
            if await self._write(traces, attempt=None):
                return [True]
            self.errors += 1
            return [False]
        mid = len(traces) // 2
        left, right = traces[:mid], traces[mid:]
        out = []
        for half in (left, right):
            ok = len(half) > 1 and await self._write(half, attempt=None)
            out += [True] * len(half) if ok else await self._split(half)
        return out

    async def _write(self, traces: list[TraceRecord], *, attempt: int | None) -> bool:
        try:
            await self.store.write_traces(traces)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            if attempt is None:  # a half of a split batch: summed up by _commit
                log.debug("writing %d trace(s) failed: %s", len(traces), e)
            else:
                log.warning("writing %d trace(s) failed (try %d of 3): %s",
                            len(traces), attempt + 1, e)  # fmt: skip
            return False
        self.batches += 1
        self.written += len(traces)
        if self.on_batch is not None:
            try:
                self.on_batch(traces)
            except Exception as e:  # telemetry must never break serving
                log.warning("trace export failed: %s", e)
        return True

    async def close(self) -> None:
        """Write what is queued, then stop."""
        self._closing = True
        if self._wake is not None:
            self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 15)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None


def _give_up(fut: asyncio.Future[bool], trace_id: str, wait_s: float) -> None:
    if not fut.done():
        log.warning("trace %s not committed within %.0fs", trace_id, wait_s)
        fut.set_result(False)
