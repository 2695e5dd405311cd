"""Shared pieces of the gateway's operational tests (faults, SIGKILL, drill, fuzz).

A PRD for a gateway in front of the fake upstream and API keys written straight into the
store; the tests start ``gonogo serve`` with :class:`gonogo.testing.GatewayProcess`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from gonogo.store.gateway import new_api_key, open_gateway_store

STATIC = "Sorry, the assistant is unavailable right now. Please try again."

PRD = """\
feature: ops test
model:
  provider: openai-compatible
  base_url: {url}
  name: fake-model
  timeout_s: {timeout_s}
  max_retries: 0
  concurrency: 256
  prompt: {{name: answer, version: 1, user: "Question: {{question}}"}}
prices:
  fake-model: {{input_per_1m: 0.15, output_per_1m: 0.60}}
  fake-mini: {{input_per_1m: 0.05, output_per_1m: 0.20}}
eval_plan:
  target: model
  datasets: [{{name: golden, path: cases.jsonl}}]
  scorers: [{{id: mentions, kind: contains_any, values: ["Answer"]}}]
failure_modes:
  - id: injection
    what: The user tries to override the instructions.
    severity: high
    guard: {{kind: prompt_injection, action: block}}
  - id: leaks-email
    what: The answer contains an email address.
    severity: medium
    guard: {{kind: pii, entities: [email], action: redact}}
launch:
  timeout_s: {timeout_s}
  fallback: [fake-mini, {{static: "{static}"}}]
  circuit_breaker: {{enabled: false}}
  budget: {{daily_usd: 1000}}
  rollback_within: 5s
"""


def write_prd(root: Path, upstream_url: str, *, timeout_s: float = 1.0) -> Path:
    """A PRD (plus its one-case dataset) for a gateway in front of ``upstream_url``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "cases.jsonl").write_text('{"id": "c1", "question": "Hi?", "expected": "Answer"}\n')
    prd = root / "gonogo.yaml"
    prd.write_text(PRD.format(url=upstream_url, timeout_s=timeout_s, static=STATIC))
    return prd


def make_key(store_url: str, role: str = "app") -> str:
    """A fresh API key stored (hashed) in the store; returns the secret."""

    async def add() -> str:
        store = open_gateway_store(store_url)
        await store.open()
        try:
            secret, rec = new_api_key(f"ops-test-{role}", role)
            await store.add_key(rec)
            return secret
        finally:
            await store.close()

    return asyncio.run(add())
