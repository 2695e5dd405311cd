"""Optional OpenTelemetry export: one span per request, GenAI semantic conventions.

Off by default (``gonogo serve --otel``; needs ``pip install 'gonogo[otel]'``). Spans are
made from committed traces by the trace writer's task, after the response — so the
request path pays nothing. Attributes follow the OpenTelemetry GenAI conventions:
``gen_ai.operation.name`` (``chat``), ``gen_ai.system``, ``gen_ai.request.model``,
``gen_ai.response.model``, ``gen_ai.usage.input_tokens`` / ``output_tokens``, the
request's sampling parameters (``gen_ai.request.temperature``, ``max_tokens``, …),
plus ``gonogo.*`` attributes: trace id, path, prompt name/version/label, cost, guard
outcomes. Prompts and answers are not exported (they may hold personal data); the
trace store has them. With ``tracer_provider`` None the global provider is used (set up
by the OpenTelemetry SDK's environment configuration, e.g. an OTLP exporter).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError

if TYPE_CHECKING:
    from ._config import GatewayConfig
    from ._store import TraceRecord

_PARAMS = {
    "temperature": "gen_ai.request.temperature",
    "max_tokens": "gen_ai.request.max_tokens",
    "top_p": "gen_ai.request.top_p",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "seed": "gen_ai.request.seed",
}


def span_exporter(
    cfg: GatewayConfig, tracer_provider: Any = None
) -> Callable[[list[TraceRecord]], None]:
    """A callback that turns committed traces into finished spans."""
    try:
        from opentelemetry import trace
        from opentelemetry.trace import SpanKind, Status, StatusCode
    except ImportError:
        raise MissingDependencyError("OpenTelemetry export", "otel", "opentelemetry-sdk") from None
    provider = tracer_provider or trace.get_tracer_provider()
    tracer = provider.get_tracer("gonogo.gateway")
    system = cfg.system

    def export(traces: list[TraceRecord]) -> None:
        for t in traces:
            start = int(t.started_at * 1e9)
            model = t.model or (t.attempts[0]["model"] if t.attempts else cfg.primary.model)
            span = tracer.start_span(f"chat {model}", kind=SpanKind.CLIENT, start_time=start,
                                     attributes=attributes(t, system))  # fmt: skip
            if t.status >= 500 or t.error:
                span.set_status(Status(StatusCode.ERROR, (t.error or "")[:200]))
            span.end(end_time=start + int(t.latency_ms * 1e6))

    return export


def attributes(t: TraceRecord, system: str) -> dict[str, Any]:
    """The span attributes of one trace."""
    a: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": system,
        "gonogo.trace_id": t.id,
        "gonogo.endpoint": t.endpoint,
        "gonogo.path": t.path,
        "http.response.status_code": t.status,
    }
    first = t.attempts[0]["model"] if t.attempts else None
    if first:
        a["gen_ai.request.model"] = first
    if t.model:
        a["gen_ai.response.model"] = t.model
    if t.input_tokens is not None:
        a["gen_ai.usage.input_tokens"] = t.input_tokens
    if t.output_tokens is not None:
        a["gen_ai.usage.output_tokens"] = t.output_tokens
    for key, name in _PARAMS.items():
        v = t.params.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool):
            a[name] = v
    if t.cost_usd is not None:
        a["gonogo.cost_usd"] = t.cost_usd
    if t.prompt_name:
        a["gonogo.prompt.name"] = t.prompt_name
    if t.prompt_version is not None:
        a["gonogo.prompt.version"] = t.prompt_version
    if t.prompt_label:
        a["gonogo.prompt.label"] = t.prompt_label
    if t.api_key_id:
        a["gonogo.api_key_id"] = t.api_key_id
    tripped = [f"{g['name']}:{g['outcome']}" for g in t.guards
               if g.get("outcome") not in ("pass", "skip")]  # fmt: skip
    if tripped:
        a["gonogo.guards"] = tripped
    if t.error:
        a["error.type"] = t.error.split(":")[0][:60]
    return a
