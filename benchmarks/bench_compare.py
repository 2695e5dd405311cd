"""`gonogo compare` end to end: the demo's A/B, and a 1,000-case comparison of two app settings.

1. demo: `gonogo demo` builds the project (not timed), then `gonogo compare
   gonogo-demo/gonogo.yaml` — the PRD as written against its `strict` variant, 120
   questions × 2 variants through the reference RAG app and its 7 scorers, plus output
   similarity; then `--resume` (both runs reused: only the statistics and reports).
2. scale: a callable app answering 1,000 cases in two settings (B fixes ~6% of cases),
   two deterministic scorers, reports written; cold store and cache each time.

Wall, CPU (user+sys) and peak RSS of the gonogo process from os.wait4.
Usage: python benchmarks/bench_compare.py [--reps 3] [--skip-demo]
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

APP = """
import zlib

def answer(q, variant="a"):
    i = int(q.split()[2])
    h = zlib.crc32(q.encode()) % 100
    good = h < (60 if variant == "a" else 65)
    return f"answer {i}" if good else f"I am not sure about question {i}, sorry ({variant})"
"""

PRD = """feature: compare benchmark
eval_plan:
  target: app:answer
  datasets: [{name: g, path: golden.jsonl}]
  scorers:
    - {id: correct, kind: equals}
    - {id: short, kind: length, max_chars: 40}
  thresholds: [{scorer: correct, min_pass_rate: 0.5}]
variants:
  b: {target_args: {variant: b}}
compare: {candidate: b}
"""


def timed(args: list[str], cwd: Path) -> tuple[float, float, float, int]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [GONOGO, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def row(name: str, runs: list[tuple[float, float, float, int]], note: str) -> str:
    return (
        f"| {name} | {len(runs)} | {statistics.median(r[0] for r in runs):.1f} s "
        f"| {max(r[0] for r in runs):.1f} s | {statistics.median(r[1] for r in runs):.1f} s "
        f"| {max(r[2] for r in runs):.0f} MB | {note} |"
    )


def scale_project(root: Path, n: int = 1000) -> None:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "golden.jsonl", "w") as f:
        for i in range(n):
            case = {"id": f"c{i}", "q": f"question number {i} about {i % 37}"}
            f.write(json.dumps({**case, "expected": f"answer {i}"}) + "\n")
    (root / "app.py").write_text(APP)
    (root / "gonogo.yaml").write_text(PRD)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--skip-demo", action="store_true")
    args = ap.parse_args()
    print("| comparison | runs | wall (median) | wall (max) | CPU (median) | peak RSS | verdict |")
    print("|---|---|---|---|---|---|---|")
    if not args.skip_demo:
        with tempfile.TemporaryDirectory() as tmp:
            demo = Path(tmp) / "demo"
            subprocess.run([GONOGO, "demo", "--dir", str(demo)], check=True, capture_output=True)
            cold, warm = [], []
            for _ in range(args.reps):
                out = Path(tmp) / "cmp"
                cold.append(timed(["compare", "gonogo.yaml", "-q", "--out", str(out)], demo))
                verdict = json.loads((out / "comparison.json").read_text())["verdict"]
                warm.append(timed(["compare", "gonogo.yaml", "-q", "--resume"], demo))
            print(row("demo, 120 questions × 2 (RAG app, 7 scorers)", cold, verdict))
            print(row("demo again with --resume (no calls)", warm, verdict))
    runs = []
    for _ in range(args.reps):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            scale_project(root)
            runs.append(timed(["compare", "gonogo.yaml", "-q", "--out", "out"], root))
            verdict = json.loads((root / "out" / "comparison.json").read_text())["verdict"]
    print(row("1,000 cases × 2 (callable app, 2 scorers)", runs, verdict))


if __name__ == "__main__":
    main()
