"""`gonogo monitor` benchmark (issue #16).

1. **Scoring throughput over stored traces.** ``--traces`` production traces (HaluEval
   questions, contexts and answers — half right, half hallucinated; some with a card
   number) are written to a SQLite gateway store; one ``monitor()`` pass claims, scores,
   records and windows them all, pinned to one core. Two PRDs: the deterministic
   reference-free scorers (regex, length, JSON, latency, cost) and the same plus the
   offline groundedness detector. Traces/s = traces handled / pass wall time, so it
   includes the store's claims and writes, not only the scorers.
2. **Lag behind a gateway serving ``--rate`` req/s.** A real ``gonogo serve`` (pinned to
   CPU 0) takes an open-loop load from this process for ``--seconds``; ``gonogo monitor
   --follow --interval 1`` runs beside it (CPU 1) on the same store with the groundedness
   PRD. Reported: each pass's "newest trace X s old" while the load runs (median, max),
   and how long after the load stops the monitor has scored every trace the gateway
   stored (drain).

    python benchmarks/bench_monitor.py [--traces 5000] [--rate 200] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _loadgen import Target, load_average, open_loop, run  # noqa: E402
from bench_gateway import GATEWAY_PRD, QUESTION, SERVER_CPU, start_upstream, stop  # noqa: E402

from gonogo.monitor import MonitorOptions, monitor  # noqa: E402
from gonogo.spec import load_prd  # noqa: E402
from gonogo.store.gateway import TraceRecord, new_api_key, open_gateway_store  # noqa: E402

PY = sys.executable
HALUEVAL = Path(__file__).parents[1] / "src/gonogo/demo/data/halueval_qa_dev.jsonl"

SCORERS = {
    "deterministic": """\
    - {id: no_card, kind: regex_absent, pattern: '\\b\\d{16}\\b'}
    - {id: cites, kind: regex, pattern: '[A-Z][a-z]+'}
    - {id: short, kind: length, max_words: 60}
    - {id: fast, kind: latency, max_s: 2}
    - {id: cheap, kind: cost, max_usd: 0.01}
""",
}
SCORERS["groundedness"] = SCORERS["deterministic"] + "    - {id: grounded, kind: groundedness}\n"

PRD = """\
feature: monitor benchmark
eval_plan:
  target: app:answer
  datasets: [{{name: g, path: cases.jsonl}}]
  scorers:
{scorers}  thresholds:
    - {{scorer: no_card, min_pass_rate: 0.9}}
