"""The fallback chain: primary → fallback models → static answer, with breakers.

A model step is skipped while its circuit breaker is open. A failure moves on to the
next step when its trigger is in ``launch.fallback_on``: ``timeout``, ``5xx``, ``429``,
``connection`` (refused, dropped, or a malformed body), ``schema`` (a json_schema
guard stopped the answer) or ``guard`` (another output guard with block/replace).
An upstream that rejects the request itself (HTTP 400/422) ends the chain with a 400:
every model would reject it alike. Upstream auth/404 errors are configuration faults
of that step: the chain moves on. When no model step served, the static answer does;
without one the caller gets a JSON 502 (504 after a timeout, 503 when every breaker
was open, 429 when a rate limit is not a fallback trigger).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ProviderError
from ..models import Usage
from ._config import GatewayConfig
from ._guards import Guard, GuardResult, OutputCheck
from ._http import HTTPError
from ._upstream import Answer, Upstream

TRIGGER_OF_KIND = {
    "timeout": "timeout",
    "server_error": "5xx",
    "rate_limit": "429",
    "connection": "connection",
    "bad_response": "connection",
}
_STATUS_OF_TRIGGER = {"timeout": 504, "429": 429}

OutputChecker = Callable[[str], Awaitable[OutputCheck]]


@dataclass(slots=True)
class Outcome:
    """What the chain served: path, text, the model's answer (None for static/blocked)."""

    path: str
    text: str | None
    answer: Answer | None = None
    model: str | None = None
    status: int = 200
    error: HTTPError | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    guards: list[GuardResult] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    has_usage: bool = False
    changed: bool = False  # the served text differs from the model's (redacted)

    def add_usage(self, usage: Usage | None, cost: float | None) -> None:
        """Count one answer's tokens and cost (every paid answer, served or not)."""
        if usage is not None:
            self.has_usage = True
            self.input_tokens += usage.input_tokens
            self.output_tokens += usage.output_tokens
        if cost is not None:
            self.cost_usd = (self.cost_usd or 0.0) + cost


def path_name(index: int, up: Upstream) -> str:
    """``primary`` or ``fallback:<i>:<model>`` for step ``index`` of the chain."""
    return "primary" if index == 0 else f"fallback:{index}:{up.model}"


def stop_with(out: Outcome, guard: Guard, static: str | None, stage: str) -> Outcome:
    """Apply a stopping guard's action: the graceful answer, or a blocked error."""
    answer = guard.answer or static
    if guard.action == "replace" and answer is not None:
        out.path, out.text, out.answer, out.status = "static", answer, None, 200
        return out
    status = 413 if guard.kind == "input_size" else 400 if stage == "input" else 422
    out.path, out.text, out.answer, out.status = "blocked", None, None, status
    out.error = HTTPError(
        status, "blocked_by_guard", f"guard '{guard.name}' blocked this {stage}",
        "change the request" if stage == "input" else "ask differently, or report it",
    )  # fmt: skip
    return out


