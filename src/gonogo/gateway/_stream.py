"""Server-sent events for ``stream: true`` on both feature endpoints.

Two modes, chosen per request:

- **live** (no output guard may change the answer, and every model of the chain is
  OpenAI-compatible): the upstream's chunks are forwarded as they arrive. Failures
  before the first chunk fall back along the chain like any request (no byte has been
  sent yet); a failure mid-stream cannot be taken back — the client gets an
  ``{"error": …}`` event and the trace records it. Output guards (all ``flag`` here)
  run on the whole text at the end and are recorded in the trace and metrics.
- **buffered** (an output guard with ``block``, ``replace`` or ``redact``, or a
  non-OpenAI provider): the answer is produced as a non-streaming request — with every
  guard and fallback — and then sent as events, so nothing unchecked ever reaches the
  client.

Either way the trace is committed before the final ``data: [DONE]``. Errors found
before the stream starts (bad input, budget, every model failing) are plain JSON errors.
The feature endpoint's events are ``{"delta": "…"}`` pieces, then the full response
object of the non-streaming endpoint, then ``[DONE]``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import ProviderError
from ..models._openai import usage_of
from ._chain import (
    TRIGGER_OF_KIND,
    Outcome,
    all_skipped,
    failed,
    rejected,
    rejects_request,
    run_chain,
)
from ._endpoint import STATIC_MODEL, prompt_response
from ._http import HTTPError, Send, dumps
from ._upstream import OpenAIUpstream, Stream, Upstream

if TYPE_CHECKING:
    from ._call import Call
    from ._endpoint import Endpoint
    from ._parse import ChatInput
    from ._store import ApiKeyRecord

_SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no")]  # fmt: skip


class _Events:
    """Formats one response's events in the chat (OpenAI) or the feature endpoint's shape."""

    def __init__(self, ep: Endpoint, call: Call, send: Send, include_usage: bool) -> None:
        self.ep, self.call, self.send = ep, call, send
        self.chat = ep.endpoint == "chat"
        self.include_usage = include_usage
        self.created = int(time.time())
        self.model = STATIC_MODEL
        self.finished = False  # the upstream's own final chunk was forwarded
        self.usage_sent = False  # the upstream's usage chunk was forwarded

    async def start(self) -> None:
        headers = [*_SSE_HEADERS, *self.ep.headers(self.call)]
        self.call.streaming = True
        await self.send({"type": "http.response.start", "status": 200, "headers": headers})

    async def event(self, payload: Any) -> None:
        data = payload if isinstance(payload, bytes) else dumps(payload)
        await self.send({"type": "http.response.body", "body": b"data: " + data + b"\n\n",
                         "more_body": True})  # fmt: skip

    async def delta(self, text: str, first: bool = False) -> None:
        if not self.chat:
            await self.event({"delta": text})
            return
        delta: dict[str, Any] = {"content": text}
        if first:
            delta["role"] = "assistant"
        await self.event(self._chunk([{"index": 0, "delta": delta, "finish_reason": None}]))

    def _chunk(self, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": f"chatcmpl-{self.call.id}", "object": "chat.completion.chunk",
                "created": self.created, "model": self.model, "choices": choices}  # fmt: skip

    async def close(self, out: Outcome, finish_reason: str = "stop") -> None:
        """The closing events; the trace commits before ``[DONE]``."""
        ep, call = self.ep, self.call
        if out.error is not None and out.text is None:
            await self.event(out.error.body())
        elif self.chat:
            if not self.finished:
                await self.event(self._chunk([{"index": 0, "delta": {},
                                               "finish_reason": finish_reason}]))  # fmt: skip
            if self.include_usage and not self.usage_sent:
                chunk = self._chunk([])
                chunk["usage"] = {"prompt_tokens": out.input_tokens,
                                  "completion_tokens": out.output_tokens,
                                  "total_tokens": out.input_tokens + out.output_tokens}  # fmt: skip
                await self.event(chunk)
        else:
            await self.event(prompt_response(call, out))
        ep.gw.finish(call, 200)
        await ep.gw.writer.write(call.trace())
        await self.send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


async def stream_chat(
    ep: Endpoint, call: Call, key: ApiKeyRecord, body: dict[str, Any], first: Upstream,
    schema: dict[str, Any] | None, req: ChatInput, send: Send,
) -> None:  # fmt: skip
    """``/v1/chat/completions`` with ``stream: true``."""
    await _stream(ep, call, key, body, first, schema, req.texts, len(body["messages"]),
                  req.include_usage, send)  # fmt: skip


async def stream_prompt(
    ep: Endpoint, call: Call, key: ApiKeyRecord, body: dict[str, Any], first: Upstream,
    schema: dict[str, Any] | None, send: Send,
) -> None:  # fmt: skip
    """``/v1/prompts/{name}/completions`` with ``stream: true``."""
    texts = [v for v in call.inputs.get("variables", {}).values() if isinstance(v, str)]
    await _stream(ep, call, key, body, first, schema, texts, len(body["messages"]), False, send)


async def _stream(
    ep: Endpoint, call: Call, key: ApiKeyRecord, body: dict[str, Any], first: Upstream,
    schema: dict[str, Any] | None, texts: list[str], messages: int, include_usage: bool,
    send: Send,
) -> None:  # fmt: skip
    gw = ep.gw
    out, steps, names = gw.prepare(call, key, first, texts, messages)
    events = _Events(ep, call, send, include_usage)
    live = not gw.cfg.guards.output_may_change and all(
        isinstance(up, OpenAIUpstream) for up in steps
    )
    if steps and not live:
        await run_chain(gw.cfg, steps, body, gw.output_checker(call, schema), out,
                        gw.on_attempt, names)  # fmt: skip
    if not steps or not live:  # stopped early, or buffered: the outcome is final
        gw.settle(call, key, out)
        if out.error is not None:
            call.error = out.error.message
            await ep.reply_error(call, out.error, send)
            return
        events.model = out.model or events.model
        await events.start()
        await events.delta(out.text or "", first=True)
        await events.close(out)
        return
    opened = await _open(gw, steps, names, body, out)
    if opened is None:  # every step failed before streaming: static answer or JSON error
        if out.error is None and gw.cfg.static is not None:
            out.path, out.text = "static", gw.cfg.static
        gw.settle(call, key, out)
        if out.error is not None:
            call.error = out.error.message
            await ep.reply_error(call, out.error, send)
            return
        await events.start()
        await events.delta(out.text or "", first=True)
        await events.close(out)
        return
    up, stream = opened
    events.model = up.model
    await events.start()
    await _relay(gw, call, up, stream, events, out, schema)
    gw.settle(call, key, out)
    await events.close(out)


async def _open(
    gw: Any, steps: list[Upstream], names: list[str], body: dict[str, Any], out: Outcome
) -> tuple[OpenAIUpstream, Stream] | None:
    """Open the first step that accepts the stream; records failed attempts in ``out``."""
    cfg = gw.cfg
    for index, up in enumerate(steps):
        assert isinstance(up, OpenAIUpstream)
        breaker = cfg.breaker(up)
        if not breaker.allow():
            out.attempts.append({"model": up.model, "outcome": "skipped",
                                 "error": "circuit breaker open", "latency_ms": 0.0})  # fmt: skip
            continue
        t0 = time.perf_counter()
        try:
            stream = await up.open_stream(body, cfg.timeout_s)
        except ProviderError as e:
            breaker.failure()
            ms = round((time.perf_counter() - t0) * 1000, 2)
            out.attempts.append({"model": up.model, "outcome": e.kind, "error": e.message,
                                 "latency_ms": ms})  # fmt: skip
            gw.on_attempt(up, e.kind)
            trigger = TRIGGER_OF_KIND.get(e.kind)
            if rejects_request(e):
                rejected(out, e, names[index])
                return None
            if trigger is not None and trigger not in cfg.fallback_on:
                failed(out, e, trigger, names[index])
                return None
            continue
        out.path = names[index]
        out.model = up.model
        return up, stream
    if cfg.static is None:  # else the caller serves the static answer
        if all(a["outcome"] == "skipped" for a in out.attempts):
            all_skipped(out)
        else:
            status = 504 if out.attempts[-1]["outcome"] == "timeout" else 502
            out.error = HTTPError(status, "upstream_error", "no model of the chain answered",
                                  "retry later; the attempts are in the trace")  # fmt: skip
            out.path, out.status = "refused", status
    return None


async def _relay(
    gw: Any, call: Call, up: OpenAIUpstream, stream: Stream, events: _Events, out: Outcome,
    schema: dict[str, Any] | None,
) -> None:  # fmt: skip
    """Forward the chunks, collect the text and usage, run the (flag-only) output guards."""
    parts: list[str] = []
    usage = None
    t0 = time.perf_counter()
    breaker = gw.cfg.breaker(up)
    first = True
    try:
        async for chunk in stream.chunks():
            if chunk.get("usage"):
                usage = usage_of(chunk) or usage
            choices = chunk.get("choices") or []
            first_choice = (choices[0] or {}) if choices else {}
            delta = first_choice.get("delta") or {}
            text = delta.get("content")
            if isinstance(text, str):
                parts.append(text)
            if events.chat:  # the upstream's chunks as they are (tool calls, logprobs…)
                if not choices and not events.include_usage:
                    continue  # the usage chunk the gateway asked for, not the client
                events.finished |= bool(first_choice.get("finish_reason"))
                events.usage_sent |= not choices and bool(chunk.get("usage"))
                await events.event(chunk)
            elif isinstance(text, str) and text:
                await events.delta(text, first=first)
                first = False
    except ProviderError as e:
        breaker.failure()
        gw.on_attempt(up, e.kind)
        ms = round((time.perf_counter() - t0) * 1000, 2)
        out.attempts.append({"model": up.model, "outcome": e.kind, "error": e.message,
                             "latency_ms": ms})  # fmt: skip
        call.error = f"stream broke after {len(parts)} chunk(s): {e.message}"
        await events.event({"error": {"type": "upstream_error", "message": e.message}})
    else:
        breaker.success()
        gw.on_attempt(up, "ok")
        ms = round((time.perf_counter() - t0) * 1000, 2)
        out.attempts.append({"model": up.model, "outcome": "ok", "error": None,
                             "latency_ms": ms})  # fmt: skip
    out.text = "".join(parts)
    out.add_usage(usage, gw.cfg.cost(up.model, up.model, usage))
    check = await gw.output_checker(call, schema)(out.text)
    out.guards = check.results
