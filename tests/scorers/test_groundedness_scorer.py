"""The ``groundedness`` scorer with three verdicts: undecided is not evaluated offline and
goes to the judge under ``mode: auto`` (issue #13)."""

import json

from scorer_helpers import make_case, out, score_with

from gonogo.models import ModelClient, ScriptedProvider
from gonogo.scorers import ScorerContext
from gonogo.scorers._groundedness import UNDECIDED

CONTEXT = [
    "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris. "
    "It was constructed from 1887 to 1889 as the centerpiece of the 1889 World's Fair."
]
QUESTION = "When was the Eiffel Tower built?"
SUPPORTED = "It was constructed from 1887 to 1889."
UNSUPPORTED = "It was constructed from 1887 to 1895."
UNDECIDED_ANSWER = "The tower was erected for the World's Fair."


def judge(verdict="supported"):
    calls = []

    def answer(request):
        calls.append(request)
        user = request.messages[-1]["content"]
        n = user.split("<claims>")[1].count("\n") - 1
        claims = [{"id": i, "verdict": verdict, "reason": "r"} for i in range(1, n + 1)]
        return json.dumps({"claims": claims})

    return ModelClient(ScriptedProvider(answer), model="judge-1", max_retries=0), calls


def grounded(answer, mode=None, ctx=None):
    entry = {"kind": "groundedness"} | ({"mode": mode} if mode else {})
    case = make_case(question=QUESTION, contexts=CONTEXT)
    return score_with(entry, out(answer), ctx=ctx, case=case)


def test_supported_passes_unsupported_fails_with_the_verdict_in_metadata():
    good, bad = grounded(SUPPORTED), grounded(UNSUPPORTED)
    assert good.passed is True and good.metadata["verdict"] == "supported"
    assert bad.passed is False and bad.metadata["verdict"] == "unsupported"
    assert bad.metadata["unsupported"][0]["reasons"][0] == "not in the context: 1895"
    assert 0.0 <= bad.metadata["probability"] < good.metadata["probability"] <= 1.0


def test_undecided_is_not_evaluated_offline_and_says_a_judge_would_decide():
    s = grounded(UNDECIDED_ANSWER)
    assert s.passed is None and s.value is None and s.reason == UNDECIDED
    assert "a judge would decide" in s.reason
    assert s.metadata["verdict"] == "undecided" and s.metadata["undecided"]
    assert s.metadata["undecided_reason"].startswith("undecided: ")


def test_auto_routes_undecided_answers_and_only_those_to_the_judge():
    client, calls = judge("supported")
    ctx = ScorerContext(judge=client)
    s = grounded(UNDECIDED_ANSWER, ctx=ctx)
    assert s.passed is True and s.metadata["method"] == "judge"
    assert s.metadata["routed_to_judge"] and s.metadata["offline"]["verdict"] == "undecided"
    assert len(calls) == 1
    assert grounded(SUPPORTED, ctx=ctx).metadata["method"] == "offline"
    assert grounded(UNSUPPORTED, ctx=ctx).passed is False
    assert len(calls) == 1, "decided answers never reach the judge"


def test_offline_mode_never_asks_the_judge():
    client, calls = judge("unsupported")
    s = grounded(UNDECIDED_ANSWER, mode="offline", ctx=ScorerContext(judge=client))
    assert s.passed is None and s.reason == UNDECIDED and not calls


def test_the_judge_can_say_no_to_a_routed_answer():
    client, _ = judge("contradicted")
    s = grounded(UNDECIDED_ANSWER, ctx=ScorerContext(judge=client))
    assert s.passed is False and s.metadata["verdict"] == "unsupported"
