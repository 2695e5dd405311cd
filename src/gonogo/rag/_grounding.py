"""Offline groundedness: is every claim of an answer supported by its contexts.

:class:`GroundednessDetector` needs no LLM and no model file. It splits the answer into
claims (sentences, then clauses), reads each claim against the context passages that
match it best (not the whole context as one bag of words), computes a few evidence
features (see :mod:`._grounding_features`) and combines them with a small logistic
model into a support score in 0..1 and a calibrated probability that the claim is
grounded. Each claim gets one of three verdicts:

- ``supported``: its support reaches the threshold;
- ``unsupported``: it does not, and the evidence is decisive — a name or number that is
  nowhere in the context, a negation the context does not make, a comparison the dates
  contradict, a relation the context gives another doer, a claim about several names
  the context makes of one only — or most of what the claim adds is absent from its
  passages;
- ``undecided``: it does not, but only because a minority of its words are absent from
  its passages. That is what a paraphrase looks like as much as an invention, and words
  alone cannot tell which: a judge can (``mode: auto`` routes these to one).

The weakest claim decides the answer's score; the answer is ``unsupported`` when a claim
is, else ``undecided`` when a claim is, else ``supported``. The model and its
calibration are fitted on the tuning part of the HaluEval dev file only by
``benchmarks/fit_groundedness.py`` (:mod:`._grounding_model`); see docs/groundedness.md.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence

from ..text import is_refusal, written_words
from . import _grounding_model as model
from ._grounding_features import (
    ClaimText,
    ContextIndex,
    claim_features,
    coordination,
)
from ._grounding_result import ClaimVerdict, GroundingResult, Verdict, combine
from ._grounding_text import claims as split_claims

FEATURES = model.FEATURES
"""The model's features, in the order of its coefficients."""
COEFFICIENTS: dict[str, float] = dict(zip(model.FEATURES, model.COEFFICIENTS, strict=True))
"""Logistic-model weights per feature (fitted on the tuning part; see the module docstring)."""
INTERCEPT = model.INTERCEPT
DEFAULT_THRESHOLD = model.THRESHOLD
"""A claim with support below this is not supported: the threshold that maximises balanced
accuracy on the tuning part."""
SOFT_DECISIVE = 0.5
"""A claim below the threshold with no decisive evidence is ``unsupported`` only when at
most this share of the words it adds to the question is in its passages (most of it is
new); otherwise it is ``undecided``. Set by principle — "most of what it says is not
there" — not fitted: the short answers of the dev file cannot tell how much paraphrase a
long answer carries."""

REFUSAL = "says the answer is not known: not a claim about the world"
UNDECIDED = (
    "undecided: most of its words are in the context, some are not — a paraphrase or an "
    "invention; lexical evidence cannot tell"
)

GroundingItem = tuple[str, Sequence[str], str | None]
"""``(answer, contexts, question)`` for :meth:`GroundednessDetector.check_many`."""

ClaimFeatures = tuple[ClaimText, ContextIndex, dict[str, float]]


