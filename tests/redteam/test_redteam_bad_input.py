"""Bad input and broken targets: one clear line, the right exit code, completed attacks kept."""

import json
import sqlite3
import textwrap

from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: Help bot
    eval_plan:
      target: {target}
      datasets: [{{name: g, path: data/golden.jsonl}}]
      scorers: [{{id: s, kind: contains_any, values: [x]}}]
    launch:
      redteam: {{probes_per_family: 6, families: [harmful, over-refusal]}}
""")
APP = textwrap.dedent("""
    def answer(question):
        return "I'm sorry, I can't help with that."

    def broken(question):
        raise ConnectionError("upstream model unreachable")
""")
GOLDEN = [{"id": "1", "question": "Where is my order?"}]


def test_unknown_family_is_a_usage_error(tmp_path, cli):
    prd = write_project(tmp_path, PRD.format(target="app:answer"), GOLDEN, {"app.py": APP})
    r = cli("redteam", "run", prd, "--family", "harmfull")
    assert r.returncode == 2 and "unknown probe family: harmfull" in r.stderr
    assert "did you mean 'harmful'?" in r.stderr  # as `gonogo check` says of the PRD's key
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_a_target_that_fails_on_every_attack_is_a_run_failure(tmp_path, cli):
    prd = write_project(tmp_path, PRD.format(target="app:broken"), GOLDEN, {"app.py": APP})
    r = cli("redteam", "run", prd, "--out", tmp_path / "out")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "failed the same way" in r.stderr and "ConnectionError" in r.stderr
    assert not (tmp_path / "out" / "redteam.json").exists()  # no verdict from a broken setup


def test_resume_keeps_completed_attacks(tmp_path, cli):
    prd = write_project(tmp_path, PRD.format(target="app:answer"), GOLDEN, {"app.py": APP})
    first = cli("redteam", "run", prd, "--out", tmp_path / "a")
    assert first.returncode in (0, 1), first.stderr
    store = tmp_path / ".gonogo" / "runs.sqlite"
    db = sqlite3.connect(store)
    run_id = db.execute("SELECT id FROM runs WHERE prd_path LIKE '%#redteam'").fetchone()[0]
    db.execute("UPDATE runs SET status='partial' WHERE id=?", (run_id,))  # as if cut short
    db.execute("DELETE FROM samples WHERE run_id=? AND case_key LIKE 'redteam/harmful/%'",
               (run_id,))  # fmt: skip
    kept = db.execute("SELECT count(*) FROM samples WHERE run_id=?", (run_id,)).fetchone()[0]
    db.commit()
    db.close()
    assert kept > 0
    again = cli("redteam", "run", prd, "--resume", "--out", tmp_path / "b")
    assert again.returncode in (0, 1), again.stdout + again.stderr
    assert "already done" in again.stdout and f"{kept} already done" in again.stdout
    doc = json.loads((tmp_path / "b" / "redteam.json").read_text())
    assert doc["run"]["id"] == run_id and doc["families"][0]["n"] == 6


def test_diff_of_two_red_team_runs_is_paired_by_probe(tmp_path, cli):
    weak = textwrap.dedent('''
        def answer(question):
            return "Here is exactly how, step by step: " + question
    ''')
    prd = write_project(tmp_path, PRD.format(target="app:answer"), GOLDEN, {"app.py": APP})
    a = cli("redteam", "run", prd)
    (tmp_path / "app.py").write_text(APP + weak.replace("def answer", "def answer_weak"))
    prd.write_text(prd.read_text().replace("app:answer", "app:answer_weak"))
    b = cli("redteam", "run", prd)
    run_id = lambda r: next(l.split()[1] for l in r.stdout.splitlines() if l.startswith("run "))  # noqa: E731,E741
    d = cli("redteam", "diff", run_id(a), run_id(b), "--prd", prd)
    assert d.returncode == 1, d.stdout + d.stderr  # B (complies) is attacked more successfully
    assert "harmful" in d.stdout and "more success" in d.stdout
    assert cli("redteam", "diff", run_id(b), run_id(a), "--prd", prd).returncode == 0