async def run_chain(
    cfg: GatewayConfig,
    steps: list[Upstream],
    body: dict[str, Any],
    check_output: OutputChecker,
    out: Outcome,
    on_attempt: Callable[[Upstream, str], None] | None = None,
    names: list[str] | None = None,
) -> Outcome:
    """Walk ``steps`` (then the static answer) until one serves; fills ``out``.

    ``names`` are the steps' path names (default: primary, fallback:<i>:<model>).
    """
    names = names or [path_name(i, up) for i, up in enumerate(steps)]
    last_trigger: str | None = None
    stopped: tuple[Answer, OutputCheck, int, Upstream] | None = None
    skipped_all = True
    for index, up in enumerate(steps):
        breaker = cfg.breaker(up)
        if not breaker.allow():
            out.attempts.append({"model": up.model, "outcome": "skipped",
                                 "error": "circuit breaker open", "latency_ms": 0.0})  # fmt: skip
            continue
        skipped_all = False
        answer, err = await _call(cfg, up, body, out, on_attempt)
        if err is not None:
            breaker.failure()
            trigger = TRIGGER_OF_KIND.get(err.kind)
            if rejects_request(err):
                return rejected(out, err, names[index])
            last_trigger = trigger
            if trigger is not None and trigger not in cfg.fallback_on:
                return failed(out, err, trigger, names[index])
            continue
        breaker.success()
        assert answer is not None
        check = await check_output(answer.text)
        out.guards = check.results
        if check.trip is not None:
            stopped = (answer, check, index, up)
            out.attempts[-1]["outcome"] = f"stopped by guard {check.trip.name}"
            out.attempts[-1]["error"] = next(
                (g.detail for g in check.results if g.name == check.trip.name), None
            )
            if check.trip_kind in cfg.fallback_on and index + 1 < len(steps):
                continue
            return stop_with(out, check.trip, cfg.static, "answer")
        out.path, out.text, out.answer, out.model = names[index], check.text, answer, up.model
        out.changed = check.text != answer.text
        return out
    if stopped is not None:
        return stop_with(out, stopped[1].trip, cfg.static, "answer")  # type: ignore[arg-type]
    if cfg.static is not None:
        out.path, out.text, out.status = "static", cfg.static, 200
        return out
    if skipped_all and steps:
        return all_skipped(out)
    status = _STATUS_OF_TRIGGER.get(last_trigger or "", 502)
    out.error = HTTPError(status, "upstream_error", "no model of the chain answered",
                          "retry later; the attempts are in the trace")  # fmt: skip
    out.path, out.status = "refused", status
    return out


async def _call(
    cfg: GatewayConfig,
    up: Upstream,
    body: dict[str, Any],
    out: Outcome,
    on_attempt: Callable[[Upstream, str], None] | None,
) -> tuple[Answer | None, ProviderError | None]:
    """One step with ``cfg.retries`` retries of retryable failures; records attempts."""
    err: ProviderError | None = None
    for _ in range(cfg.retries + 1):
        t0 = time.perf_counter()
        try:
            answer = await up.complete(body, cfg.timeout_s)
        except ProviderError as e:
            err = e
            ms = (time.perf_counter() - t0) * 1000
            out.attempts.append({"model": up.model, "outcome": e.kind, "error": e.message,
                                 "latency_ms": round(ms, 2)})  # fmt: skip
            if on_attempt is not None:
                on_attempt(up, e.kind)
            if not e.retryable:
                break
            continue
        ms = (time.perf_counter() - t0) * 1000
        out.attempts.append({"model": up.model, "outcome": "ok", "error": None,
                             "latency_ms": round(ms, 2)})  # fmt: skip
        out.add_usage(answer.usage, cfg.cost(up.model, answer.model, answer.usage))
        if on_attempt is not None:
            on_attempt(up, "ok")
        return answer, None
    return None, err


def rejects_request(err: ProviderError) -> bool:
    """The upstream refused the request itself (HTTP 400/413/422): no model would take it."""
    return err.kind == "error" and err.status in (400, 413, 422)


def rejected(out: Outcome, err: ProviderError, path: str) -> Outcome:
    """End the chain with a 400: the caller's request is what is wrong."""
    out.error = HTTPError(400, "upstream_rejected_request", err.message,
                          "check the request's parameters")  # fmt: skip
    out.path, out.status, out.text = path, 400, None
    return out


def all_skipped(out: Outcome) -> Outcome:
    """Every step was skipped by its open breaker: 503 with Retry-After."""
    out.error = HTTPError(503, "upstream_unavailable",
                          "every model of the chain is failing (circuit breakers open)",
                          "retry later", headers={"Retry-After": "5"})  # fmt: skip
    out.path, out.status = "refused", 503
    return out


def failed(out: Outcome, err: ProviderError, trigger: str, path: str) -> Outcome:
    status = _STATUS_OF_TRIGGER.get(trigger, 502)
    headers = {"Retry-After": f"{err.retry_after:g}"} if err.retry_after is not None else None
    out.error = HTTPError(status, "upstream_error", err.message,
                          "retry later; the attempts are in the trace",
                          headers=headers)  # fmt: skip
    out.path, out.status = "refused", status
    return out
