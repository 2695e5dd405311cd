"""`judge: {provider: local}`: rubric scorers judged offline by SmolLM2 through llama.cpp."""

import json
import textwrap

import pytest

from gonogo_testkit import write_project

pytestmark = pytest.mark.llm

PRD = textwrap.dedent("""
    feature: Capitals
    model:
      provider: scripted
      name: m
      script: {France: Paris, Germany: Munich, default: "I don't know"}
      prompt: {name: p, version: 1, user: "What is the capital of {country}?"}
    eval_plan:
      datasets: [{name: g, path: data/golden.jsonl}]
      judge: {provider: local}
      scorers:
        - {id: right, kind: rubric, criteria: "The output names the capital in the reference."}
      thresholds:
        - {scorer: right, min_pass_rate: 0.5, gate_on: point}
""")


def test_a_local_judge_grades_rubrics_offline(tmp_path, cli):
    cases = [{"id": "fr", "country": "France", "expected": "Paris"},
             {"id": "de", "country": "Germany", "expected": "Berlin"}]  # fmt: skip
    prd = write_project(tmp_path, PRD, cases)
    assert cli("check", prd).returncode == 0
    r = cli("eval", prd, "--out", tmp_path / "out", timeout=600)
    assert r.returncode in (0, 1), r.stdout + r.stderr  # a verdict, whatever the weak judge says
    assert "Traceback" not in r.stderr
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    scores = [c["samples"][0]["scores"]["right"] for c in res["cases"]]
    judged = [s for s in scores if s["passed"] is not None]
    assert judged, scores  # the local model really judged (not "no judge configured")
    assert all(
        s["metadata"]["judge_fingerprint"].startswith("smollm2-135m-instruct#") for s in judged
    )
    assert res["totals"]["judge_cost_usd"] == 0.0  # it runs here: no cost, never "unknown"
