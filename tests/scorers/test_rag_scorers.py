import asyncio

from gonogo.data import Case
from gonogo.run import TargetOutput
from gonogo.scorers import ScorerContext, build_scorers
from gonogo.scorers._rag import expects_refusal, is_refusal, token_f1
from gonogo.spec import PRD


def scorer(spec):
    prd = PRD.model_validate(
        {
            "feature": "x",
            "eval_plan": {
                "target": "m:f",
                "datasets": [{"name": "g", "path": "g.jsonl"}],
                "scorers": [spec],
            },
        }
    )
    return build_scorers(list(prd.eval_plan.scorers), ScorerContext())[0]


def run(s, case, out):
    return asyncio.run(s.score(case, out))


CTX = [
    "The Oberoi Group is a hotel company with its head office in Delhi.",
    "Arthur's Magazine (1844–1846) was an American literary periodical.",
]
Q = "The Oberoi family is part of a hotel company that has a head office in what city?"


def case(expected="Delhi", **kw):
    return Case(id="c", inputs={"question": Q}, expected=expected, **kw)


def test_context_recall():
    s = scorer({"id": "r", "kind": "context_recall"})
    assert run(s, case(), TargetOutput("Delhi", contexts=CTX)).passed is True
    miss = run(s, case(), TargetOutput("Delhi", contexts=CTX[1:]))
    assert miss.passed is False and miss.value == 0.0
    assert run(s, case(), TargetOutput("Delhi")).passed is None  # no contexts: not evaluated
    assert run(s, case(expected=None), TargetOutput("x", contexts=CTX)).passed is None


def test_context_precision_rewards_relevant_first():
    s = scorer({"id": "p", "kind": "context_precision"})
    first = run(s, case(), TargetOutput("Delhi", contexts=CTX))
    second = run(s, case(), TargetOutput("Delhi", contexts=list(reversed(CTX))))
    assert first.value == 1.0 and second.value == 0.5
    assert first.metadata["relevant_ranks"] == [1]


def test_yes_no_answers_are_not_evaluated_by_context_scorers_and_say_why():
    # a yes/no answer has no content word to find in a passage: neither a failure (recall
    # scored it 0.0) nor "case has no expected output" (precision said so)
    for kind in ("context_recall", "context_precision"):
        s = scorer({"id": "k", "kind": kind})
        for expected in ("yes", "No", ["yes", "no"]):
            got = run(s, case(expected=expected), TargetOutput("yes", contexts=CTX))
            assert (got.value, got.passed) == (None, None), (kind, expected, got)
            assert "no content word" in got.reason and "no expected output" not in got.reason
        assert (
            "no expected output"
            in run(s, case(expected=None), TargetOutput("x", contexts=CTX)).reason
        )


def test_answer_correctness_and_token_f1():
    assert token_f1("the head office is in Delhi", "Delhi") == 0.5  # P=1/3, R=1
    assert token_f1("Mumbai", "Delhi") == 0.0
    s = scorer({"id": "c", "kind": "answer_correctness", "min": 0.6})
    good = run(s, case(), TargetOutput("Delhi"))
    bad = run(s, case(), TargetOutput("Mumbai, the financial capital of India."))
    assert good.passed is True and bad.passed is False
    assert good.value > bad.value
    assert {"similarity", "token_f1"} <= good.metadata.keys()


def test_answer_relevancy():
    s = scorer({"id": "a", "kind": "answer_relevancy", "min": 0.3})
    on = run(s, case(), TargetOutput("The Oberoi Group's head office is in Delhi."))
    off = run(s, case(), TargetOutput("Bananas are rich in potassium."))
    assert on.value > off.value and on.passed is True


def test_refusal_detection():
    assert is_refusal("I don't know based on the provided documents.")
    assert is_refusal("The context does not mention this.")
    assert not is_refusal("The head office is in Delhi.")
    assert expects_refusal(case(expected=None))
    assert expects_refusal(case(tags=["unanswerable"]))
    assert not expects_refusal(case())
    s = scorer({"id": "f", "kind": "refusal"})
    assert run(s, case(), TargetOutput("Delhi")).passed is True
    assert run(s, case(), TargetOutput("I don't know.")).passed is False
    assert run(s, case(expected=None), TargetOutput("I don't know.")).passed is True
    assert run(s, case(expected=None), TargetOutput("Delhi")).passed is False
