"""A target's output for one case and sample: what targets produce and scorers read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class TargetOutput:
    """What the feature under test returned for one case and sample.

    ``error`` is set when the *feature* failed (timeout, invalid output, exception in
    the user's callable): the case counts as failed and is shown separately.
    """

    output: Any
    contexts: list[str] | None = None
    latency_s: float = 0.0
    cost_usd: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached: bool = False
    error: str | None = None
    error_kind: str | None = None  # timeout | http | exception | invalid_output | ...
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The output as text (JSON-encoded when structured)."""
        if self.output is None:
            return ""
        if isinstance(self.output, str):
            return self.output
        import json

        return json.dumps(self.output, ensure_ascii=False)