"""


def write_prd(root: Path, scorers: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cases.jsonl").write_text('{"id": "c1", "question": "Hi?", "expected": "a"}\n')
    (root / "app.py").write_text("def answer(question):\n    return 'a'\n")
    prd = root / "gonogo.yaml"
    prd.write_text(PRD.format(scorers=scorers))
    return prd


def traces(n: int) -> list[TraceRecord]:
    rows = [json.loads(line) for line in HALUEVAL.read_text().splitlines() if line.strip()]
    t0 = time.time() - n * 0.01
    out = []
    for i in range(n):
        r = rows[i % len(rows)]
        answer = r["answer"] if i % 2 == 0 else r["hallucinated_answers"][0]
        if i % 50 == 0:
            answer += " Your card 4111111111111111 is refunded."
        out.append(TraceRecord(
            id=f"b{i:06d}-{uuid.uuid4().hex[:6]}", started_at=t0 + i * 0.01, endpoint="prompt",
            api_key_id="gk_1", prompt_name="answer", prompt_version=1 + i % 2,
            prompt_label="production", model="m", params={},
            inputs={"variables": {"question": r["question"]}}, contexts=[r["context"]],
            output=answer, status=200, path="primary", attempts=[], guards=[],
            latency_ms=40.0 + i % 300, input_tokens=200, output_tokens=20, cost_usd=0.0004,
            error=None,
        ))  # fmt: skip
    return out


async def _write(url: str, batch: list[TraceRecord]) -> None:
    store = open_gateway_store(url)
    await store.open()
    try:
        for k in range(0, len(batch), 1000):
            await store.write_traces(batch[k : k + 1000])
    finally:
        await store.close()


def throughput(tmp: Path, n: int) -> dict[str, dict[str, float]]:
    os.sched_setaffinity(0, {1})  # one core, as the bar is per core
    batch = traces(n)
    out: dict[str, dict[str, float]] = {}
    for name, scorers in SCORERS.items():
        root = tmp / f"tp-{name}"
        prd = write_prd(root, scorers)
        url = f"sqlite:///{root / 'gateway.db'}"
        asyncio.run(_write(url, batch))
        loaded = load_prd(prd)
        opts = MonitorOptions(store_url=url, start_s=n * 0.01 + 3600, record_evidence=False)
        t = time.perf_counter()
        doc = asyncio.run(monitor(loaded, opts))
        wall = time.perf_counter() - t
        handled = doc["pass"]["handled"]["scored"]
        assert handled == n, doc["pass"]
        out[name] = {"traces": n, "wall_s": wall, "per_s": n / wall}
        print(f"{name}: {n} traces in {wall:.2f} s = {n / wall:,.0f} traces/s", flush=True)
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return out


async def _add_key(url: str) -> str:
    store = open_gateway_store(url)
    await store.open()
    secret, rec = new_api_key("bench", "app")
    await store.add_key(rec)
    await store.close()
    return secret


async def _count_unscored(url: str, name: str) -> tuple[int, int]:
    store = open_gateway_store(url)
    await store.open()
    try:
        handled = len(await store.monitor_results(name, since=0))
        stored = len(await store.list_traces(limit=1_000_000))
    finally:
        await store.close()
    return stored, handled


def lag(tmp: Path, rate: float, seconds: float) -> dict[str, Any]:
    from gonogo.testing import GatewayProcess

    root = tmp / "lag"
    prd = write_prd(root, SCORERS["groundedness"])
    upstream, base = start_upstream(50)
    (root / "gateway.yaml").write_text(GATEWAY_PRD.format(url=base))
    (root / "cases.jsonl").write_text('{"id": "c1", "question": "Hi?", "expected": "Answer"}\n')
    url = f"sqlite:///{root / 'gateway.db'}"
    key = asyncio.run(_add_key(url))
    lines: list[tuple[float, float]] = []  # (wall time, lag s)
    try:
        with GatewayProcess(root / "gateway.yaml", url,
                            prefix=["taskset", "-c", str(SERVER_CPU)]) as gw:  # fmt: skip
            mon = subprocess.Popen(
                ["taskset", "-c", "1", PY, "-m", "gonogo", "monitor", str(prd), "--store", url,
                 "--follow", "--interval", "1"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip

            def read() -> None:
                assert mon.stdout is not None
                for line in mon.stdout:
                    m = re.search(r"newest trace ([\d.]+) s old", line)
                    if m:
                        lines.append((time.time(), float(m.group(1))))

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            body = {"label": "production", "variables": {"question": QUESTION}}
            target = Target(
                gw.url + "/v1/prompts/answer/completions",
                json.dumps(body).encode(),
                {"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
            )
            t_start = time.time()
            res = run(open_loop(target, rate, seconds))
            t_end = time.time()
            name = f"prd:{load_prd(prd).key}"
            drain = None
            while time.time() - t_end < 120:
                stored, handled = asyncio.run(_count_unscored(url, name))
                if stored and handled >= stored:
                    drain = time.time() - t_end
                    break
                time.sleep(0.25)
            mon.terminate()
            mon.wait(10)
    finally:
        stop(upstream)
    during = [lag_s for at, lag_s in lines if t_start + 2 <= at <= t_end]
    return {
        "rate": rate, "seconds": seconds, "ok": res.ok, "errors": dict(res.errors),
        "stored": stored, "lag_median_s": statistics.median(during) if during else None,
        "lag_max_s": max(during) if during else None, "passes": len(during),
        "drain_s": drain,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--traces", type=int, default=5000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--skip-lag", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        tp = throughput(tmp, args.traces)
        lg = None if args.skip_lag else lag(tmp, args.rate, args.seconds)
    print(f"\nload average {load_average()}")
    print("\n| scorers | traces | wall s | traces/s (one core) | bar |")
    print("|---|---:|---:|---:|---:|")
    for name, r in tp.items():
        bar = "≥ 1,000" if name == "deterministic" else "≥ 300"
        print(f"| {name} | {r['traces']} | {r['wall_s']:.2f} | {r['per_s']:,.0f} | {bar} |")
    if lg:
        print(f"\nlag at {lg['rate']:.0f} req/s for {lg['seconds']:.0f} s: {lg['ok']} answered "
              f"({lg['errors'] or 'no errors'}), {lg['stored']} traces stored; newest trace "
              f"at the end of a pass: median {lg['lag_median_s']} s, max {lg['lag_max_s']} s "
              f"over {lg['passes']} passes; every trace scored {lg['drain_s']:.1f} s after the "
              "load stopped")  # fmt: skip


if __name__ == "__main__":
    main()
