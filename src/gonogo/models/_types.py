"""Wire-independent request/response types and the Provider protocol.

A Provider is one async call: ChatRequest -> ChatResponse. Retries, timeouts,
concurrency limits, cache and cost live in :class:`gonogo.models.ModelClient`,
which wraps any Provider, so the runner, judges and the gateway share them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .._safejson import dumps

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}


@dataclass(slots=True)
class ChatRequest:
    """One chat completion request, independent of any provider's wire format."""

    model: str
    messages: list[Message]
    params: dict[str, Any] = field(default_factory=dict)  # temperature, max_tokens, seed, ...
    response_format: dict[str, Any] | None = None  # a JSON Schema the output must follow
    response_format_name: str = "output"

    def fingerprint(self) -> str:
        """Stable hash of the whole request (model, messages, params, format)."""
        blob = dumps(
            [self.model, self.messages, self.params, self.response_format],
            sort_keys=True,
            compact=True,
            redact_secrets=False,
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    def cache_key(self, provider_id: str, sample: int) -> str:
        """Key for the response cache: the whole request, the provider and the sample index.

        Including the sample index makes repeats distinct samples, while an
        unchanged re-run hits the cache for every one of them.
        """
        return hashlib.sha256(
            f"{provider_id}\x00{sample}\x00{self.fingerprint()}".encode()
        ).hexdigest()


@dataclass(slots=True)
class Usage:
    """Token usage reported by the provider."""

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class ChatResponse:
    """A provider's answer. ``cost_usd`` is None when the price is unknown (never 0)."""

    text: str
    model: str
    usage: Usage | None = None
    cost_usd: float | None = None
    finish_reason: str | None = None
    latency_s: float = 0.0
    cached: bool = False
    attempts: int = 1
    raw: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "model": self.model,
            "usage": None
            if self.usage is None
            else {
                "input_tokens": self.usage.input_tokens,
                "output_tokens": self.usage.output_tokens,
            },
            "cost_usd": self.cost_usd,
            "finish_reason": self.finish_reason,
            "latency_s": self.latency_s,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChatResponse:
        u = d.get("usage")
        return cls(
            text=d["text"],
            model=d.get("model", ""),
            usage=None if u is None else Usage(u["input_tokens"], u["output_tokens"]),
            cost_usd=d.get("cost_usd"),
            finish_reason=d.get("finish_reason"),
            latency_s=d.get("latency_s", 0.0),
        )


@runtime_checkable
class Provider(Protocol):
    """Speaks one wire format to one endpoint. Raises ProviderError on failure.

    ``id`` identifies the endpoint for caching (e.g. ``openai-compatible:https://host/v1``).
    Implementations do not retry: ModelClient does.
    """

    id: str

    async def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatResponse:
        """Send one request and return the parsed response."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
