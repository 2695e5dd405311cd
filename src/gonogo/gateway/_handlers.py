"""The feature endpoints, as raw ASGI apps: OpenAI chat completions and prompt completions.

Both parse and check the request, resolve a registry prompt when one is named, and hand
it to :meth:`Gateway.execute` — or, with ``stream: true``, to ``_stream``. What they
share (authentication, error handling, replies after the trace committed) is
:class:`~._endpoint.Endpoint`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._call import Call
from ._endpoint import STATIC_MODEL, Endpoint, prompt_response
from ._http import Scope, Send, dumps
from ._parse import ChatInput, PromptInput, parse_chat, parse_prompt
from ._stream import stream_chat, stream_prompt
from ._upstream import completion_body

if TYPE_CHECKING:
    from ._chain import Outcome
    from ._registry import Compiled
    from ._runtime import Gateway
    from ._store import ApiKeyRecord


class ChatCompletions(Endpoint):
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


class PromptCompletions(Endpoint):
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
            await stream_prompt(self, call, key, upstream_body, first, schema, send)
            return
        out = await gw.execute(call, key, upstream_body, first, schema, req.texts, len(messages))
        await self.finish_outcome(call, out, send)

    def body(self, call: Call, out: Outcome) -> bytes:
        return dumps(prompt_response(call, out))


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
