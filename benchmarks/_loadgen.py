"""HTTP load generation for the gateway benchmarks: open loop and closed loop.

**Open loop** (``open_loop``): request *i* is scheduled at ``t0 + i / rate`` whatever
happened to earlier requests, and its latency is measured from that *scheduled* time.
A slow server therefore shows up as latency (requests queue behind it) instead of
silently lowering the offered load — the "coordinated omission" mistake of closed-loop
tools, which stop sending while they wait. ``max_send_lag_ms`` reports how late the
generator itself dispatched requests: if it is large, the client (not the server) was
the bottleneck and the run says so.

**Closed loop** (``closed_loop``): N workers each send their next request as soon as the
previous one is answered — the maximum throughput the system under test delivers.

Also here: CPU and memory of another process from ``/proc`` (``ProcStats``), a step
search for the highest open-loop rate that meets a p99 bar (``max_open_rate``), and a
``wrk`` cross-check of closed-loop throughput (``wrk_closed_loop``) when ``wrk`` is on
PATH — its C client costs far less CPU than an aiohttp one.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

_CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Target:
    """One kind of request to send: URL, JSON body (bytes) and headers."""

    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    count_header: str | None = None  # tally this response header's values (e.g. X-Gonogo-Path)


@dataclass
class LoadResult:
    """What one load run saw. Latencies are of 2xx answers, in milliseconds."""

    mode: str
    offered_rps: float | None
    concurrency: int | None
    duration_s: float
    sent: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    header_values: Counter[str] = field(default_factory=Counter)
    max_send_lag_ms: float = 0.0
    wall_s: float = 0.0

    def pct(self, q: float) -> float:
        """The q-quantile (0..1) of the 2xx latencies (nearest rank); NaN when none."""
        if not self.latencies_ms:
            return math.nan
        xs = sorted(self.latencies_ms)
        return xs[max(0, min(len(xs) - 1, math.ceil(q * len(xs)) - 1))]

    @property
    def achieved_rps(self) -> float:
        """2xx answers per second of wall time (first scheduled send to last answer)."""
        return self.ok / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "offered_rps": self.offered_rps,
            "concurrency": self.concurrency,
            "sent": self.sent,
            "ok": self.ok,
            "errors": dict(self.errors),
            "achieved_rps": round(self.achieved_rps, 1),
            "p50_ms": round(self.pct(0.50), 2),
            "p90_ms": round(self.pct(0.90), 2),
            "p99_ms": round(self.pct(0.99), 2),
            "max_ms": round(max(self.latencies_ms, default=math.nan), 2),
            "max_send_lag_ms": round(self.max_send_lag_ms, 2),
            "headers": dict(self.header_values),
        }


def _session(connections: int, timeout_s: float) -> aiohttp.ClientSession:
    conn = aiohttp.TCPConnector(limit=connections, limit_per_host=0, ttl_dns_cache=None)
    return aiohttp.ClientSession(
        connector=conn,
        timeout=aiohttp.ClientTimeout(total=timeout_s),
        skip_auto_headers=("User-Agent",),
    )


async def _one(
    session: aiohttp.ClientSession, target: Target, start: float, result: LoadResult
) -> None:
    """Send one request; record latency from ``start`` (a ``perf_counter`` time: the
    scheduled send time in open loop). uvloop's ``loop.time()`` ticks in whole
    milliseconds, too coarse for a 2 ms bar, so every clock here is ``perf_counter``."""
    result.sent += 1
    try:
        async with session.post(target.url, data=target.body, headers=target.headers) as resp:
            await resp.read()
            status = resp.status
            if target.count_header is not None:
                result.header_values[resp.headers.get(target.count_header, "-")] += 1
    except TimeoutError:
        result.errors["timeout"] += 1
        return
    except aiohttp.ClientError as e:
        result.errors[type(e).__name__] += 1
        return
    if 200 <= status < 300:
        result.ok += 1
        result.latencies_ms.append((time.perf_counter() - start) * 1000)
    else:
        result.errors[str(status)] += 1


async def open_loop(
    target: Target,
    rate: float,
    duration_s: float,
    *,
    connections: int = 512,
    timeout_s: float = 10.0,
) -> LoadResult:
    """Send ``rate`` requests/s for ``duration_s`` on a fixed schedule (see module doc)."""
    result = LoadResult("open", rate, None, duration_s)
    n = max(1, int(rate * duration_s))
    clock = time.perf_counter
    async with _session(connections, timeout_s) as session:
        tasks: set[asyncio.Task[None]] = set()
        t0 = clock() + 0.02
        for i in range(n):
            at = t0 + i / rate
            delay = at - clock()
            if delay > 0:
                await asyncio.sleep(delay)
            lag = (clock() - at) * 1000
            if lag > result.max_send_lag_ms:
                result.max_send_lag_ms = lag
            task = asyncio.create_task(_one(session, target, at, result))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
        result.wall_s = clock() - t0
    return result


async def closed_loop(
    target: Target,
    concurrency: int,
    duration_s: float,
    *,
    timeout_s: float = 10.0,
) -> LoadResult:
    """``concurrency`` workers, each sending its next request when the last is answered."""
    result = LoadResult("closed", None, concurrency, duration_s)
    clock = time.perf_counter
    async with _session(concurrency, timeout_s) as session:
        t0 = clock()
        end = t0 + duration_s

        async def worker() -> None:
            while clock() < end:
                await _one(session, target, clock(), result)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.wall_s = clock() - t0
    return result


def run(coro: Any) -> Any:
    """Run a coroutine on uvloop when installed (a cheaper client loop), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


