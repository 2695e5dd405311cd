"""The gateway's store: prompt registry, traces, feedback, API keys, budget counters.

``open_gateway_store(url)`` picks the backend from the URL — SQLite (default, WAL) or
PostgreSQL (several gateway replicas share one registry and one trace store);
``open_counters(url)`` gives in-process or Redis-backed budget/rate counters.
"""

from ._counters import MemoryCounters, RedisCounters, open_counters
from ._golden import (
    GOOD_RATING,
    dedupe,
    export_feedback,
    export_traces,
    feedback_to_golden,
    trace_to_golden,
)
from ._open import DEFAULT_STORE, default_store_url, open_gateway_store, redact_url, sqlite_path
from ._sqlite import SQLiteGatewayStore
from ._types import (
    ApiKeyRecord,
    Counters,
    FeedbackRecord,
    GatewayStore,
    LabelMove,
    PromptVersion,
    ReviewItem,
    ReviewLabel,
    StoreError,
    TraceFilter,
    TraceRecord,
    UnknownKeyError,
    UnknownPromptError,
    UnknownTraceError,
    check_key_name,
    content_hash,
    hash_key,
    new_api_key,
)

__all__ = [
    "ApiKeyRecord",
    "Counters",
    "DEFAULT_STORE",
    "FeedbackRecord",
    "GOOD_RATING",
    "GatewayStore",
    "LabelMove",
    "MemoryCounters",
    "PromptVersion",
    "RedisCounters",
    "ReviewItem",
    "ReviewLabel",
    "SQLiteGatewayStore",
    "StoreError",
    "TraceFilter",
    "TraceRecord",
    "UnknownKeyError",
    "UnknownPromptError",
    "UnknownTraceError",
    "content_hash",
    "default_store_url",
    "dedupe",
    "export_feedback",
    "export_traces",
    "feedback_to_golden",
    "hash_key",
    "check_key_name",
    "new_api_key",
    "open_counters",
    "open_gateway_store",
    "redact_url",
    "sqlite_path",
    "trace_to_golden",
]
