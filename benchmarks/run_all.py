"""Run every benchmark in turn (what `make bench` does); results go to stdout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

for script in (
    "bench_eval.py",
    "bench_embeddings.py",
    "bench_groundedness.py",
    "bench_rag.py",
    "bench_demo.py",
    "bench_compare.py",
    "bench_lab.py",
    "bench_gateway.py",
    "bench_gateway_drill.py",
    "bench_store_traces.py",
    "bench_json_safety.py",
    "bench_injection.py",
    "bench_grader.py",
    "bench_redteam.py",
    "bench_monitor.py",
    "bench_ui.py",
):
    print(f"\n## {script}\n", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
