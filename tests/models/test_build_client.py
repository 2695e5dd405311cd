import asyncio
import sys

import pytest
from models_kit import USER

from gonogo.errors import MissingDependencyError, UserError
from gonogo.models import (
    AnthropicProvider,
    OpenAICompatibleProvider,
    ScriptedProvider,
    build_client,
)
from gonogo.spec._prd import Price, ProviderSpec
from gonogo.testing import FakeOpenAIServer

PRICES = {"gpt-test": Price(input_per_1m=1.0, output_per_1m=2.0)}


def test_missing_or_empty_env_var_is_a_user_error_with_the_export_hint():
    spec = ProviderSpec(name="gpt-test", api_key_env="ACME_OPENAI_KEY")
    for env in ({}, {"ACME_OPENAI_KEY": "  "}):
        with pytest.raises(UserError) as info:
            build_client(spec, PRICES, env=env)
        assert info.value.message == "environment variable ACME_OPENAI_KEY is not set"
        assert (info.value.hint or "").startswith("export ACME_OPENAI_KEY=<your key>")


def test_openai_compatible_client_from_spec_sends_the_key():
    with FakeOpenAIServer(api_key="sk-test") as srv:
        spec = ProviderSpec(
            name="gpt-test",
            base_url=srv.base_url,
            api_key_env="K",
            params={"temperature": 0},
            timeout_s=7,
            max_retries=1,
            concurrency=3,
        )
        client = build_client(spec, PRICES, env={"K": "sk-test"})
        assert isinstance(client.provider, OpenAICompatibleProvider)
        assert (client.model, client.timeout_s, client.max_retries, client.concurrency) == (
            "gpt-test",
            7,
            1,
            3,
        )
        assert client.provider.connector_limit == 3

        async def go():
            try:
                return await client.complete(USER)
            finally:
                await client.aclose()

        resp = asyncio.run(go())
    assert resp.cost_usd is not None and srv.received[-1]["temperature"] == 0


def test_defaults_without_base_url_or_key_and_unknown_price():
    client = build_client(ProviderSpec(name="other"), PRICES, env={})
    assert client.provider.id == "openai-compatible:https://api.openai.com/v1"
    assert client.price is None


def test_scripted_needs_no_key():
    spec = ProviderSpec(provider="scripted", name="s", script=["hi"], api_key_env="UNSET_VAR")
    client = build_client(spec, {}, env={})
    assert isinstance(client.provider, ScriptedProvider)
    assert asyncio.run(client.complete(USER)).text == "hi"


def test_anthropic_without_the_sdk_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "anthropic", None)  # import anthropic -> ImportError
    with pytest.raises(MissingDependencyError) as info:
        build_client(ProviderSpec(provider="anthropic", name="claude"), {}, env={})
    assert info.value.hint == "pip install 'gonogo[anthropic]'"
    assert "anthropic" in info.value.message
    with pytest.raises(MissingDependencyError):
        AnthropicProvider("key")
