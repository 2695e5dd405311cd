"""A broken target is a setup error (exit 3, the exception on screen), not the feature's NO-GO."""

import json
import textwrap

from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: Ticket classifier
    eval_plan:
      target: {target}
      datasets: [{{name: golden, path: data/golden.jsonl}}]
      scorers:
        - {{id: label, kind: equals}}
      thresholds:
        - {{scorer: label, min_pass_rate: 0.5, gate_on: point}}
""")

APP = textwrap.dedent("""
    def classify(text):
        return "billing" if "invoice" in text else "other"

    def crashes(text):
        return undefined_helper(text)

    def sometimes(text):
        if "7" in text:
            raise ValueError("bad ticket")
        return "billing"
""")


def rows(n, **extra):
    return [
        {"id": f"t{i}", "text": f"invoice question {i}", "expected": "billing", **extra}
        for i in range(n)
    ]


def test_signature_mismatch_is_a_setup_error_not_a_no_go(tmp_path, cli):
    # the dataset carries a field the function does not take (an extra CSV column, say)
    prd = write_project(tmp_path, PRD.format(target="app:classify"), rows(10, priority="high"),
                        {"app.py": APP})  # fmt: skip
    r = cli("eval", prd, "--out", tmp_path / "out")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "no parameter for field 'priority'" in r.stderr
    assert "a parameter for every field" in r.stderr  # the fix
    assert "NO-GO" not in r.stdout and "more cases would" not in r.stdout


def test_check_imports_the_target_and_compares_its_parameters(tmp_path, cli):
    prd = write_project(tmp_path, PRD.format(target="app:classify"), rows(3, priority="high"),
                        {"app.py": APP})  # fmt: skip
    r = cli("check", prd)
    assert r.returncode == 2
    assert "gonogo.yaml:4:" in r.stderr and "eval_plan.target" in r.stderr
    assert "no parameter for field 'priority'" in r.stderr
    assert "data/golden.jsonl:1" in r.stderr  # the first row that does not fit
    # --no-datasets still imports; a typo in module:function is caught without running
    typo = write_project(tmp_path / "typo", PRD.format(target="app:clasify"), rows(3),
                         {"app.py": APP})  # fmt: skip
    r = cli("check", typo, "--no-datasets")
    assert r.returncode == 2 and "'app' has no attribute 'clasify'" in r.stderr
    r = cli("check", typo, "--no-import")
    assert r.returncode == 0, r.stderr
    ok = write_project(tmp_path / "ok", PRD.format(target="app:classify"), rows(3), {"app.py": APP})
    assert cli("check", ok).returncode == 0


def test_the_same_exception_on_every_case_is_a_setup_error(tmp_path, cli):
    prd = write_project(tmp_path, PRD.format(target="app:crashes"), rows(12), {"app.py": APP})
    r = cli("eval", prd, "--out", tmp_path / "out")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "failed the same way" in r.stderr
    assert "NameError: name 'undefined_helper' is not defined" in r.stderr
    # nothing was stored as a result: after the fix a normal run starts clean
    (tmp_path / "app.py").write_text(APP.replace("undefined_helper(text)", '"billing"'))
    r = cli("eval", prd, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads((tmp_path / "out" / "results.json").read_text())["totals"]["n_samples"] == 12


def test_a_feature_that_fails_on_some_cases_is_still_a_no_go(tmp_path, cli):
    prd = write_project(tmp_path, PRD.format(target="app:sometimes"), rows(30), {"app.py": APP})
    r = cli("eval", prd, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stdout + r.stderr  # 27 of 30 pass at the point estimate
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    errors = [s for c in res["cases"] for s in c["samples"] if s["error"]]
    assert len(errors) == 3 and all("ValueError: bad ticket" in s["error"] for s in errors)
