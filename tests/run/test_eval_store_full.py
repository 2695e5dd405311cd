"""A full disk stops the run at the first failed write: one clear error, exit 3, no
calls paid for and thrown away, and --resume makes only the calls that were lost (M6)."""

from __future__ import annotations

import asyncio
import sys
import textwrap

import pytest

from gonogo.cli._main import main
from gonogo.errors import RunError
from gonogo.run import EvalOptions, _evaluate, evaluate
from gonogo.store import RunStore
from gonogo_testkit import write_project

APP = textwrap.dedent("""
    import asyncio

    CALLS = []

    async def answer(question):
        CALLS.append(question)
        await asyncio.sleep(0.001)  # a real feature answers later: results commit as they come
        return "fine " + "x" * 2000  # some bulk, so the store fills up quickly
""")

PRD = textwrap.dedent("""
    feature: disk full
    eval_plan:
      target: disk_full_app:answer
      concurrency: 4
      datasets: [{name: golden, path: data/golden.jsonl}]
      scorers: [{id: fine, kind: contains_any, values: ["fine"]}]
      thresholds: [{scorer: fine, min_pass_rate: 0.5}]
""")
N = 400


class FullDisk(RunStore):
    """The real run store on a "disk" that fills up after a few dozen results: SQLite's
    max_page_count makes every write past it fail with SQLITE_FULL, as a full disk does."""

    def __init__(self, path):
        super().__init__(path)
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        self._db.execute(f"PRAGMA max_page_count = {pages + 40}")


@pytest.fixture
def project(tmp_path, monkeypatch):
    prd = write_project(
        tmp_path,
        PRD,
        [{"id": f"c{i}", "question": f"q{i}"} for i in range(N)],
        {"disk_full_app.py": APP},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("disk_full_app", None)
    yield prd
    sys.modules.pop("disk_full_app", None)


def test_the_run_stops_at_the_first_failed_write_and_resume_redoes_only_what_was_lost(
    project, monkeypatch
):
    monkeypatch.setattr(_evaluate, "RunStore", FullDisk)
    with pytest.raises(RunError) as e:
        asyncio.run(evaluate(project, EvalOptions()))
    assert "cannot write to the run store" in str(e.value) and "full" in str(e.value)
    assert "--resume" in str(e.value)
    calls = len(sys.modules["disk_full_app"].CALLS)
    assert calls < 100  # stopped at once, not after every case (N = 400)

    store = RunStore(project.parent / ".gonogo" / "runs.sqlite")
    try:
        run = store.latest_run(str(project))
        kept = len(store.done_keys(run.id))
    finally:
        store.close()
    assert 0 < kept <= calls

    monkeypatch.setattr(_evaluate, "RunStore", RunStore)  # space freed
    result = asyncio.run(evaluate(project, EvalOptions(resume=True)))
    assert result.verdict == "GO" and result.resumed == kept
    resumed_calls = len(sys.modules["disk_full_app"].CALLS) - calls
    assert resumed_calls == N - kept  # each call whose result was lost is made again, once


def test_the_cli_prints_one_error_and_exits_3(project, monkeypatch, capsys):
    monkeypatch.setattr(_evaluate, "RunStore", FullDisk)
    with pytest.raises(SystemExit) as e:
        main(["eval", str(project), "-q"])
    err = capsys.readouterr().err
    assert e.value.code == 3
    assert err.count("cannot write to the run store") == 1 and "Traceback" not in err, err
    assert "database or disk is full" in err
