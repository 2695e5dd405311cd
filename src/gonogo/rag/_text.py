"""Text helpers for the RAG app: sentence spans, word tokens, content words.

Deliberately small and language-naive (English stopwords, a plural-only stemmer):
retrieval leans on the embeddings for meaning, BM25 for exact names and numbers.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TOKENIZER_ID = "gonogo-words-v1"
"""Identifies :func:`terms`; stored in index manifests so a change forces a rebuild."""

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom whose why will with would you
    your yours yourself yourselves s t d ll m re ve y
    """.split()
)

_WORD_RE = re.compile(r"\w+")
# Candidate sentence ends: terminal punctuation (+ closing quotes/brackets) then space, a
# paragraph break, a line that starts a list item, or a period glued to a capitalised
# word ("century.First") as in text scraped from several paragraphs.
_BOUNDARY_RE = re.compile(
    r"""[.!?]+["'\u201d\u2019)\]]*\s+(?=[^\sa-z]|$)"""
    r"""|\n[ \t]*\n\s*"""
    r"""|\n(?=[ \t]*(?:[-*+\u2022]|\d+[.)])[ \t])"""
    r"""|(?<=[a-z0-9)"'\u201d])\.(?=[A-Z][a-z])|(?<=[a-z)])\.(?=\d)"""
)
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc inc ltd co corp no fig al e.g i.e u.s u.k "
    "jan feb mar apr jun jul aug sep sept oct nov dec gen col lt sgt rev mt ft".split()
)


def fold(text: str) -> str:
    """NFKC, casefolded, accents removed ("Rhöner" → "rhoner")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded word tokens (letters and digits), in order."""
    return _WORD_RE.findall(fold(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A tiny plural stemmer: ``cities`` → ``city``, ``boxes`` → ``box``, ``bands`` → ``band``."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Index terms: folded words without stopwords, stemmed (BM25 and overlap use these)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def content_words(text: str) -> set[str]:
    """The distinct index terms of ``text``."""
    return set(terms(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence, whitespace trimmed, empty ones dropped."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        cut = m.start() + len(m.group().rstrip())
        if m.group().startswith((".", "!", "?")) and _is_abbreviation(text, m.start()):
            continue
        _add_span(text, start, cut, spans)
        start = m.end()
    _add_span(text, start, len(text), spans)
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of ``text``."""
    return [text[a:b] for a, b in sentence_spans(text)]


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation or an initial (``J. R. R.``)."""
    if text[dot] != ".":
        return False
    i = dot
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot]
    if len(word) == 1 and word.isupper():
        return True  # an initial
    return word.casefold() in _ABBREVIATIONS
