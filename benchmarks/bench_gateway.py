"""Gateway overhead benchmark (issue #5): the gateway vs the upstream called directly
vs a bare Starlette + aiohttp pass-through.

Setup, as in the issue: the fake OpenAI-compatible upstream answers after 50 ms; the
system under test (gateway or pass-through) runs pinned to CPU 0 (``taskset -c 0``);
the load generator (this process) and the upstream share CPU 1. Per system and rep, a
fresh server process:

1. warm-up (2 s at 100 req/s, discarded);
2. **open loop** at ``--rate`` (default 200 req/s) for ``--seconds`` — latency from each
   request's *scheduled* send time (no coordinated omission), CPU ms per request of the
   server process from /proc (user + system over the run), RSS after the run;
3. **closed loop**: ``--concurrency`` workers for ``--closed-seconds`` → max req/s
   (aiohttp client; ``wrk`` as a cross-check when installed);
4. **highest open-loop rate** with p99 ≤ ``--p99-bar`` ms and no errors (5 s steps of
   100 req/s).

"Added" latency is the system's percentile minus the direct run's in the same rep.
Medians over ``--reps`` are printed as a Markdown table, with the load average.

    python benchmarks/bench_gateway.py [--reps 2] [--systems direct,passthrough,gateway]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _loadgen import (  # noqa: E402
    LoadResult,
    ProcStats,
    Target,
    closed_loop,
    load_average,
    max_open_rate,
    open_loop,
    run,
    wait_http,
    wrk_closed_loop,
)

HERE = Path(__file__).parent
PY = sys.executable
SERVER_CPU, CLIENT_CPU = 0, 1
QUESTION = "Summarize the refund policy for order 1234 in one sentence."


@dataclass
class System:
    """A server under test: how to reach it, and its process (None for the direct run)."""

    name: str
    target: Target
    proc: subprocess.Popen[Any] | None


def start_upstream(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    cmd = [PY, "-m", "gonogo.testing.fake_openai", "--port", "0", "--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(
        ["taskset", "-c", str(CLIENT_CPU), *cmd], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def chat_target(base: str) -> Target:
    body = {"model": "fake-model", "messages": [{"role": "user", "content": QUESTION}]}
    return Target(
        base.rstrip("/") + "/chat/completions",
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )


def stop(proc: subprocess.Popen[str] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def passthrough(upstream: str, _tmp: Path) -> Iterator[System]:
    cmd = [PY, str(HERE / "_passthrough.py"), "--port", "0", "--upstream", upstream]
    proc = subprocess.Popen(
        ["taskset", "-c", str(SERVER_CPU), *cmd], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        wait_http(base + "/")
        yield System("passthrough", chat_target(base + "/v1"), proc)
    finally:
        stop(proc)


@contextmanager
def direct(upstream: str, _tmp: Path) -> Iterator[System]:
    yield System("direct", chat_target(upstream), None)


# The gateway's PRD: a registry prompt, cheap input guards (injection heuristics, size) and
# an output guard (PII redaction), a fallback chain, budgets and prices — every feature on
# the request path. Traces are always on (group-committed before each response).
GATEWAY_PRD = """\
feature: gateway benchmark
model:
  provider: openai-compatible
  base_url: {url}
  name: fake-model
  timeout_s: 10
  max_retries: 0
  concurrency: 1000
  prompt: {{name: answer, version: 1, user: "Question: {{question}}"}}
prices:
  fake-model: {{input_per_1m: 0.15, output_per_1m: 0.60}}
  fake-mini: {{input_per_1m: 0.05, output_per_1m: 0.20}}
eval_plan:
  target: model
  datasets: [{{name: golden, path: cases.jsonl}}]
  scorers: [{{id: mentions, kind: contains_any, values: ["Answer"]}}]
failure_modes:
  - id: injection
    what: The user tries to override the instructions.
    severity: high
    guard: {{kind: prompt_injection, action: block}}
  - id: leaks-pii
    what: The answer contains an email address or phone number.
    severity: medium
    guard: {{kind: pii, action: redact}}
launch:
  timeout_s: 10
  max_input_chars: 8000
  fallback: [fake-mini, {{static: "Sorry, please try again later."}}]
  budget: {{daily_usd: 10000, monthly_usd: 100000, per_key_daily_usd: 5000}}
