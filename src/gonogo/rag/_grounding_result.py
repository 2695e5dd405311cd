"""What every groundedness mode returns: a verdict per claim, and the answer's verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ClaimVerdict:
    """One claim of the answer: its span in the answer, its support score and why.

    ``answer[start:end] == text``; ``score`` is the support in 0..1; ``reasons`` say why a
    claim is unsupported (empty for a supported one, unless the mode always explains).
    """

    text: str
    start: int
    end: int
    score: float
    supported: bool
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "supported": self.supported,
            "reasons": list(self.reasons),
        }


@dataclass(slots=True)
class GroundingResult:
    """The answer's verdict: the weakest claim decides (``score`` = its score).

    ``method`` is ``"offline"``, ``"judge"`` or ``"nli"``; ``threshold`` is the support
    a claim needs to count as supported; ``metadata`` holds what the mode adds (the
    judge's fingerprint and cost, the NLI model's directory).
    """

    score: float
    supported: bool
    claims: list[ClaimVerdict]
    method: str
    threshold: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def unsupported(self) -> list[ClaimVerdict]:
        """The claims judged unsupported, in answer order."""
        return [c for c in self.claims if not c.supported]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, e.g. for a score's metadata."""
        return {
            "score": self.score,
            "supported": self.supported,
            "method": self.method,
            "threshold": self.threshold,
            "claims": [c.to_dict() for c in self.claims],
            "metadata": dict(self.metadata),
        }


def combine(claims: list[ClaimVerdict], method: str, threshold: float) -> GroundingResult:
    """The answer's verdict from its claims: the weakest one decides.

    An answer with no claim (empty, or only punctuation) asserts nothing, so nothing in
    it is unsupported: score 1.
    """
    if not claims:
        return GroundingResult(1.0, True, [], method, threshold)
    score = min(c.score for c in claims)
    return GroundingResult(score, all(c.supported for c in claims), claims, method, threshold)
