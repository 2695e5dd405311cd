"""A whole `gonogo eval` run whose model and judge are a real llama.cpp server."""

import json
import textwrap

import pytest

from gonogo.scorers import judge_fingerprint
from gonogo_testkit import run_cli, write_project

pytestmark = pytest.mark.llm

PRD = textwrap.dedent("""
    feature: Capital-city answers (real local LLM)
    model:
      provider: openai-compatible
      base_url: {url}
      name: {model}
      params: {{temperature: 0, seed: 7, max_tokens: 32}}
      timeout_s: 120
      max_retries: 1
      concurrency: 1
      prompt:
        name: capitals
        version: 1
        system: Answer in one short sentence.
        user: "{{question}}"
    prices:
      {model}: {{input_per_1m: 0.10, output_per_1m: 0.20}}
    eval_plan:
      target: model
      datasets: [{{name: golden, path: data/golden.jsonl}}]
      concurrency: 1
      judge:
        provider: openai-compatible
        base_url: {url}
        name: {model}
        params: {{temperature: 0, seed: 7, max_tokens: 160}}
        timeout_s: 120
        max_retries: 1
        concurrency: 1
      scorers:
        - {{id: helpful, kind: rubric, scale: 1-5,
           criteria: "Names the right capital city, briefly."}}
        - {{id: brief, kind: length, max_words: 60}}
      thresholds:
        - {{scorer: helpful, min_pass_rate: 0.5}}
        - {{scorer: brief, min_pass_rate: 0.5}}
""")

CASES = [
    {"id": "fr", "question": "What is the capital of France?", "expected": "Paris"},
    {"id": "jp", "question": "What is the capital of Japan?", "expected": "Tokyo"},
    {"id": "it", "question": "What is the capital of Italy?", "expected": "Rome"},
]


def test_eval_run_reaches_a_verdict_with_judge_fingerprints_and_usage(llama_server, tmp_path):
    prd = write_project(
        tmp_path, PRD.format(url=llama_server.base_url, model=llama_server.model), CASES
    )
    out = tmp_path / "out"
    r = run_cli("eval", prd, "-q", "--out", out, cwd=tmp_path, timeout=600)
    assert r.returncode in (0, 1), r.stdout + r.stderr  # GO or NO-GO: a verdict, not an error
    res = json.loads((out / "results.json").read_text())
    assert res["verdict"] in ("GO", "NO-GO")
    assert res["run"]["status"] == "completed"
    fingerprint = judge_fingerprint(llama_server.model)
    assert res["run"]["judge"]["fingerprint"] == fingerprint

    totals = res["totals"]
    assert totals["n_samples"] == 3 and totals["n_target_errors"] == 0
    assert totals["tokens"]["input"] > 0 and totals["tokens"]["output"] > 0
    assert totals["tokens"]["unknown_samples"] == 0
    assert totals["cost_usd"] > 0  # priced in the PRD: known, never 0

    samples = [s for case in res["cases"] for s in case["samples"]]
    assert len(samples) == 3
    for s in samples:
        assert isinstance(s["output"], str) and s["output"].strip()
        assert s["input_tokens"] > 0 and s["output_tokens"] > 0
        helpful = s["scores"]["helpful"]
        if helpful["passed"] is None:  # the judge may fail to give a verdict: say why
            assert helpful["error"], helpful
        else:
            assert helpful["value"] in (1, 2, 3, 4, 5)
            assert isinstance(helpful["reasoning"], str)
        assert helpful["metadata"]["judge_fingerprint"] == fingerprint
    judged = [s for s in samples if s["scores"]["helpful"]["passed"] is not None]
    assert judged, "the judge gave no valid verdict on any sample"
    assert res["run"]["calls"]["judge"] >= len(judged)
