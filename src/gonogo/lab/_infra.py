"""Infrastructure injections: the calls themselves fail, stall or come back broken.

For the PRD's model spec on an OpenAI-compatible endpoint the faults are real HTTP: the
lab puts a fault proxy (:mod:`._proxy`) between the client and the upstream, so the
runner's client — or the gateway's upstream calls, with ``--through-gateway`` — meet
real 429s with Retry-After, 5xx, dropped connections, stalls and bodies that are not
JSON, and their retries, timeouts, fallbacks and circuit breakers do what they do.
Other targets (a Python app, an HTTP endpoint, a scripted or local model) get the fault
*simulated* at the target's boundary: the call returns the error it would have seen
(a latency spike is added to the measured latency rather than waited for).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..data import Case, TargetOutput
from ._injection import CallContext, Fault, Injection, builtin, seeded


class _InfraInjection(Injection):
    layer = "infra"

    def make(self, ctx: CallContext) -> Fault:  # pragma: no cover - overridden
        raise NotImplementedError

    def fault(self, ctx: CallContext) -> Fault | None:
        return self.make(ctx) if self.hits(ctx) else None


@builtin
class Outage(_InfraInjection):
    """The upstream refuses connections."""

    name = "outage"

    def make(self, ctx: CallContext) -> Fault:
        return Fault("outage", detail="connection refused")


@builtin
class Timeouts(_InfraInjection):
    """The upstream answers after ``after_s`` (default: past the client's timeout)."""

    name = "timeouts"

    def make(self, ctx: CallContext) -> Fault:
        after = self.params.get("after_s")
        return Fault("timeout", delay_s=-1.0 if after is None else float(after))


@builtin
class RateLimit(_InfraInjection):
    """429 Too Many Requests with Retry-After."""

    name = "rate-limit"

    def make(self, ctx: CallContext) -> Fault:
        return Fault("429", status=429, retry_after=float(self.params.get("retry_after", 1.0)))


@builtin
class ServerErrors(_InfraInjection):
    """5xx answers."""

    name = "server-errors"

    def make(self, ctx: CallContext) -> Fault:
        return Fault("5xx", status=int(self.params.get("status", "503")))


@builtin
class Latency(_InfraInjection):
    """Latency spikes of ``spike_s`` seconds."""

    name = "latency"

    def make(self, ctx: CallContext) -> Fault:
        return Fault("latency", delay_s=float(self.params.get("spike_s", 2.0)))


@builtin
class Malformed(_InfraInjection):
    """A 200 whose body is not JSON."""

    name = "malformed"

    def make(self, ctx: CallContext) -> Fault:
        return Fault("malformed")


def first_fault(stack: Sequence[Injection], ctx: CallContext) -> Fault | None:
    """The first fault any infra injection of the stack gives this call."""
    for inj in stack:
        if inj.layer == "infra":
            fault = inj.fault(ctx)
            if fault is not None:
                return fault
    return None


def simulate(fault: Fault, out_kind: str, timeout_s: float) -> TargetOutput | None:
    """The output a call meeting ``fault`` returns, without the network (None: no error).

    ``out_kind`` is ``callable`` (the app's own code sees the failure as an exception),
    else the kind a model or HTTP client reports.
    """
    tag = f"(lab:{fault.kind})"
    if fault.kind == "outage":
        kind = "exception" if out_kind == "callable" else "connection"
        return TargetOutput(None, error=f"cannot connect to the upstream {tag}", error_kind=kind)
    if fault.kind == "timeout":
        delay = timeout_s if fault.delay_s < 0 else fault.delay_s
        if delay < timeout_s:
            return None
        return TargetOutput(None, latency_s=timeout_s, error=f"no answer within {timeout_s:g}s "
                            f"{tag}", error_kind="timeout")  # fmt: skip
    if fault.kind in ("429", "5xx"):
        after = f" (Retry-After: {fault.retry_after:g})" if fault.retry_after is not None else ""
        return TargetOutput(None, error=f"HTTP {fault.status}{after} {tag}", error_kind="http")
    if fault.kind == "malformed":
        return TargetOutput(None, error=f"the upstream's body is not JSON {tag}",
                            error_kind="invalid_output")  # fmt: skip
    return None


def with_delay(out: TargetOutput, fault: Fault | None) -> TargetOutput:
    """A latency spike (or a late but in-time answer) added to the measured latency."""
    if fault is None or fault.kind not in ("latency", "timeout") or fault.delay_s <= 0:
        return out
    return replace(out, latency_s=out.latency_s + fault.delay_s)


def request_context(seed: str, index: int, body: bytes, attempt: int) -> CallContext:
    """The seeded context of one proxied request (keyed on its body and attempt number)."""
    digest = hashlib.sha256(body).hexdigest()[:16]
    rng = seeded(f"{seed}|{index}|{digest}|{attempt}")
    return CallContext(rng=rng, case=Case(id=digest, inputs={}), sample=0, question="")


def fault_for_request(
    stack: Sequence[Injection], seed: str, body: bytes, attempt: int
) -> Fault | None:
    """The fault the proxy serves for this request body's ``attempt``-th try."""
    for i, inj in enumerate(stack):
        if inj.layer == "infra":
            fault = inj.fault(request_context(seed, i, body, attempt))
            if fault is not None:
                return fault
    return None


def describe(fault: Fault | None) -> dict[str, Any] | None:
    """The fault as JSON data for the sample record."""
    if fault is None:
        return None
    return {"kind": fault.kind, "status": fault.status, "delay_s": fault.delay_s,
            "retry_after": fault.retry_after}  # fmt: skip
