"""What the console and the reports say must be true of the run (issue #10, bugs 6 and 7)."""

import json
import textwrap

from gonogo_testkit import write_project

APP = 'def classify(text):\n    return "billing" if "invoice" in text else "other"\n'

PRD = textwrap.dedent("""
    feature: Ticket classifier
    eval_plan:
      target: app:classify
      datasets: [{{name: golden, path: data/golden.jsonl}}]
      scorers:
        - {{id: label, kind: equals}}
        - {{id: short, kind: length, max_chars: 20}}
      thresholds:
        - {{scorer: label, min_pass_rate: 0.5, gate_on: point}}
        - {{scorer: short, min_pass_rate: 0.5{other}}}
""")


def rows(n):
    return [{"id": f"t{i}", "text": f"invoice {i}", "expected": "billing"} for i in range(n)]


def test_a_python_target_that_reports_no_cost_is_not_a_warning(tmp_path, cli):
    prd = write_project(tmp_path, PRD.format(other=", gate_on: point"), rows(8),
                        {"app.py": APP})  # fmt: skip
    r = cli("eval", prd, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "cost unknown" not in r.stdout.lower() and "Warning" not in r.stdout
    assert "Cost: not reported by the target" in r.stdout
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert res["warnings"] == []
    assert "Read before trusting the verdict" not in (tmp_path / "out" / "report.html").read_text()


def test_headings_name_the_gate_the_thresholds_really_use(tmp_path, cli):
    # every threshold gates on the point estimate, although the plan's default is lower_bound
    prd = write_project(tmp_path, PRD.format(other=", gate_on: point"), rows(8),
                        {"app.py": APP})  # fmt: skip
    check = cli("check", prd)
    assert "(gate on point)" in check.stdout and "lower_bound" not in check.stdout
    cli("eval", prd, "--out", tmp_path / "out")
    r = cli("report", prd, "--out", tmp_path / "out")
    assert "Thresholds (gate on the point estimate)" in r.stdout
    html = (tmp_path / "out" / "report.html").read_text()
    assert "gate on point" in html and "gate on lower bound" not in html
    # one on each: the headings say so, and each row names its own
    mixed = write_project(tmp_path / "m", PRD.format(other=""), rows(8), {"app.py": APP})
    assert "(gate on mixed per threshold)" not in cli("check", mixed).stdout
    assert "per threshold" in cli("check", mixed).stdout
    r = cli("eval", mixed)
    assert "Thresholds (gate per threshold)" in r.stdout and "(on lower bound)" in r.stdout


def test_piped_output_is_not_wrapped_at_80_columns(tmp_path, cli):
    import os
    import subprocess
    import sys

    prd = write_project(tmp_path, PRD.format(other="").replace(
        "id: label,", "id: label_matches_the_expected_answerable_category,").replace(
        "scorer: label,", "scorer: label_matches_the_expected_answerable_category,"),
        rows(8), {"app.py": APP})  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # as in a CI log
    env["NO_COLOR"] = "1"
    run = [sys.executable, "-m", "gonogo"]
    r = subprocess.run([*run, "eval", str(prd)], env=env, capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    assert "label_matches_the_expected_answerable_category" in r.stdout, r.stdout
    r = subprocess.run([*run, "runs", str(prd)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ids = [w for w in r.stdout.split() if w.count("-") == 1 and w[:8].isdigit()]
    assert ids and all(len(i) == len("20261207T054346-d955c4") for i in ids), r.stdout
