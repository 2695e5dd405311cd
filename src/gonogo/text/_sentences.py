"""Sentences: one splitter for chunking, the extractive answerer and groundedness.

Pure regular expressions, tolerant of text scraped from several paragraphs: a sentence
ends at ``.!?`` (and closing quotes or brackets) before a space and a word that is not
lower case, at a paragraph break, before a list item, or where a sentence is glued to the
next one without a space ("century.First", ``Report."MedStar``). A period after an
initial ("J. R. R. Tolkien") or an abbreviation ("Dr.", "U.S.", "Jan.") ends nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of a text with its character offsets (``text == source[start:end]``)."""

    text: str
    start: int
    end: int


_BOUNDARY_RE = re.compile(
    r"""[.!?]+["'\u201d\u2019)\]]*\s+(?=[^\sa-z]|$)"""  # end, space, not lower case
    r"""|\n[ \t]*\n\s*"""  # a paragraph break
    r"""|\n(?=[ \t]*(?:[-*+\u2022]|\d+[.)])[ \t])"""  # a list item
    r"""|(?<=[a-z0-9)"'\u201d])[.!?](?=[A-Z][a-z])"""  # glued: "century.First"
    r"""|(?<=[a-z]{2}[.!?])(?=[A-Z])"""  # glued before an acronym: "century.NASA"
    r"""|(?<=[a-z]{2}[.!?]["\u201d])(?=[A-Z][a-z])"""  # glued after a quote
    r"""|(?<=[a-z)])\.(?=\d)"""  # glued before a number
)
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc inc ltd co corp no fig al e.g i.e u.s u.k "
    "jan feb mar apr jun jul aug sep sept oct nov dec gen col lt sgt rev mt ft".split()
)


def sentences(text: str) -> list[Span]:
    """The sentences of ``text`` with their offsets, whitespace trimmed, empty ones dropped."""
    spans: list[Span] = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        piece = m.group()
        cut = m.start() + len(piece.rstrip())
        if piece and piece[0] in ".!?" and _is_abbreviation(text, m.start()):
            continue
        _add(text, start, cut, spans)
        start = m.end()
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[Span]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append(Span(stripped, start + lead, start + lead + len(stripped)))


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation or an initial (``J. R. R.``)."""
    if text[dot] != ".":
        return False
    i = dot
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot]
    last = word.rsplit(".", 1)[-1]
    if len(last) == 1 and last.isupper():
        return True  # an initial: "H. Bruce", "J.R.R. Tolkien", "U.S."
    return word.casefold() in _ABBREVIATIONS
