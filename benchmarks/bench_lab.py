"""`gonogo lab` on the demo, against the demo's own time (issue #14's bar: ≤ 5×, 2 cores).

Per repetition, in a fresh temporary folder and fresh processes:
1. `gonogo demo` from an empty folder (project, index over 238 documents, the eval of 120
   golden questions, reports): *the demo's own time*;
2. `gonogo eval` of the demo's PRD (the eval alone, index already built);
3. `gonogo lab gonogo.yaml --out lab` — the five failure modes' injections; the clean run
   is the completed eval's, reused;
4. `gonogo lab gonogo.yaml --fresh` — the same, running the clean eval again too.

Wall, CPU (user+sys) and peak RSS of the gonogo process from os.wait4; the lab's status
per failure mode from lab.json. Usage: python benchmarks/bench_lab.py [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GONOGO = str(Path(sys.executable).parent / "gonogo")


def timed(args: list[str], cwd: Path) -> tuple[float, float, float, int]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [GONOGO, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def row(name: str, runs: list[tuple[float, float, float, int]], base: float | None) -> str:
    wall = statistics.median(r[0] for r in runs)
    ratio = f"{wall / base:.2f}×" if base else "—"
    return (
        f"| {name} | {len(runs)} | {wall:.1f} s | {max(r[0] for r in runs):.1f} s "
        f"| {statistics.median(r[1] for r in runs):.1f} s | {max(r[2] for r in runs):.0f} MB "
        f"| {ratio} | {sorted({r[3] for r in runs})} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    demo, ev, lab, fresh = [], [], [], []
    statuses: dict[str, str] = {}
    for _ in range(args.reps):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            demo.append(timed(["demo", "--dir", "d"], root))
            ev.append(timed(["eval", "d/gonogo.yaml", "-q"], root))
            lab.append(timed(["lab", "d/gonogo.yaml", "-q", "--out", "lab"], root))
            fresh.append(timed(["lab", "d/gonogo.yaml", "-q", "--fresh"], root))
            doc = json.loads((root / "lab" / "lab.json").read_text())
            statuses = {f["id"]: f["status"] for f in doc["failure_modes"]}
    base = statistics.median(r[0] for r in demo)
    print("| command | runs | wall (median) | wall (max) | CPU (median) | peak RSS "
          "| × the demo | exit |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    print(row("`gonogo demo` (the demo's own time)", demo, base))
    print(row("`gonogo eval` of the demo (index built)", ev, base))
    print(row("`gonogo lab` (clean run reused)", lab, base))
    print(row("`gonogo lab --fresh` (clean run again)", fresh, base))
    eval_wall = statistics.median(r[0] for r in ev)
    print(f"\nlab / eval: {statistics.median(r[0] for r in lab) / eval_wall:.2f}× (reused), "
          f"{statistics.median(r[0] for r in fresh) / eval_wall:.2f}× (fresh)")  # fmt: skip
    print("statuses:", json.dumps(statuses))


if __name__ == "__main__":
    main()
