"""`gonogo ui` page speed (issue #17): server-rendered pages over real HTTP.

A real `gonogo ui` process on loopback serves a workspace made by tests/ui/ui_kit.py:

- **run page** — a run of 10,000 golden cases (2 samples each, three scorers, aggregated by
  gonogo's own `results.aggregate`): thresholds, charts, failure modes and the first page of
  cases, and a filtered page (failing cases, page 3); bar ≤ 300 ms;
- **trend** — 1,000 stored runs of one PRD: the per-scorer pass-rate chart with intervals over
  all of them, by prompt version, and the newest 50 in a table; bar ≤ 300 ms;
- **review page** — one review item (input, contexts, output, expected, every score, the
  form); bar ≤ 100 ms.

Each page is fetched ``--repeats`` times after one warm-up (the first, cold fetch is reported
too); the figure is the client's wall time for the whole response, median and max.

    python benchmarks/bench_ui.py [--cases 10000] [--runs 1000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "ui"))

import ui_kit  # noqa: E402
from http_kit import Client  # noqa: E402

from gonogo.testing import UIProcess  # noqa: E402

BARS_MS = {"run page": 300, "run page, failing cases p.3": 300, "run page, text search": 300,
           "trend (1,000 runs)": 300, "review item": 100}  # fmt: skip


def fetch_ms(url: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        body = r.read()
    return (time.perf_counter() - t0) * 1000, len(body)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=1_000)
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="gonogo-bench-ui-"))
    t0 = time.perf_counter()
    big = ui_kit.write_prd(root / "big", args.cases)
    big_runs = ui_kit.store_runs(big, 2)
    many = ui_kit.write_prd(root / "many", 20)
    ui_kit.store_runs(many, args.runs, results_cache=10)
    store_url = f"sqlite:///{root / 'gateway.db'}"
    ui_kit.run_async(ui_kit.seed_gateway(store_url, 200))
    print(f"setup: {args.cases:,}-case run ×2, {args.runs:,} runs, 200 traces in "
          f"{time.perf_counter() - t0:.1f} s ({root})")
    with UIProcess(root, store_url) as ui:
        c = Client(ui.url)
        many_slug = _slug_of(c, "many")
        big_slug = _slug_of(c, "big")
        c.submit("/review/build", {"feature": big_slug, "rule": "disagree", "n": "5"}, "/review")
        item = c.submit(f"/review/{big_slug}/disagree/next", {}, "/review").headers["location"]
        pages = {
            "run page": f"/runs/{big_runs[-1]}",
            "run page, failing cases p.3": f"/runs/{big_runs[-1]}?cases=failing&page=3",
            "run page, text search": f"/runs/{big_runs[-1]}?q=item+9876%3F",
            "trend (1,000 runs)": f"/trends?feature={many_slug}",
            "review item": item,
        }
        print(f"\nload average before: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print("\n| page | cold ms | median ms | max ms | KiB | bar ms | |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for name, path in pages.items():
            url = ui.url + path
            cold, size = fetch_ms(url)
            times = [fetch_ms(url)[0] for _ in range(args.repeats)]
            med = statistics.median(times)
            verdict = "met" if med <= BARS_MS[name] else "NOT met"
            print(f"| {name} | {cold:.0f} | {med:.0f} | {max(times):.0f} | {size / 1024:.0f} | "
                  f"{BARS_MS[name]} | {verdict} |")
        print(f"\nload average after: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _slug_of(c: Client, folder: str) -> str:
    page = c.get("/").text
    for slug, path in re.findall(r'href="/features/([0-9a-f]{10})">.*?<span class="meta">([^<]+)',
                                 page, re.S):  # fmt: skip
        if f"/{folder}/" in path:
            return slug
    raise SystemExit(f"no feature under {folder}")


if __name__ == "__main__":
    main()
