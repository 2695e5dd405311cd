"""Model providers and the one client every model call goes through.

:class:`ModelClient` wraps a :class:`Provider` (OpenAI-compatible, Anthropic, or
scripted) with retries, timeouts, a concurrency limit, the response cache and cost.
:func:`build_client` makes one from a PRD's ``model`` or ``judge`` section.
"""

from __future__ import annotations

from ._anthropic import AnthropicProvider
from ._build import build_client, build_provider
from ._cache import ResponseCache
from ._client import ClientStats, ModelClient
from ._openai import OpenAICompatibleProvider
from ._pricing import cost_of
from ._scripted import ScriptedProvider
from ._types import ChatRequest, ChatResponse, Message, Provider, Usage

__all__ = [
    "AnthropicProvider",
    "ChatRequest",
    "ChatResponse",
    "ClientStats",
    "Message",
    "ModelClient",
    "OpenAICompatibleProvider",
    "Provider",
    "ResponseCache",
    "ScriptedProvider",
    "Usage",
    "build_client",
    "build_provider",
    "cost_of",
]
