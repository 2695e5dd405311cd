import asyncio

import pytest

from gonogo.errors import ProviderError, UserError
from gonogo.models import ChatRequest, ScriptedProvider


def _ask(provider, *messages, timeout_s=5.0):
    msgs = [{"role": r, "content": c} for r, c in messages]
    return asyncio.run(provider.complete(ChatRequest("m", msgs), timeout_s=timeout_s))


def test_list_answers_in_turn_cycling():
    p = ScriptedProvider(["a", "b"])
    assert [_ask(p, ("user", "x")).text for _ in range(5)] == ["a", "b", "a", "b", "a"]


def test_dict_prefers_the_last_user_message_then_any_message_then_default():
    p = ScriptedProvider({"refund": "R", "shoes": "S", "policy": "P", "default": "D"})
    assert _ask(p, ("user", "opened shoes?")).text == "S"
    # "refund" comes first in the script but only "shoes" is in the last user message
    assert _ask(p, ("system", "refund bot"), ("user", "shoes")).text == "S"
    assert _ask(p, ("system", "policy bot"), ("user", "hello")).text == "P"
    assert _ask(p, ("user", "hello")).text == "D"


def test_dict_without_match_or_default_raises_with_hint():
    with pytest.raises(ProviderError) as info:
        _ask(ScriptedProvider({"refund": "R"}), ("user", "hello"))
    assert not info.value.retryable and "default" in (info.value.hint or "")


def test_callable_and_structured_answers():
    p = ScriptedProvider(lambda req: {"score": len(req.messages)})
    assert _ask(p, ("user", "x"), ("user", "y")).text == '{"score": 2}'


def test_usage_is_estimated_as_chars_over_four():
    resp = _ask(ScriptedProvider(["12345"]), ("system", "abcd"), ("user", "efghi"))
    assert resp.usage is not None
    assert (resp.usage.input_tokens, resp.usage.output_tokens) == (3, 2)
    assert resp.model == "scripted" and resp.finish_reason == "stop"


@pytest.mark.parametrize(
    "kind,retryable",
    [("timeout", True), ("rate_limit", True), ("server_error", True), ("auth", False)],
)
def test_error_answers_raise_the_matching_provider_error(kind, retryable):
    with pytest.raises(ProviderError) as info:
        _ask(ScriptedProvider([{"error": kind}]), ("user", "x"))
    assert info.value.kind == kind and info.value.retryable is retryable


def test_a_dict_answer_with_other_keys_is_an_answer_not_an_error():
    assert _ask(ScriptedProvider([{"error": "nope", "x": 1}]), ("user", "x")).text == (
        '{"error": "nope", "x": 1}'
    )


def test_id_is_stable_and_depends_on_the_script():
    assert ScriptedProvider(["a"]).id == ScriptedProvider(["a"]).id
    assert ScriptedProvider(["a"]).id != ScriptedProvider(["b"]).id
    assert ScriptedProvider(["a"]).id.startswith("scripted:")


def test_latency_and_empty_script():
    p = ScriptedProvider(["a"], latency_s=0.01)
    assert _ask(p, ("user", "x")).text == "a"
    with pytest.raises(ProviderError) as info:
        _ask(ScriptedProvider(["a"], latency_s=0.5), ("user", "x"), timeout_s=0.01)
    assert info.value.kind == "timeout"
    with pytest.raises(UserError):
        ScriptedProvider([])
