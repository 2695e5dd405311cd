"""A judge model's JSON answer: parsed, checked against its schema, retried the same way.

Every LLM judge — the ``rubric`` scorer, the groundedness judge of the RAG detectors and
``gonogo compare``'s preference judge — asks for a JSON object constrained by a JSON
Schema, and treats an unusable answer alike: up to :data:`MAX_ATTEMPTS` calls, each
retry with a repair turn and under a new sample index (:data:`RETRY_SAMPLE_STRIDE`) so
the response cache never hands the same bad answer back.
"""

from __future__ import annotations

import json
import re
from typing import Any

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
