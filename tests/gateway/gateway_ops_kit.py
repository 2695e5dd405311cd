"""Shared pieces of the gateway's operational tests (faults, SIGKILL, drill, fuzz).

A PRD for a gateway in front of the fake upstream, API keys written straight into the
store, and ``gonogo serve`` started as a real subprocess on a free loopback port (it
dies with the test process).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from gonogo.store.gateway import new_api_key, open_gateway_store

GONOGO = str(Path(sys.executable).parent / "gonogo")
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class GatewayProcess:
    """``gonogo serve PRD --port P --store URL`` as a subprocess; ``url`` once healthy."""

    def __init__(
        self, prd: Path, store_url: str, *, port: int | None = None, extra: list[str] = ()
    ) -> None:
        self.prd, self.store_url = prd, store_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra = list(extra)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = prd.parent / f"gateway-{self.port}.log"

    def start(self, timeout_s: float = 30.0) -> GatewayProcess:
        cmd = [GONOGO, "serve", str(self.prd), "--host", "127.0.0.1", "--port", str(self.port),
               "--store", self.store_url, *self.extra]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("GONOGO_")}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         preexec_fn=_die_with_parent)  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gonogo serve exited {self.proc.returncode}: {self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gonogo serve not healthy in {timeout_s}s: {self.output()}")
            time.sleep(0.1)

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flush — what a crash or an OOM kill does."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
