"""Prompt and model injections on the PRD's model spec, against the fake OpenAI server: the
requests really change (no system prompt, an older registry version, another model)."""

import asyncio
import json

import pytest

from gonogo.errors import UserError
from gonogo.lab import LabOptions, lab
from gonogo.store.gateway import default_store_url, open_gateway_store
from gonogo.testing import FakeOpenAIServer

PRD = """\
feature: prompt faults
model:
  provider: openai-compatible
  base_url: {url}
  name: fake-model
  max_retries: 0
  prompt:
    name: answer
    version: 2
    system: "Always answer. Be brief."
    user: "Q: {{question}}"
eval_plan:
  target: model
  datasets: [{{name: golden, path: golden.jsonl}}]
  scorers: [{{id: answers, kind: contains_any}}]
  thresholds: [{{scorer: answers, min_pass_rate: 0.5}}]
failure_modes:
  - {{id: lost-rule, what: w, severity: high, detect: answers, mitigate: m,
      provoke: "lab:strip-system-prompt"}}
"""


def _system(payload):
    return next((m["content"] for m in payload["messages"] if m["role"] == "system"), "")


def _responder(payload):
    """Answers only while the system prompt says so; the model name shows in the answer."""
    question = payload["messages"][-1]["content"]
    if "Always answer" not in _system(payload):
        return "I don't know."
    return f"{payload['model']}: {question}"


def _project(tmp_path, url):
    rows = [{"id": f"q{i}", "question": f"w{i}", "expected": f"w{i}"} for i in range(10)]
    (tmp_path / "golden.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "gonogo.yaml").write_text(PRD.format(url=url))
    return tmp_path / "gonogo.yaml"


@pytest.fixture
def upstream():
    with FakeOpenAIServer() as srv:
        srv.set_responder(_responder)
        yield srv


def test_stripped_system_prompt_reaches_the_model(tmp_path, upstream):
    prd = _project(tmp_path, upstream.base_url)
    doc = asyncio.run(lab(prd, LabOptions())).document
    entry = doc["entries"][0]
    assert entry["status"] == "detected" and entry["changed_samples"] == 10
    sent = list(upstream.received)
    assert sum(1 for p in sent if _system(p)) == 10  # the clean run's calls
    assert sum(1 for p in sent if not _system(p)) == 10  # the injected run's


def test_weaker_model_and_temperature_change_the_request(tmp_path, upstream):
    prd = _project(tmp_path, upstream.base_url)
    opts = LabOptions(only=("lab:weaker-model(model=tiny) + raise-temperature(temperature=1.2)",))
    doc = asyncio.run(lab(prd, opts)).document
    injected = [p for p in upstream.received if p["model"] == "tiny"]
    assert len(injected) == 10 and all(p["temperature"] == 1.2 for p in injected)
    # the answers changed (they name the model), but "contains the expected word" still
    # passes: provoked, and honestly undetected by this plan
    assert doc["entries"][0]["status"] == "undetected"


def test_prompt_rollback_reads_the_registry(tmp_path, upstream, monkeypatch):
    monkeypatch.delenv("GONOGO_STORE_URL", raising=False)
    prd = _project(tmp_path, upstream.base_url)
    opts = LabOptions(only=("lab:prompt-rollback(version=1)",))
    with pytest.raises(UserError, match="has no version 1 of prompt 'answer'"):
        asyncio.run(lab(prd, opts))

    async def push():
        store = open_gateway_store(default_store_url(tmp_path), base_dir=tmp_path)
        await store.open()
        try:
            await store.push_prompt("answer", system="Be brief.", user="Q: {question}",
                                    model=None, params={}, output_schema=None, actor="t",
                                    message="v1 had no answering rule")  # fmt: skip
        finally:
            await store.close()

    asyncio.run(push())
    doc = asyncio.run(lab(prd, opts)).document
    assert doc["entries"][0]["status"] == "detected"
    assert any(_system(p) == "Be brief." for p in upstream.received)
