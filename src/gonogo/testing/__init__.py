"""Test helpers: real servers on loopback to run real HTTP against.

:class:`FakeOpenAIServer` is a fake OpenAI-compatible upstream with injectable faults;
:class:`GatewayProcess` runs ``gonogo serve`` as a subprocess on a free port, and
:class:`UIProcess` ``gonogo ui``. The
scripted provider (:class:`gonogo.models.ScriptedProvider`) covers tests that need no
HTTP at all.
"""

from __future__ import annotations

from ._fake_openai import (
    FAULT_KINDS,
    FakeOpenAIServer,
    ServerStats,
    default_responder,
    sample_for_schema,
)
from ._gateway_process import GatewayProcess, free_port
from ._ui_process import UIProcess

__all__ = [
    "FAULT_KINDS",
    "FakeOpenAIServer",
    "GatewayProcess",
    "ServerStats",
    "UIProcess",
    "default_responder",
    "free_port",
    "sample_for_schema",
]
