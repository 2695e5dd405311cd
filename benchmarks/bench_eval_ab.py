"""Two gonogo source trees and the bare loop at one `bench_eval.py` point, alternated.

On a noisy machine the differences between two versions of gonogo can be smaller than
the drift between two benchmark runs; alternating them run by run (and the bare asyncio +
aiohttp loop beside them) lets them share the noise. Each run is a fresh process
(`python -m gonogo eval PRD -q --no-cache --out DIR` with PYTHONPATH set to the tree);
medians of wall and CPU (user+sys, `os.wait4`), and the 1-min load average after each round.

    python benchmarks/bench_eval_ab.py B --reps 7 --other /path/to/other/checkout/src
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_eval as be  # noqa: E402

THIS = str(Path(__file__).resolve().parents[1] / "src")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("point", choices=sorted(be.POINTS))
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--other", help="another gonogo source tree (its src folder)")
    args = ap.parse_args()
    n, conc, latency_ms = be.POINTS[args.point]
    trees = {"this": THIS, **({"other": args.other} if args.other else {})}
    server, url = be.start_server(latency_ms)
    tmp = Path(tempfile.mkdtemp(prefix="gonogo-bench-ab-"))
    rows: dict[str, list[dict[str, float]]] = {k: [] for k in [*trees, "bare"]}
    loads = []
    try:
        prd = be.make_project(tmp / "p", url, n, conc)
        base = url if url.endswith("/v1") else url + "/v1"
        cases = str(tmp / "p" / "cases.jsonl")

        def once(kind: str, r: int) -> dict[str, float]:
            if kind == "bare":
                out = str(tmp / f"bare{r}.json")
                return be.timed([sys.executable, be.BARE, base, cases, str(conc), out])
            env = {**be.ENV, "PYTHONPATH": trees[kind]}
            cmd = [*be.GONOGO, "eval", str(prd), "-q", "--no-cache", "--out", str(tmp / f"o{r}")]
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env=env)  # fmt: skip
            _, _, ru = os.wait4(proc.pid, 0)
            return {"wall_s": time.perf_counter() - t0, "cpu_s": ru.ru_utime + ru.ru_stime}

        for kind in rows:  # warm-up: bytecode written, page cache filled
            once(kind, -1)
        for r in range(args.reps):
            for kind in rows:
                rows[kind].append(once(kind, r))
            loads.append(be.loadavg().split()[0])
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    bare = statistics.median(x["wall_s"] for x in rows["bare"])
    print(f"| point {args.point} | wall (median) | CPU (median) | wall / bare |")
    print("|---|---|---|---|")
    for kind, xs in rows.items():
        wall = statistics.median(x["wall_s"] for x in xs)
        cpu = statistics.median(x["cpu_s"] for x in xs)
        print(f"| {kind} | {wall:.2f} s | {cpu:.2f} s | {wall / bare:.2f}× |")
    print(f"\n1-min load average after each round: {' '.join(loads)}")


if __name__ == "__main__":
    main()
