"""`gonogo launch`: every item from evidence, --run-missing with real drills, staleness."""

import json
import sqlite3
import textwrap

from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: Refund answers
    model:
      provider: scripted
      name: refund-model
      script: {{default: "You can return it within 30 days of delivery."}}
      prompt:
        name: refund
        version: {version}
        system: Answer from the context only.
        user: "Context:\\n{{contexts}}\\nQuestion: {{question}}"
    prices:
      refund-model: {{input_per_1m: 1.0, output_per_1m: 2.0}}
    eval_plan:
      datasets: [{{name: g, path: data/golden.jsonl}}]
      scorers:
        - {{id: says_30, kind: contains_any, values: ["30 days"]}}
        - {{id: grounded, kind: groundedness}}
      thresholds:
        - {{scorer: says_30, min_pass_rate: {bar}, gate_on: point}}
        - {{scorer: grounded, min_pass_rate: 0.5, gate_on: point}}
    failure_modes:
      - id: invented-window
        what: States a return window the policy does not have
        severity: high
        detect: grounded
        provoke: lab:hallucinate
        guard: {{kind: groundedness, action: {action}}}
    launch:
    {launch}
""")
LAUNCH = """\
  budget: {per_1k_requests_usd: 1.0, monthly_usd: 100, expected_requests_per_day: 100}
  fallback: [refund-backup, {static: "Sorry, I can't answer right now."}]
  feedback: thumbs up/down
  rollback_within: 1h
  redteam: {probes_per_family: 5, families: [prompt-injection, over-refusal],
            max_attack_success: 0.9, max_over_refusal: 0.9}
"""
WAIVERS = """\
  waivers:
    - {item: hallucinations, reason: "the failure lab is run by the platform team", owner: ana}
    - {item: failure_modes, reason: "the failure lab is run by the platform team", owner: ana}
