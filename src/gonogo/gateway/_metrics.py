"""Prometheus metrics as plain in-memory counters, rendered as text on scrape.

Incrementing is a dict update (well under a microsecond); the text format is built
only when ``GET /metrics`` is called. Gauges that mirror other components (breakers,
budget, registry, trace writer) are read from them at scrape time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable

Counter = defaultdict[tuple[str, ...], float]
COMMIT_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

_HELP = {
    "gonogo_requests_total": ("counter", "Requests answered, by endpoint, path and status."),
    "gonogo_upstream_calls_total": ("counter", "Upstream model calls by model and outcome."),
    "gonogo_fallbacks_total": ("counter", "Requests not served by the primary model, by path."),
    "gonogo_guard_trips_total": ("counter", "Guard trips by guard, stage and outcome."),
    "gonogo_cost_usd_total": ("counter", "Model spend in USD, by model."),
    "gonogo_tokens_total": ("counter", "Tokens by model and direction (input/output)."),
    "gonogo_auth_failures_total": ("counter", "Requests refused for a missing or bad key."),
    "gonogo_budget_refusals_total": ("counter", "Requests refused or downgraded by a budget."),
}


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    if not names:
        return ""
    inner = ",".join(f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True))
    return "{" + inner + "}"


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Histogram:
    """A Prometheus histogram with one optional label."""

    def __init__(self, name: str, help: str, buckets: tuple[float, ...], label: str = "") -> None:
        self.name, self.help, self.buckets, self.label = name, help, buckets, label
        self._counts: dict[str, list[int]] = {}
        self._sums: defaultdict[str, float] = defaultdict(float)

    def observe(self, seconds: float, value: str = "") -> None:
        """Count one observation (under label value ``value``)."""
        counts = self._counts.get(value)
        if counts is None:
            counts = self._counts[value] = [0] * (len(self.buckets) + 1)
        counts[bisect_left(self.buckets, seconds)] += 1
        self._sums[value] += seconds

    def render(self) -> list[str]:
        """The histogram's exposition lines."""
        name = self.name
        out = [f"# HELP {name} {self.help}", f"# TYPE {name} histogram"]
        for value, counts in sorted(self._counts.items()):
            lab = f'{self.label}="{_escape(value)}",' if self.label else ""
            running = 0
            for bound, count in zip(self.buckets, counts, strict=False):
                running += count
                out.append(f'{name}_bucket{{{lab}le="{bound:g}"}} {running}')
            running += counts[-1]
            out.append(f'{name}_bucket{{{lab}le="+Inf"}} {running}')
            only = "{" + lab.rstrip(",") + "}" if lab else ""
            out.append(f"{name}_sum{only} {self._sums[value]:.6f}")
            out.append(f"{name}_count{only} {running}")
        return out


class Metrics:
    """The gateway's counters; ``extra`` callbacks add gauges at scrape time."""

    def __init__(self) -> None:
        self.requests: Counter = defaultdict(int)
        self.upstream: Counter = defaultdict(int)
        self.fallbacks: Counter = defaultdict(int)
        self.guards: Counter = defaultdict(int)
        self.cost: Counter = defaultdict(float)
        self.tokens: Counter = defaultdict(int)
        self.auth: Counter = defaultdict(int)
        self.budget_refusals: Counter = defaultdict(int)
        self.latency = Histogram("gonogo_request_duration_seconds",
                                 "Request latency in seconds, by endpoint.", LATENCY_BUCKETS,
                                 "endpoint")  # fmt: skip
        self.commit_wait = Histogram(
            "gonogo_trace_commit_wait_seconds",
            "From a trace's hand-off to the commit of its batch (what a response waits).",
            COMMIT_BUCKETS,
        )
        self.extra: list[Callable[[], Iterable[str]]] = []

    def observe(self, endpoint: str, seconds: float) -> None:
        """Record one request's latency."""
        self.latency.observe(seconds, endpoint)

    def render(self) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        out: list[str] = []
        tables: list[tuple[str, tuple[str, ...], Counter]] = [
            ("gonogo_requests_total", ("endpoint", "path", "status"), self.requests),
            ("gonogo_upstream_calls_total", ("model", "outcome"), self.upstream),
            ("gonogo_fallbacks_total", ("path",), self.fallbacks),
            ("gonogo_guard_trips_total", ("guard", "stage", "outcome"), self.guards),
            ("gonogo_cost_usd_total", ("model",), self.cost),
            ("gonogo_tokens_total", ("model", "direction"), self.tokens),
            ("gonogo_auth_failures_total", ("reason",), self.auth),
            ("gonogo_budget_refusals_total", ("budget", "action"), self.budget_refusals),
        ]  # fmt: skip
        for name, label_names, values in tables:
            kind, text = _HELP[name]
            out += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            for key, value in sorted(dict(values).items()):
                out.append(f"{name}{_labels(label_names, key)} {_num(value)}")
        out += self.latency.render()
        out += self.commit_wait.render()
        for extra in self.extra:
            out.extend(extra())
        return "\n".join(out) + "\n"


def gauge(name: str, help: str, rows: Iterable[tuple[dict[str, str], float]]) -> list[str]:
    """Lines for one gauge: ``rows`` of (labels, value)."""
    out = [f"# HELP {name} {help}", f"# TYPE {name} gauge"]
    for labels, value in rows:
        names = tuple(labels)
        out.append(f"{name}{_labels(names, tuple(labels[n] for n in names))} {_num(value)}")
    return out


def _num(v: float) -> str:
    if isinstance(v, int):
        return str(v)
    return f"{v:.10g}"
