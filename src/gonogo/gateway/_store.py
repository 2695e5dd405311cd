"""The gateway's view of the store: :mod:`gonogo.store.gateway` (registry, traces, keys)."""

from __future__ import annotations

from ..store.gateway import (
    ApiKeyRecord,
    Counters,
    FeedbackRecord,
    GatewayStore,
    LabelMove,
    PromptVersion,
    TraceRecord,
    UnknownPromptError,
    UnknownTraceError,
    hash_key,
    open_counters,
    open_gateway_store,
)

__all__ = [
    "ApiKeyRecord",
    "Counters",
    "FeedbackRecord",
    "GatewayStore",
    "LabelMove",
    "PromptVersion",
    "TraceRecord",
    "UnknownPromptError",
    "UnknownTraceError",
    "hash_key",
    "open_counters",
    "open_gateway_store",
]
