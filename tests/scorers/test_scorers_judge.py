import asyncio
import json
import re

import pytest
from scorer_helpers import make_case, out, score_with

from gonogo.errors import ProviderError, UserError
from gonogo.models import ChatResponse
from gonogo.scorers import ScorerContext, build_scorers, judge_fingerprint
from gonogo.scorers import _judge as judge_mod

RUBRIC = {"kind": "rubric", "criteria": "Polite; offers a human when unsure", "scale": "1-5"}
ANSWER = "You can return opened shoes within 30 days."


class FakeJudge:
    """A ModelClient stand-in: answers in turn; an exception answer is raised."""

    model = "fake-judge-1"

    def __init__(self, *answers, cost=0.001):
        self.answers = list(answers)
        self.cost = cost
        self.calls = []

    async def complete(
        self, messages, *, sample=0, response_format=None, params=None, use_cache=True
    ):
        self.calls.append({"messages": messages, "sample": sample, "format": response_format})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return ChatResponse(text=text, model=self.model, cost_usd=self.cost)


def judged(judge, entry=None, output=ANSWER, expected="Opened shoes: 30 days."):
    ctx = ScorerContext(judge=judge)
    return score_with({**RUBRIC, **(entry or {})}, output, expected=expected, ctx=ctx)


def test_valid_verdict():
    judge = FakeJudge({"reasoning": "Polite and correct.", "score": 4})
    s = judged(judge)
    assert (s.value, s.passed, s.error) == (4.0, True, None)
    m = s.metadata
    assert m["reasoning"] == "Polite and correct."
    assert m["judge_fingerprint"] == judge_fingerprint("fake-judge-1")
    assert m["judge_model"] == "fake-judge-1" and m["scale"] == "1-5" and m["pass_at"] == 4
    assert m["normalized"] == pytest.approx(0.75) and m["judge_cost_usd"] == pytest.approx(0.001)
    (call,) = judge.calls
    assert call["sample"] == 0
    fmt = call["format"]
    assert fmt["properties"]["score"] == {"type": "integer", "minimum": 1, "maximum": 5}
    assert fmt["required"] == ["reasoning", "score"] and fmt["additionalProperties"] is False
    system, user = call["messages"]
    assert system["role"] == "system" and "from 1 (worst) to 5 (best)" in system["content"]
    assert "Polite; offers a human when unsure" in user["content"]
    assert "<input>\nHow long do I have to return shoes?\n</input>" in user["content"]
    assert f"<output>\n{ANSWER}\n</output>" in user["content"]
    assert "<reference>\nOpened shoes: 30 days.\n</reference>" in user["content"]


def test_pass_at_default_is_upper_half_and_overridable():
    assert judged(FakeJudge({"reasoning": "meh", "score": 3})).passed is False
    s = judged(FakeJudge({"reasoning": "meh", "score": 3}), {"pass_at": 3})
    assert s.passed is True
    s = judged(FakeJudge({"reasoning": "great", "score": 6}), {"scale": "0-10"})
    assert s.passed is True and s.metadata["pass_at"] == 6
    assert judge_mod.default_pass_at(1, 10) == 6 and judge_mod.default_pass_at(1, 3) == 3


def test_reference_left_out_or_listed():
    judge = FakeJudge({"reasoning": "ok", "score": 5})
    judged(judge, {"include_expected": False})
    assert "<reference>" not in judge.calls[0]["messages"][1]["content"]
    judge = FakeJudge({"reasoning": "ok", "score": 5})
    judged(judge, expected=["30 days", "a month"])
    assert (
        "Any of these is correct:\n- 30 days\n- a month" in judge.calls[0]["messages"][1]["content"]
    )
    judge = FakeJudge({"reasoning": "ok", "score": 5})
    judged(judge, expected=None)
    assert "<reference>" not in judge.calls[0]["messages"][1]["content"]


