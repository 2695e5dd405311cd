"""SIGKILL in the middle of a pass loses nothing and scores nothing twice."""

import os
import signal
import subprocess
import sys
import time

from monitor_kit import make_trace, rows, write

from gonogo.spec import load_prd
from gonogo_testkit import write_project

PRD = """\
feature: Refund answers
eval_plan:
  target: app:answer
  datasets: [{name: g, path: data/golden.jsonl}]
  scorers:
    - {id: grounded, kind: groundedness}
    - {id: short, kind: length, max_words: 300}
  thresholds:
    - {scorer: grounded, min_pass_rate: 0.5}
"""
CONTEXT = " ".join(f"Policy clause {i}: items bought in store {i} can be returned within "
                   f"{i % 60 + 1} days with the receipt." for i in range(60))  # fmt: skip


def test_a_killed_pass_is_finished_by_the_next_without_double_scoring(tmp_path):
    prd = write_project(tmp_path, PRD, [{"id": "1", "question": "q"}], {"app.py": ""})
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    answer = "Items from store {} can be returned within {} days."
    write(url, [make_trace(i, contexts=[CONTEXT], output=answer.format(i % 60, i % 60 + 1))
                for i in range(1500)])  # fmt: skip
    cmd = [sys.executable, "-m", "gonogo", "monitor", str(prd), "--store", url, "--lease", "1",
           "--batch", "50"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    monitor = f"prd:{load_prd(prd).key}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(rows(url, monitor)) < 300:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = rows(url, monitor)
    assert 0 < len([r for r in before if r["status"] == "scored"]) < 1500  # killed mid-way
    time.sleep(1.1)  # the dead worker's lease ends
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode in (0, 1), again.stderr
    after = rows(url, monitor)
    assert len(after) == 1500 and {r["status"] for r in after} == {"scored"}
    assert len({r["trace_id"] for r in after}) == 1500  # one row each: none scored twice
    # what the first pass had recorded is kept as it was
    kept = {r["trace_id"]: r["scores"] for r in before if r["status"] == "scored"}
    assert all({r["trace_id"]: r["scores"] for r in after}[t] == s for t, s in kept.items())
