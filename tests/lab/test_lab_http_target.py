"""An HTTP endpoint as the target: output and (simulated) infra injections wrap it like any
target; a retrieval injection cannot reach it and says so before anything runs."""

import asyncio
import json

import pytest

from gonogo.errors import SpecError
from gonogo.lab import LabOptions, lab
from gonogo_testkit import raw_http_server

PRD = """\
feature: http target
eval_plan:
  target: {{url: {url}}}
  datasets: [{{name: golden, path: golden.jsonl}}]
  scorers:
    - {{id: right, kind: contains_any}}
  thresholds: [{{scorer: right, min_pass_rate: 0.5}}]
failure_modes:
  - {{id: refuses, what: w, severity: high, detect: right, mitigate: m, provoke: "lab:refuse"}}
  - {{id: flaky, what: w, severity: medium, detect: right, mitigate: m,
      provoke: "lab:server-errors(rate=0.5)"}}
"""


def _answer(headers, body):
    q = json.loads(body)["question"]
    return 200, json.dumps({"output": f"It is {q.upper()}."}).encode()


def _project(tmp_path, url, provoke=None):
    rows = [{"id": f"q{i}", "question": f"w{i}", "expected": f"W{i}"} for i in range(12)]
    (tmp_path / "golden.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    text = PRD.format(url=url)
    if provoke:
        text = text.replace('"lab:refuse"', f'"{provoke}"')
    (tmp_path / "gonogo.yaml").write_text(text)
    return tmp_path / "gonogo.yaml"


def test_output_and_infra_injections_wrap_an_http_endpoint(tmp_path):
    with raw_http_server(_answer) as url:
        doc = asyncio.run(lab(_project(tmp_path, url), LabOptions())).document
    status = {e["id"]: e for e in doc["entries"]}
    assert status["refuses"]["status"] == "detected"
    assert status["refuses"]["changed_samples"] == 12
    flaky = status["flaky"]
    # the 503s are simulated at the endpoint's boundary: a share of the calls fail
    assert 2 <= flaky["changed_samples"] <= 10
    cases = [c for c in doc["cases"] if c["entry"] == "flaky"]
    assert all("HTTP 503" in c["injected"]["error"] for c in cases)


def test_retrieval_injection_is_refused_for_an_http_endpoint(tmp_path):
    with raw_http_server(_answer) as url:
        prd = _project(tmp_path, url, provoke="lab:near-miss")
        with pytest.raises(SpecError) as e:
            asyncio.run(lab(prd, LabOptions()))
    issue = e.value.issues[0]
    assert issue.line == 9 and "cannot reach an HTTP endpoint target" in issue.message