def test_invalid_then_valid_retries_with_a_repair_turn():
    judge = FakeJudge("I'd say 4 out of 5.", {"reasoning": "Fine.", "score": 4})
    s = judged(judge)
    assert s.passed is True and s.metadata["attempts"] == 2
    assert [c["sample"] for c in judge.calls] == [0, 1000]
    retry = judge.calls[1]["messages"]
    assert retry[2] == {"role": "assistant", "content": "I'd say 4 out of 5."}
    assert retry[3]["role"] == "user" and "not JSON" in retry[3]["content"]
    assert s.metadata["judge_cost_usd"] == pytest.approx(0.002)


def test_always_invalid_is_not_evaluated_with_the_error():
    judge = FakeJudge(
        {"reasoning": "x", "score": 9},  # off the scale
        {"score": 4},  # no reasoning
        {"reasoning": "x", "score": 4, "extra": 1},  # key not allowed
    )
    s = judged(judge)
    assert (s.value, s.passed) == (None, None)
    assert s.error.startswith("judge returned invalid output 3 times")
    assert "Additional properties" in s.error
    assert [c["sample"] for c in judge.calls] == [0, 1000, 2000]
    assert s.metadata["judge_fingerprint"] == judge_fingerprint("fake-judge-1")


def test_fenced_json_and_float_integer_are_accepted():
    s = judged(FakeJudge('```json\n{"reasoning": "ok", "score": 5.0}\n```'))
    assert s.value == 5.0 and s.passed is True


def test_provider_error_is_not_evaluated_not_failed():
    judge = FakeJudge(ProviderError("judge: HTTP 503 after 4 attempts", status=503))
    s = judged(judge)
    assert (s.value, s.passed) == (None, None)
    assert "HTTP 503" in s.error and s.reason.startswith("not evaluated")


def test_no_judge_is_not_evaluated():
    s = score_with(RUBRIC, ANSWER, expected="x")
    assert (s.value, s.passed) == (None, None)
    assert s.reason == "not evaluated: no judge configured"
    assert "judge_fingerprint" in s.metadata


def test_sample_index_comes_from_output_metadata():
    judge = FakeJudge({"reasoning": "ok", "score": 5})
    judged(judge, output=out(ANSWER, metadata={"sample": 2}))
    assert judge.calls[0]["sample"] == 2


def test_fingerprint_is_stable_and_tracks_the_prompt():
    fp = judge_fingerprint("gpt-4o")
    assert re.fullmatch(r"gpt-4o#[0-9a-f]{12}", fp)
    assert fp == judge_fingerprint("gpt-4o") != judge_fingerprint("gpt-4o-mini")
    # Pinned: any edit to the judge's prompts must change the fingerprint (it keys cached
    # judgements and tells runs judged differently apart). If you changed a prompt on
    # purpose, put the new value here.
    assert fp == "gpt-4o#f9ff789b0e01"


def test_bad_scale_and_pass_at_are_user_errors():
    with pytest.raises(UserError, match="scale '5-1' is empty"):
        judged(FakeJudge(), {"scale": "5-1"})
    with pytest.raises(UserError, match="pass_at 7 is outside the scale 1-5"):
        judged(FakeJudge(), {"pass_at": 7})


def test_judge_through_a_real_model_client_and_cache(tmp_path):
    from gonogo.models import ModelClient, ResponseCache, ScriptedProvider

    def grade(request):
        user = request.messages[1]["content"]
        assert request.response_format["properties"]["score"]["maximum"] == 5
        answer = user.split("<output>")[1].split("</output>")[0]
        score = 5 if "30 days" in answer else 2
        return {"reasoning": f"graded {score}", "score": score}

    provider = ScriptedProvider(grade)
    cache = ResponseCache(tmp_path / "cache.sqlite")
    client = ModelClient(provider, model="judge-x", cache=cache)
    (scorer,) = build_scorers([{"id": "polite", **RUBRIC}], ScorerContext(judge=client))
    case = make_case("30 days")

    async def both():
        return [await scorer.score(case, out(t)) for t in (ANSWER, "No idea.", ANSWER)]

    good, bad, again = asyncio.run(both())
    cache.close()
    assert (good.value, good.passed) == (5.0, True)
    assert (bad.value, bad.passed) == (2.0, False)
    assert again.metadata["judge_cached"] is True and provider.calls == 2
    assert good.metadata["judge_fingerprint"] == judge_fingerprint("judge-x")
