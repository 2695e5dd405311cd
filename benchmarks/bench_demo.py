"""`gonogo demo` from scratch (project, index, eval, reports), as the README runs it.

Each run uses a fresh folder, so the index is built every time; wall, CPU and peak RSS of
the process from os.wait4. Bar (issue #3): under 60 s on 2 cores after install.
Usage: python benchmarks/bench_demo.py [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GONOGO = str(Path(sys.executable).parent / "gonogo")
# As in bench_eval.py: an installed package has its .pyc files; a run that recompiled
# every module would measure the compiler.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for _ in range(args.reps):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [GONOGO, "demo", "--dir", str(Path(tmp) / "demo")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=ENV,
            )
            _, status, ru = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit("gonogo demo failed")
            rows.append((wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024))
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print("| runs | wall (median) | wall (max) | CPU (median) | peak RSS | load average after |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {len(rows)} | {statistics.median(r[0] for r in rows):.1f} s "
        f"| {max(r[0] for r in rows):.1f} s | {statistics.median(r[1] for r in rows):.1f} s "
        f"| {max(r[2] for r in rows):.0f} MB | {load} |"
    )


if __name__ == "__main__":
    main()
