"""A fake OpenAI-compatible chat server: a real aiohttp server on loopback.

For tests and benchmarks of anything that calls an OpenAI-compatible endpoint: it
answers ``POST /v1/chat/completions`` (and ``GET /v1/models``) after a set latency,
with token usage, and injects faults — 429 with ``Retry-After``, 5xx, malformed bodies,
dropped connections, responses slower than any sane timeout — at a rate or by
request number. In a test::

    with FakeOpenAIServer(latency_s=0.01, faults=["429", None]) as srv:
        provider = OpenAICompatibleProvider(srv.base_url)

From a shell (prints the base URL on the first line of stdout)::

    python -m gonogo.testing.fake_openai --port 0 --latency-ms 50 --fault-rate 0.1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .._background import BackgroundLoop

Responder = Callable[[dict[str, Any]], str]
FaultPlan = Sequence[str | None] | Callable[[int, dict[str, Any]], str | None]

#: Fault kinds: an HTTP status ("429", "500", "502", "503", "401", …), "malformed"
#: (200 with a body that is not JSON), "missing_choices" (200, JSON without choices),
#: "drop" (close the connection without answering), "slow" (answer after ``slow_s``).
#: "stream_break" (with ``stream: true``: the first chunk, then the connection closes).
FAULT_KINDS = ("429", "500", "502", "503", "malformed", "missing_choices", "drop", "slow",
               "stream_break")  # fmt: skip
# The mix used for a random fault_rate: transient faults a client should ride out.
DEFAULT_FAULT_MIX = ("429", "500", "502", "503", "malformed", "missing_choices", "drop")


@dataclass
class ServerStats:
    """What the server saw. ``by_status`` counts answers by HTTP status (or ``"drop"``)."""

    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    by_status: Counter[int | str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)


class FakeOpenAIServer:
    """An OpenAI-compatible chat endpoint on 127.0.0.1, in a background thread.

    ``faults`` is a list applied to the first requests in order (``None`` = answer
    normally), or a function ``(request_number, request_json) -> fault | None``.
    ``fault_rate`` injects faults from ``fault_mix`` at random (seeded) after that.
    ``api_key``, when set, is required as ``Authorization: Bearer …`` (else 401).
    """

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        faults: FaultPlan | None = None,
        fault_rate: float = 0.0,
        fault_mix: Sequence[str] = DEFAULT_FAULT_MIX,
        seed: int = 0,
        slow_s: float = 30.0,
        retry_after: str | None = "0",
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        model: str = "fake-model",
    ) -> None:
        self.latency_s = latency_s
        self.faults = faults
        self.fault_rate = fault_rate
        self.fault_mix = tuple(fault_mix)
        self.slow_s = slow_s
        self.retry_after = retry_after
        self.api_key = api_key
        self.host = host
        self.port = port
        self.model = model
        self.stats = ServerStats()
        self.received: deque[dict[str, Any]] = deque(maxlen=1000)
        self._rng = random.Random(seed)
        self._responder: Responder = default_responder
        self._runner: web.AppRunner | None = None
        self._background = BackgroundLoop("fake-openai")

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1`` — what a client's ``base_url`` should be."""
        return f"http://{self.host}:{self.port}/v1"

    def set_responder(self, fn: Responder) -> None:
        """Answer each request with ``fn(request_json)`` as the message content."""
        self._responder = fn

    # -- running ---------------------------------------------------------------

    async def start_async(self) -> None:
        """Start serving on the running event loop."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024, reuse_address=True)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop_async(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start(self) -> FakeOpenAIServer:
        """Serve from a background thread with its own event loop; returns when bound."""
        self._background.start(self.start_async, self.stop_async)
        return self

    def stop(self) -> None:
        """Stop the background server and wait for its thread."""
        self._background.stop()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- handlers --------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        body = {"object": "list", "data": [{"id": self.model, "object": "model"}]}
        return web.json_response(body)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        stats = self.stats
        number = stats.requests
        stats.requests += 1
        stats.in_flight += 1
        if stats.in_flight > stats.max_in_flight:
            stats.max_in_flight = stats.in_flight
        try:
            return await self._answer(request, number)
        finally:
            stats.in_flight -= 1

    async def _answer(self, request: web.Request, number: int) -> web.StreamResponse:
        try:
            payload = json.loads(await request.read())
            messages = payload["messages"]
        except (ValueError, KeyError, TypeError):
            return self._error(400, "request body must be JSON with `messages`")
        self.received.append(payload)
        if self.api_key is not None:
            if request.headers.get("Authorization") != f"Bearer {self.api_key}":
                return self._error(401, "Incorrect API key provided.", "invalid_api_key")
        fault = self._fault(number, payload)
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)
        if fault is not None:
            self.stats.faults[fault] += 1
            if fault == "slow":
                await asyncio.sleep(self.slow_s)
            elif fault != "stream_break" or payload.get("stream") is not True:
                return self._inject(fault, request)
        content = self._responder(payload)
        chars_in = sum(len(m.get("content") or "") for m in messages if isinstance(m, dict))
        if payload.get("stream") is True:
            return await self._stream(request, payload, number, content, chars_in, fault)
        body = {
            "id": f"chatcmpl-fake-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": payload.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": math.ceil(chars_in / 4),
                "completion_tokens": math.ceil(len(content) / 4),
                "total_tokens": math.ceil(chars_in / 4) + math.ceil(len(content) / 4),
            },
        }
        self.stats.by_status[200] += 1
        return web.Response(body=json.dumps(body).encode(), content_type="application/json")

    async def _stream(
        self, request: web.Request, payload: dict[str, Any], number: int, content: str,
        chars_in: int, fault: str | None,
    ) -> web.StreamResponse:  # fmt: skip
        """``stream: true``: the answer in a few SSE chunks (usage last when asked), [DONE]."""
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        base = {"id": f"chatcmpl-fake-{number}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": payload.get("model", self.model)}  # fmt: skip
        words = content.split(" ")
        pieces = [" ".join(words[i : i + 3]) + (" " if i + 3 < len(words) else "")
                  for i in range(0, len(words), 3)] or [""]  # fmt: skip
        for i, piece in enumerate(pieces):
            delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
            chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            await resp.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            if fault == "stream_break":
                self.stats.by_status["stream_break"] += 1
                if request.transport is not None:
                    request.transport.close()
                raise asyncio.CancelledError
        end = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await resp.write(b"data: " + json.dumps(end).encode() + b"\n\n")
        opts = payload.get("stream_options")
        if isinstance(opts, dict) and opts.get("include_usage"):
            tokens_in, tokens_out = math.ceil(chars_in / 4), math.ceil(len(content) / 4)
            usage = {"prompt_tokens": tokens_in, "completion_tokens": tokens_out,
                     "total_tokens": tokens_in + tokens_out}  # fmt: skip
            await resp.write(b"data: " + json.dumps({**base, "choices": [], "usage": usage})
                             .encode() + b"\n\n")  # fmt: skip
        await resp.write(b"data: [DONE]\n\n")
        self.stats.by_status[200] += 1
        await resp.write_eof()
        return resp

    def _fault(self, number: int, payload: dict[str, Any]) -> str | None:
        plan = self.faults
        if callable(plan):
            return plan(number, payload)
        if plan is not None and number < len(plan):
            return plan[number]
        if self.fault_rate > 0 and self._rng.random() < self.fault_rate:
            return self._rng.choice(self.fault_mix)
        return None

    def _inject(self, fault: str, request: web.Request) -> web.StreamResponse:
        if fault in ("drop", "stream_break"):  # stream_break without a stream: a drop
            self.stats.by_status["drop"] += 1
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError  # no response: the client sees a dropped connection
        if fault == "malformed":
            self.stats.by_status[200] += 1
            return web.Response(body=b'{"id": "chatcmpl-broken", "choices": [', status=200,
                                content_type="application/json")  # fmt: skip
        if fault == "missing_choices":
            self.stats.by_status[200] += 1
            return web.json_response({"id": "chatcmpl-empty", "object": "chat.completion"})
        if fault.isdigit():
            status = int(fault)
            headers = (
                {"Retry-After": self.retry_after} if status == 429 and self.retry_after else None
            )
            return self._error(status, _FAULT_MESSAGES.get(status, "Injected failure."),
                               headers=headers)  # fmt: skip
        raise ValueError(f"unknown fault kind {fault!r}; use one of {', '.join(FAULT_KINDS)}")

    def _error(
        self, status: int, message: str, code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> web.Response:  # fmt: skip
        self.stats.by_status[status] += 1
        body = {"error": {"message": message, "type": "fake_error", "code": code}}
        return web.Response(body=json.dumps(body).encode(), status=status, headers=headers,
                            content_type="application/json")  # fmt: skip


_FAULT_MESSAGES = {
    429: "Rate limit reached for requests. Please try again in 0s.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
    401: "Incorrect API key provided.",
    404: "The model does not exist or you do not have access to it.",
}


# -- default answers -------------------------------------------------------------


def default_responder(payload: dict[str, Any]) -> str:
    """``Answer: <last user message>``, or a JSON value fitting the requested schema."""
    fmt = payload.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema") or {}
        return json.dumps(sample_for_schema(schema))
    if isinstance(fmt, dict) and fmt.get("type") == "json_object":
        return json.dumps({"answer": _last_user(payload)})
    return f"Answer: {_last_user(payload)}"


def _last_user(payload: dict[str, Any]) -> str:
    for m in reversed(payload.get("messages") or []):
        if isinstance(m, dict) and m.get("role") == "user":
            content = m.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def sample_for_schema(schema: dict[str, Any], name: str = "") -> Any:
    """A simple value that validates ``schema`` (objects get every property)."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return sample_for_schema(schema[key][0], name)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties") or {}
        return {k: sample_for_schema(v, k) for k, v in props.items()}
    if kind == "array":
        item = schema.get("items") or {}
        return [sample_for_schema(item, name) for _ in range(int(schema.get("minItems", 0)))]
    if kind in ("integer", "number"):
        return _sample_number(schema, name, kind)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = "A short reasoning." if name == "reasoning" else "ok"
    return text.ljust(int(schema.get("minLength", 0)), ".")


