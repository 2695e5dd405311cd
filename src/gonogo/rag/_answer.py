"""The offline answerer: pick the best-supported sentence, then the answer span in it.

A simple extractive baseline, not a trained QA model. Each sentence of the retrieved
contexts is scored by how many of the question's content words it contains and by
its embedding similarity to the question (plus a little for the chunk's retrieval
rank). When the best sentence's support is too weak, the answer is
:data:`~gonogo.rag.REFUSAL`. Otherwise the question's type (see ``_spans``) picks a
span of that type from the best sentences — a date, a number, a name, one of two
options, yes/no — and failing that the answer is the whole sentence.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ..text import content_words, fold, sentences
from ._spans import Choice, capitalised_phrases, choice_of, pick_span, question_type, year_in
from ._types import REFUSAL, AnswerDraft, Retrieved

MIN_SUPPORT = 0.38
"""Least support (``0.5·overlap + 0.5·similarity + 0.05/rank``) of the best sentence.

Chosen on HaluEval QA dev (benchmarks/bench_rag.py): about 2% of answerable questions
fall below it, and about 80% of questions whose own context was removed.
"""
STRONG_SIMILARITY = 0.65
"""A sentence this similar to the question is support on its own (a paraphrase)."""
MAX_SENTENCES = 12  # sentences embedded per question (those sharing most question words)
SPAN_SEARCH = 5  # how many of the best sentences are searched for a typed span
SPAN_RELATIVE = 0.6  # …as long as they score at least this share of the best one
ABOUT_FOLLOW = 2  # sentences after a mention that are still taken to be about it


@dataclass(slots=True)
class _Sentence:
    text: str
    chunk_id: str
    context: str
    rank: int
    terms: set[str]
    overlap: float = 0.0
    similarity: float = 0.0
    score: float = 0.0


class ExtractiveAnswerer:
    """Answers with a span or sentence copied from the retrieved contexts (no model).

    ``min_support`` is the least support of the best sentence below which it refuses
    (default :data:`MIN_SUPPORT`) unless its similarity to the question reaches
    ``strong_similarity``; ``spans=False`` always answers with the whole sentence.
    """

    name = "extractive"

    def __init__(
        self,
        *,
        spans: bool = True,
        min_support: float = MIN_SUPPORT,
        strong_similarity: float = STRONG_SIMILARITY,
    ) -> None:
        self.spans = spans
        self.min_support = min_support
        self.strong_similarity = strong_similarity

    async def aanswer(self, question: str, retrieved: list[Retrieved]) -> AnswerDraft:
        """:meth:`answer` in a worker thread (it embeds sentences)."""
        return await asyncio.to_thread(self.answer, question, retrieved)

    def answer(self, question: str, retrieved: list[Retrieved]) -> AnswerDraft:
        """The answer to ``question`` from ``retrieved``, or a refusal when unsupported."""
        if not question.strip():
            return _refuse("empty question")
        if not retrieved:
            return _refuse("no context retrieved")
        every = _sentences(retrieved)
        if not every:
            return _refuse("the contexts have no sentences")
        ranked = _rank(question, every)
        best = ranked[0]
        meta: dict[str, Any] = {
            "overlap": round(best.overlap, 3),
            "similarity": round(best.similarity, 3),
        }
        if not self._supported(best):
            return _refuse("no sentence supports an answer", best.score, meta)
        qtype = question_type(question) if self.spans else "sentence"
        meta["answer_type"] = qtype
        text, source = self._typed(question, qtype, ranked, every) or (best.text, best)
        meta["sentence"] = source.text
        return AnswerDraft(
            text=text,
            evidence_chunk_id=source.chunk_id,
            score=round(min(1.0, best.score), 4),
            cost_usd=0.0,  # no model call: free, not unknown
            metadata=meta,
        )

    def _supported(self, best: _Sentence) -> bool:
        return best.score >= self.min_support or best.similarity >= self.strong_similarity

    def _typed(
        self, question: str, qtype: str, ranked: list[_Sentence], every: list[_Sentence]
    ) -> tuple[str, _Sentence] | None:
        if qtype == "choice":
            choice = choice_of(question)
            return _choose(question, choice, every) if choice else None
        if qtype == "yesno":
            return _yes_no(question, every)
        floor = ranked[0].score * SPAN_RELATIVE
        for s in ranked[:SPAN_SEARCH]:
            if s.score < floor:
                break
            span = pick_span(qtype, question, s.text, s.context)
            if span:
                return span, s
        return None


def _sentences(retrieved: list[Retrieved]) -> list[_Sentence]:
    """The contexts' distinct sentences, in retrieval then reading order."""
    seen: set[str] = set()
    out: list[_Sentence] = []
    for rank, hit in enumerate(retrieved, start=1):
        for text in (s.text for s in sentences(hit.chunk.text)):
            key = fold(text)
            terms = content_words(text)
            if key not in seen and terms:
                seen.add(key)
                out.append(_Sentence(text, hit.chunk.id, hit.chunk.text, rank, terms))
    return out