# -- the step search for a sustainable open-loop rate ----------------------------------


def max_open_rate(
    probe: Callable[[float], LoadResult],
    *,
    start: float = 200,
    step: float = 100,
    limit: float = 3000,
    p99_bar_ms: float = 100.0,
    max_error_share: float = 0.001,
) -> tuple[float, list[LoadResult]]:
    """Raise the rate by ``step`` until p99 > bar or errors appear; return the last good rate.

    A rate counts as sustained when the p99 latency is under the bar, at most
    ``max_error_share`` of requests failed, and the achieved rate is within 5% of the
    offered one (so a backlog that drains after the schedule ends does not pass).
    """
    best = 0.0
    seen: list[LoadResult] = []
    rate = start
    while rate <= limit:
        r = probe(rate)
        seen.append(r)
        good = (
            r.pct(0.99) <= p99_bar_ms
            and r.error_count <= max_error_share * max(r.sent, 1)
            and r.achieved_rps >= 0.95 * rate
        )
        if not good:
            break
        best = rate
        rate += step
    return best, seen


# -- another process's CPU and memory ---------------------------------------------------


class ProcStats:
    """CPU seconds (user + system) and memory of a process and its children, from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def _pids(self) -> list[int]:
        pids = [self.pid]
        try:
            kids = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            kids = []
        return pids + [int(k) for k in kids]

    def cpu_s(self) -> float:
        total = 0
        for pid in self._pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        return total / _CLK_TCK

    def memory_mb(self) -> tuple[float, float]:
        """(current RSS, peak RSS) in MB, summed over the process and its children."""
        rss = hwm = 0.0
        for pid in self._pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            rss += _kb(status, "VmRSS") / 1024
            hwm += _kb(status, "VmHWM") / 1024
        return rss, hwm


def _kb(status: str, key: str) -> float:
    m = re.search(rf"^{key}:\s+(\d+) kB", status, re.M)
    return float(m.group(1)) if m else 0.0


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def wait_http(url: str, timeout_s: float = 30.0) -> None:
    """Poll ``url`` until it answers (any status) or fail after ``timeout_s``."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# -- wrk, when installed -----------------------------------------------------------------

_WRK_LUA = """\
wrk.method = "POST"
wrk.body = {body}
{headers}
"""


def wrk_closed_loop(
    target: Target, connections: int, duration_s: int, *, cpu: int | None = None
) -> float | None:
    """Requests/s that ``wrk`` (one thread) measures, or None when wrk is not installed.

    Non-2xx answers and socket errors make the result None too (wrk counts them as
    requests), so a failing server never passes as a fast one.
    """
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    headers = "\n".join(f'wrk.headers["{k}"] = {_lua_str(v)}' for k, v in target.headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(_WRK_LUA.format(body=_lua_str(target.body.decode()), headers=headers))
        script = f.name
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{duration_s}s", "-s", script, target.url]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
    if re.search(r"Non-2xx or 3xx responses|Socket errors", out):
        return None
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(m.group(1)) if m else None


def _lua_str(s: str) -> str:
    return "[==[" + s + "]==]"
