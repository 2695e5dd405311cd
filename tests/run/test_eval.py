"""End-to-end eval runs through the real CLI, targets and store."""

import json
import textwrap

from gonogo_testkit import write_project

APP = textwrap.dedent("""
    CALLS = []

    def answer(question):
        CALLS.append(question)
        if "boom" in question:
            raise RuntimeError("the app crashed")
        if "refund" in question:
            return {"output": "You can get a refund within 30 days.", "contexts": ["policy"],
                    "cost_usd": 0.001}
        return "I don't know."
""")

PRD = textwrap.dedent("""
    feature: FAQ bot
    eval_plan:
      target: app:answer
      datasets: [{{name: golden, path: data/golden.jsonl}}]
      repeats: {repeats}
      scorers:
        - {{id: says_30, kind: contains_any, values: ["30 days"]}}
        - {{id: polite, kind: rubric, criteria: "Polite and helpful"}}
      thresholds:
        - {{scorer: says_30, min_pass_rate: {bar}}}
        - {{scorer: polite, min_pass_rate: 0.5}}
    failure_modes:
      - {{id: wrong-window, what: Wrong refund window, severity: high, detect: says_30}}
""")


def cases(n_good, n_bad=0, n_crash=0):
    rows = [
        {"id": f"g{i}", "question": f"refund question {i}", "expected": "30 days"}
        for i in range(n_good)
    ]
    rows += [{"id": f"b{i}", "question": f"other question {i}"} for i in range(n_bad)]
    rows += [{"id": f"x{i}", "question": f"boom {i}"} for i in range(n_crash)]
    return rows


def test_callable_target_results_and_exit_code(tmp_path, cli):
    prd = write_project(tmp_path, PRD.format(repeats=1, bar=0.5), cases(20, 2, 1), {"app.py": APP})
    r = cli("eval", prd, "--out", tmp_path / "out", "-q")
    # the rubric has no judge: its threshold is not evaluated, so the verdict cannot be GO
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    assert res["schema"] == "gonogo.results" and res["verdict"] == "NO-GO"
    assert res["totals"]["n_samples"] == 23
    says = next(s for s in res["scorers"] if s["id"] == "says_30")
    assert says["passes"] == 20
    polite = next(t for t in res["thresholds"] if t["scorer"] == "polite")
    assert polite["status"] == "not_evaluated"
    crash = next(c for c in res["cases"] if c["id"] == "x0")
    assert crash["samples"][0]["error_kind"] == "exception"
    assert (tmp_path / "out" / "junit.xml").exists() and (tmp_path / "out" / "report.html").exists()


def test_go_when_every_threshold_holds(tmp_path, cli):
    prd_text = PRD.format(repeats=2, bar=0.8).replace(
        "    - {scorer: polite, min_pass_rate: 0.5}\n", ""
    )
    prd = write_project(tmp_path, prd_text, cases(40), {"app.py": APP})
    r = cli("eval", prd, "-q")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "GO" in r.stdout


def test_small_set_cannot_pass_by_luck(tmp_path, cli):
    # 5/5 passes: point estimate 1.0 but the Wilson lower bound is ~0.57 < 0.9
    prd_text = PRD.format(repeats=1, bar=0.9).replace(
        "    - {scorer: polite, min_pass_rate: 0.5}\n", ""
    )
    prd = write_project(tmp_path, prd_text, cases(5), {"app.py": APP})
    r = cli("eval", prd, "-q", "--out", tmp_path / "out")
    assert r.returncode == 1
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    t = res["thresholds"][0]
    assert t["status"] == "undecided" and t["estimate"] == 1.0
    assert t["cases_needed_more"] and t["cases_needed_more"] > 0


def test_config_errors_exit_2_without_traceback(tmp_path, cli):
    prd = write_project(
        tmp_path, PRD.format(repeats=1, bar=0.5) + "bogus_key: 1\n", cases(2), {"app.py": APP}
    )
    r = cli("eval", prd)
    assert r.returncode == 2
    assert "bogus_key" in r.stderr and "Traceback" not in r.stderr
    missing = write_project(tmp_path / "m", PRD.format(repeats=1, bar=0.5), [], {"app.py": APP})
    (tmp_path / "m" / "data" / "golden.jsonl").unlink()
    r = cli("eval", missing)
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr
    bad_rows = write_project(
        tmp_path / "b", PRD.format(repeats=1, bar=0.5), cases(1), {"app.py": APP}
    )
    with open(tmp_path / "b" / "data" / "golden.jsonl", "a") as f:
        f.write("{not json\n")
    r = cli("eval", bad_rows)
    assert r.returncode == 2 and "golden.jsonl:2" in r.stderr


def test_missing_callable_is_a_clear_error(tmp_path, cli):
    prd = write_project(
        tmp_path, PRD.format(repeats=1, bar=0.5).replace("app:answer", "nosuchmod:fn"), cases(1)
    )
    r = cli("eval", prd)
    assert r.returncode == 2 and "cannot import 'nosuchmod'" in r.stderr


def test_a_judge_whose_key_is_unset_leaves_rubrics_not_evaluated(tmp_path, cli):
    """The refund-bot example's promise: no key → the rubric is not evaluated, NO-GO."""
    prd_text = PRD.format(repeats=1, bar=0.5).replace(
        "  repeats: 1\n",
        "  repeats: 1\n  judge: {name: gpt-4o, api_key_env: GONOGO_TEST_UNSET_KEY}\n",
    )
    prd = write_project(tmp_path, prd_text, cases(10), {"app.py": APP})
    env = {"GONOGO_TEST_UNSET_KEY": ""}
    r = cli("eval", prd, "--out", tmp_path / "out", env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "rubric scorer(s) will be NOT EVALUATED: the judge gpt-4o is unavailable" in r.stdout
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    polite = next(t for t in res["thresholds"] if t["scorer"] == "polite")
    assert polite["status"] == "not_evaluated"
    assert any("GONOGO_TEST_UNSET_KEY is not set" in w for w in res["warnings"])
    says = next(s for s in res["scorers"] if s["id"] == "says_30")
    assert says["passes"] == 10


def test_an_undetected_failure_mode_is_said_without_a_double_negative(tmp_path, cli):
    prd = write_project(tmp_path, PRD.format(repeats=1, bar=0.5), cases(6), {"app.py": APP})
    r = cli("eval", prd)
    assert "wrong-window (high): not detected: flagged in 0/6 samples" in r.stdout, r.stdout
    assert "not detected in" not in r.stdout
