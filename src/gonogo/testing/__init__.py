"""Test helpers: a fake OpenAI-compatible server to run real HTTP against, on loopback.

The scripted provider (:class:`gonogo.models.ScriptedProvider`) covers tests that
need no HTTP at all.
"""

from __future__ import annotations

from ._fake_openai import (
    FAULT_KINDS,
    FakeOpenAIServer,
    ServerStats,
    default_responder,
    sample_for_schema,
)

__all__ = [
    "FAULT_KINDS",
    "FakeOpenAIServer",
    "ServerStats",
    "default_responder",
    "sample_for_schema",
]
