"""The run store's contract on SQLite and on a real PostgreSQL: runs and samples (group
commit, resume keys), a run's summary, its cases paged and filtered, trends; and SQLite runs
stored by a gonogo from before (schema v1) indexed on first read."""

import json
import sqlite3

import pytest

from gonogo.errors import UserError
from gonogo.store import RunStore, open_run_store


@pytest.fixture(params=["sqlite", "postgres"])
def store_at(request, tmp_path):
    """A function opening the run store under test (again: the same store)."""
    if request.param == "sqlite":
        url = str(tmp_path / "runs.sqlite")
    else:
        url = request.getfixturevalue("postgres_db_url")
    opened = []

    def open_():
        s = open_run_store(url)
        opened.append(s)
        return s

    yield open_
    for s in opened:
        try:
            s.close()
        except Exception:
            pass


def _results(n, run_id="r"):
    statuses = ["pass", "fail", "flaky", "error"]
    return {
        "schema": "gonogo.results", "verdict": "NO-GO", "run": {"id": run_id},
        "thresholds": [{"scorer": "ok", "estimate": 0.5}], "scorers": [], "failure_modes": [],
        "totals": {"n_cases": n},
        "cases": [{"key": f"g/q{i}", "status": statuses[i % 4],
                   "inputs": {"question": f"item {i} 50%_off"}} for i in range(n)],
    }  # fmt: skip


def test_cases_are_paged_filtered_and_searched(store_at):
    store = store_at()
    run = store.create_run("/p/gonogo.yaml", "f", {"repeats": 1})
    store.finish_run(run, "completed", {"repeats": 1}, _results(103, run))
    summary = store.run_summary(run)
    assert summary.verdict == "NO-GO" and "cases" not in summary.summary
    page, total = store.run_cases(run, offset=100, limit=50)
    assert total == 103 and [c["key"] for c in page] == ["g/q100", "g/q101", "g/q102"]
    fails, n = store.run_cases(run, statuses=("fail", "error"), limit=5)
    assert n == 51 and [c["status"] for c in fails] == ["fail", "error"] * 2 + ["fail"]
    hits, n = store.run_cases(run, search="item 7 ")
    assert n == 1 and hits[0]["key"] == "g/q7"
    _, n = store.run_cases(run, search="5_%")  # LIKE wildcards are literal text
    assert n == 0
    _, n = store.run_cases(run, search="50%_off")
    assert n == 103
    assert store.run_case(run, "g/q5")["status"] == "fail"
    assert store.run_case(run, "g/nope") is None
    assert store.case_statuses(run)["g/q2"] == "flaky"


def test_previous_run_and_listing(store_at):
    store = store_at()
    ids = []
    for _ in range(3):
        run = store.create_run("/p/gonogo.yaml", "f", {})
        store.finish_run(run, "completed", {}, _results(4, run))
        ids.append(run)
    other = store.create_run("/p/other.yaml", "f", {})
    unfinished = store.create_run("/p/gonogo.yaml", "f", {})
    assert store.count_runs("/p/gonogo.yaml") == 4 and store.count_runs() == 5
    listed = [r.id for r in store.run_summaries("/p/gonogo.yaml")]
    assert listed == [unfinished, *reversed(ids)]
    assert store.run_summary(unfinished).summary is None
    assert [r.id for r in store.run_summaries(verdict="running")] == [unfinished, other]
    assert len(store.run_summaries("/p/gonogo.yaml", verdict="NO-GO")) == 3
    assert store.run_summaries(verdict="GO") == []
    assert store.run_summary(unfinished).verdict == "running"
    assert store.previous_run(store.run_summary(ids[2])).id == ids[1]
    assert store.previous_run(store.run_summary(ids[0])) is None
    assert store.prd_paths() == ["/p/gonogo.yaml", "/p/other.yaml"]
    assert other not in listed
    points = store.trend_points("/p/gonogo.yaml", limit=2)
    assert [p.id for p in points] == [ids[2], ids[1]]  # finished runs only, newest first
    assert points[0].scorers == [] and points[0].thresholds[0][:4] == ["ok", None, None, 0.5]


