"""The feature endpoints, as raw ASGI apps: OpenAI chat completions and prompt completions.

Both parse and check the request, hand it to :meth:`Gateway.execute`, and answer only
after the request's trace committed. Caller mistakes are 4xx JSON errors; anything
unexpected is logged and answered with the static answer when the PRD has one, else
a JSON 502 — never a bare 500 — and traced like every other request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ._call import Call
from ._http import (
    HTTPError,
    Receive,
    Scope,
    Send,
    dumps,
    gonogo_headers,
    loads,
    parse_json_object,
    read_body,
    send_json,
)
from ._parse import ChatInput, PromptInput, parse_chat, parse_prompt
from ._upstream import completion_body

if TYPE_CHECKING:
    from ._chain import Outcome
    from ._registry import Compiled
    from ._runtime import Gateway
    from ._store import ApiKeyRecord

log = logging.getLogger("gonogo.gateway")
STATIC_MODEL = "gonogo-static"


class _Endpoint:
    endpoint = ""

    def __init__(self, gw: Gateway) -> None:
        self.gw = gw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gw = self.gw
        call = Call(self.endpoint)
        try:
            key = await gw.keys.authenticate(scope, "app")
        except HTTPError as e:
            gw.metrics.auth[(e.type,)] += 1
            gw.finish(call, e.status)  # counted, not traced: nobody to attribute it to
            await send_json(send, e.status, dumps(e.body()), gonogo_headers(call.id, "refused"))
            return
        call.key_id = key.id
        try:
            body = parse_json_object(await read_body(receive, gw.settings.max_body_bytes))
            await self.serve(call, key, scope, body, send)
        except HTTPError as e:
            call.error = e.message
            await self.reply_error(call, e, send)
        except Exception as e:  # never a bare 500: log, trace, answer gracefully
            log.exception("unexpected error serving %s (trace %s)", self.endpoint, call.id)
            call.error = f"internal error: {type(e).__name__}: {e}"[:500]
            await self.internal(call, send)

    async def serve(
        self, call: Call, key: ApiKeyRecord, scope: Scope, body: dict[str, Any], send: Send
    ) -> None:
        raise NotImplementedError

    def headers(self, call: Call) -> list[tuple[bytes, bytes]]:
        return gonogo_headers(call.id, call.path, call.prompt_version)

    async def reply(self, call: Call, status: int, body: bytes, send: Send) -> None:
        """Send the response once the trace committed."""
        self.gw.finish(call, status)
        await self.gw.writer.write(call.trace())
        await send_json(send, status, body, self.headers(call))

    async def reply_error(self, call: Call, err: HTTPError, send: Send) -> None:
        extra = [(k.lower().encode(), v.encode()) for k, v in err.headers.items()]
        self.gw.finish(call, err.status)
        await self.gw.writer.write(call.trace())
        await send_json(send, err.status, dumps(err.body()), [*self.headers(call), *extra])

    async def internal(self, call: Call, send: Send) -> None:
        if call.streaming:  # headers are out: end the stream with an error event
            self.gw.finish(call, 200)
            await self.gw.writer.write(call.trace())
            event = {"error": {"type": "internal_error", "message": "the stream failed"}}
            await send({"type": "http.response.body", "body": b"data: " + dumps(event) + b"\n\n"
                        + b"data: [DONE]\n\n"})  # fmt: skip
            return
        static = self.gw.cfg.static
        out = call.outcome
        if static is not None:
            if out is None:
                from ._chain import Outcome

                out = call.outcome = Outcome("static", static)
            out.path, out.text, out.answer, out.error = "static", static, None, None
            out.status = 200
            await self.reply(call, 200, self.body(call, out), send)
            return
        err = HTTPError(502, "internal_error", "the gateway failed to serve this request",
                        f"retry; trace id {call.id} has the details")  # fmt: skip
        await self.reply_error(call, err, send)

    def body(self, call: Call, out: Outcome) -> bytes:
        raise NotImplementedError

    async def finish_outcome(self, call: Call, out: Outcome, send: Send) -> None:
        if out.error is not None:
            call.error = out.error.message
            await self.reply_error(call, out.error, send)
        else:
            await self.reply(call, 200, self.body(call, out), send)


class ChatCompletions(_Endpoint):
    """``POST /v1/chat/completions`` — OpenAI-compatible, plus the ``gonogo`` extension."""

    endpoint = "chat"

    async def serve(
        self, call: Call, key: ApiKeyRecord, scope: Scope, body: dict[str, Any], send: Send
    ) -> None:
        gw = self.gw
        req: ChatInput = parse_chat(body)
        call.inputs = {"messages": req.messages}
        call.contexts = req.contexts
        compiled = None
        messages = req.messages
        if req.prompt is not None:
            compiled = await _resolve(gw, call, req.prompt, req.label, req.version)
            messages = compiled.render(_variables(req.variables, req.contexts, compiled)) + messages
            call.inputs = {"messages": req.messages, "variables": req.variables}
        call.question = req.question or _last_user(messages)
        upstream_body = {**_prompt_params(compiled), **req.params, "messages": messages}
        first = gw.cfg.upstream_for(compiled.version.model if compiled else None)
        call.params = {**first.params, **_prompt_params(compiled), **req.params}
        schema = compiled.version.output_schema if compiled else None
        if req.stream:
            from ._stream import stream_chat

            await stream_chat(self, call, key, upstream_body, first, schema, req, send)
            return
        out = await gw.execute(call, key, upstream_body, first, schema, req.texts, len(messages))
        await self.finish_outcome(call, out, send)

    def body(self, call: Call, out: Outcome) -> bytes:
        answer = out.answer
        if answer is None:
            return dumps(completion_body(out.text or "", STATIC_MODEL, None, completion_id=call.id))
        if not out.changed and answer.raw is not None:
            return answer.raw  # the upstream's bytes, untouched
        d = answer.body
        d["choices"][0]["message"]["content"] = out.text
        if not answer.raw:  # a body gonogo built (another provider): the trace names it
            d["id"] = f"chatcmpl-{call.id}"
        return dumps(d)


class PromptCompletions(_Endpoint):
    """``POST /v1/prompts/{name}/completions`` — render a registry prompt and call it."""

    endpoint = "prompt"

    async def serve(
        self, call: Call, key: ApiKeyRecord, scope: Scope, body: dict[str, Any], send: Send
    ) -> None:
        gw = self.gw
        name = scope["path_params"]["name"]
        req: PromptInput = parse_prompt(body)
        call.inputs = {"variables": req.variables}
        call.contexts = req.contexts
        compiled = await _resolve(gw, call, name, req.label, req.version)
        messages = compiled.render(_variables(req.variables, req.contexts, compiled))
        v = req.variables
        question = v.get("question", v.get("input"))
        call.question = question if isinstance(question, str) else _last_user(messages)
        params = _prompt_params(compiled)
        first = gw.cfg.upstream_for(compiled.version.model)
        call.params = {**first.params, **params}
        schema = compiled.version.output_schema
        upstream_body = {**params, "messages": messages}
        if req.stream:
            from ._stream import stream_prompt

            await stream_prompt(self, call, key, upstream_body, first, schema, send)
            return
        out = await gw.execute(call, key, upstream_body, first, schema, req.texts, len(messages))
        await self.finish_outcome(call, out, send)

    def body(self, call: Call, out: Outcome) -> bytes:
        return dumps(prompt_response(call, out))


def prompt_response(call: Call, out: Outcome) -> dict[str, Any]:
    """The feature endpoint's JSON answer."""
    output: Any = out.text
    if out.answer is not None and call.outcome is not None and _wants_json(call):
        try:
            output = loads(out.text or "")
        except ValueError:
            pass  # not JSON after all: serve the text
    return {
        "id": call.id,
        "output": output,
        "prompt": {
            "name": call.prompt_name,
            "version": call.prompt_version,
            "label": call.prompt_label,
        },  # fmt: skip
        "model": out.model,
        "path": out.path,
        "usage": {"input_tokens": out.input_tokens, "output_tokens": out.output_tokens}
        if out.has_usage
        else None,  # fmt: skip
        "cost_usd": out.cost_usd,
        "guards": [g.to_dict() for g in call.guard_results()],
    }


