import os
import signal
import subprocess
import sys
import textwrap

from gonogo.store import RunStore


def rec(key, sample, **kw):
    return {"case_key": key, "sample": sample, "output": "x", "scores": {}, **kw}


def test_run_lifecycle(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run("/p/gonogo.yaml", "fp1", {"feature": "f"})
    store.add_sample(run_id, rec("d/a", 0))
    store.add_sample(run_id, rec("d/a", 1))
    store.add_sample(run_id, rec("d/b", 0))
    assert store.done_keys(run_id) == {("d/a", 0), ("d/a", 1), ("d/b", 0)}
    assert store.latest_run("/p/gonogo.yaml").status == "running"
    store.finish_run(run_id, "completed", {"feature": "f", "x": 1}, {"verdict": "GO"})
    row = store.get_run(run_id)
    assert row.status == "completed" and row.results == {"verdict": "GO"} and row.meta["x"] == 1
    assert [r["case_key"] for r in store.samples(run_id)] == ["d/a", "d/a", "d/b"]
    store.close()
    # reopening keeps everything and does not re-run migrations
    again = RunStore(tmp_path / "runs.sqlite")
    assert again.get_run(run_id).status == "completed"
    assert len(again.list_runs()) == 1


def test_acknowledged_samples_survive_sigkill(tmp_path):
    db = tmp_path / "runs.sqlite"
    code = textwrap.dedent(f"""
        import sys, time
        from gonogo.store import RunStore
        s = RunStore({str(db)!r})
        rid = s.create_run("/p", "fp", {{}})
        for i in range(50):
            s.add_sample(rid, {{"case_key": f"d/{{i}}", "sample": 0, "scores": {{}}}})
        print(rid, flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    run_id = proc.stdout.readline().strip()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = RunStore(db)
    assert len(store.done_keys(run_id)) == 50
