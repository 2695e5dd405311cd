"""Anthropic's Messages API, through the optional ``anthropic`` SDK.

Install with ``pip install 'gonogo[anthropic]'``. The SDK's own retries are off:
:class:`~gonogo.models.ModelClient` retries, so every provider shares one policy.
Structured output uses a tool whose ``input_schema`` is the JSON Schema, forced with
``tool_choice``; the tool input comes back as the response text (JSON).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import MissingDependencyError, ProviderError
from ._http_status import status_error
from ._types import ChatRequest, ChatResponse, Usage

_DEFAULT_BASE_URL = "https://api.anthropic.com"
_DEFAULT_MAX_TOKENS = 1024
# OpenAI-only sampling params that the Messages API would reject.
_DROPPED = frozenset(
    {"seed", "n", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "user"}
)


class AnthropicProvider:
    """Calls ``POST /v1/messages`` with the ``anthropic`` SDK (imported here, lazily)."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        api_key_env: str | None = None,
    ) -> None:
        try:
            import anthropic
        except ImportError:
            raise MissingDependencyError(
                "The Anthropic provider", "anthropic", "anthropic"
            ) from None
        self._sdk = anthropic
        self.base_url = (base_url or _DEFAULT_BASE_URL).rstrip("/")
        self.id = f"anthropic:{self.base_url}"
        self._key_env = api_key_env
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key or "unset", base_url=self.base_url, max_retries=0
        )

    def arguments(self, request: ChatRequest) -> dict[str, Any]:
        """The keyword arguments of ``messages.create`` for ``request``."""
        system = "\n\n".join(m["content"] for m in request.messages if m.get("role") == "system")
        messages = [
            {"role": m["role"], "content": m["content"]}
            for m in request.messages
            if m.get("role") != "system"
        ]
        params = dict(request.params)
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "max_tokens": int(params.pop("max_tokens", _DEFAULT_MAX_TOKENS)),
        }
        if system:
            kwargs["system"] = system
        if "stop" in params:
            stop = params.pop("stop")
            params["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
        # Sampling params travel in the body as-is: SDK versions differ in which of them
        # they accept as keyword arguments, the API accepts them all.
        extra = {k: v for k, v in params.items() if k not in _DROPPED}
        if extra:
            kwargs["extra_body"] = extra
        if request.response_format is not None:
            name = request.response_format_name
            kwargs["tools"] = [
                {
                    "name": name,
                    "description": "Give the answer in this structure.",
                    "input_schema": request.response_format,
                }
            ]
            kwargs["tool_choice"] = {"type": "tool", "name": name}
        return kwargs

    async def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatResponse:
        """One Messages API call; raises ProviderError classified by kind."""
        try:
            msg = await self._client.messages.create(**self.arguments(request), timeout=timeout_s)
        except self._sdk.APIError as e:
            raise self._error(e, request, timeout_s) from e
        texts: list[str] = []
        for block in msg.content:
            if block.type == "tool_use":
                texts.append(json.dumps(block.input, ensure_ascii=False))
            elif block.type == "text":
                texts.append(block.text)
        usage = getattr(msg, "usage", None)
        return ChatResponse(
            text="".join(texts),
            model=getattr(msg, "model", "") or request.model,
            usage=None if usage is None else Usage(usage.input_tokens, usage.output_tokens),
            finish_reason=getattr(msg, "stop_reason", None),
        )

    def _error(self, e: Exception, request: ChatRequest, timeout_s: float) -> ProviderError:
        sdk = self._sdk
        url = f"{self.base_url}/v1/messages"
        if isinstance(e, sdk.APITimeoutError):
            return ProviderError(
                f"no response from {url} within {timeout_s:g}s",
                "raise timeout_s in the PRD, or lower concurrency",
                kind="timeout", retryable=True,
            )  # fmt: skip
        if isinstance(e, sdk.APIConnectionError):
            return ProviderError(
                f"cannot reach {url}: {e}", "check base_url and your network",
                kind="connection", retryable=True,
            )  # fmt: skip
        if not isinstance(e, sdk.APIStatusError):
            return ProviderError(
                f"malformed response from {url}: {e}", "check base_url",
                kind="bad_response", retryable=True,
            )  # fmt: skip
        detail = " ".join(str(getattr(e, "message", e)).split())[:200]
        return status_error(
            int(e.status_code), detail, url=url, base_url=self.base_url, model=request.model,
            key_env=self._key_env, retry_after=e.response.headers.get("retry-after"),
            api="the Messages API",
        )  # fmt: skip

    async def aclose(self) -> None:
        """Close the SDK's HTTP client."""
        await self._client.close()