def _sample_number(schema: dict[str, Any], name: str, kind: str) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if name == "score" and kind == "integer":
        value: float = low if low is not None else 3
    else:
        value = low if low is not None else (3 if kind == "integer" else 0.5)
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        value = schema["exclusiveMinimum"] + (1 if kind == "integer" else 0.5)
    if high is not None and value > high:
        value = high
    return int(value) if kind == "integer" else float(value)


# -- command line ------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted; print the base URL on stdout's first line."""
    p = argparse.ArgumentParser(prog="python -m gonogo.testing.fake_openai", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--latency-ms", type=float, default=0.0, help="delay before each answer")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of requests faulted")
    p.add_argument(
        "--fault-mix", default=",".join(DEFAULT_FAULT_MIX), help="kinds, comma-separated"
    )
    p.add_argument("--slow-s", type=float, default=30.0, help="delay of a 'slow' fault")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--api-key", default=None, help="require this bearer key")
    args = p.parse_args(argv)
    server = FakeOpenAIServer(
        latency_s=args.latency_ms / 1000, fault_rate=args.fault_rate,
        fault_mix=[k for k in args.fault_mix.split(",") if k], slow_s=args.slow_s,
        seed=args.seed, api_key=args.api_key, host=args.host, port=args.port,
    )  # fmt: skip
    asyncio.run(_serve_forever(server))


async def _serve_forever(server: FakeOpenAIServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await server.start_async()
    print(server.base_url, flush=True)
    await stop.wait()
    await server.stop_async()
    s = server.stats
    print(f"requests={s.requests} max_in_flight={s.max_in_flight} "
          f"by_status={dict(s.by_status)}", file=sys.stderr)  # fmt: skip
