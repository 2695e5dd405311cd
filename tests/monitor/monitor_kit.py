"""A PRD whose reference-free scorers are known, and traces that pass or fail them."""

import asyncio
import textwrap
import time
import uuid

from gonogo.store.gateway import TraceRecord, open_gateway_store
from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: Refund answers
    eval_plan:
      target: app:answer
      datasets: [{name: g, path: data/golden.jsonl}]
      scorers:
        - {id: no_card, kind: regex_absent, pattern: '\\b\\d{16}\\b'}
        - {id: short, kind: length, max_words: 30}
        - {id: correct, kind: equals}
      thresholds:
        - {scorer: no_card, min_pass_rate: 0.9}
    failure_modes:
      - {id: leaks-card, what: The answer repeats a card number., severity: high, detect: no_card}
""")


def project(tmp_path):
    return write_project(tmp_path, PRD, [{"id": "1", "question": "q", "expected": "a"}],
                         {"app.py": "def answer(question):\n    return 'a'\n"})  # fmt: skip


def make_trace(i, *, bad=False, t0=None, **over):
    output = "Your card 4111111111111111 is refunded." if bad else "Refunds take 5 days."
    base = dict(
        id=f"t{i:05d}-{uuid.uuid4().hex[:6]}", started_at=(t0 or time.time()) + i * 0.001,
        endpoint="prompt", api_key_id="gk_1", prompt_name="refund", prompt_version=1,
        prompt_label="production", model="m", params={},
        inputs={"variables": {"question": "How long do refunds take?"}},
        contexts=["Refunds take 5 days."], output=output, status=200, path="primary",
        attempts=[], guards=[], latency_ms=40.0, input_tokens=10, output_tokens=5,
        cost_usd=0.001, error=None,
    )  # fmt: skip
    base.update(over)
    return TraceRecord(**base)


def write(url, traces):
    async def go():
        store = open_gateway_store(url)
        await store.open()
        try:
            await store.write_traces(traces)
        finally:
            await store.close()

    asyncio.run(go())


def rows(url, monitor):
    async def go():
        store = open_gateway_store(url)
        await store.open()
        try:
            return await store.monitor_results(monitor, since=0)
        finally:
            await store.close()

    return asyncio.run(go())
