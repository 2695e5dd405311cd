"""Eval runner benchmark against the fake OpenAI-compatible server on loopback.

Default (issue #18): gonogo beside a bare asyncio + aiohttp loop (`_bare_loop.py`) in the
same run, interleaved rep by rep, caches off, at three points:
  S. 1 case, concurrency 1, upstream latency 0 ms   (start-up; bar: <= 0.5 s)
  A. 400 cases, concurrency 50, 200 ms              (bar: <= 2.3 s)
  B. 2,000 cases, concurrency 100, 50 ms            (bar: <= 1.9 s and <= 1.3x the bare loop)
gonogo is `gonogo eval PRD -q --no-cache --out DIR` (results.json, junit.xml, report.html
and the run store all written). The load average is printed beside the numbers.

`--issue2` runs the older table instead. Points (issue #2):
  A. 400 cases, concurrency 50, upstream latency 200 ms  (bar: wall <= 1.15 x 1.6 s + start-up)
  B. 2,000 cases, concurrency 100, latency 50 ms          (bar: wall <= 2.5 s in all)
  C. `gonogo --help`                                       (bar: <= 0.5 s)
  D. re-run of A with a warm cache                         (bar: >= 20x faster than the first run)

Each point runs the real CLI (`gonogo eval`) in a fresh process; wall time, CPU seconds
(user+sys of the eval process) and peak RSS come from os.wait4. Medians of --reps runs.
The fake server runs in its own process so its CPU is not counted against gonogo.
Usage: python benchmarks/bench_eval.py [--reps 3] [--points S,A,B] [--issue2]
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
from pathlib import Path

BIN = Path(sys.executable).parent
# `python -m gonogo` runs what the `gonogo` script of this source tree runs
# (gonogo.cli:run); a script installed from another checkout may point elsewhere.
GONOGO = [sys.executable, "-m", "gonogo"]
BARE = str(Path(__file__).with_name("_bare_loop.py"))
POINTS = {"S": (1, 1, 0), "A": (400, 50, 200), "B": (2000, 100, 50)}
# Child processes may write bytecode: an installed package has its .pyc files, and a
# benchmark that recompiled every module on each start would measure the compiler.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

PRD = """\
feature: benchmark
eval_plan:
  target: model
  datasets: [{{name: bench, path: cases.jsonl}}]
  concurrency: {conc}
  scorers:
    - {{id: mentions, kind: contains_any, values: ["Answer"]}}
    - {{id: short, kind: length, max_chars: 2000}}
    - {{id: fast, kind: latency, max_s: 5}}
  thresholds:
    - {{scorer: mentions, min_pass_rate: 0.9}}
model:
  provider: openai-compatible
  base_url: {url}
  name: fake-model
  concurrency: {conc}
  timeout_s: 30
  prompt: {{name: bench, version: 1, user: "Question: {{question}}"}}
prices:
  fake-model: {{input_per_1m: 0.15, output_per_1m: 0.60}}
