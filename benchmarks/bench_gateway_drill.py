"""Rollback drill benchmark (issue #5): how fast a label move reaches every replica.

Two `gonogo serve` replicas share one real PostgreSQL (the test servers' binaries, see
tests/gateway/services.py); the fake upstream answers in 5 ms. For each registry poll
period, the drill (``gonogo.gateway.run_drill``, what `gonogo prompt drill` runs) rolls
`production` back and restores it ``--drills`` times; each phase's time to effect per
replica is from the label move's start to the first of 3 consecutive probes answered
with the new version. Bar: ≤ 5 s on every replica.

    python benchmarks/bench_gateway_drill.py [--drills 10] [--polls 1.0,0.25]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gonogo.gateway import StoreLabels, run_drill
from gonogo.store.gateway import new_api_key, open_gateway_store
from gonogo.testing import FakeOpenAIServer, GatewayProcess

ROOT = Path(__file__).resolve().parents[1]
PRD = """\
feature: drill benchmark
model:
  provider: openai-compatible
  base_url: {url}
  name: fake-model
  prompt: {{name: answer, version: 1, user: "Question: {{question}}"}}
eval_plan:
  target: model
  datasets: [{{name: golden, path: cases.jsonl}}]
  scorers: [{{id: mentions, kind: contains_any, values: ["Answer"]}}]
"""


def _services():
    path = ROOT / "tests" / "gateway" / "services.py"
    spec = importlib.util.spec_from_file_location("gonogo_test_services", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def _prepare(url: str) -> str:
    store = open_gateway_store(url)
    await store.open()
    try:
        secret, rec = new_api_key("drill-bench", "app")
        await store.add_key(rec)
        v2, _ = await store.push_prompt(
            "answer",
            system=None,
            user="Q: {question}",
            model=None,
            params={},
            output_schema=None,
            actor="bench",
            message="v2",
        )
        await store.move_label("answer", "production", v2.version, actor="bench", reason="v2")
        return secret
    finally:
        await store.close()


async def _drills(url: str, gateways: list[str], key: str, n: int) -> dict[str, list[float]]:
    store = open_gateway_store(url)
    await store.open()
    times: dict[str, list[float]] = {"rollback": [], "restore": []}
    try:
        for _ in range(n):
            report = await run_drill(StoreLabels(store), gateways, name="answer", app_key=key)
            assert report.passed, report.to_dict()
            assert report.restore is not None
            for phase in (report.rollback, report.restore):
                times[phase.action] += [r.seconds or float("nan") for r in phase.replicas]
    finally:
        await store.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--drills", type=int, default=10)
    ap.add_argument("--polls", default="1.0,0.25", help="registry poll periods to try (s)")
    args = ap.parse_args()
    services = _services()
    print("| poll | phase | replicas × drills | min | median | max | bar |")
    print("|---:|---|---:|---:|---:|---:|---|")
    with FakeOpenAIServer(latency_s=0.005) as upstream, services.PostgresServer() as pg:
        for poll in (float(p) for p in args.polls.split(",")):
            url = services.create_database(pg.url)
            root = Path(tempfile.mkdtemp(prefix="gonogo-drill-"))
            (root / "cases.jsonl").write_text('{"id": "c1", "question": "Hi?"}\n')
            prd = root / "gonogo.yaml"
            prd.write_text(PRD.format(url=upstream.base_url))
            every = ["--poll", str(poll)]
            with (
                GatewayProcess(prd, url, extra=every) as a,
                GatewayProcess(prd, url, extra=every) as b,
            ):
                key = asyncio.run(_prepare(url))
                times = asyncio.run(_drills(url, [a.url, b.url], key, args.drills))
            for phase, ts in times.items():
                ok = "met" if max(ts) <= 5.0 else "MISSED"
                print(
                    f"| {poll:g} s | {phase} | {len(ts)} | {min(ts):.2f} s "
                    f"| {statistics.median(ts):.2f} s | {max(ts):.2f} s | ≤ 5 s: {ok} |"
                )
    la = os.getloadavg()[0]
    print(f"\nload average (1 min) at the end: {la:.2f}; {time.strftime('%Y-%m-%d %H:%M')}")


if __name__ == "__main__":
    main()
