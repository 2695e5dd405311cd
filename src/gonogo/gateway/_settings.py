"""Deployment settings of one gateway process (the PRD says what to serve; these, how)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class GatewaySettings:
    """How a gateway runs; ``gonogo serve`` fills these from its options and environment.

    ``store_url``: the registry/trace store (default ``sqlite:///<PRD dir>/.gonogo/
    gateway.db``); ``redis_url``: shared budget counters; ``admin_key``: a bootstrap admin
    key kept in memory only (``GONOGO_ADMIN_KEY``); ``poll_s``: registry poll period
    (bounded to 5 s); ``key_ttl_s``: how long a key lookup is cached (a revocation takes
    effect within it); ``max_body_bytes``: larger bodies get HTTP 413 (at once when the
    ``Content-Length`` says so); ``read_timeout_s``: a request must arrive whole (headers
    and body) within it, else 408 / the connection is closed; ``seed_prompt``:
    push the PRD's prompt and label it ``production`` when the registry lacks it;
    ``otel``: export a span per request (needs ``gonogo[otel]``), to
    ``otel_tracer_provider`` when given, else the global one.
    """

    store_url: str | None = None
    redis_url: str | None = None
    admin_key: str | None = None
    base_dir: Path | None = None
    poll_s: float = 1.0
    key_ttl_s: float = 10.0
    max_body_bytes: int = 1_048_576
    read_timeout_s: float = 10.0
    trace_batch: int = 1000
    trace_wait_s: float = 10.0
    budget_flush_s: float = 0.25
    budget_refresh_s: float = 10.0
    seed_prompt: bool = True
    seed_label: str = "production"
    otel: bool = False
    otel_tracer_provider: Any = None
