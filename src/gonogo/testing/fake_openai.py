"""The fake OpenAI-compatible server's public module and command line.

``python -m gonogo.testing.fake_openai --port 0 --latency-ms 50`` serves until
interrupted and prints the base URL on the first line of stdout.
"""

from __future__ import annotations

from ._fake_openai import (
    DEFAULT_FAULT_MIX,
    FAULT_KINDS,
    FakeOpenAIServer,
    ServerStats,
    default_responder,
    main,
    sample_for_schema,
)

__all__ = [
    "DEFAULT_FAULT_MIX",
    "FAULT_KINDS",
    "FakeOpenAIServer",
    "ServerStats",
    "default_responder",
    "main",
    "sample_for_schema",
]

if __name__ == "__main__":
    main()
