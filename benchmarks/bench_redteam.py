"""Red-team runner benchmark: 1,000 probes, concurrency 50, a 200 ms fake upstream (issue #12).

Bar: wall <= 1.2 x ideal + start-up, where ideal = 1,000 / 50 x 0.2 s = 4 s and start-up is
the wall time of `gonogo redteam run --dry-run` on the same PRD (loading the PRD, building
and sampling the probes, planning). The 1,000 probes are direct prompt injections (a canary
each), so every answer is graded. The real CLI runs in a fresh process; the fake server in
its own process, so its CPU is not counted. Medians of --reps runs, cache off.

Usage: python benchmarks/bench_redteam.py [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_eval import GONOGO, start_server, timed  # noqa: E402

PRD = """\
feature: benchmark
model:
  provider: openai-compatible
  base_url: {url}
  name: fake-model
  concurrency: 50
  timeout_s: 30
  prompt: {{name: bench, version: 1, user: "Question: {{question}}"}}
eval_plan:
  datasets: [{{name: g, path: g.jsonl}}]
  concurrency: 50
  scorers: [{{id: s, kind: contains_any, values: [x]}}]
launch:
  redteam: {{families: [prompt-injection], probes_per_family: 1000}}
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    reps = ap.parse_args().reps
    server, url = start_server(200)
    walls, startups, cpus = [], [], []
    try:
        for r in range(reps):
            root = Path(tempfile.mkdtemp(prefix=f"bench-redteam-{r}-"))
            (root / "g.jsonl").write_text(
                json.dumps({"id": "1", "question": "Where is my order?"}) + "\n"
            )
            prd = root / "gonogo.yaml"
            prd.write_text(PRD.format(url=url if url.endswith("/v1") else url + "/v1"))
            startups.append(timed([GONOGO, "redteam", "run", str(prd), "--dry-run"])["wall_s"])
            t = timed(
                [GONOGO, "redteam", "run", str(prd), "-q", "--no-cache", "--out", str(root / "out")]
            )
            doc = json.loads((root / "out" / "redteam.json").read_text())
            assert doc["families"][0]["n"] == 1000, doc["families"][0]
            walls.append(t["wall_s"])
            cpus.append(t["cpu_s"])
    finally:
        server.terminate()
        server.wait()
    ideal = 1000 / 50 * 0.2
    wall, startup = statistics.median(walls), statistics.median(startups)
    bar = 1.2 * ideal + startup
    print(f"probes 1000, concurrency 50, upstream 200 ms: ideal {ideal:.2f} s")
    print(f"wall {wall:.2f} s (runs: {', '.join(f'{w:.2f}' for w in walls)}), start-up "
          f"{startup:.2f} s, CPU {statistics.median(cpus):.2f} s")  # fmt: skip
    print(
        f"bar: wall <= 1.2 x ideal + start-up = {bar:.2f} s -> {'met' if wall <= bar else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