def _wants_json(call: Call) -> bool:
    return bool(call.params.get("response_format"))


async def _resolve(
    gw: Gateway, call: Call, name: str, label: str | None, version: int | None
) -> Compiled:
    if version is not None:
        compiled = await gw.registry.by_version(name, version)
    else:
        label = label or "production"
        compiled = gw.registry.by_label(name, label)
        call.prompt_label = label
    call.prompt_name, call.prompt_version = name, compiled.version.version
    return compiled


def _prompt_params(compiled: Compiled | None) -> dict[str, Any]:
    if compiled is None:
        return {}
    v = compiled.version
    if v.output_schema is None:
        return v.params
    fmt = {"type": "json_schema",
           "json_schema": {"name": "output", "schema": v.output_schema,
                           "strict": True}}  # fmt: skip
    return {**v.params, "response_format": fmt}


def _variables(
    variables: dict[str, Any], contexts: list[str], compiled: Compiled
) -> dict[str, Any]:
    """The caller's variables, with ``contexts`` filled in as a numbered list when needed."""
    if contexts and "contexts" in compiled.fields and "contexts" not in variables:
        numbered = "\n\n".join(f"[{i + 1}] {c}" for i, c in enumerate(contexts))
        return {**variables, "contexts": numbered}
    return variables


def _last_user(messages: list[dict[str, Any]]) -> str | None:
    for m in reversed(messages):
        if m.get("role") == "user" and isinstance(m.get("content"), str):
            content: str = m["content"]
            return content
    return None