"""


def _gateway(upstream: str, tmp: Path, name: str, endpoint: str) -> Iterator[System]:
    import asyncio

    from gonogo.store.gateway import new_api_key, open_gateway_store
    from gonogo.testing import GatewayProcess

    root = tmp / name
    root.mkdir(parents=True, exist_ok=True)
    (root / "cases.jsonl").write_text('{"id": "c1", "question": "Hi?", "expected": "Answer"}\n')
    prd = root / "gonogo.yaml"
    prd.write_text(GATEWAY_PRD.format(url=upstream))
    store_url = f"sqlite:///{root / 'gateway.db'}"

    async def add_key() -> str:
        store = open_gateway_store(store_url)
        await store.open()
        secret, rec = new_api_key("bench", "app")
        await store.add_key(rec)
        await store.close()
        return secret

    key = asyncio.run(add_key())
    with GatewayProcess(prd, store_url, prefix=["taskset", "-c", str(SERVER_CPU)]) as gw:
        base = gw.url
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
        if endpoint == "prompt":
            body = {"label": "production", "variables": {"question": QUESTION}}
            target = Target(
                base + "/v1/prompts/answer/completions",
                json.dumps(body).encode(),
                headers,
                count_header="X-Gonogo-Path",
            )
        else:
            t = chat_target(base + "/v1")
            target = Target(t.url, t.body, headers, count_header="X-Gonogo-Path")
        yield System(name, target, gw.proc)


@contextmanager
def gateway(upstream: str, tmp: Path) -> Iterator[System]:
    """`gonogo serve`: the feature endpoint (registry prompt, guards, budget, traces)."""
    yield from _gateway(upstream, tmp, "gateway", "prompt")


@contextmanager
def gateway_chat(upstream: str, tmp: Path) -> Iterator[System]:
    """`gonogo serve`: the OpenAI-compatible chat endpoint (guards, budget, traces)."""
    yield from _gateway(upstream, tmp, "gateway-chat", "chat")


SYSTEMS: dict[str, Callable[[str, Path], Any]] = {
    "direct": direct,
    "passthrough": passthrough,
    "gateway": gateway,
    "gateway-chat": gateway_chat,
}


def measure(system: System, args: argparse.Namespace) -> dict[str, Any]:
    """One rep against one running system: open loop, closed loop, max open rate."""
    t = system.target
    stats = ProcStats(system.proc.pid) if system.proc is not None else None
    run(open_loop(t, 100, 2.0))  # warm-up: connections, caches, first-call imports
    row: dict[str, Any] = {}
    if stats is not None:  # background work (registry poll, budget flush): CPU ms per second
        idle0 = stats.cpu_s()
        time.sleep(3.0)
        row["idle_cpu_ms_per_s"] = (stats.cpu_s() - idle0) * 1000 / 3.0
        row["affinity"] = _affinity(system.proc.pid)
    cpu0 = stats.cpu_s() if stats else 0.0
    ol: LoadResult = run(open_loop(t, args.rate, args.seconds))
    cpu1 = stats.cpu_s() if stats else 0.0
    row["open"] = ol.summary()
    if stats is not None:
        row["cpu_ms_per_req"] = (cpu1 - cpu0) * 1000 / max(ol.sent, 1)
        row["rss_mb"], row["peak_rss_mb"] = stats.memory_mb()
    cpu0 = stats.cpu_s() if stats else 0.0
    cl: LoadResult = run(closed_loop(t, args.concurrency, args.closed_seconds))
    row["closed"] = cl.summary()
    if stats is not None:  # at full load the background work is spread over many requests
        row["closed_cpu_ms_per_req"] = (stats.cpu_s() - cpu0) * 1000 / max(cl.sent, 1)
    row["wrk_rps"] = wrk_closed_loop(t, args.concurrency, int(args.closed_seconds), cpu=CLIENT_CPU)

    def probe(rate: float) -> LoadResult:
        result: LoadResult = run(open_loop(t, rate, 5.0))
        return result

    best, seen = max_open_rate(probe, start=args.search_from, step=100, p99_bar_ms=args.p99_bar)
    row["max_open_rps"] = best
    row["search"] = [(r.offered_rps, round(r.pct(0.99), 1), r.error_count) for r in seen]
    return row


def _affinity(pid: int) -> str:
    """The CPUs a process may run on (to show the pinning held)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return next(
        ln.split(":")[1].strip() for ln in status.splitlines() if ln.startswith("Cpus_allowed_list")
    )


