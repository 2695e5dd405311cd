"""gonogo's provider layer against a real llama.cpp server (SmolLM2-135M-Instruct).

SmolLM2-135M is tiny: these tests assert what the protocol guarantees — text, token
usage, finish reasons, schema-valid structured output, judge verdicts in range, error
kinds — never the quality of what the model says.
"""

import asyncio
import json

import pytest
from jsonschema import Draft202012Validator

from gonogo.data import Case
from gonogo.errors import ProviderError
from gonogo.models import ModelClient
from gonogo.run import TargetOutput
from gonogo.scorers import ScorerContext, build_scorers, judge_fingerprint
from gonogo.spec import Price

pytestmark = pytest.mark.llm


def complete(client: ModelClient, prompt: str, **kwargs):
    async def go():
        try:
            return await client.complete([{"role": "user", "content": prompt}], **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_chat_completion_has_text_usage_finish_reason_and_cost(llama_server):
    client = llama_server.client(price=Price(input_per_1m=1.0, output_per_1m=2.0))
    resp = complete(client, "Say hello to Ada in one short sentence.", params={"max_tokens": 48})
    assert resp.text.strip()
    assert resp.model  # the server names the model it used
    assert resp.usage is not None
    assert resp.usage.input_tokens > 5 and 0 < resp.usage.output_tokens <= 48
    assert resp.finish_reason in ("stop", "length")
    assert resp.attempts == 1 and resp.latency_s > 0
    expected = resp.usage.input_tokens * 1e-6 + resp.usage.output_tokens * 2e-6
    assert resp.cost_usd == pytest.approx(expected)
    assert client.stats.input_tokens == resp.usage.input_tokens


def test_small_max_tokens_finishes_with_length(llama_server):
    resp = complete(
        llama_server.client(), "Write a long story about a lighthouse.", params={"max_tokens": 3}
    )
    assert resp.finish_reason == "length"
    assert resp.usage is not None and resp.usage.output_tokens == 3


def test_json_schema_output_is_enforced_by_the_server(llama_server):
    # values the model would never produce unprompted: only a grammar built from the
    # schema makes them appear, so a valid answer proves the constraint was applied
    schema = {
        "type": "object",
        "properties": {
            "animal": {"type": "string", "enum": ["zebra-42", "quokka-7"]},
            "count": {"type": "integer", "minimum": 1, "maximum": 9},
        },
        "required": ["animal", "count"],
        "additionalProperties": False,
    }
    client = llama_server.client()
    resp = complete(
        client, "What is the capital of France?", response_format=schema, params={"max_tokens": 40}
    )
    value = json.loads(resp.text)
    assert not list(Draft202012Validator(schema).iter_errors(value)), resp.text
    assert resp.finish_reason == "stop"


def test_rubric_judge_gives_a_valid_verdict(llama_server):
    judge = llama_server.client(params={"temperature": 0, "seed": 7, "max_tokens": 160})
    spec = {
        "id": "polite",
        "kind": "rubric",
        "scale": "1-5",
        "criteria": "The answer is polite and answers the question.",
    }
    (scorer,) = build_scorers([spec], ScorerContext(judge=judge, judge_model=llama_server.model))
    case = Case(id="q1", inputs={"question": "What is 2 + 2?"}, expected="4")

    async def go():
        try:
            return await scorer.score(case, TargetOutput(output="2 + 2 is 4. Happy to help!"))
        finally:
            await judge.aclose()

    score = asyncio.run(go())
    assert score.error is None, score.error
    assert score.value is not None and score.value == int(score.value)
    assert 1 <= score.value <= 5
    assert score.passed is (score.value >= 4)
    assert isinstance(score.metadata["reasoning"], str)
    assert score.metadata["judge_fingerprint"] == judge_fingerprint(llama_server.model)
    assert judge.stats.calls == score.metadata["attempts"]
    assert judge.stats.input_tokens > 0 and judge.stats.output_tokens > 0


def test_prompt_over_the_context_window_is_a_clear_error_not_retried(llama_server):
    client = llama_server.client(max_retries=3)
    too_long = "lighthouse " * (llama_server.n_ctx * 2)
    with pytest.raises(ProviderError) as info:
        complete(client, too_long)
    err = info.value
    assert err.kind == "error" and err.status == 400 and not err.retryable
    assert "context" in err.message and "HTTP 400" in err.message
    assert err.hint
    assert client.stats.requests == 1 and client.stats.retries == 0


def test_unknown_route_is_not_found(llama_server):
    client = llama_server.client(base_url=llama_server.base_url + "/no-such-api")
    with pytest.raises(ProviderError) as info:
        complete(client, "hello")
    err = info.value
    assert err.kind == "not_found" and err.status == 404 and not err.retryable
    assert "/no-such-api/chat/completions" in err.message
    assert client.stats.requests == 1