"""


def start_server(latency_ms: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gonogo.testing.fake_openai",
            "--port",
            "0",
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    return proc, url


def make_project(root: Path, url: str, n: int, conc: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "cases.jsonl", "w") as f:
        for i in range(n):
            f.write(
                json.dumps({"id": f"c{i}", "question": f"What is item {i}?", "expected": "Answer"})
                + "\n"
            )
    prd = root / "gonogo.yaml"
    prd.write_text(PRD.format(url=url + "/v1" if not url.endswith("/v1") else url, conc=conc))
    return prd


def timed(cmd: list[str], cwd: Path | None = None) -> dict[str, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV
    )
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{cmd} exited {code}: {err}")
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024}


def run_point(n: int, conc: int, latency_ms: int, reps: int, tmp: Path) -> dict[str, object]:
    server, url = start_server(latency_ms)
    try:
        first, warm, inner, warm_inner, startup = [], [], [], [], []
        for r in range(reps):
            proj = tmp / f"p{n}-{r}"
            prd = make_project(proj, url, n, conc)
            startup.append(timed([*GONOGO, "eval", str(prd), "--dry-run"])["wall_s"])
            first.append(timed([*GONOGO, "eval", str(prd), "-q", "--out", str(proj / "out")]))
            inner.append(json.loads((proj / "out" / "results.json").read_text())["run"]["wall_s"])
            warm.append(timed([*GONOGO, "eval", str(prd), "-q", "--out", str(proj / "out2")]))
            warm_inner.append(
                json.loads((proj / "out2" / "results.json").read_text())["run"]["wall_s"]
            )
            shutil.rmtree(proj)
    finally:
        server.terminate()
        server.wait()

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    return {
        "cases": n,
        "concurrency": conc,
        "latency_ms": latency_ms,
        "ideal_s": n / conc * latency_ms / 1000,
        "wall_s": med(first, "wall_s"),
        "run_wall_s": statistics.median(inner),
        "startup_s": statistics.median(startup),
        "cpu_s": med(first, "cpu_s"),
        "cpu_ms_per_call": med(first, "cpu_s") / n * 1000,
        "rss_mb": med(first, "rss_mb"),
        "warm_wall_s": med(warm, "wall_s"),
        "warm_speedup": med(first, "wall_s") / med(warm, "wall_s"),
        "warm_run_wall_s": statistics.median(warm_inner),
        "warm_run_speedup": statistics.median(inner) / max(statistics.median(warm_inner), 1e-9),
    }


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def compare_point(name: str, reps: int, tmp: Path) -> dict[str, object]:
    """gonogo and the bare loop at one point, alternating, ``reps`` times each."""
    n, conc, latency_ms = POINTS[name]
    server, url = start_server(latency_ms)
    base = url + "/v1" if not url.endswith("/v1") else url
    loads = [loadavg()]
    bare: list[dict[str, float]] = []
    tool: list[dict[str, float]] = []
    try:
        proj = tmp / f"cmp-{name}"
        prd = make_project(proj, url, n, conc)
        cases = str(proj / "cases.jsonl")
        # warm-up: bytecode written, page cache filled
        timed([sys.executable, BARE, base, cases, str(conc), str(proj / "bare.json")])
        timed([*GONOGO, "eval", str(prd), "-q", "--no-cache", "--out", str(proj / "warm")])
        for r in range(reps):
            bare.append(
                timed([sys.executable, BARE, base, cases, str(conc), str(proj / f"b{r}.json")])
            )
            out = proj / f"out{r}"
            tool.append(timed([*GONOGO, "eval", str(prd), "-q", "--no-cache", "--out", str(out)]))
            written = {p.name for p in out.iterdir()}
            missing = {"results.json", "junit.xml", "report.html"} - written
            if missing:
                raise SystemExit(f"gonogo did not write {sorted(missing)}")
            loads.append(loadavg())
    finally:
        server.terminate()
        server.wait()
    bare_wall = statistics.median(b["wall_s"] for b in bare)
    tool_wall = statistics.median(t["wall_s"] for t in tool)
    return {
        "name": name,
        "cases": n,
        "concurrency": conc,
        "latency_ms": latency_ms,
        "ideal_s": n / conc * latency_ms / 1000,
        "bare_s": bare_wall,
        "gonogo_s": tool_wall,
        "gonogo_all": [round(t["wall_s"], 2) for t in tool],
        "bare_all": [round(b["wall_s"], 2) for b in bare],
        "gonogo_cpu_s": statistics.median(t["cpu_s"] for t in tool),
        "gonogo_rss_mb": statistics.median(t["rss_mb"] for t in tool),
        "ratio": tool_wall / bare_wall,
        "loads": loads,
    }


def main_compare(reps: int, names: list[str]) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="gonogo-bench-"))
    try:
        rows = [compare_point(name, reps, tmp) for name in names]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        "| point | cases | conc. | latency | ideal | bare asyncio + aiohttp loop | gonogo "
        "| gonogo / bare | gonogo CPU | gonogo peak RSS | runs (gonogo; bare) | load average |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for p in rows:
        ideal = f"{p['ideal_s']:.2f} s" if p["ideal_s"] else "—"
        print(
            f"| {p['name']} | {p['cases']:,} | {p['concurrency']} | {p['latency_ms']} ms "
            f"| {ideal} | {p['bare_s']:.2f} s | **{p['gonogo_s']:.2f} s** "
            f"| {p['ratio']:.2f}× | {p['gonogo_cpu_s']:.2f} s | {p['gonogo_rss_mb']:.0f} MB "
            f"| {p['gonogo_all']}; {p['bare_all']} | {p['loads'][0]} → {p['loads'][-1]} |"  # type: ignore[index]
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--points", default="S,A,B", help="comma-separated: S, A, B")
    ap.add_argument("--issue2", action="store_true", help="the issue #2 table instead")
    args = ap.parse_args()
    if not args.issue2:
        main_compare(args.reps, [p.strip() for p in args.points.split(",") if p.strip()])
        return
    tmp = Path(tempfile.mkdtemp(prefix="gonogo-bench-"))
    try:
        helps = [timed([*GONOGO, "--help"])["wall_s"] for _ in range(5)]
        a = run_point(400, 50, 200, args.reps, tmp)
        b = run_point(2000, 100, 50, args.reps, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        "| point | cases | conc | latency | ideal | wall (process) | start-up | run wall "
        "| run / ideal | CPU | CPU/call "
        "| peak RSS | warm re-run (process) | speed-up | warm run wall | run speed-up |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, p in (("A", a), ("B", b)):
        print(
            f"| {name} | {p['cases']} | {p['concurrency']} | {p['latency_ms']} ms "
            f"| {p['ideal_s']:.2f} s | {p['wall_s']:.2f} s | {p['startup_s']:.2f} s "
            f"| {p['run_wall_s']:.2f} s | {p['run_wall_s'] / p['ideal_s']:.2f}x "
            f"| {p['cpu_s']:.2f} s | {p['cpu_ms_per_call']:.2f} ms | {p['rss_mb']:.0f} MB "
            f"| {p['warm_wall_s']:.2f} s | {p['warm_speedup']:.1f}x "
            f"| {p['warm_run_wall_s']:.3f} s | {p['warm_run_speedup']:.0f}x |"
        )
    print(f"\n`gonogo --help`: median {statistics.median(helps) * 1000:.0f} ms over 5 runs")


if __name__ == "__main__":
    main()
