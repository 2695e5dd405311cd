"""Gateway store: trace-batch commit latency and throughput, registry poll cost.

For SQLite (a file in a temp folder) and a real PostgreSQL (started on loopback by
tests/gateway/services.py, or $GONOGO_TEST_POSTGRES_URL): for batch sizes 1, 10, 100 it
commits batches back to back and reports the median commit latency (what a request waits
for under group commit) and traces/s; then the median `registry_revision()` poll time.

    python benchmarks/bench_store_traces.py [--seconds 3]
"""

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "store_gateway"))
from helpers_store import trace  # noqa: E402

from gonogo.store.gateway import open_gateway_store  # noqa: E402


def _services():
    spec = importlib.util.spec_from_file_location(
        "gonogo_test_services", ROOT / "tests" / "gateway" / "services.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def measure(url: str, seconds: float) -> list[tuple]:
    store = open_gateway_store(url)
    await store.open()
    rows = []
    try:
        for size in (1, 10, 100):
            lat, n, start = [], 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                batch = [trace(id=uuid.uuid4().hex) for _ in range(size)]
                t = time.perf_counter()
                await store.write_traces(batch)
                lat.append((time.perf_counter() - t) * 1000)
                n += size
            wall = time.perf_counter() - start
            rows.append((size, statistics.median(lat), sorted(lat)[int(len(lat) * 0.99)], n / wall))
        polls = []
        for _ in range(500):
            t = time.perf_counter()
            await store.registry_revision()
            polls.append((time.perf_counter() - t) * 1000)
        rows.append(("poll", statistics.median(polls)))
    finally:
        await store.close()
    return rows


def report(name: str, rows: list[tuple]) -> None:
    print(f"\n{name}")
    print("| batch | median commit | p99 commit | traces/s |")
    print("|---|---|---|---|")
    for r in rows[:-1]:
        print(f"| {r[0]} | {r[1]:.2f} ms | {r[2]:.2f} ms | {r[3]:,.0f} |")
    print(f"registry_revision() poll: median {rows[-1][1]:.3f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report(
            "SQLite (WAL, synchronous=NORMAL)",
            asyncio.run(measure(f"sqlite:///{tmp}/gw.db", args.seconds)),
        )
    services = _services()
    admin = os.environ.get("GONOGO_TEST_POSTGRES_URL")
    server = None
    if not admin:
        server = services.PostgresServer()
        admin = server.start()
    try:
        url = services.create_database(admin)
        report(
            "PostgreSQL (asyncpg pool, default fsync/synchronous_commit)",
            asyncio.run(measure(url, args.seconds)),
        )
        services.drop_database(admin, url)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
