"""A judge model's JSON answer: asked for, parsed, checked against its schema, retried.

Every LLM judge — the ``rubric`` scorer, the groundedness judge of the RAG detectors,
``gonogo compare``'s preference judge and the red team's attack judge — asks for a JSON
object constrained by a JSON Schema through :func:`ask_json`, so an unusable answer is
treated alike everywhere: up to :data:`MAX_ATTEMPTS` calls, each retry with a repair turn
and under a new sample index (:data:`RETRY_SAMPLE_STRIDE`) so the response cache never
hands the same bad answer back. What a judge that never answers means is each caller's
decision (a score not evaluated, a run error, a tie not judged, the offline grade kept).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ProviderError

MAX_ATTEMPTS = 3  # the first call and two retries
RETRY_SAMPLE_STRIDE = 1000  # retry k of sample s uses sample s + 1000 k: never a cached answer

_FENCE_RE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def parse_json_answer(text: str, validator: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The judge's verdict, or why its answer is not one (not JSON, or off the schema).

    ``validator`` is a ``jsonschema`` validator of the schema the answer must follow.
    """
    body = text.strip()
    fenced = _FENCE_RE.match(body)
    if fenced:  # some providers ignore response_format and fence the JSON anyway
        body = fenced.group(1)
    try:
        value = json.loads(body)
    except json.JSONDecodeError as e:
        return None, f"not JSON ({e.msg} at column {e.colno})"
    errors = sorted(validator.iter_errors(value), key=lambda err: list(err.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "answer"
        return None, f"{where}: {errors[0].message}"
    return value, None


@dataclass(frozen=True, slots=True)
class JsonAnswer:
    """What :func:`ask_json` got: the verdict, or why there is none.

    ``value`` is the schema-valid object, or None when the judge gave no usable answer in
    :data:`MAX_ATTEMPTS` calls (``problem`` says what was wrong with the last one) or a
    call failed (``call_error``: the provider's error; no more calls were made).
    ``attempts`` counts the calls made, ``cost_usd`` sums their reported costs (None when
    no call reported one), ``cached`` is the last call's.
    """

    value: dict[str, Any] | None
    attempts: int
    cost_usd: float | None
    cached: bool = False
    problem: str | None = None
    call_error: ProviderError | None = None
    role: str = "judge"  # who was asked, in the error line ("attacker" for the red team's)

    @property
    def error(self) -> str | None:
        """One line for results: the failed call, or the invalid answers; None when valid."""
        if self.call_error is not None:
            return f"{self.role} call failed: {self.call_error}"
        if self.value is None:
            return (
                f"{self.role} returned invalid output {self.attempts} times; "
                f"last: {self.problem}"
            )
        return None


async def ask_json(
    client: Any,
    messages: list[dict[str, str]],
    schema: dict[str, Any],
    repair: Callable[[str], str],
    *,
    sample: int = 0,
    validator: Any = None,
    check: Callable[[dict[str, Any]], str | None] | None = None,
    role: str = "judge",
) -> JsonAnswer:
    """Ask a judge for a JSON object that follows ``schema``; retry unusable answers.

    Each call sends ``schema`` as ``response_format``. An answer that is not JSON, breaks
    the schema, or fails ``check`` (a further rule the schema cannot say; it returns the
    problem or None) is answered with a repair turn — ``repair(problem)`` — under a new
    sample index, up to :data:`MAX_ATTEMPTS` calls in all. A
    :class:`~gonogo.errors.ProviderError` ends the loop and comes back in ``call_error``:
    each caller decides what a failed judge means for its result.
    """
    if validator is None:
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(schema)
    costs: list[float] = []
    problem = ""
    cached = False
    for attempt in range(MAX_ATTEMPTS):
        try:
            resp = await client.complete(
                messages, sample=sample + attempt * RETRY_SAMPLE_STRIDE, response_format=schema
            )
        except ProviderError as e:
            return JsonAnswer(None, attempt + 1, _total(costs), cached, problem or None, e, role)
        if resp.cost_usd is not None:
            costs.append(resp.cost_usd)
        cached = bool(resp.cached)
        value, bad = parse_json_answer(resp.text, validator)
        if value is not None and check is not None:
            bad = check(value)
            value = None if bad else value
        if value is not None:
            return JsonAnswer(value, attempt + 1, _total(costs), cached, role=role)
        problem = bad or "invalid"
        messages = [
            *messages,
            {"role": "assistant", "content": resp.text},
            {"role": "user", "content": repair(problem)},
        ]
    return JsonAnswer(None, MAX_ATTEMPTS, _total(costs), cached, problem, role=role)


def _total(costs: list[float]) -> float | None:
    return sum(costs) if costs else None
