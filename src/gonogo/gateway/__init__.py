"""The runtime gateway: the PRD's feature served behind guardrails (``gonogo serve``).

:func:`create_app` builds a Starlette app from a PRD: an OpenAI-compatible chat
endpoint and a feature endpoint rendering registry prompts by label, each behind API
keys, input and output guards, budgets and a fallback chain with circuit breakers;
every request becomes a trace (group-committed before its response) and feedback can
be attached to it. :func:`serve` runs it with uvicorn. Starlette and uvicorn come
with ``pip install 'gonogo[gateway]'``. See docs/gateway.md.
"""

from __future__ import annotations

from ._app import create_app
from ._breaker import CircuitBreaker
from ._config import compile_guards
from ._drill import (
    AdminLabels,
    DrillPhase,
    DrillReport,
    LabelControl,
    Prober,
    ReplicaTiming,
    StoreLabels,
    run_drill,
    template_variables,
    wait_for_version,
)
from ._injection import InjectionScore, injection_score
from ._pii import PII_KINDS, PiiMatch, find_pii, redact
from ._serve import GatewayServer, bind_socket, serve
from ._settings import GatewaySettings

__all__ = [
    "PII_KINDS",
    "AdminLabels",
    "CircuitBreaker",
    "DrillPhase",
    "DrillReport",
    "GatewayServer",
    "GatewaySettings",
    "InjectionScore",
    "LabelControl",
    "PiiMatch",
    "Prober",
    "ReplicaTiming",
    "StoreLabels",
    "bind_socket",
    "compile_guards",
    "create_app",
    "find_pii",
    "injection_score",
    "redact",
    "run_drill",
    "serve",
    "template_variables",
    "wait_for_version",
]
