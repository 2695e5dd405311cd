"""A new user's first hour (issue #10): eval → report by relative path, Ctrl-C → resume."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from gonogo_testkit import write_project

APP = textwrap.dedent("""
    import time

    def answer(question):
        time.sleep(0.05)
        return "30 days" if "refund" in question else "no idea"
""")

PRD = textwrap.dedent("""
    feature: FAQ bot
    eval_plan:
      target: app:answer
      datasets: [{name: golden, path: data/golden.jsonl}]
      concurrency: 1
      scorers:
        - {id: says_30, kind: contains_any, values: ["30 days"]}
      thresholds:
        - {scorer: says_30, min_pass_rate: 0.5, gate_on: point}
""")


def cases(n):
    return [{"id": f"c{i}", "question": f"refund question {i}"} for i in range(n)]


def test_report_finds_the_run_that_eval_made_from_a_relative_path(tmp_path, cli):
    write_project(tmp_path / "f", PRD, cases(6), {"app.py": APP})
    r = cli("eval", "f/gonogo.yaml", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    run_id = next(line.split()[1] for line in r.stdout.splitlines() if line.startswith("run "))
    assert f"--run {run_id}" in r.stdout  # eval says which run it made and how to re-render it
    # the same PRD by relative path, from inside its folder, and by absolute path
    for cwd, path in ((tmp_path, "f/gonogo.yaml"), (tmp_path / "f", "gonogo.yaml"),
                      (tmp_path / "f" / "data", str(tmp_path / "f" / "gonogo.yaml"))):  # fmt: skip
        out = tmp_path / "out" / str(abs(hash((str(cwd), path))))
        rep = cli("report", path, "--out", out, cwd=cwd)
        assert rep.returncode == 0, rep.stdout + rep.stderr
        assert json.loads((out / "results.json").read_text())["run"]["id"] == run_id


def _eval_process(prd, *args):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "gonogo", "eval", str(prd), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_ctrl_c_stops_as_incomplete_with_exit_3_and_resume_finishes(tmp_path, cli):
    prd = write_project(tmp_path, PRD, cases(200), {"app.py": APP})
    proc = _eval_process(prd, "--out", tmp_path / "out")
    store = tmp_path / ".gonogo" / "runs.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _samples(store):
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 3, stdout + stderr
    assert "Traceback" not in stderr
    assert "interrupted (Ctrl-C)" in stderr and f"gonogo eval {prd} --resume" in stderr
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert res["verdict"] == "INCOMPLETE" and res["run"]["stopped_reason"] == "interrupted"
    done = _samples(store)
    assert 0 < done < 200

    r = cli("eval", prd, "--resume", "-q")
    assert r.returncode == 0, r.stdout + r.stderr
    assert _samples(store) == 200


def _samples(store) -> int:
    import sqlite3

    if not store.exists():
        return 0
    db = sqlite3.connect(store)
    try:
        return db.execute("SELECT count(*) FROM samples").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def test_one_ctrl_c_while_a_finished_run_is_written_waits_and_a_second_one_does_not():
    import os
    import signal

    import pytest

    from gonogo.run._evaluate import finishing_writes

    with finishing_writes() as pressed:
        os.kill(os.getpid(), signal.SIGINT)  # delivered at the next bytecode: held
        for _ in range(1000):
            pass
        assert pressed == [True]
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