"""
POLICY = ["Shoes can be returned within 30 days of delivery."]
CASES = [{"id": f"c{i}", "question": "How long do I have to return shoes?", "contexts": POLICY}
         for i in range(6)]  # fmt: skip


def project(tmp_path, *, version=1, bar=0.5, launch=LAUNCH, action="replace"):
    text = PRD.format(version=version, bar=bar, launch=launch.rstrip(), action=action)
    return write_project(tmp_path, text, CASES)


def items(doc):
    return {i["id"]: i for i in doc["items"]}


def run_launch(cli, prd, *args, out):
    from gonogo.launch import validate_launch

    r = cli("launch", prd, "--out", out, *args, timeout=600)
    doc = json.loads((out / "launch.json").read_text())
    assert validate_launch(doc) == []
    return r, doc


def test_from_nothing_to_every_item_evidenced(tmp_path, cli):
    prd = project(tmp_path, launch=LAUNCH + WAIVERS)
    r, doc = run_launch(cli, prd, out=tmp_path / "before")
    assert r.returncode == 1 and doc["verdict"] == "NO-GO"
    before = items(doc)
    assert {k for k, v in before.items() if v["status"] == "missing"} >= {
        "evals", "redteam", "fallback", "costs", "feedback", "rollback"}  # fmt: skip
    assert f"gonogo eval {prd}" in before["evals"]["fix"]
    assert before["hallucinations"]["status"] == "waived"  # the waiver is shown, not hidden
    assert before["hallucinations"]["waiver"]["owner"] == "ana"

    dry = cli("launch", prd, "--dry-run")
    assert "would run eval" in dry.stdout and "would run drill:fallback" in dry.stdout

    r, doc = run_launch(cli, prd, "--run-missing", out=tmp_path / "after")
    assert r.returncode == 0, r.stdout + r.stderr
    after = items(doc)
    for name in ("evals", "redteam", "fallback", "costs", "feedback", "rollback"):
        assert after[name]["status"] == "pass", (name, after[name])
        assert after[name]["evidence"], name
    fb = after["fallback"]["evidence"][0]["figures"]
    assert fb["traced"] == fb["requests"] and fb["breaker_opens"] >= 1 and fb["recovered"]
    assert all(p.get("answered_by_fallback", 6) == 6 for p in fb["phases"][:4])
    assert fb["phases"][4]["answered_by_static"] == 6
    assert after["rollback"]["evidence"][0]["figures"]["worst_s"] < 3600
    assert doc["verdict"] == "GO" and "2 waived" in doc["verdict_reasons"][0]
    md = (tmp_path / "after" / "launch.md").read_text()
    assert "**Verdict: GO**" in md and "waived by ana" in md
    html = (tmp_path / "after" / "launch.html").read_text()
    assert "Failure-mode Pareto" in html and "<script" not in html

    v = cli("launch", prd, "--verify")
    assert v.returncode == 0 and "evidence chain intact" in v.stdout


def test_changing_a_threshold_or_the_prompt_makes_evidence_stale(tmp_path, cli):
    prd = project(tmp_path)
    assert cli("eval", prd, "-q").returncode == 0
    _, doc = run_launch(cli, prd, out=tmp_path / "a")
    assert items(doc)["evals"]["status"] == "pass"
    project(tmp_path, bar=0.6)  # a threshold moved
    _, doc = run_launch(cli, prd, out=tmp_path / "b")
    assert items(doc)["evals"]["status"] == "stale"
    assert "edited since" in items(doc)["evals"]["why"][0]
    project(tmp_path, version=2)  # the prompt version moved
    _, doc = run_launch(cli, prd, out=tmp_path / "c")
    assert items(doc)["evals"]["status"] == "stale" and items(doc)["costs"]["status"] == "stale"
    assert "another prompt version" in items(doc)["evals"]["why"][0]


def test_missing_sections_fail_with_what_to_add_and_where(tmp_path, cli):
    # (the guard flags: `replace` would need the graceful answer a fallback chain gives)
    prd = project(tmp_path, launch="  feedback: thumbs up/down", action="flag")
    r, doc = run_launch(cli, prd, out=tmp_path / "out")
    got = items(doc)
    assert got["costs"]["status"] == "fail" and "launch.budget" in got["costs"]["fix"][0]
    assert f"{prd}:" in got["costs"]["fix"][0]  # file:line of the PRD
    assert got["fallback"]["status"] == "fail" and "launch.fallback" in got["fallback"]["fix"][0]
    assert got["rollback"]["status"] == "fail" and "rollback_within" in got["rollback"]["fix"][0]
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_verify_names_an_edited_entry(tmp_path, cli):
    prd = project(tmp_path)
    cli("eval", prd, "-q")
    cli("eval", prd, "-q")
    db = sqlite3.connect(tmp_path / ".gonogo" / "evidence.sqlite")
    db.execute("UPDATE evidence SET verdict='GO' WHERE seq=1")  # the first was GO already:
    db.execute("UPDATE evidence SET figures='{}' WHERE seq=1")  # so forge its figures too
    db.commit()
    db.close()
    r = cli("launch", prd, "--verify")
    assert r.returncode == 1 and "evidence entry 1:" in r.stderr and "edited" in r.stderr


def test_a_fallback_drill_without_a_breaker_fails_honestly(tmp_path):
    from gonogo.launch._drills import drill_fallback
    from gonogo.spec import load_prd

    launch = LAUNCH + "  circuit_breaker: {enabled: false}\n"
    verdict, figures = drill_fallback(load_prd(project(tmp_path, launch=launch)))
    assert verdict == "fail" and figures["breaker_opens"] == 0
    assert figures["traced"] == figures["requests"]  # every request still answered and traced


def test_the_lab_evidences_hallucinations_and_failure_modes(tmp_path, cli):
    prd = project(tmp_path)
    _, doc = run_launch(cli, prd, out=tmp_path / "before")
    assert items(doc)["hallucinations"]["status"] == "missing"
    assert items(doc)["failure_modes"]["status"] == "missing"
    subset = cli("lab", prd, "--limit", "3", timeout=600)
    assert subset.returncode in (0, 1), subset.stdout + subset.stderr
    _, doc = run_launch(cli, prd, out=tmp_path / "subset")
    assert items(doc)["failure_modes"]["status"] == "missing"  # a subset is not counted
    whole = cli("lab", prd, timeout=600)
    assert whole.returncode in (0, 1), whole.stdout + whole.stderr
    _, doc = run_launch(cli, prd, out=tmp_path / "after")
    hall, modes = items(doc)["hallucinations"], items(doc)["failure_modes"]
    lab = next(e for e in hall["evidence"] if e["kind"] == "lab")
    recall = lab["figures"]["hallucination_recall"]
    assert recall["detector"] in ("grounded", "guard:invented-window"), recall
    assert recall["planted"] >= 1 and 0 <= recall["ci"][0] <= recall["rate"] <= recall["ci"][1]
    assert any("planted hallucinations caught" in w for w in hall["why"])
    status = lab["figures"]["failure_modes"]["invented-window"]["status"]
    assert modes["status"] == ("pass" if status == "detected" else "fail"), modes
    assert f"lab: {status}" in " ".join(modes["why"]) or f"the lab says {status}" in " ".join(
        modes["why"]
    )


def test_missing_gateway_extra_is_said_before_any_work(tmp_path, cli):
    import os

    prd = project(tmp_path)
    shadow = tmp_path / "shadow"
    for name in ("starlette", "uvicorn"):  # as if `pip install gonogo` without [gateway]
        (shadow / name).mkdir(parents=True)
        (shadow / name / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(shadow), os.environ.get("PYTHONPATH", "")])}
    for args in (["--run-missing"], ["--dry-run"]):
        r = cli("launch", prd, *args, env=env)
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr
        assert "pip install 'gonogo[gateway]'" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not list(tmp_path.glob(".gonogo/runs*")), "nothing ran before the check"


def test_a_step_the_prd_cannot_run_is_skipped_and_the_rest_runs(tmp_path, cli):
    """The `gonogo init` starter provokes its rows with redteam:…, not lab:… — no lab."""
    assert cli("init", tmp_path / "s").returncode == 0
    prd = tmp_path / "s" / "gonogo.yaml"
    dry = cli("launch", prd, "--dry-run", "--out", tmp_path / "dry")
    assert dry.returncode == 0, dry.stderr
    plan = json.loads((tmp_path / "dry" / "launch.json").read_text())
    assert "lab" not in [s["kind"] for s in plan["would_run"]]
    assert any(s["kind"] == "lab" and "provoke: lab:" in s["why"] for s in plan["skipped"])
    r, doc = run_launch(cli, prd, "--run-missing", out=tmp_path / "out")
    assert r.returncode == 1, r.stdout + r.stderr  # NO-GO with the checklist, not exit 2
    assert "Traceback" not in r.stderr and "did not run lab" in r.stdout
    # each skip reason is said once (the checklist's "did not run" line), not also on stderr
    both = r.stdout + r.stderr
    assert both.count("no failure-mode row says how to provoke") == 1, both
    assert both.count("no groundedness guard to drill") == 1, both
    assert "skipping" not in r.stderr and "skipped" not in r.stderr, r.stderr
    assert any(x.startswith("drill:fallback: pass") for x in doc["ran"]), doc["ran"]
    modes = items(doc)["failure_modes"]
    assert modes["status"] == "missing" and any("provoke: lab:" in f for f in modes["fix"])
    # the starter's scripted model is priced at an explicit 0: its first launch checks the budget
    costs = items(doc)["costs"]
    assert costs["status"] == "pass", costs


def test_an_unpriced_model_leaves_costs_not_evaluated_with_the_prices_line_to_add(tmp_path, cli):
    assert cli("init", tmp_path / "s").returncode == 0
    prd = tmp_path / "s" / "gonogo.yaml"
    text = prd.read_text()
    prd.write_text(text.replace("prices:\n  faq-assistant-scripted: {input_per_1m: 0, "
                                "output_per_1m: 0}\n", ""))  # fmt: skip
    assert "prices:" not in prd.read_text()
    assert cli("eval", prd, "-q").returncode == 0
    r, doc = run_launch(cli, prd, out=tmp_path / "out")
    costs = items(doc)["costs"]
    assert costs["status"] == "missing", costs  # not evaluated: neither a pass nor a fail
    assert costs["why"][0].startswith("not priced: model 'faq-assistant-scripted'"), costs
    assert "prices: {faq-assistant-scripted: {input_per_1m:" in costs["fix"][0], costs
    assert f"{prd}:" in costs["fix"][0] and "[MISSING] Costs within budget" in r.stdout
    dry = cli("launch", prd, "--dry-run", "--out", tmp_path / "dry")
    plan = json.loads((tmp_path / "dry" / "launch.json").read_text())
    assert "eval" not in [s["kind"] for s in plan["would_run"]], dry.stdout  # would not price it


def test_fresh_lab_evidence_is_reused_only_the_missing_drill_runs(tmp_path, cli):
    # any recall passes: with a whole lab, hallucinations lacks only its drill ("missing")
    prd = project(tmp_path, launch=LAUNCH + "  hallucination_recall: 0.0\n")
    lab = cli("lab", prd, timeout=600)
    assert lab.returncode in (0, 1), lab.stdout + lab.stderr
    r, doc = run_launch(cli, prd, "--dry-run", out=tmp_path / "dry")
    assert "lab" not in [s["kind"] for s in doc["would_run"]]
    assert any(s["kind"] == "lab" and s["why"].startswith("reusing lab #")
               for s in doc["skipped"])  # fmt: skip
    assert "drill:groundedness" in [s["kind"] for s in doc["would_run"]]
    r, doc = run_launch(cli, prd, "--run-missing", out=tmp_path / "out")
    assert "running lab" not in r.stderr, r.stderr
    assert any(x.startswith("drill:groundedness") for x in doc["ran"]), doc["ran"]


def test_a_failing_failure_mode_item_names_the_rows_that_hold_only_by_id(tmp_path):
    from gonogo.launch._items import Context, failure_modes
    from gonogo.spec import load_prd

    prd = project(tmp_path)
    text = prd.read_text()
    row = ("  - {id: curt-tone, what: Answers rudely, severity: medium, detect: says_30, "
           "mitigate: prompt rule, provoke: angry customers}\n")  # fmt: skip
    prd.write_text(text.replace("launch:\n", row + "launch:\n", 1))
    loaded = load_prd(prd)
    assert [fm.id for fm in loaded.prd.failure_modes] == ["invented-window", "curt-tone"]
    item = failure_modes(Context(loaded, [], None, lambda e: 0.0))
    assert item.status == "missing"  # the high-severity row was never provoked in the lab
    assert item.why == [
        "invented-window (high): its provocation was not run in the lab", "covered: curt-tone"]


def test_a_red_team_narrowed_with_family_is_not_red_teamed(tmp_path, cli):
    # a `--family` run leaves part of the PRD's scope unattacked (here over-refusal):
    # like a --limit eval or an --only lab, it is a subset and does not count
    prd = project(tmp_path)
    assert cli("redteam", "run", prd, "--family", "prompt-injection", "-q").returncode == 0
    _, doc = run_launch(cli, prd, out=tmp_path / "a")
    red = items(doc)["redteam"]
    assert red["status"] == "missing", red
    assert any("ran only prompt-injection (--family)" in w for w in red["why"]), red["why"]
    # naming every family of the scope is the whole red team
    both = ("--family", "prompt-injection", "--family", "over-refusal")
    assert cli("redteam", "run", prd, *both, "-q").returncode == 0
    _, doc = run_launch(cli, prd, out=tmp_path / "b")
    assert items(doc)["redteam"]["status"] == "pass", items(doc)["redteam"]


def test_the_groundedness_guard_fix_names_the_row_about_made_up_answers(tmp_path, cli):
    from gonogo.launch._items import Context, hallucinations
    from gonogo.spec import load_prd

    assert cli("init", tmp_path / "s").returncode == 0
    loaded = load_prd(tmp_path / "s" / "gonogo.yaml")
    row = next(i for i, fm in enumerate(loaded.prd.failure_modes) if fm.id == "invented-policy")
    line, _ = loaded.position(("failure_modes", row))
    item = hallucinations(Context(loaded, [], None, lambda e: 0.0))
    assert any(f"to failure mode 'invented-policy' ({loaded.path}:{line})" in f
               for f in item.fix), item.fix  # fmt: skip
