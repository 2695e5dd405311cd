"""What both feature endpoints share: authentication, error handling, replies, the answer.

:class:`Endpoint` is the raw-ASGI base of the chat and prompt endpoints (``_handlers``):
it authenticates the caller, reads the body, and answers only after the request's trace
committed. Caller mistakes are 4xx JSON errors; anything unexpected is logged and
answered with the static answer when the PRD has one, else a JSON 502 — never a bare
500 — and traced like every other request. :func:`prompt_response` is the prompt
endpoint's JSON answer, sent whole or as the last event of a stream (``_stream``).
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

if TYPE_CHECKING:
    from ._chain import Outcome
    from ._runtime import Gateway
    from ._store import ApiKeyRecord

log = logging.getLogger("gonogo.gateway")
STATIC_MODEL = "gonogo-static"


class Endpoint:
    """A feature endpoint; subclasses parse and serve the request (``serve``, ``body``)."""

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
