"""`gonogo traces replay`: recorded requests re-run against another prompt version or model."""

import asyncio
import json
import textwrap

from monitor_kit import make_trace, write

from gonogo.store.gateway import open_gateway_store
from gonogo.testing import FakeOpenAIServer
from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: Refund answers
    model:
      provider: openai-compatible
      base_url: {url}
      name: fake-model
      prompt: {{name: refund, version: 1, system: "v1: be careful.", user: "Q: {{question}}"}}
    eval_plan:
      target: model
      datasets: [{{name: g, path: data/golden.jsonl}}]
      scorers:
        - {{id: no_card, kind: regex_absent, pattern: '\\b\\d{{16}}\\b'}}
      thresholds:
        - {{scorer: no_card, min_pass_rate: 0.9}}
""")


def careless(body):
    """v2's prompt makes the model read card numbers back."""
    system = body["messages"][0]["content"]
    return "Card 4111111111111111 refunded." if "v2" in system else "Refunds take 5 days."


def push_versions(url):
    async def go():
        store = open_gateway_store(url)
        await store.open()
        try:
            for system in ("v1: be careful.", "v2: read the card back."):
                content = {"system": system, "user": "Q: {question}", "model": None,
                           "params": {}, "output_schema": None}  # fmt: skip
                await store.push_prompt("refund", **content, actor="t", message=None)
        finally:
            await store.close()

    asyncio.run(go())


def test_replay_one_trace_and_many_against_another_version(tmp_path, cli):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    traces = [make_trace(i) for i in range(10)]
    write(url, traces)
    push_versions(url)
    with FakeOpenAIServer() as server:
        server.set_responder(careless)
        prd = write_project(
            tmp_path, PRD.format(url=server.base_url), [{"id": "1", "question": "q"}]
        )
        one = cli("traces", "replay", traces[0].id, "--prompt-version", "2", "--prd", prd,
                  "--store", url)  # fmt: skip
        assert one.returncode == 0, one.stdout + one.stderr
        assert "refund@1 (m) → refund@2 (fake-model)" in one.stdout
        assert "recorded: Refunds take 5 days." in one.stdout
        assert "replayed: Card 4111111111111111 refunded." in one.stdout
        assert "no_card: pass → FAIL" in one.stdout
        many = cli("traces", "replay", "--many", "--prompt-version", "2", "--prd", prd,
                   "--store", url, "--json", tmp_path / "replay.json")  # fmt: skip
        same = cli("traces", "replay", traces[1].id, "--prd", prd, "--store", url)
    assert many.returncode == 0, many.stdout + many.stderr
    doc = json.loads((tmp_path / "replay.json").read_text())
    row = doc["scorers"][0]
    assert (row["scorer"], row["n"], row["recorded"], row["replayed"]) == ("no_card", 10, 1.0, 0.0)
    assert row["verdict"] == "worse" and row["p_value"] < 0.01
    assert "no_card: pass → pass" in same.stdout  # the same version replays the same behaviour

    # replay never writes into production traces
    async def count():
        store = open_gateway_store(url)
        await store.open()
        try:
            return await store.count_traces()
        finally:
            await store.close()

    assert asyncio.run(count()) == 10
