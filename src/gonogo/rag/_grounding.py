"""Offline groundedness: is every claim of an answer supported by its contexts.

:class:`GroundednessDetector` needs no LLM and no model file. It splits the answer into
claims (sentences, then clauses), computes a few evidence features per claim against the
contexts — word and name coverage, numbers, negation, comparisons between two options,
claims about several names at once, answers that only restate the question, a relation
the context gives another doer, a name glued from pieces of the context's names (see
:mod:`._grounding_features`) — and combines them with a small logistic model into a
support score in 0..1. The weakest claim decides the answer's score, and its span is
reported, so a report or a runtime guard can point at the sentence that is not supported.

The coefficients and the default threshold below were fitted on the full
``halueval_qa_dev`` file (250 questions, 742 answers) by
``benchmarks/bench_groundedness.py --fit``, after the same recipe was measured by 5-fold
cross-validation on questions it was not fitted on. See ``docs/groundedness.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from ..text import is_refusal, written_words
from ._grounding_features import (
    FEATURES,
    ClaimText,
    ContextIndex,
    adds_words,
    blended,
    claim_features,
    coordination,
)
from ._grounding_result import ClaimVerdict, GroundingResult, combine
from ._grounding_text import claims as split_claims

COEFFICIENTS: dict[str, float] = {
    "coverage": 10.4009,
    "new_coverage": 7.4855,
    "entity_missing": -1.5750,
    "number_missing": -1.5272,
    "negation_mismatch": -5.0394,
    "comparison": 5.9454,
    "coordination": 8.5391,
    "restates": -0.1197,
    "restatement_support": 14.5185,
    "relation_swapped": -5.4883,
    "name_blended": -5.7392,
}
"""Logistic-model weights per feature (fitted on the full file; see the module docstring)."""
INTERCEPT = -39.7825
DEFAULT_THRESHOLD = 0.67
"""A claim with support below this is unsupported: the threshold that maximises balanced
accuracy on the full file, 0.668, rounded (the 5 cross-validation folds chose 0.59–0.67
on their training parts)."""

REFUSAL = "says the answer is not known: not a claim about the world"

GroundingItem = tuple[str, Sequence[str], str | None]
"""``(answer, contexts, question)`` for :meth:`GroundednessDetector.check_many`."""

ClaimFeatures = tuple[ClaimText, ContextIndex, dict[str, float]]


class GroundednessDetector:
    """Offline groundedness detector; see the module docstring.

    ``threshold``: claims with support below it are unsupported (default
    :data:`DEFAULT_THRESHOLD`). ``coefficients``/``intercept`` replace the shipped model
    (the benchmark passes the ones it fits on each fold's training part).
    """

    method = "offline"

    def __init__(
        self,
        threshold: float | None = None,
        *,
        coefficients: dict[str, float] | None = None,
        intercept: float | None = None,
    ) -> None:
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self.coefficients = dict(COEFFICIENTS if coefficients is None else coefficients)
        self.intercept = INTERCEPT if intercept is None else float(intercept)

    def check(
        self, answer: str, contexts: Sequence[str], question: str | None = None
    ) -> GroundingResult:
        """Judge one answer against its contexts (and the question it answers)."""
        return self.check_many([(answer, contexts, question)])[0]

    def check_many(self, items: Iterable[GroundingItem]) -> list[GroundingResult]:
        """Judge many answers (about 1,300 a second on one core)."""
        return [self._verdict(claims) for claims in self.features_many(items)]

    def features_many(self, items: Iterable[GroundingItem]) -> list[list[ClaimFeatures]]:
        """Every claim's features, per item (the benchmark fits the model on these)."""
        out: list[list[ClaimFeatures]] = []
        for answer, contexts, question in items:
            index = ContextIndex.build([c for c in contexts if c and c.strip()])
            parts = [ClaimText.build(span, question) for span in split_claims(answer)]
            adds = adds_words(parts)
            out.append([(c, index, claim_features(c, index, answer_adds=adds)) for c in parts])
        return out

    def score_features(self, features: dict[str, float]) -> float:
        """The model's support (0..1) for one claim's features."""
        z = self.intercept + sum(self.coefficients[n] * features[n] for n in FEATURES)
        return 1.0 / (1.0 + math.exp(-z))

    def _verdict(self, claims: list[ClaimFeatures]) -> GroundingResult:
        verdicts: list[ClaimVerdict] = []
        for claim, index, feats in claims:
            if is_refusal(claim.span.text):
                span = claim.span
                verdicts.append(ClaimVerdict(span.text, span.start, span.end, 1.0, True, [REFUSAL]))
                continue
            score = self.score_features(feats)
            ok = score >= self.threshold
            reasons = [] if ok else explain(claim, index, feats)
            span = claim.span
            verdicts.append(ClaimVerdict(span.text, span.start, span.end, score, ok, reasons))
        return combine(verdicts, self.method, self.threshold)


def explain(claim: ClaimText, index: ContextIndex, feats: dict[str, float]) -> list[str]:
    """Why a claim scored low, in words, strongest evidence first."""
    known = index.all_tokens | claim.question_tokens
    reasons: list[str] = []
    if not index.sentences:
        return ["there is no context to support it"]
    missing = [
        name
        for name, g in zip(claim.names, claim.groups, strict=True)
        if not all(t in known for t in g)
    ]
    if missing:
        reasons.append("not in the context: " + ", ".join(missing))
    unknown = {
        t for t in claim.claim_tokens if t not in known and not any(t in g for g in claim.groups)
    }
    if unknown:
        words = written_words(claim.span.text, unknown)
        reasons.append("words not in the context: " + ", ".join(words))
    if feats["comparison"] < 0:
        reasons.append("the context supports the other option")
    if feats["negation_mismatch"] > 0:
        reasons.append("the context does not state this negation")
    if feats["relation_swapped"] > 0:
        reasons.append("the context says another name did this")
    if feats["name_blended"] > 0:
        name = blended(claim, index)
        reasons.append(f"the context never uses the name '{name}' (it joins words of its names)")
    if feats["restates"] > 0 and feats["restatement_support"] < 1.0:
        reasons.append("it only restates the question, and the context does not say it")
    share, name = coordination(claim, index)
    if share < 1.0 and name:
        reasons.append(f"the context does not say this of '{name}'")
    return reasons or ["weak support in the context"]
