"""Eval runs against the PRD's model spec, through a real OpenAI-compatible server on loopback."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from gonogo.testing import FakeOpenAIServer
from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: FAQ bot
    model:
      provider: openai-compatible
      base_url: {url}
      name: fake-model
      concurrency: {conc}
      max_retries: {retries}
      timeout_s: 5
      prompt: {{name: faq, version: 1, user: "Question: {{question}}"}}
      {extra_model}
    prices:
      fake-model: {{input_per_1m: 1000.0, output_per_1m: 1000.0}}
    eval_plan:
      datasets: [{{name: golden, path: data/golden.jsonl}}]
      concurrency: {conc}
      scorers:
        - {{id: echoes, kind: contains_any, values: ["Answer"]}}
      thresholds:
        - {{scorer: echoes, min_pass_rate: 0.5}}
""")


def project(tmp_path, url, n=20, conc=4, retries=2, extra_model=""):
    cases = [{"id": f"c{i}", "question": f"question number {i}"} for i in range(n)]
    return write_project(
        tmp_path, PRD.format(url=url, conc=conc, retries=retries, extra_model=extra_model), cases
    )


def test_model_target_go_and_warm_cache(tmp_path, cli):
    with FakeOpenAIServer() as srv:
        prd = project(tmp_path, srv.base_url)
        r = cli("eval", prd, "-q", "--out", tmp_path / "out")
        assert r.returncode == 0, r.stdout + r.stderr
        assert srv.stats.requests == 20
        res = json.loads((tmp_path / "out" / "results.json").read_text())
        assert res["totals"]["cost_usd"] > 0
        r2 = cli("eval", prd, "-q")
        assert r2.returncode == 0
        assert srv.stats.requests == 20  # an unchanged re-run costs nothing
        r3 = cli("eval", prd, "-q", "--no-cache")
        assert r3.returncode == 0 and srv.stats.requests == 40


def test_dry_run_counts_calls_and_cache(tmp_path, cli):
    with FakeOpenAIServer() as srv:
        prd = project(tmp_path, srv.base_url, n=10)
        r = cli("eval", prd, "--dry-run")
        assert r.returncode == 0, r.stderr
        assert "10 calls (0 cached, 10 new)" in r.stdout
        assert "estimated cost $" in r.stdout
        assert srv.stats.requests == 0
        cli("eval", prd, "-q")
        r = cli("eval", prd, "--dry-run")
        assert "10 calls (10 cached, 0 new)" in r.stdout


def test_unknown_price_is_unknown_not_zero(tmp_path, cli):
    with FakeOpenAIServer() as srv:
        prd = project(tmp_path, srv.base_url, n=3)
        text = prd.read_text().replace("fake-model: {input", "other-model: {input")
        prd.write_text(text)
        r = cli("eval", prd, "--dry-run")
        assert "unknown" in r.stdout and "$0.0000" not in r.stdout


def test_max_cost_stops_cleanly_and_resume_finishes(tmp_path, cli):
    with FakeOpenAIServer(latency_s=0.01) as srv:
        # each call costs about (~5 in + ~6 out tokens) * $1000/1M ≈ $0.01; the cap reserves
        # the estimate of each call in flight (max_tokens bounds its output)
        prd = project(tmp_path, srv.base_url, n=30, conc=2, extra_model="params: {max_tokens: 8}")
        r = cli("eval", prd, "-q", "--max-cost", "0.05", "--out", tmp_path / "out")
        assert r.returncode == 3, r.stdout + r.stderr
        assert "--max-cost" in r.stderr
        res = json.loads((tmp_path / "out" / "results.json").read_text())
        assert res["verdict"] == "INCOMPLETE"
        assert res["totals"]["cost_usd"] <= 0.05
        done = res["totals"]["n_samples"]
        assert 0 < done < 30
        before = srv.stats.requests
        r = cli("eval", prd, "-q", "--resume", "--out", tmp_path / "out2")
        assert r.returncode == 0, r.stdout + r.stderr
        assert srv.stats.requests - before == 30 - done  # no call made twice
        res2 = json.loads((tmp_path / "out2" / "results.json").read_text())
        assert res2["totals"]["n_samples"] == 30


