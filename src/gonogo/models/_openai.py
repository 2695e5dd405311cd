"""The OpenAI-compatible chat wire format (OpenAI, vLLM, Ollama, llama.cpp server, …).

One ``aiohttp.ClientSession`` per provider, created inside the running event loop on
the first call, with a keep-alive connection pool sized to the concurrency. The per-call
path is kept lean — plain dicts and ``json`` — because at a hundred calls in flight the
client's CPU time per call, not the network, decides the wall time.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Literal

from .._safejson import dumps
from ..errors import ProviderError
from ._http_status import status_error
from ._types import ChatRequest, ChatResponse, Usage

if TYPE_CHECKING:
    import aiohttp

_DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAICompatibleProvider:
    """POSTs to ``{base_url}/chat/completions`` and parses the OpenAI response shape.

    ``api_key`` is sent as ``Authorization: Bearer …`` when given; ``api_key_env`` only
    names the variable it came from, for error hints. ``connector_limit`` caps open
    connections (match it to the client's concurrency).
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        connector_limit: int = 100,
        api_key_env: str | None = None,
    ) -> None:
        self.base_url = (base_url or _DEFAULT_BASE_URL).rstrip("/")
        self.id = f"openai-compatible:{self.base_url}"
        self.connector_limit = connector_limit
        self._url = self.base_url + "/chat/completions"
        self._key_env = api_key_env
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        # How a JSON Schema output is requested: OpenAI's `json_schema`, or `json_object`
        # with a `schema` (switched to when a server rejects the first; see complete()).
        self.schema_style: Literal["json_schema", "json_object"] = "json_schema"
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        # Import the HTTP stack now (it is ~0.2 s) so start-up cost is paid before the
        # first call, not counted inside the first wave of requests.
        import aiohttp  # noqa: F401

    def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is not None and self._loop is loop and not self._session.closed:
            return self._session
        import aiohttp

        # A session is bound to its loop: a new asyncio.run() gets a new session.
        # A plain-http endpoint (a local vLLM / llama.cpp server) needs no TLS context:
        # building the default one loads the CA store, ~50 ms of start-up for nothing.
        plain_http = self.base_url.startswith("http://")
        connector = aiohttp.TCPConnector(
            limit=self.connector_limit,
            limit_per_host=0,
            keepalive_timeout=30,
            ttl_dns_cache=300,
            ssl=False if plain_http else True,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent",),
            headers={"User-Agent": "gonogo"},
        )
        self._loop = loop
        return self._session

    def _timeout(self, timeout_s: float) -> aiohttp.ClientTimeout:
        t = self._timeouts.get(timeout_s)
        if t is None:
            import aiohttp

            t = self._timeouts[timeout_s] = aiohttp.ClientTimeout(total=timeout_s)
        return t

    def payload(self, request: ChatRequest) -> dict[str, Any]:
        """The JSON body sent for ``request``."""
        body: dict[str, Any] = {"model": request.model, "messages": request.messages}
        if request.params:
            body.update(request.params)
        if request.response_format is not None:
            if self.schema_style == "json_object":
                schema = _bounded_ints_as_enums(request.response_format)
                body["response_format"] = {"type": "json_object", "schema": schema}
            else:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {
                        "name": request.response_format_name,
                        "schema": request.response_format,
                        "strict": True,
                    },
                }
        return body

    async def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatResponse:
        """One POST to ``/chat/completions``; raises ProviderError classified by kind.

        A server that rejects ``response_format`` of type ``json_schema`` but names
        ``json_object`` in its error (llama-cpp-python's server) gets the request again
        as ``{"type": "json_object", "schema": …}``, and every later one in that style.
        """
        status, raw, retry_after = await self._post(request, timeout_s)
        if status != 200 and self._json_schema_rejected(request, status, raw):
            self.schema_style = "json_object"
            status, raw, retry_after = await self._post(request, timeout_s)
        if status != 200:
            raise self._http_error(status, raw, retry_after, request)
        return self._parse(raw)

    def _json_schema_rejected(self, request: ChatRequest, status: int, raw: bytes) -> bool:
        return (
            request.response_format is not None
            and self.schema_style == "json_schema"
            and status in (400, 422, 500)
            and b"response_format" in raw
            and b"json_object" in raw
        )

    async def _post(self, request: ChatRequest, timeout_s: float) -> tuple[int, bytes, str | None]:
        """Status, body and Retry-After of one POST; transport failures raise ProviderError."""
        import aiohttp

        session = self._get_session()
        data = dumps(self.payload(request), redact_secrets=False).encode()
        try:
            async with session.post(
                self._url, data=data, headers=self._headers, timeout=self._timeout(timeout_s)
            ) as resp:
                return resp.status, await resp.read(), resp.headers.get("Retry-After")
        except TimeoutError as e:
            raise ProviderError(
                f"no response from {self._url} within {timeout_s:g}s",
                "raise timeout_s in the PRD, or lower concurrency if the server is overloaded",
                kind="timeout",
                retryable=True,
            ) from e
        except aiohttp.ClientError as e:
            reason = _one_line(str(e) or type(e).__name__)
            if isinstance(e, aiohttp.ClientConnectorError | aiohttp.InvalidURL):
                message = f"cannot reach {self._url}: {reason}"
            else:
                message = f"connection to {self._url} lost before a full response: {reason}"
            raise ProviderError(
                message,
                "check base_url and that the server is running and reachable",
                kind="connection",
                retryable=True,
            ) from e

    def _parse(self, raw: bytes) -> ChatResponse:
        try:
            d = json.loads(raw)
            choice = d["choices"][0]
            message = choice["message"]
            text = message.get("content")
            if text is None:
                text = message.get("refusal") or ""
            if not isinstance(text, str):
                raise TypeError("message.content is not a string")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
            raise ProviderError(
                f"malformed response from {self._url}: {describe_bad_body(raw, e)}",
                "check that base_url points at an OpenAI-compatible /v1 endpoint",
                kind="bad_response",
                retryable=True,
                status=200,
            ) from None
        return ChatResponse(
            text=text,
            model=d.get("model") or "",
            usage=usage_of(d),
            finish_reason=choice.get("finish_reason"),
        )

    def _http_error(
        self, status: int, raw: bytes, retry_after: str | None, request: ChatRequest
    ) -> ProviderError:
        return status_error(
            status, server_message(raw), url=self._url, base_url=self.base_url,
            model=request.model, key_env=self._key_env, retry_after=retry_after,
            api="the provider's API",
        )  # fmt: skip

    async def aclose(self) -> None:
        """Close the connection pool."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            try:
                await session.close()
            except RuntimeError:  # created on an event loop that is gone
                pass


_MAX_ENUM_INTS = 101
_NOT_SCHEMAS = frozenset({"enum", "const", "default", "examples"})  # values, not subschemas
_NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions"})


def _bounded_ints_as_enums(schema: Any) -> Any:
    """``schema`` with each small ``integer`` range (``minimum``..``maximum``) also an ``enum``.

    For the ``json_object`` style: llama-cpp-python's grammar ignores ``minimum`` and
    ``maximum`` but honours ``enum``, so a judge's 1-5 score stays on its scale. The
    values the schema accepts are unchanged.
    """
    if isinstance(schema, list):
        return [_bounded_ints_as_enums(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _NAME_MAPS and isinstance(value, dict):  # name -> subschema
            out[key] = {name: _bounded_ints_as_enums(sub) for name, sub in value.items()}
        else:
            out[key] = value if key in _NOT_SCHEMAS else _bounded_ints_as_enums(value)
    lo, hi = out.get("minimum"), out.get("maximum")
    if (
        out.get("type") == "integer"
        and type(lo) is int
        and type(hi) is int
        and 0 <= hi - lo < _MAX_ENUM_INTS
        and not {"enum", "const", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} & out.keys()
    ):
        out["enum"] = list(range(lo, hi + 1))
    return out


def usage_of(d: dict[str, Any]) -> Usage | None:
    """The ``usage`` block of an OpenAI body as :class:`Usage`, when it has token counts."""
    u = d.get("usage")
    if isinstance(u, dict) and isinstance(u.get("prompt_tokens"), int):
        return Usage(u["prompt_tokens"], int(u.get("completion_tokens") or 0))
    return None


def server_message(raw: bytes) -> str:
    """The error message in an OpenAI-style error body, else the start of the body."""
    try:
        d = json.loads(raw)
        err = d.get("error", d) if isinstance(d, dict) else d
        msg = err.get("message") if isinstance(err, dict) else err
        if isinstance(msg, str) and msg:
            return _one_line(msg)
    except ValueError:
        pass
    text = raw[:300].decode("utf-8", "replace")
    return _one_line(text) or "(empty body)"


def describe_bad_body(raw: bytes, e: Exception) -> str:
    """What is wrong with a 200 body that is not an OpenAI chat completion."""
    if not raw:
        return "empty body"
    if isinstance(e, ValueError) and not isinstance(e, (KeyError, IndexError)):
        return f"body is not JSON ({_one_line(raw[:60].decode('utf-8', 'replace'))!r}…)"
    if isinstance(e, KeyError | IndexError):
        return f"no choices[0].message in the JSON body ({type(e).__name__}: {e})"
    return _one_line(str(e))


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
