"""Build a ModelClient from a PRD's provider spec (model, judge) and price table."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._redact import add_secret
from ..errors import UserError
from ._cache import ResponseCache
from ._client import ModelClient
from ._types import Provider

if TYPE_CHECKING:
    from ..spec._prd import Price, ProviderSpec


def build_client(
    spec: ProviderSpec,
    prices: Mapping[str, Price],
    *,
    cache: ResponseCache | None = None,
    env: Mapping[str, str] | None = None,
) -> ModelClient:
    """A ModelClient for ``spec``: its provider, key, limits and price.

    The API key is read from the environment variable ``spec.api_key_env`` names;
    a missing or empty one raises :class:`~gonogo.errors.UserError` naming it.
    """
    provider = build_provider(spec, env=env)
    return ModelClient(
        provider,
        model=spec.name,
        params=dict(spec.params),
        timeout_s=spec.timeout_s,
        max_retries=spec.max_retries,
        concurrency=spec.concurrency,
        price=prices.get(spec.name),
        cache=cache,
    )


def build_provider(spec: ProviderSpec, *, env: Mapping[str, str] | None = None) -> Provider:
    """The Provider ``spec.provider`` names, with its key and base URL."""
    if spec.provider == "scripted":
        from ._scripted import ScriptedProvider

        return ScriptedProvider(spec.script if spec.script is not None else [""], model=spec.name)
    if spec.provider == "local":
        from ._local import LocalProvider

        return LocalProvider(spec.name, model_path=spec.model_path)
    key = api_key(spec.api_key_env, os.environ if env is None else env)
    if spec.provider == "anthropic":
        from ._anthropic import AnthropicProvider

        return AnthropicProvider(key, base_url=spec.base_url, api_key_env=spec.api_key_env)
    from ._openai import OpenAICompatibleProvider

    return OpenAICompatibleProvider(
        spec.base_url, key, connector_limit=spec.concurrency, api_key_env=spec.api_key_env
    )


def api_key(name: str | None, env: Mapping[str, str]) -> str | None:
    """The key in environment variable ``name``; None when no variable is named."""
    if name is None:
        return None
    value = env.get(name, "").strip()
    if not value:
        raise UserError(
            f"environment variable {name} is not set",
            f"export {name}=<your key> "
            "(the PRD names the variable; the key never goes in the file)",
        )
    add_secret(value)  # never written or printed, even when an upstream echoes it
    return value