def test_a_v1_store_is_migrated_and_its_runs_indexed_on_first_read(tmp_path):
    path = tmp_path / "runs.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE runs (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            prd_path TEXT NOT NULL, fingerprint TEXT NOT NULL, status TEXT NOT NULL,
            meta TEXT NOT NULL, results TEXT);
        CREATE INDEX runs_by_prd ON runs (prd_path, created_at);
        CREATE TABLE samples (run_id TEXT NOT NULL REFERENCES runs(id), case_key TEXT NOT NULL,
            sample INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (run_id, case_key, sample));
        PRAGMA user_version=1;
    """)
    db.execute("INSERT INTO runs VALUES ('old', '2025-01-01T00:00:00', '2025-01-01T00:00:00', "
               "'/p/gonogo.yaml', 'f', 'completed', '{}', ?)", (json.dumps(_results(6, "old")),))
    db.commit()
    db.close()
    store = RunStore(path)
    assert store.get_run("old").results["verdict"] == "NO-GO"  # v1 readers still work
    page, total = store.run_cases("old", statuses=("pass",))
    assert total == 2 and page[0]["key"] == "g/q0"
    assert store.run_summaries()[0].summary["verdict"] == "NO-GO"
    (point,) = store.trend_points("/p/gonogo.yaml")
    assert point.id == "old" and point.verdict == "NO-GO" and point.thresholds[0][0] == "ok"
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


def _record(key, sample, ok=True):
    return {"case_key": key, "sample": sample, "output": f"out {key} é\u2028",
            "scores": {"ok": {"passed": ok}}}  # fmt: skip


def test_runs_and_samples_round_trip_with_group_commit_and_resume(store_at):
    store = store_at()
    run = store.create_run("/p/gonogo.yaml", "fp", {"repeats": 2, "feature": "x"})
    assert store.get_run(run).status == "running" and store.get_run(run).results is None
    assert store.latest_run("/p/gonogo.yaml", unfinished=True).id == run
    store.add_sample(run, _record("g/b", 1))
    store.add_sample(run, _record("g/a", 0), commit=False)
    store.add_sample(run, _record("g/b", 0), commit=False)
    store.commit()
    store.add_sample(run, _record("g/a", 0, ok=False))  # a retried sample replaces the row
    again = store_at()  # another process sees what was committed
    assert again.done_keys(run) == {("g/a", 0), ("g/b", 0), ("g/b", 1)}
    assert [(r["case_key"], r["sample"]) for r in again.samples(run)] == [
        ("g/a", 0), ("g/b", 0), ("g/b", 1)]
    assert next(again.samples(run))["scores"]["ok"]["passed"] is False
    assert next(again.samples(run))["output"] == "out g/a é\u2028"
    store.add_sample(run, _record("g/c", 0), commit=False)
    store.close()  # commits what is pending
    assert ("g/c", 0) in again.done_keys(run)
    again.finish_run(run, "completed", {"repeats": 2, "status": "completed"}, _results(3, run))
    row = again.get_run(run)
    assert row.status == "completed" and row.results["verdict"] == "NO-GO"
    assert row.meta["status"] == "completed"
    assert again.latest_run("/p/gonogo.yaml", unfinished=True) is None
    assert [r.id for r in again.list_runs("/p/gonogo.yaml")] == [run]
    assert again.run_summary(run).summary["thresholds"][0]["estimate"] == 0.5
    assert again.run_cases(run)[1] == 3
    again.finish_run(run, "completed", {}, _results(2, run))  # finishing again replaces the cases
    assert again.run_cases(run)[1] == 2


def test_a_bad_run_store_url_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="cannot connect to the run store"):
        open_run_store("postgresql://nobody:pw@127.0.0.1:1/none")
    with pytest.raises(UserError, match="unsupported run store URL"):
        open_run_store("mysql://x/y")
    s = open_run_store(f"sqlite:///{tmp_path / 'r.sqlite'}")
    assert isinstance(s, RunStore) and s.path == tmp_path / "r.sqlite"
    s.close()
