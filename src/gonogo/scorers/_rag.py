"""RAG scorers: context recall and precision, answer correctness and relevancy, refusal.

All offline. "Facts" of an expected answer are its content tokens (words and numbers
minus stop words, read by the one text layer, :mod:`gonogo.text`); a context "contains"
the answer when it holds most of them. Refusals are recognised by
:func:`gonogo.text.is_refusal`. Groundedness lives in ``_groundedness.py``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from .._userregex import SCORER_TIMEOUT_S, UserRegex
from ..data._case import Case
from ..data._output import TargetOutput
from ..embeddings import check_available, get_embedder
from ..spec._scorer_params import (
    AnswerCorrectnessScorer,
    AnswerRelevancyScorer,
    ContextPrecisionScorer,
    ContextRecallScorer,
    RefusalScorer,
)
from ..text import is_refusal, terms
from ._base import Score, Scorer, ScorerContext, register_scorer
from ._text import as_text, doc, expected_list, not_evaluated_no_expected


def content_tokens(text: str) -> list[str]:
    """The text's words without stop words (the one text layer's :func:`~gonogo.text.terms`)."""
    return terms(text)


def _coverage(needles: list[str], haystack: str) -> float:
    if not needles:
        return 0.0
    hay = set(content_tokens(haystack))
    return sum(1 for t in needles if t in hay) / len(needles)


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style token F1 on content tokens."""
    pred, ref = content_tokens(prediction), content_tokens(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def _contexts(output: TargetOutput) -> list[str] | None:
    if output.contexts is None:
        return None
    return [as_text(c) for c in output.contexts]


_NO_CONTEXTS = Score(None, None, "not evaluated: the target returned no contexts")


def _answer_terms(case: Case) -> list[list[str]] | Score:
    """The content words of each expected answer, or the not-evaluated Score saying why.

    A yes/no answer has no content word to look for in a passage, so whether a context
    holds it cannot be told this way: that case is not evaluated (it is not a failure, and
    it is not a case without an expected output).
    """
    answers = [as_text(a) for a in expected_list(case.expected)]
    if not answers:
        return not_evaluated_no_expected()
    terms = [t for t in (content_tokens(a) for a in answers) if t]
    if not terms:
        shown = ", ".join(repr(a[:40]) for a in answers[:3])
        return Score(
            None,
            None,
            f"not evaluated: the expected answer ({shown}) has no content word to look for "
            "in the contexts (e.g. a yes/no answer)",
        )
    return terms


class ContextRecall:
    """Share of the expected answer's content tokens found in the retrieved contexts."""

    def __init__(self, id: str, minimum: float) -> None:
        self.id, self._min = id, minimum

    async def score(self, case: Case, output: TargetOutput) -> Score:
        answers = _answer_terms(case)
        if isinstance(answers, Score):
            return answers
        contexts = _contexts(output)
        if contexts is None:
            return _NO_CONTEXTS
        joined = "\n".join(contexts)
        value = max(_coverage(a, joined) for a in answers)
        ok = value >= self._min
        return Score(
            value,
            ok,
            f"{value:.0%} of the expected answer's facts are in the "
            f"{len(contexts)} retrieved contexts ({'>=' if ok else '<'} {self._min:g})",
        )


class ContextPrecision:
    """Average precision of the ranking: relevant = holds at least half the answer's facts."""

    def __init__(self, id: str, minimum: float) -> None:
        self.id, self._min = id, minimum

    async def score(self, case: Case, output: TargetOutput) -> Score:
        answers = _answer_terms(case)
        if isinstance(answers, Score):
            return answers
        contexts = _contexts(output)
        if contexts is None:
            return _NO_CONTEXTS
        relevant = [max(_coverage(a, c) for a in answers) >= 0.5 for c in contexts]
        hits, precisions = 0, []
        for rank, rel in enumerate(relevant, 1):
            if rel:
                hits += 1
                precisions.append(hits / rank)
        value = sum(precisions) / hits if hits else 0.0
        ok = value >= self._min
        ranks = [i + 1 for i, r in enumerate(relevant) if r]
        where = f"relevant at rank {', '.join(map(str, ranks))}" if ranks else "no relevant context"
        return Score(
            value,
            ok,
            f"average precision {value:.2f} ({where} of {len(contexts)})",
            metadata={"relevant_ranks": ranks},
        )


class AnswerCorrectness:
    """Weighted semantic similarity and token F1 against the closest expected answer."""

    def __init__(self, id: str, minimum: float, weight: float) -> None:
        self.id, self._min, self._w = id, minimum, weight

    async def score(self, case: Case, output: TargetOutput) -> Score:
        answers = [as_text(a) for a in expected_list(case.expected)]
        if not answers:
            return not_evaluated_no_expected()
        text = output.text
        if not text.strip():
            return Score(0.0, False, "output is empty")
        sims = await asyncio.to_thread(get_embedder().similarities, text, answers)
        best = 0.0, 0.0, 0.0
        for sim, ans in zip(sims, answers, strict=True):
            f1 = token_f1(text, ans)
            combined = self._w * max(sim, 0.0) + (1 - self._w) * f1
            if combined >= best[0]:
                best = combined, sim, f1
        value, sim, f1 = best
        ok = value >= self._min
        return Score(
            value,
            ok,
            f"correctness {value:.2f} (similarity {sim:.2f}, token F1 "
            f"{f1:.2f}) {'>=' if ok else '<'} {self._min:g}",
            metadata={"similarity": sim, "token_f1": f1},
        )


class AnswerRelevancy:
    """Cosine similarity between the question and the answer."""

    def __init__(self, id: str, minimum: float) -> None:
        self.id, self._min = id, minimum

    async def score(self, case: Case, output: TargetOutput) -> Score:
        text = output.text
        if not text.strip():
            return Score(0.0, False, "output is empty")
        sim = (await asyncio.to_thread(get_embedder().similarities, case.input_text, [text]))[0]
        ok = sim >= self._min
        return Score(
            sim, ok, f"question–answer similarity {sim:.2f} {'>=' if ok else '<'} {self._min:g}"
        )


def expects_refusal(case: Case) -> bool:
    """A case is unanswerable: no expected, tag `unanswerable`, or `answerable: false`."""
    if "unanswerable" in case.tags or case.metadata.get("answerable") is False:
        return True
    expected = [as_text(e) for e in expected_list(case.expected)]
    return not any(e.strip() for e in expected) or all(is_refusal(e) for e in expected)


class Refusal:
    """Passes when the output refuses exactly when the case is unanswerable."""

    def __init__(self, id: str, extra: list[str]) -> None:
        self.id = id
        self._extra = [UserRegex(p, ignore_case=True, timeout_s=SCORER_TIMEOUT_S) for p in extra]

    async def score(self, case: Case, output: TargetOutput) -> Score:
        refused = is_refusal(output.text, self._extra)
        should = expects_refusal(case)
        ok = refused == should
        if should:
            reason = (
                "refused, as it should (unanswerable)"
                if ok
                else "answered a question it should have declined (unanswerable)"
            )
        else:
            reason = "answered (answerable)" if ok else "refused an answerable question"
        return Score(
            1.0 if ok else 0.0,
            ok,
            reason,
            metadata={"refused": refused, "expected_refusal": should},
        )


@register_scorer(
    "context_recall", params_model=ContextRecallScorer, description=doc(ContextRecallScorer)
)
def _recall(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = ContextRecallScorer.model_validate(spec)
    return ContextRecall(p.id, p.min)


@register_scorer(
    "context_precision",
    params_model=ContextPrecisionScorer,
    description=doc(ContextPrecisionScorer),
)
def _precision(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = ContextPrecisionScorer.model_validate(spec)
    return ContextPrecision(p.id, p.min)


@register_scorer(
    "answer_correctness",
    params_model=AnswerCorrectnessScorer,
    description=doc(AnswerCorrectnessScorer),
)
def _correctness(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = AnswerCorrectnessScorer.model_validate(spec)
    check_available()
    return AnswerCorrectness(p.id, p.min, p.similarity_weight)


@register_scorer(
    "answer_relevancy", params_model=AnswerRelevancyScorer, description=doc(AnswerRelevancyScorer)
)
def _relevancy(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = AnswerRelevancyScorer.model_validate(spec)
    check_available()
    return AnswerRelevancy(p.id, p.min)


@register_scorer("refusal", params_model=RefusalScorer, description=doc(RefusalScorer))
def _refusal(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = RefusalScorer.model_validate(spec)
    return Refusal(p.id, p.patterns or [])


__all__ = ["content_tokens", "expects_refusal", "is_refusal", "token_f1"]
