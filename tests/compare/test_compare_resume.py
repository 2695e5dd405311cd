"""A comparison killed mid-run keeps its results and --resume finishes it; run failures exit 3."""

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from gonogo_testkit import write_project

APP = textwrap.dedent("""
    import time

    def answer(country, style="short"):
        time.sleep(0.1)
        return "Paris" if country == "France" else f"I don't know ({style})"
""")

PRD = textwrap.dedent("""
    feature: kill test
    eval_plan:
      target: app:answer
      concurrency: 2
      datasets: [{name: golden, path: data/golden.jsonl}]
      scorers: [{id: correct, kind: equals}]
    variants:
      long: {target_args: {style: long}}
    compare: {candidate: long}
""")


def stored_samples(db):
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT count(*) FROM samples").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def test_sigkill_then_resume_keeps_every_finished_sample(tmp_path, cli):
    rows = [
        {"id": f"c{i}", "country": "France" if i % 3 == 0 else f"X{i}", "expected": "Paris"}
        for i in range(40)
    ]
    prd = write_project(tmp_path, PRD, rows, {"app.py": APP})
    db = tmp_path / ".gonogo" / "runs.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gonogo", "compare", str(prd), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while stored_samples(db) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = stored_samples(db)
    assert 10 <= kept < 80, kept
    r = cli("compare", prd, "-q", "--resume", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads((tmp_path / "out" / "comparison.json").read_text())
    resumed = sum(v["resumed_samples"] for v in doc["variants"].values())
    executed = sum(v["executed_samples"] for v in doc["variants"].values())
    assert resumed == kept and resumed + executed == 80
    assert doc["verdict"] == "no_difference"
    t = doc["scorers"][0]["test"]
    assert (t["wins"], t["ties"], t["losses"]) == (0, 40, 0)


def test_unreachable_provider_is_a_run_failure(tmp_path, cli):
    prd_text = textwrap.dedent("""
        feature: unreachable
        model:
          provider: openai-compatible
          base_url: http://127.0.0.1:9/v1
          name: nothing-here
          max_retries: 0
          prompt: {name: p, version: 1, user: "{country}"}
        eval_plan:
          datasets: [{name: golden, path: data/golden.jsonl}]
          scorers: [{id: correct, kind: equals}]
        compare: {candidate: other}
        variants:
          other: {model: also-nothing}
    """)
    rows = [{"id": f"c{i}", "country": "France", "expected": "Paris"} for i in range(8)]
    prd = write_project(tmp_path, prd_text, rows)
    r = cli("compare", prd, "-q")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "cannot" in r.stderr.lower() or "failed" in r.stderr.lower()
    assert "Traceback" not in r.stderr
    with sqlite3.connect(tmp_path / ".gonogo" / "runs.sqlite") as conn:
        statuses = {s for (s,) in conn.execute("SELECT status FROM runs")}
    assert statuses == {"failed"}