def med(rows: list[dict[str, Any]], *path: str) -> float:
    vals = []
    for r in rows:
        v: Any = r
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        if isinstance(v, int | float):
            vals.append(float(v))
    return statistics.median(vals) if vals else float("nan")


def _rate(x: float) -> str:
    return "— (no wrk)" if x != x else f"{x:.0f}/s"


def table(results: dict[str, list[dict[str, Any]]], rate: float) -> str:
    lines = [
        f"| system | p50 @{rate:g}/s | p99 @{rate:g}/s | added p50 | added p99 | errors "
        "| closed-loop max | wrk max | max open rate (p99 ≤ bar) | CPU/request @rate "
        "| CPU/request @max | idle CPU | RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    direct_rows = results.get("direct", [])
    for name, rows in results.items():
        added50 = added99 = "—"
        if name != "direct" and direct_rows:
            pairs = list(zip(rows, direct_rows, strict=False))
            d50 = [r["open"]["p50_ms"] - d["open"]["p50_ms"] for r, d in pairs]
            d99 = [r["open"]["p99_ms"] - d["open"]["p99_ms"] for r, d in pairs]
            added50 = f"{statistics.median(d50):+.2f} ms"
            added99 = f"{statistics.median(d99):+.2f} ms"
        errors = sum(sum(r["open"]["errors"].values()) for r in rows)
        cpu, rss = med(rows, "cpu_ms_per_req"), med(rows, "rss_mb")
        p50, p99 = med(rows, "open", "p50_ms"), med(rows, "open", "p99_ms")
        cpu_max, idle = med(rows, "closed_cpu_ms_per_req"), med(rows, "idle_cpu_ms_per_s")
        cpu_s = "—" if cpu != cpu else f"{cpu:.2f} ms"
        cpu_max_s = "—" if cpu_max != cpu_max else f"{cpu_max:.2f} ms"
        idle_s = "—" if idle != idle else f"{idle:.0f} ms/s"
        rss_s = "—" if rss != rss else f"{rss:.0f} MB"
        lines.append(
            f"| {name} | {p50:.2f} ms | {p99:.2f} ms "
            f"| {added50} | {added99} | {errors} | {med(rows, 'closed', 'achieved_rps'):.0f}/s "
            f"| {_rate(med(rows, 'wrk_rps'))} | {med(rows, 'max_open_rps'):.0f}/s "
            f"| {cpu_s} | {cpu_max_s} | {idle_s} | {rss_s} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--closed-seconds", type=float, default=8)
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--p99-bar", type=float, default=100)
    ap.add_argument("--search-from", type=float, default=200)
    ap.add_argument("--json", type=Path, help="also write the raw rows here")
    args = ap.parse_args()
    os.sched_setaffinity(0, {CLIENT_CPU})
    names = [s for s in args.systems.split(",") if s]
    results: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    loads = [load_average()]
    upstream, url = start_upstream(args.latency_ms)
    tmp = Path(tempfile.mkdtemp(prefix="gonogo-bench-gw-"))
    try:
        for rep in range(args.reps):
            for name in names:  # interleaved, so drifting machine load hits all systems alike
                with SYSTEMS[name](url, tmp) as system:
                    row = measure(system, args)
                results[name].append(row)
                loads.append(load_average())
                print(f"rep {rep} {name}: {json.dumps(row)}", file=sys.stderr, flush=True)
    finally:
        stop(upstream)
        shutil.rmtree(tmp, ignore_errors=True)
    print(table(results, args.rate))
    la = [round(x[0], 2) for x in loads]
    print(
        f"\nload average (1 min) during the run: {min(la)}–{max(la)}; "
        f"{time.strftime('%Y-%m-%d %H:%M')}; {args.reps} reps, medians"
    )
    if args.json:
        args.json.write_text(json.dumps({"results": results, "load": la}, indent=1))


if __name__ == "__main__":
    main()
