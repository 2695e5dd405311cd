"""Shared helpers of the models tests (a unique module name: importable from any test)."""

from typing import Any

from gonogo.models import ModelClient, OpenAICompatibleProvider
from gonogo.spec._prd import Price
from gonogo.testing import FakeOpenAIServer

USER = [{"role": "user", "content": "Can I return opened shoes?"}]


def make_client(srv: FakeOpenAIServer, **kw: Any) -> ModelClient:
    """A client on the fake server with tiny backoff, so retry tests take milliseconds."""
    key = kw.pop("api_key", None)
    provider = kw.pop("provider", None) or OpenAICompatibleProvider(srv.base_url, key)
    opts: dict[str, Any] = {
        "model": "gpt-test",
        "timeout_s": 5.0,
        "max_retries": 3,
        "backoff_base_s": 0.001,
        "backoff_max_s": 0.01,
    }
    opts.update(kw)
    return ModelClient(provider, **opts)


PRICE = Price(input_per_1m=2.0, output_per_1m=8.0)
