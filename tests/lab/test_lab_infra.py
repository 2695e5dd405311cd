"""Infrastructure faults from the fake OpenAI-compatible server's point of view: served over
real HTTP by the lab's fault proxy, to the runner's client and to a real `gonogo serve`."""

import asyncio
import json

import pytest

from gonogo.lab import LabOptions, lab
from gonogo.store import RunStore
from gonogo.testing import FakeOpenAIServer

pytestmark = pytest.mark.slow

PRD = """\
feature: infra faults
model:
  provider: openai-compatible
  base_url: {url}
  name: fake-model
  max_retries: {retries}
  timeout_s: 5
  prompt: {{name: answer, version: 1, system: "Answer briefly.", user: "Q: {{question}}"}}
eval_plan:
  target: model
  datasets: [{{name: golden, path: golden.jsonl}}]
  scorers: [{{id: says, kind: contains_any}}]
  thresholds: [{{scorer: says, min_pass_rate: 0.5}}]
failure_modes:
  - id: provider-down
    what: the provider fails
    severity: critical
    detect: says
    mitigate: static fallback
    provoke: lab:server-errors(rate=0.7)
launch:
  fallback:
    - static: "Sorry, the assistant is unavailable right now."
  circuit_breaker: {{enabled: false}}
"""


def _project(tmp_path, url, retries=0):
    (tmp_path / "golden.jsonl").write_text(
        "".join(json.dumps({"id": f"q{i}", "question": f"word{i}", "expected": f"word{i}"})
                + "\n" for i in range(16))
    )  # fmt: skip
    prd = tmp_path / "gonogo.yaml"
    prd.write_text(PRD.format(url=url, retries=retries))
    return prd


def _records(prd, run_id):
    store = RunStore(prd.parent / ".gonogo" / "runs.sqlite")
    try:
        return list(store.samples(run_id))
    finally:
        store.close()


def test_5xx_through_the_runner_are_real_http_errors(tmp_path):
    with FakeOpenAIServer() as upstream:
        prd = _project(tmp_path, upstream.base_url)
        doc = asyncio.run(lab(prd, LabOptions(use_cache=False))).document
        seen = upstream.stats.requests
    entry = doc["entries"][0]
    assert entry["status"] == "detected" and entry["detectors_firing"] == ["says"]
    records = _records(prd, doc["runs"][0]["run_id"])
    failed = [r for r in records if r.get("error")]
    # the client met real 503s from the proxy (no retries here): a share near the rate
    assert 6 <= len(failed) <= 15
    assert all("HTTP 503" in r["error"] and r["error_kind"] == "server_error" for r in failed)
    assert all(r["lab"]["effects"] == [] for r in records)  # nothing changed in-process
    # the upstream saw only the calls the proxy let through (plus the clean run's 16)
    assert seen == 16 + (16 - len(failed))


def test_retries_ride_out_a_429_storm(tmp_path):
    with FakeOpenAIServer() as upstream:
        prd = _project(tmp_path, upstream.base_url, retries=6)
        doc = asyncio.run(lab(prd, LabOptions(
            only=("lab:rate-limit(rate=0.5, retry_after=0)",), use_cache=False
        ))).document  # fmt: skip
    entry = doc["entries"][0]
    # each try is a new draw: with 6 retries nearly every call gets through in the end
    # (a call fails only when 7 draws in a row hit, 1 in 128), so the storm barely
    # reaches the eval: no detector can (or should) fire on a change this small
    assert entry["changed_samples"] <= 2
    assert entry["status"] in ("not_provoked", "undetected") and not entry["detectors_firing"]
    records = _records(prd, doc["runs"][0]["run_id"])
    assert all("after 7 attempts" in r["error"] for r in records if r.get("error"))


def test_5xx_through_the_gateway_become_silent_fallbacks(tmp_path):
    with FakeOpenAIServer() as upstream:
        prd = _project(tmp_path, upstream.base_url)
        doc = asyncio.run(lab(prd, LabOptions(use_cache=False, through_gateway=True))).document
    assert doc["clean_run"]["error"] is None and not doc["clean_run"]["reused"]
    entry = doc["entries"][0]
    assert entry["status"] == "detected", entry
    records = _records(prd, doc["runs"][0]["run_id"])
    # the gateway's fallback chain answered instead: no error reached the caller ...
    assert not any(r.get("error") for r in records)
    fallbacks = [r for r in records if "unavailable" in str(r["output"])]
    assert 6 <= len(fallbacks) <= 15
    # ... and only the eval's scorer saw that the answers were no longer answers
    clean = _records(prd, doc["clean_run"]["run_id"])
    assert all("Answer: Q: word" in str(r["output"]) for r in clean)
