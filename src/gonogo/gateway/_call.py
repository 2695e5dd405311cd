"""One request in flight: what the trace records about it, gathered as it is served."""

from __future__ import annotations

import time
import uuid
from typing import Any

from ._chain import Outcome
from ._guards import GuardResult
from ._store import TraceRecord


class Call:
    """The per-request state; :meth:`trace` turns it into the stored record.

    Only public key ids are kept (never the secret); ``inputs`` hold the caller's
    messages or variables, not its headers.
    """

    __slots__ = (
        "id", "endpoint", "started_at", "t0", "key_id", "prompt_name", "prompt_version",
        "prompt_label", "params", "inputs", "contexts", "question", "outcome", "input_guards",
        "error", "status", "streaming",
    )  # fmt: skip

    def __init__(self, endpoint: str) -> None:
        self.id = uuid.uuid4().hex
        self.endpoint = endpoint
        self.started_at = time.time()
        self.t0 = time.perf_counter()
        self.key_id: str | None = None
        self.prompt_name: str | None = None
        self.prompt_version: int | None = None
        self.prompt_label: str | None = None
        self.params: dict[str, Any] = {}
        self.inputs: dict[str, Any] = {}
        self.contexts: list[str] = []
        self.question: str | None = None
        self.outcome: Outcome | None = None
        self.input_guards: list[GuardResult] = []
        self.error: str | None = None
        self.status = 200
        self.streaming = False  # SSE headers sent: errors now go out as events

    @property
    def path(self) -> str:
        """The path that served it (``refused`` before any step ran)."""
        return self.outcome.path if self.outcome is not None else "refused"

    def guard_results(self) -> list[GuardResult]:
        """Input guards, then the served answer's output guards."""
        out = self.outcome
        return self.input_guards + (out.guards if out is not None else [])

    def trace(self) -> TraceRecord:
        """The trace record of this request as it stands."""
        out = self.outcome
        usage = out is not None and out.has_usage
        return TraceRecord(
            id=self.id,
            started_at=self.started_at,
            endpoint=self.endpoint,
            api_key_id=self.key_id,
            prompt_name=self.prompt_name,
            prompt_version=self.prompt_version,
            prompt_label=self.prompt_label,
            model=out.model if out is not None else None,
            params=self.params,
            inputs=self.inputs,
            contexts=self.contexts,
            output=out.text if out is not None else None,
            status=self.status,
            path=self.path,
            attempts=out.attempts if out is not None else [],
            guards=[g.to_dict() for g in self.guard_results()],
            latency_ms=round((time.perf_counter() - self.t0) * 1000, 3),
            input_tokens=out.input_tokens if usage and out is not None else None,
            output_tokens=out.output_tokens if usage and out is not None else None,
            cost_usd=out.cost_usd if out is not None else None,
            error=self.error,
        )
