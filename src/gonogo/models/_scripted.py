"""A provider with canned answers, for tests, examples and the offline demo.

It speaks no wire format: it maps each request to an answer from its script, so runs
are deterministic and free. An answer of the form ``{"error": "rate_limit"}`` raises
the matching :class:`~gonogo.errors.ProviderError`, to exercise failure handling.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import itertools
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ProviderError, UserError
from ._types import ChatRequest, ChatResponse, Usage

Script = list[Any] | Mapping[str, Any] | Callable[[ChatRequest], Any]

# error kind -> (retryable, HTTP status it stands for)
_ERRORS: dict[str, tuple[bool, int | None]] = {
    "timeout": (True, None),
    "rate_limit": (True, 429),
    "server_error": (True, 500),
    "connection": (True, None),
    "bad_response": (True, 200),
    "auth": (False, 401),
    "not_found": (False, 404),
    "error": (False, 400),
}


class ScriptedProvider:
    """Answers from a script: a list (in turn, cycling), a dict or a callable.

    A dict maps a substring of the prompt to the answer: the first key found in the last
    user message wins, then the first found in any message, then the ``default`` key.
    A callable gets the :class:`ChatRequest` and returns the answer. Answers that are
    not strings (e.g. a dict for a JSON output) are sent back JSON-encoded.
    """

    def __init__(self, script: Script, *, latency_s: float = 0.0, model: str = "scripted") -> None:
        if isinstance(script, list) and not script:
            raise UserError(
                "a scripted provider needs at least one answer", "add answers to `script`"
            )
        self.script = script
        self.latency_s = latency_s
        self.model = model
        self.id = "scripted:" + _script_sha(script)
        self._turn = itertools.count()
        self.calls = 0

    async def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatResponse:
        """Answer ``request`` from the script, after ``latency_s``."""
        self.calls += 1
        answer = self._answer(request)
        if self.latency_s > 0:
            if self.latency_s > timeout_s:
                await asyncio.sleep(timeout_s)
                raise _error("timeout", f"no answer within {timeout_s:g}s")
            await asyncio.sleep(self.latency_s)
        if isinstance(answer, Mapping) and set(answer) == {"error"} and answer["error"] in _ERRORS:
            raise _error(str(answer["error"]), "scripted failure")
        text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        chars_in = sum(len(m.get("content") or "") for m in request.messages)
        usage = Usage(math.ceil(chars_in / 4), math.ceil(len(text) / 4))
        return ChatResponse(text=text, model=self.model, usage=usage, finish_reason="stop")

    def _answer(self, request: ChatRequest) -> Any:
        script = self.script
        if isinstance(script, list):
            return script[next(self._turn) % len(script)]
        if isinstance(script, Mapping):
            return _lookup(script, request)
        answer = script(request)
        if inspect.isawaitable(answer):
            raise UserError(
                "the scripted provider's callable must be synchronous",
                "return the answer directly instead of a coroutine",
            )
        return answer

    async def aclose(self) -> None:
        """Nothing to release."""


def _lookup(script: Mapping[str, Any], request: ChatRequest) -> Any:
    users = [m.get("content") or "" for m in request.messages if m.get("role") == "user"]
    last_user = users[-1] if users else ""
    for key, answer in script.items():
        if key != "default" and key in last_user:
            return answer
    everything = "\n".join(m.get("content") or "" for m in request.messages)
    for key, answer in script.items():
        if key != "default" and key in everything:
            return answer
    if "default" in script:
        return script["default"]
    raise ProviderError(
        f"the scripted provider has no answer for: {last_user[:80]!r}",
        "add a key found in this prompt, or a `default` answer, to `script`",
        kind="error",
    )


def _error(kind: str, detail: str) -> ProviderError:
    retryable, status = _ERRORS[kind]
    return ProviderError(
        f"scripted provider: {kind.replace('_', ' ')} ({detail})",
        "this failure is part of the script",
        status=status,
        retryable=retryable,
        kind=kind,
        retry_after=0.0 if kind == "rate_limit" else None,
    )


def _script_sha(script: Script) -> str:
    if callable(script) and not isinstance(script, (list, Mapping)):
        blob = (
            f"{getattr(script, '__module__', '')}:{getattr(script, '__qualname__', repr(script))}"
        )
    else:
        blob = json.dumps(script, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
