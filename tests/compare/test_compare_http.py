"""Two model variants over a real OpenAI-compatible HTTP server (the fake one, on loopback)."""

import asyncio
import textwrap

from compare_kit import COUNTRIES, cases

from gonogo.compare import CompareOptions, VariantRef, compare
from gonogo.testing import FakeOpenAIServer
from gonogo_testkit import write_project


def responder(payload):
    """`big` knows every capital; `small` the first 20 only."""
    question = payload["messages"][-1]["content"]
    known = COUNTRIES if payload["model"] == "big" else COUNTRIES[:20]
    for country, capital in known:
        if country in question:
            return capital
    return "I don't know"


def test_cheaper_model_over_http_with_retries(tmp_path):
    with FakeOpenAIServer(faults=["429", None, "500"]) as srv:
        srv.set_responder(responder)
        prd = write_project(
            tmp_path,
            textwrap.dedent(f"""\
                feature: capitals over HTTP
                model:
                  base_url: {srv.base_url}
                  name: big
                  params: {{temperature: 0}}
                  prompt: {{name: capitals, version: 1, user: "Capital of {{country}}?"}}
                prices:
                  big: {{input_per_1m: 5, output_per_1m: 15}}
                  small: {{input_per_1m: 0.5, output_per_1m: 1.5}}
                eval_plan:
                  datasets: [{{name: golden, path: data/golden.jsonl}}]
                  scorers: [{{id: correct, kind: equals}}]
                  thresholds: [{{scorer: correct, min_pass_rate: 0.8}}]
            """),
            cases(30),
        )
        opts = CompareOptions(mode="non_inferiority", margin=0.1)
        result = asyncio.run(compare(prd, None, VariantRef(None, ("model=small",)), opts))
        requests = srv.stats.requests
    doc = result.document
    t = doc["scorers"][0]["test"]
    assert (t["wins"], t["ties"], t["losses"]) == (0, 20, 10)
    assert doc["verdict"] == "inferior" and result.exit_code() == 1
    assert requests == 60 + 2  # two faults retried by the client, invisible in results
    assert doc["variants"]["a"]["n_target_errors"] == doc["variants"]["b"]["n_target_errors"] == 0
    ca, cb = (doc["variants"][k]["cost"]["per_1k_requests_usd"] for k in "ab")
    assert ca is not None and cb is not None and 8 < ca / cb < 12
