"""Test kit for the gateway: a real gateway (uvicorn on loopback, in a thread) in front
of a real fake upstream (FakeOpenAIServer), keys written into the real SQLite store, and
a small aiohttp client.

The upstream's answers and faults are steered per model: ``upstream.plan[model]`` is a
list of faults applied to that model's next calls (None = answer normally) or a single
fault for every call; a user message ``SAY: <text>`` makes the model answer ``<text>``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from gonogo.gateway import GatewayServer, GatewaySettings, bind_socket, create_app
from gonogo.spec import load_prd
from gonogo.store.gateway import new_api_key, open_gateway_store
from gonogo.testing import FakeOpenAIServer
from gonogo.testing._fake_openai import default_responder

STATIC = "Sorry, I cannot answer right now. Our help centre is at example.com/help."

BASE_PRD = """\
feature: gateway test
model:
  provider: openai-compatible
  base_url: {url}
  name: fake-model
  params: {{temperature: 0.2}}
  prompt:
    name: answer
    version: 1
    system: "Answer from the context."
    user: "Context: {{contexts}} Question: {{question}}"
prices:
  fake-model: {{input_per_1m: 1000, output_per_1m: 2000}}
  fake-mini: {{input_per_1m: 100, output_per_1m: 200}}
eval_plan:
  target: model
  datasets: [{{name: golden, path: cases.jsonl}}]
  scorers: [{{id: mentions, kind: contains_any, values: ["Answer"]}}]
{extra}
"""


class UpstreamPlan:
    """Faults per model for the fake upstream (see the module docstring)."""

    def __init__(self) -> None:
        self.plan: dict[str, Any] = {}
        self.calls: dict[str, int] = {}

    def __call__(self, number: int, payload: dict[str, Any]) -> str | None:
        model = payload.get("model", "")
        self.calls[model] = self.calls.get(model, 0) + 1
        fault = self.plan.get(model)
        if isinstance(fault, list):
            return fault.pop(0) if fault else None
        return fault

    def reset(self) -> None:
        self.plan.clear()
        self.calls.clear()


def responder(payload: dict[str, Any]) -> str:
    """``SAY: text`` → text (``SAY: a || b``: the primary says a, fake-mini says b)."""
    for m in reversed(payload.get("messages") or []):
        content = m.get("content") if isinstance(m, dict) else None
        if m.get("role") == "user" and isinstance(content, str) and "SAY: " in content:
            said = content.split("SAY: ", 1)[1]
            if " || " in said:
                first, second = said.split(" || ", 1)
                return second if payload.get("model") == "fake-mini" else first
            return said
    return default_responder(payload)


@contextmanager
def upstream(**kwargs: Any) -> Iterator[tuple[FakeOpenAIServer, UpstreamPlan]]:
    plan = UpstreamPlan()
    srv = FakeOpenAIServer(faults=plan, slow_s=kwargs.pop("slow_s", 5.0), **kwargs)
    srv.set_responder(responder)
    with srv:
        yield srv, plan


def write_prd(root: Path, upstream_url: str, extra: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cases.jsonl").write_text('{"id": "c1", "question": "Hi?", "expected": "Answer"}\n')
    path = root / "gonogo.yaml"
    path.write_text(BASE_PRD.format(url=upstream_url, extra=extra))
    return path


def add_key(store_url: str, role: str = "app", budget: float | None = None) -> tuple[str, str]:
    """(secret, key id) of a fresh key stored in the store."""

    async def go() -> tuple[str, str]:
        store = open_gateway_store(store_url)
        await store.open()
        try:
            secret, rec = new_api_key(f"test-{role}", role, budget)
            await store.add_key(rec)
            return secret, rec.id
        finally:
            await store.close()

    return asyncio.run(go())


def in_store(store_url: str, fn: Any) -> Any:
    """Run ``await fn(store)`` on a fresh connection to the store."""

    async def go() -> Any:
        store = open_gateway_store(store_url)
        await store.open()
        try:
            return await fn(store)
        finally:
            await store.close()

    return asyncio.run(go())


@dataclass
class Gateway:
    """A running gateway: its URL, store URL, keys, and the in-process objects."""

    url: str
    store_url: str
    app_key: str
    app_key_id: str
    admin_key: str
    server: GatewayServer
    thread: threading.Thread

    @property
    def gw(self) -> Any:
        return self.server.app.state.gateway

    def stop(self) -> None:
        self.server.stop()
        self.thread.join(15)


@contextmanager
def gateway(root: Path, upstream_url: str, extra: str = "", **settings: Any) -> Iterator[Gateway]:
    """Serve a PRD (BASE_PRD + ``extra``) in a background thread until the block ends."""
    prd = write_prd(root, upstream_url, extra)
    store_url = f"sqlite:///{root / 'gateway.db'}"
    app_key, app_id = add_key(store_url, "app")
    admin_key, _ = add_key(store_url, "admin")
    opts = {"store_url": store_url, "poll_s": 0.1, "key_ttl_s": 0.2, **settings}
    app = create_app(load_prd(prd), GatewaySettings(**opts))
    server = GatewayServer(app, bind_socket("127.0.0.1", 0))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.run())
        except BaseException as e:  # surface start-up failures to the test
            failure.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and not failure and time.monotonic() < deadline:
        time.sleep(0.01)
    if failure:
        raise failure[0]
    g = Gateway(server.url, store_url, app_key, app_id, admin_key, server, thread)
    try:
        yield g
    finally:
        g.stop()


@dataclass
class Reply:
    status: int
    headers: Any  # case-insensitive
    body: Any
    text: str

    @property
    def path(self) -> str | None:
        return self.headers.get("X-Gonogo-Path")

    @property
    def trace_id(self) -> str | None:
        return self.headers.get("X-Gonogo-Trace-Id")


def request(
    method: str, url: str, *, key: str | None = None, body: Any = None, raw: bytes | None = None,
    headers: dict[str, str] | None = None, timeout: float = 20,
) -> Reply:  # fmt: skip
    """One HTTP request (a fresh aiohttp session); the body parsed as JSON when it is."""

    async def go() -> Reply:
        h = dict(headers or {})
        if key is not None:
            h["Authorization"] = f"Bearer {key}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        async with (
            aiohttp.ClientSession() as s,
            s.request(
                method, url, data=data, headers=h, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as r,
        ):
            text = await r.text()
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            return Reply(r.status, r.headers.copy(), parsed, text)

    return asyncio.run(go())


def chat(g: Gateway, content: str, *, key: str | None = None, **extra: Any) -> Reply:
    body = {"model": "anything", "messages": [{"role": "user", "content": content}], **extra}
    return request("POST", g.url + "/v1/chat/completions", key=key or g.app_key, body=body)


def prompt(g: Gateway, name: str = "answer", *, key: str | None = None, **body: Any) -> Reply:
    return request("POST", f"{g.url}/v1/prompts/{name}/completions", key=key or g.app_key,
                   body=body)  # fmt: skip


def sse_events(text: str) -> list[Any]:
    """The ``data:`` payloads of an SSE body (``[DONE]`` kept as the string)."""
    out: list[Any] = []
    for line in text.splitlines():
        if line.startswith("data: "):
            data = line[6:]
            out.append(data if data == "[DONE]" else json.loads(data))
    return out


def trace(g: Gateway, trace_id: str) -> Any:
    return in_store(g.store_url, lambda s: s.get_trace(trace_id))