def test_killed_run_resumes_without_losing_or_repeating(tmp_path):
    with FakeOpenAIServer(latency_s=0.1) as srv:
        prd = project(tmp_path, srv.base_url, n=40, conc=4)
        env = {**os.environ, "NO_COLOR": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "gonogo", "eval", str(prd), "-q"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        db = tmp_path / ".gonogo" / "runs.sqlite"
        deadline = time.time() + 60
        done = 0
        while time.time() < deadline:
            if db.exists():
                try:
                    with sqlite3.connect(db) as c:
                        done = c.execute("SELECT count(*) FROM samples").fetchone()[0]
                except sqlite3.OperationalError:
                    done = 0
            if done >= 8:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with sqlite3.connect(db) as c:
            done = c.execute("SELECT count(*) FROM samples").fetchone()[0]
        assert 8 <= done < 40
        before = srv.stats.requests
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "gonogo",
                "eval",
                str(prd),
                "-q",
                "--resume",
                "--out",
                str(tmp_path / "out"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        resumed_calls = srv.stats.requests - before
        # completed samples are never re-run; calls in flight at the kill may be (≤ concurrency)
        assert 40 - done - 4 <= resumed_calls <= 40 - done
        res = json.loads((tmp_path / "out" / "results.json").read_text())
        assert res["totals"]["n_samples"] == 40
        assert sorted(c["id"] for c in res["cases"]) == sorted(f"c{i}" for i in range(40))


def test_unreachable_endpoint_is_a_run_failure(tmp_path, cli):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    prd = project(tmp_path, f"http://127.0.0.1:{port}/v1", n=10, retries=0)
    r = cli("eval", prd, "-q")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "could not reach" in r.stderr and "--resume" in r.stderr
    assert "Traceback" not in r.stderr


def test_flaky_upstream_is_ridden_out(tmp_path, cli):
    with FakeOpenAIServer(fault_rate=0.3, seed=7) as srv:
        prd = project(tmp_path, srv.base_url, n=30, conc=8, retries=6)
        prd.write_text(prd.read_text().replace("timeout_s: 5", "timeout_s: 2"))
        r = cli("eval", prd, "-q", "--out", tmp_path / "out")
        assert r.returncode == 0, r.stdout + r.stderr
        assert sum(srv.stats.faults.values()) > 0
        res = json.loads((tmp_path / "out" / "results.json").read_text())
        assert res["totals"]["n_samples"] == 30


def test_structured_output_is_validated(tmp_path, cli):
    schema = "{type: object, properties: {answer: {type: string}}, required: [answer]}"
    with FakeOpenAIServer() as srv:
        prd = project(tmp_path, srv.base_url, n=4, extra_model=f"output: {schema}")
        srv.set_responder(
            lambda p: (
                '{"answer": "fine"}' if "1" in p["messages"][-1]["content"] else "not json at all"
            )
        )
        r = cli("eval", prd, "-q", "--out", tmp_path / "out")
        res = json.loads((tmp_path / "out" / "results.json").read_text())
        kinds = {c["id"]: c["samples"][0]["error_kind"] for c in res["cases"]}
        assert kinds["c1"] is None
        assert kinds["c0"] == "invalid_output"
        assert r.returncode == 1
        sent = srv.received[-1]["response_format"]
        assert sent["type"] == "json_schema"


def test_missing_api_key_names_the_variable(tmp_path, cli):
    with FakeOpenAIServer() as srv:
        prd = project(tmp_path, srv.base_url, n=2, extra_model="api_key_env: GONOGO_TEST_KEY_XYZ")
        r = cli("eval", prd, env={"GONOGO_TEST_KEY_XYZ": ""})
        assert r.returncode == 2
        assert "GONOGO_TEST_KEY_XYZ" in r.stderr and "export" in r.stderr
        assert "Traceback" not in r.stderr


def test_a_cost_cap_on_a_model_without_a_price_says_it_cannot_be_enforced(tmp_path, cli):
    with FakeOpenAIServer() as srv:
        text = PRD.format(url=srv.base_url, conc=2, retries=0, extra_model="")
        prd = write_project(tmp_path, text.replace("fake-model: {input", "other: {input"),
                            [{"id": "c0", "question": "q"}])  # fmt: skip
        r = cli("eval", prd, "--dry-run", "--max-cost", "0.01")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "--max-cost 0.01 cannot be enforced for fake-model" in " ".join(r.stdout.split())
        r = cli("eval", prd, "-q", "--max-cost", "0.01")
        assert "warning: --max-cost 0.01 cannot be enforced" in " ".join(r.stderr.split())
        priced = write_project(tmp_path / "p", text, [{"id": "c0", "question": "q"}])
        r = cli("eval", priced, "--dry-run", "--max-cost", "0.01")
        assert "cannot be enforced" not in r.stdout
