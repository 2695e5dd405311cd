"""The gateway store's schema and the registry rules both SQL backends apply.

The DDL is written once with two placeholders that differ between SQLite and
PostgreSQL (``{json}`` → TEXT / jsonb, ``{serial}`` → the auto-increment key type).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ...errors import UserError
from ._rows import check_name, unknown_label
from ._types import LabelMove, PromptVersion, _LabelStack, content_hash

SCHEMA_V1 = """
CREATE TABLE prompt_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    system TEXT,
    user_tpl TEXT NOT NULL,
    model TEXT,
    params {json} NOT NULL,
    output_schema {json},
    content_hash TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    created_by TEXT NOT NULL,
    message TEXT,
    PRIMARY KEY (name, version)
);
CREATE TABLE prompt_labels (
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, label),
    FOREIGN KEY (name, version) REFERENCES prompt_versions (name, version)
);
CREATE TABLE label_moves (
    id {serial},
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    from_version INTEGER,
    to_version INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    at DOUBLE PRECISION NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX label_moves_by_label ON label_moves (name, label, id);
CREATE TABLE registry_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO registry_meta (id, revision) VALUES (1, 0);
CREATE TABLE traces (
    id TEXT PRIMARY KEY,
    started_at DOUBLE PRECISION NOT NULL,
    endpoint TEXT NOT NULL,
    api_key_id TEXT,
    prompt_name TEXT,
    prompt_version INTEGER,
    prompt_label TEXT,
    model TEXT,
    params {json} NOT NULL,
    inputs {json} NOT NULL,
    contexts {json} NOT NULL,
    output TEXT,
    status INTEGER NOT NULL,
    path TEXT NOT NULL,
    attempts {json} NOT NULL,
    guards {json} NOT NULL,
    latency_ms DOUBLE PRECISION NOT NULL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cost_usd DOUBLE PRECISION,
    error TEXT
);
CREATE INDEX traces_by_time ON traces (started_at);
CREATE INDEX traces_by_prompt ON traces (prompt_name, started_at);
CREATE INDEX traces_by_key ON traces (api_key_id, started_at);
CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    trace_id TEXT NOT NULL REFERENCES traces (id),
    rating DOUBLE PRECISION NOT NULL,
    comment TEXT,
    correction TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    api_key_id TEXT
);
CREATE INDEX feedback_by_time ON feedback (created_at);
CREATE INDEX feedback_by_trace ON feedback (trace_id);
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at DOUBLE PRECISION NOT NULL,
    revoked_at DOUBLE PRECISION,
    daily_budget_usd DOUBLE PRECISION
)
"""

SCHEMA_V2 = """
CREATE TABLE monitor_scores (
    monitor TEXT NOT NULL,
    trace_id TEXT NOT NULL REFERENCES traces (id),
    status TEXT NOT NULL,
    worker TEXT NOT NULL,
    claimed_at DOUBLE PRECISION NOT NULL,
    scored_at DOUBLE PRECISION,
    scores {json},
    PRIMARY KEY (monitor, trace_id)
);
CREATE INDEX monitor_scores_by_status ON monitor_scores (monitor, status);
CREATE TABLE monitor_state (
    monitor TEXT PRIMARY KEY,
    watermark DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
)
"""
"""`gonogo monitor`: one row per (monitor, trace) it claimed — ``claimed`` (being scored, until
its lease ends), ``scored`` (with its scores) or ``skipped`` (sampled out) — and each
monitor's watermark, the start time before which every trace has been handled."""

SCHEMA_V3 = """
CREATE TABLE review_items (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    prd_key TEXT NOT NULL,
    source TEXT NOT NULL,
    ref TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    wanted INTEGER NOT NULL,
    payload {json} NOT NULL,
    claimed_by TEXT,
    claimed_until DOUBLE PRECISION,
    UNIQUE (prd_key, queue, ref)
);
CREATE INDEX review_items_by_queue ON review_items (prd_key, queue, created_at);
CREATE TABLE review_labels (
    item_id TEXT NOT NULL REFERENCES review_items (id),
    reviewer TEXT NOT NULL,
    verdict TEXT NOT NULL,
    grade INTEGER,
    comment TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (item_id, reviewer)
);
CREATE INDEX traces_by_version ON traces (prompt_name, prompt_version, started_at)
"""
"""`gonogo ui`'s human review: queued items (a copy of what the reviewer sees, who holds it
and until when) and one label per reviewer and item (pass, fail or skip; a grade; a comment)."""

MIGRATIONS: list[str] = [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3]


def statements(ddl: str, *, json_type: str, serial: str) -> list[str]:
    """One migration's DDL for a dialect, split into statements."""
    text = ddl.replace("{json}", json_type).replace("{serial}", serial)
    return [s.strip() for s in text.split(";") if s.strip()]


def new_version(
    name: str,
    latest: PromptVersion | None,
    *,
    system: str | None,
    user: str,
    model: str | None,
    params: dict[str, Any],
    output_schema: dict[str, Any] | None,
    actor: str,
    message: str | None,
) -> PromptVersion | None:
    """The version a push creates, or None when the content equals the latest version's."""
    check_name("prompt name", name)
    if not isinstance(user, str) or not user:
        raise UserError(
            f"prompt '{name}' has an empty user template", "write the user message template"
        )
    digest = content_hash(system, user, model, params, output_schema)
    if latest is not None and latest.content_hash == digest:
        return None
    return PromptVersion(
        name=name,
        version=1 if latest is None else latest.version + 1,
        system=system,
        user=user,
        model=model,
        params=dict(params),
        output_schema=output_schema,
        content_hash=digest,
        created_at=time.time(),
        created_by=actor,
        message=message,
    )


def rollback_target(
    name: str,
    label: str,
    current: int | None,
    history: Sequence[LabelMove],
    to_version: int | None,
) -> int:
    """The version a rollback moves ``label`` to (checks it is a real change)."""
    if current is None:
        raise unknown_label(name, label)
    if to_version is None:
        stack = _LabelStack().replay([(m.from_version, m.to_version, m.kind) for m in history])
        target = stack.target()
        if target is None:
            raise UserError(
                f"nothing to roll back to: label '{label}' of '{name}' has no earlier version",
                f"pick one with --to VERSION (see gonogo prompt history {name})",
            )
        return target
    if to_version == current:
        raise UserError(
            f"label '{label}' of '{name}' already points at version {current}",
            "pass --to with another version",
        )
    return to_version


def labels_usage(label: str) -> None:
    """Labels follow the same naming rule as prompts; "latest" is reserved."""
    check_name("label", label)
    if label == "latest":
        raise UserError(
            "'latest' is not a label you can move: it always means the newest version",
            "use another label name, e.g. production or staging",
        )
