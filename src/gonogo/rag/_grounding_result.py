"""What every groundedness mode returns: a verdict per claim, and the answer's verdict.

Three verdicts, not two (issue #13): ``supported``, ``unsupported`` and ``undecided``.
``undecided`` is the offline detector saying that lexical evidence cannot tell a
paraphrase from an invention (a claim whose words are mostly, but not all, in the
context, with no name, number or negation against it); the judge and NLI modes decide
every claim. ``supported`` stays a boolean: true only for the ``supported`` verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["supported", "unsupported", "undecided"]
VERDICTS: tuple[Verdict, ...] = ("supported", "unsupported", "undecided")


@dataclass(slots=True)
class ClaimVerdict:
    """One claim of the answer: its span in the answer, its support score and why.

    ``answer[start:end] == text``; ``score`` is the support in 0..1; ``reasons`` say why
    a claim is not supported (empty for a supported one, unless the mode always
    explains). ``verdict`` is one of :data:`VERDICTS` (default: from ``supported``);
    ``probability`` is the calibrated probability that the claim is grounded, where the
    mode has one (the offline detector).
    """

    text: str
    start: int
    end: int
    score: float
    supported: bool
    reasons: list[str] = field(default_factory=list)
    verdict: Verdict | None = None
    probability: float | None = None

    def __post_init__(self) -> None:
        if self.verdict is None:
            self.verdict = "supported" if self.supported else "unsupported"
        self.supported = self.verdict == "supported"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "supported": self.supported,
            "verdict": self.verdict,
            "probability": self.probability,
            "reasons": list(self.reasons),
        }


@dataclass(slots=True)
class GroundingResult:
    """The answer's verdict from its claims (see :func:`combine`).

    ``method`` is ``"offline"``, ``"judge"`` or ``"nli"``; ``threshold`` is the support
    a claim needs to count as supported; ``verdict`` is ``unsupported`` when a claim is,
    else ``undecided`` when a claim is, else ``supported``; ``probability`` is the
    calibrated probability that the answer is grounded (offline detector; None
    otherwise); ``metadata`` holds what the mode adds (the judge's fingerprint and cost,
    the NLI model's directory).
    """

    score: float
    supported: bool
    claims: list[ClaimVerdict]
    method: str
    threshold: float
    metadata: dict[str, Any] = field(default_factory=dict)
    verdict: Verdict | None = None
    probability: float | None = None

    def __post_init__(self) -> None:
        if self.verdict is None:
            self.verdict = "supported" if self.supported else "unsupported"
        self.supported = self.verdict == "supported"

    @property
    def unsupported(self) -> list[ClaimVerdict]:
        """The claims judged unsupported, in answer order."""
        return [c for c in self.claims if c.verdict == "unsupported"]

    @property
    def undecided(self) -> list[ClaimVerdict]:
        """The claims the mode could not decide, in answer order."""
        return [c for c in self.claims if c.verdict == "undecided"]

    @property
    def reason(self) -> str:
        """The first reason of the claim that decided the verdict ("" when supported)."""
        decisive = self.unsupported or self.undecided
        return decisive[0].reasons[0] if decisive and decisive[0].reasons else ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, e.g. for a score's metadata."""
        return {
            "score": self.score,
            "supported": self.supported,
            "verdict": self.verdict,
            "probability": self.probability,
            "method": self.method,
            "threshold": self.threshold,
            "claims": [c.to_dict() for c in self.claims],
            "metadata": dict(self.metadata),
        }


def answer_verdict(claims: list[ClaimVerdict]) -> Verdict:
    """``unsupported`` if any claim is, else ``undecided`` if any claim is, else supported."""
    verdicts = {c.verdict for c in claims}
    if "unsupported" in verdicts:
        return "unsupported"
    return "undecided" if "undecided" in verdicts else "supported"


def combine(claims: list[ClaimVerdict], method: str, threshold: float) -> GroundingResult:
    """The answer's verdict from its claims: the weakest one decides the score.

    An answer with no claim (empty, or only punctuation) asserts nothing, so nothing in
    it is unsupported: score 1. The probability is the weakest claim's, when every
    claim has one.
    """
    if not claims:
        return GroundingResult(1.0, True, [], method, threshold, probability=None)
    score = min(c.score for c in claims)
    probs = [c.probability for c in claims]
    probability = None if any(p is None for p in probs) else min(p for p in probs if p is not None)
    verdict = answer_verdict(claims)
    return GroundingResult(
        score, verdict == "supported", claims, method, threshold, verdict=verdict,
        probability=probability,
    )  # fmt: skip