def _rank(question: str, every: list[_Sentence]) -> list[_Sentence]:
    """The sentences sharing most question words, scored with embeddings, best first."""
    from ..embeddings import get_embedder

    q_terms = content_words(question)
    for c in every:
        c.overlap = len(q_terms & c.terms) / len(q_terms) if q_terms else 0.0
    # Embedding is the cost: only the sentences sharing most words are compared.
    cands = sorted(every, key=lambda c: (-c.overlap, c.rank))[:MAX_SENTENCES]
    vectors = get_embedder().embed([question, *(c.text for c in cands)])
    for c, sim in zip(cands, vectors[1:] @ vectors[0], strict=True):
        c.similarity = float(sim)
        c.score = 0.5 * c.overlap + 0.5 * max(0.0, c.similarity) + 0.05 / c.rank
    return sorted(cands, key=lambda c: -c.score)


def _mentions(name: str, s: _Sentence) -> bool:
    terms = content_words(name)
    return bool(terms) and len(terms & s.terms) >= max(1, (2 * len(terms) + 2) // 3)


def _about(name: str, others: list[str], every: list[_Sentence]) -> list[_Sentence]:
    """Sentences naming ``name``, and the next ones of its passage ("It was…").

    Following sentences count until another of ``others`` is named: a poor man's
    coreference.
    """
    out: list[_Sentence] = []
    follow = 0
    chunk = None
    for s in every:
        if s.chunk_id != chunk:
            chunk, follow = s.chunk_id, 0
        if _mentions(name, s):
            out.append(s)
            follow = ABOUT_FOLLOW
        elif follow and not any(_mentions(o, s) for o in others):
            out.append(s)
            follow -= 1
        else:
            follow = 0
    return out


def _choose(question: str, choice: Choice, every: list[_Sentence]) -> tuple[str, _Sentence] | None:
    """One of the two options: by year for "first/older…", else by the support it has."""
    rest = content_words(question) - content_words(" ".join(choice.options))
    picks: list[tuple[float, int | None, str, _Sentence]] = []
    for option in choice.options:
        others = [o for o in choice.options if o != option]
        about = _about(option, others, every)
        if not about:
            continue
        support = max(len(rest & s.terms) for s in about) / max(1, len(rest))
        year = next((y for s in about if (y := year_in(s.text)) is not None), None)
        picks.append((support, year, option, about[0]))
    if not picks:
        return None
    if choice.prefer and len(picks) == 2 and all(p[1] is not None for p in picks):
        chosen = min(picks, key=lambda p: p[1] or 0)
        if choice.prefer == "later":
            chosen = max(picks, key=lambda p: p[1] or 0)
    else:
        chosen = max(picks, key=lambda p: p[0])
    return chosen[2], chosen[3]


def _yes_no(question: str, every: list[_Sentence]) -> tuple[str, _Sentence] | None:
    """Yes/no ("Are both A and B …?"): yes when what is said of each holds the property."""
    body = question.strip().split(" ", 1)[-1]
    names = [body[a:b] for a, b in capitalised_phrases(body)]
    entities = [part.strip() for n in names for part in n.split(" and ") if part.strip()][:2]
    if not entities:
        return None
    wanted = content_words(body) - content_words(" ".join(entities)) - _YES_NO_FILLER
    if not wanted:
        return None
    evidence = None
    for entity in entities:
        about = _about(entity, [e for e in entities if e != entity], every)
        held = max((len(wanted & s.terms) for s in about), default=0)
        if held * 3 < len(wanted) * 2:  # at least two thirds of what is asked
            return "no", about[0] if about else every[0]
        evidence = evidence or about[0]
    return "yes", evidence or every[0]


_YES_NO_FILLER = frozenset({"both", "same", "also", "either", "one"})


def _refuse(
    reason: str, score: float | None = None, meta: dict[str, Any] | None = None
) -> AnswerDraft:
    return AnswerDraft(
        text=REFUSAL,
        score=None if score is None else round(min(1.0, score), 4),
        refused=True,
        cost_usd=0.0,
        metadata={**(meta or {}), "refusal_reason": reason},
    )
