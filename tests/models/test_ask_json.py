"""``ask_json``: the one ask / parse / repair loop every LLM judge uses."""

import asyncio
import json

from gonogo.errors import ProviderError
from gonogo.models import ChatResponse
from gonogo.models._json_answer import MAX_ATTEMPTS, RETRY_SAMPLE_STRIDE, ask_json

SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 5}},
    "required": ["score"],
    "additionalProperties": False,
}
ASK = [{"role": "user", "content": "grade it"}]


class Judge:
    """Answers in turn; an exception answer is raised; costs None when told."""

    model = "j"

    def __init__(self, *answers, cost=0.25, cached=False):
        self.answers, self.cost, self.cached, self.calls = list(answers), cost, cached, []

    async def complete(self, messages, *, sample=0, response_format=None):
        self.calls.append((messages, sample, response_format))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return ChatResponse(text=text, model=self.model, cost_usd=self.cost, cached=self.cached)


def ask(judge, **kw):
    return asyncio.run(ask_json(judge, ASK, SCHEMA, lambda p: f"fix: {p}", **kw))


def test_a_valid_first_answer_is_one_call_with_the_schema():
    judge = Judge({"score": 4}, cached=True)
    got = ask(judge, sample=7)
    assert (got.value, got.attempts, got.cost_usd, got.cached, got.error) == (
        {"score": 4}, 1, 0.25, True, None)  # fmt: skip
    ((messages, sample, fmt),) = judge.calls
    assert (messages, sample, fmt) == (ASK, 7, SCHEMA)


def test_an_unusable_answer_gets_a_repair_turn_under_a_new_sample():
    judge = Judge("not json", {"score": 9}, "```json\n{\"score\": 2}\n```")
    got = ask(judge, sample=3)
    assert got.value == {"score": 2} and got.attempts == 3 and got.cost_usd == 0.75
    samples = [s for _, s, _ in judge.calls]
    assert samples == [3, 3 + RETRY_SAMPLE_STRIDE, 3 + 2 * RETRY_SAMPLE_STRIDE]
    second, third = judge.calls[1][0], judge.calls[2][0]
    assert second[-2] == {"role": "assistant", "content": "not json"}
    assert second[-1]["content"].startswith("fix: not JSON")
    assert third[-1]["content"] == "fix: score: 9 is greater than the maximum of 5"
    assert len(third) == len(ASK) + 4  # both repair turns kept in the conversation


def test_no_valid_answer_in_max_attempts_says_what_was_wrong_last():
    judge = Judge(*["{}"] * MAX_ATTEMPTS, cost=None)
    got = ask(judge)
    assert got.value is None and got.attempts == MAX_ATTEMPTS and got.cost_usd is None
    assert got.error == (
        f"judge returned invalid output {MAX_ATTEMPTS} times; "
        "last: answer: 'score' is a required property"
    )
    assert got.call_error is None


def test_check_rejects_what_the_schema_cannot_say():
    judge = Judge({"score": 1}, {"score": 3})
    got = ask(judge, check=lambda v: "must be odd and above 1" if v["score"] < 2 else None)
    assert got.value == {"score": 3} and got.attempts == 2
    assert judge.calls[1][0][-1]["content"] == "fix: must be odd and above 1"


def test_a_failed_call_stops_the_loop_and_keeps_what_was_spent():
    boom = ProviderError("upstream 503")
    judge = Judge("nope", boom, {"score": 5})
    got = ask(judge)
    assert got.value is None and got.call_error is boom
    assert got.attempts == 2 and got.cost_usd == 0.25 and len(judge.calls) == 2
    assert got.error == "judge call failed: upstream 503"
    assert got.problem and got.problem.startswith("not JSON")
