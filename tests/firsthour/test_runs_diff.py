"""`gonogo runs` lists a PRD's runs; `gonogo diff A B` pairs two of them case by case."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "compare"))
from compare_kit import prd_text, project, script  # noqa: E402


def _run_id(stdout: str) -> str:
    return next(line.split()[1] for line in stdout.splitlines() if line.startswith("run "))


def test_runs_then_diff_of_a_regression(tmp_path, cli):
    # run A knows 22 capitals; then the prompt "changes" and run B knows only the first 8
    prd = project(tmp_path, prd_text(script(range(22)), script(range(22))))
    a = cli("eval", prd, "-q")
    assert a.returncode == 0, a.stdout + a.stderr
    text = prd.read_text().replace(json.dumps(script(range(22))), json.dumps(script(range(8))), 1)
    prd.write_text(text)
    b = cli("eval", prd, "-q")
    assert b.returncode == 1, b.stdout + b.stderr  # 8/30 cannot clear 0.5
    id_a, id_b = _run_id(a.stdout), _run_id(b.stdout)

    listed = cli("runs", prd)
    assert listed.returncode == 0 and listed.stdout.index(id_b) < listed.stdout.index(id_a)
    assert "NO-GO" in listed.stdout and "correct 0.73" in listed.stdout
    runs = json.loads(cli("runs", prd, "--json").stdout)
    assert [r["id"] for r in runs] == [id_b, id_a]

    d = cli("diff", id_a, id_b, "--prd", prd, "--json", tmp_path / "diff.json", cwd=tmp_path)
    assert d.returncode == 1, d.stdout + d.stderr  # B is worse on the gated scorer
    assert "Newly failing (14):" in d.stdout and "golden/c08: pass → fail" in d.stdout
    assert "verdict: B worse" in d.stdout
    doc = json.loads((tmp_path / "diff.json").read_text())
    row = doc["scorers"][0]
    assert row["id"] == "correct" and row["test"]["method"] == "mcnemar-exact"
    assert (row["test"]["wins"], row["test"]["losses"]) == (0, 14)
    assert len(doc["changed"]["newly_failing"]) == 14 and not doc["changed"]["newly_passing"]
    # the other way round: B → A is better, exit 0
    assert cli("diff", id_b, id_a, "--prd", prd).returncode == 0


def test_runs_and_diff_say_what_is_wrong(tmp_path, cli):
    prd = project(tmp_path, prd_text(script(range(3)), script(range(3))), n=5)
    r = cli("runs", prd)
    assert r.returncode == 2 and "no run store" in r.stderr and "gonogo eval" in r.stderr
    cli("eval", prd, "-q")
    r = cli("diff", "nope", "also-nope", "--prd", prd)
    assert r.returncode == 2 and "no run with id nope" in r.stderr and "gonogo runs" in r.stderr


def test_compare_fits_80_columns_and_says_which_numbers_are_adjusted(tmp_path, cli):
    prd = project(tmp_path, prd_text(script(range(10)), script(range(22))))
    r = cli("compare", prd, env={"COLUMNS": "80"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    assert "Holm-adjusted" in r.stdout and "B better" in r.stdout


def test_read_only_commands_away_from_the_prd_say_where_they_looked_and_create_nothing(
    tmp_path, cli
):
    """`gonogo prompt list` / `keys list` / `diff` run from another folder: a clear error
    with --prd, and no empty .gonogo/gateway.db left in the working folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args in (["prompt", "list"], ["prompt", "show", "faq"], ["keys", "list"],
                 ["prompt", "history", "faq"]):  # fmt: skip
        r = cli(*args, cwd=elsewhere)
        assert r.returncode == 2 and "no gateway store at" in r.stderr, (args, r.stderr)
        assert "--prd" in r.stderr and "Traceback" not in r.stderr
    r = cli("diff", "a", "b", cwd=elsewhere)
    assert r.returncode == 2 and "--prd" in r.stderr, r.stderr
    assert not (elsewhere / ".gonogo").exists()


def test_who_pushed_a_prompt_is_known_without_user(monkeypatch):
    """No $USER (a container): git's user.name, else the login name — not "unknown"."""
    import getpass
    import subprocess

    from gonogo.cli._cmd_prompt import actor_name

    monkeypatch.delenv("USER", raising=False)
    monkeypatch.delenv("USERNAME", raising=False)
    git = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True).stdout
    assert actor_name(None) == (git.strip() or getpass.getuser())
    assert actor_name("ana") == "ana"


def test_report_says_which_thing_is_missing(tmp_path, cli):
    """No PRD here → says so (not "run eval first"); an unknown run id → `gonogo runs`."""
    r = cli("report", "--out", tmp_path / "x", cwd=tmp_path)
    assert r.returncode == 2 and "PRD file not found" in r.stderr, r.stderr
    assert not (tmp_path / ".gonogo").exists()
    prd = project(tmp_path / "p", prd_text(script(range(3)), script(range(3))), n=5)
    r = cli("report", prd, "--out", tmp_path / "x")
    assert r.returncode == 2 and "no run store at" in r.stderr and "gonogo eval" in r.stderr
    cli("eval", prd, "-q")
    r = cli("report", prd, "--run", "2026XYZ", "--out", tmp_path / "x")
    assert r.returncode == 2 and "no finished run with id 2026XYZ" in r.stderr
    assert "gonogo runs" in r.stderr