class GroundednessDetector:
    """Offline groundedness detector; see the module docstring.

    ``threshold``: claims with support below it are not supported (default
    :data:`DEFAULT_THRESHOLD`). ``coefficients``/``intercept``/``calibration`` replace
    the shipped model (the benchmark passes the ones it fits on each fold).
    """

    method = "offline"

    def __init__(
        self,
        threshold: float | None = None,
        *,
        coefficients: dict[str, float] | None = None,
        intercept: float | None = None,
        calibration: tuple[float, float] | None = None,
    ) -> None:
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self.coefficients = dict(COEFFICIENTS if coefficients is None else coefficients)
        self.intercept = INTERCEPT if intercept is None else float(intercept)
        self.calibration = model.CALIBRATION if calibration is None else calibration

    def check(
        self, answer: str, contexts: Sequence[str], question: str | None = None
    ) -> GroundingResult:
        """Judge one answer against its contexts (and the question it answers)."""
        return self.check_many([(answer, contexts, question)])[0]

    def check_many(self, items: Iterable[GroundingItem]) -> list[GroundingResult]:
        """Judge many answers (over a thousand short answers a second on one core)."""
        return [self._verdict(claims) for claims in self.features_many(items)]

    def features_many(
        self, items: Iterable[GroundingItem], wanted: Collection[str] | None = None
    ) -> list[list[ClaimFeatures]]:
        """Every claim's features, per item: the model's, or ``wanted``.

        The benchmark fits the model on these.
        """
        names = tuple(self.coefficients) if wanted is None else wanted
        out: list[list[ClaimFeatures]] = []
        for answer, contexts, question in items:
            index = ContextIndex.build([c for c in contexts if c and c.strip()])
            parts = [ClaimText.build(span, question) for span in split_claims(answer)]
            out.append([(c, index, claim_features(c, index, wanted=names)) for c in parts])
        return out

    def logit(self, features: dict[str, float]) -> float:
        """The model's log-odds of support for one claim's features."""
        return self.intercept + sum(w * features[n] for n, w in self.coefficients.items())

    def score_features(self, features: dict[str, float]) -> float:
        """The model's support (0..1) for one claim's features."""
        return _sigmoid(self.logit(features))

    def probability(self, logit: float) -> float:
        """The calibrated probability that a claim with this log-odds is grounded."""
        a, b = self.calibration
        return _sigmoid(a * logit + b)

    def _verdict(self, claims: list[ClaimFeatures]) -> GroundingResult:
        verdicts: list[ClaimVerdict] = []
        for claim, index, feats in claims:
            span = claim.span
            if is_refusal(span.text):
                verdicts.append(
                    ClaimVerdict(
                        span.text, span.start, span.end, 1.0, True, [REFUSAL], "supported", 1.0
                    )  # fmt: skip
                )
                continue
            z = self.logit(feats)
            score = _sigmoid(z)
            verdict, reasons = self.decide(claim, index, feats, score)
            verdicts.append(
                ClaimVerdict(
                    span.text,
                    span.start,
                    span.end,
                    score,
                    verdict == "supported",
                    reasons,
                    verdict,
                    self.probability(z),
                )  # fmt: skip
            )
        return combine(verdicts, self.method, self.threshold)

    def decide(
        self, claim: ClaimText, index: ContextIndex, feats: dict[str, float], score: float
    ) -> tuple[Verdict, list[str]]:
        """One claim's verdict and the reasons for it (see the module docstring)."""
        if score >= self.threshold:
            return "supported", []
        reasons = explain(claim, index, feats)
        if decisive(feats) or not index.sentences:
            return "unsupported", reasons
        return "undecided", [UNDECIDED, *reasons]


def decisive(feats: dict[str, float]) -> bool:
    """Whether a claim's evidence settles it as unsupported (see the module docstring)."""
    return bool(
        feats.get("number_missing", 0.0) > 0
        or feats.get("entity_missing", 0.0) > 0
        or feats.get("negation_mismatch", 0.0) > 0
        or feats.get("comparison", 0.0) <= -1.0
        or feats.get("relation_swapped", 0.0) > 0
        or feats.get("coordination", 1.0) < 1.0
        or feats.get("new_coverage", 1.0) <= SOFT_DECISIVE
    )


def _sigmoid(z: float) -> float:
    if z < -700:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


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
    if feats.get("relation_swapped", 0.0) > 0:
        reasons.append("the context says another name did this")
    share, name = coordination(claim, index)
    if share < 1.0 and name:
        reasons.append(f"the context does not say this of '{name}'")
    if not reasons and feats.get("coverage", 1.0) < 1.0:
        reasons.append("some of its words are not in the passages that match it best")
    if feats.get("phrase", 1.0) < 1.0:
        reasons.append("the context does not say its words together: they are spread over "
                       "several passages")  # fmt: skip
    return reasons or ["weak support in the context"]
