"""Claims and names: the groundedness detector's own reading of an answer.

Words, sentences and refusals come from :mod:`gonogo.text`, the one text layer every
package shares; here an answer is cut into claims (sentences, then clauses) and a claim's
named things are found (runs of capitalised words, and numbers). Pure Python and regular
expressions, no model: tens of microseconds per sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from ..text import (
    FRAMING,
    MONTHS,
    STOPWORDS,
    TOKEN_RE,
    Span,
    normalise_number,
    sentences,
    stem,
    word_tokens,
)

__all__ = ["Name", "Span", "claims", "entity_groups", "first_name", "names"]

_CLAUSE_RE = re.compile(r";\s+|,\s+(?:and|but|while|whereas)\s+|\s+but\s+")
_CAP_WORD = re.compile(r"^[A-Z0-9][\w'’.-]*$")
_CONNECTORS = frozenset(
    {"of", "for", "the", "de", "la", "le", "von", "van", "der", "del", "da", "du", "y"}
)
_DISCOURSE = frozenset(
    """instead however therefore meanwhile moreover furthermore additionally overall today
    currently later finally first second third then still indeed actually both neither
    unlike like although though yes no""".split()
)
_NOT_NAME = STOPWORDS | _DISCOURSE


def claims(answer: str) -> list[Span]:
    """Split an answer into claims: sentences, then clauses on ``;``, ``, and``, ``but``.

    A clause too short to stand alone (fewer than three words) stays with its neighbour,
    so "Hetfield and Ulrich, and Kirk Hammett" is not cut into fragments.
    """
    out: list[Span] = []
    for sent in sentences(answer):
        pieces: list[Span] = []
        start = sent.start
        for m in _CLAUSE_RE.finditer(sent.text):
            end = sent.start + m.start()
            if len(answer[start:end].split()) >= 3:
                pieces.append(Span(answer[start:end], start, end))
                start = sent.start + m.end()
        if pieces and len(answer[start : sent.end].split()) < 3:
            last = pieces.pop()
            start = last.start
        pieces.append(Span(answer[start : sent.end], start, sent.end))
        out.extend(p for p in pieces if p.text.strip())
    if not out and answer.strip():
        s = len(answer) - len(answer.lstrip())
        out.append(Span(answer.strip(), s, s + len(answer.strip())))
    return out


class Name(NamedTuple):
    """A named thing of a text: its words as written, and its normalised tokens."""

    text: str
    tokens: tuple[str, ...]


def first_name(text: str) -> tuple[str, ...]:
    """The tokens of the first of :func:`names` (``()`` when there is none)."""
    found = names(text, limit=1)
    return found[0].tokens if found else ()


def names(text: str, limit: int = 0) -> list[Name]:
    """Named things a claim is about: runs of capitalised words, and numbers.

    A leading capitalised function word ("The", "Both", "Yes") is not part of a name;
    connector words inside one are ("Bank of England"). ``limit``: stop after that many.
    """
    found: list[Name] = []
    run: list[re.Match[str]] = []
    pending: list[re.Match[str]] = []
    for m in TOKEN_RE.finditer(text):
        raw = m.group(0)
        first = raw[0]
        if limit and len(found) >= limit:
            return found
        if first.islower():  # most words: cheap checks first
            if run:
                if raw in _CONNECTORS:
                    pending.append(m)
                else:
                    _flush(text, run, found)
                    run, pending = [], []
            continue
        if first.isdigit():
            if run:
                _flush(text, run, found)
                run, pending = [], []
            found.append(Name(raw, (normalise_number(raw),)))
        elif _is_name_word(raw):
            run.extend(pending)
            pending = []
            run.append(m)
        elif run and raw.lower() in _CONNECTORS:
            pending.append(m)
        elif run:
            _flush(text, run, found)
            run, pending = [], []
    if run:
        _flush(text, run, found)
    return found


@lru_cache(maxsize=65536)
def _is_name_word(raw: str) -> bool:
    """A capitalised word that can be part of a name (not "The", "Both", "According")."""
    if len(raw) > 1 and raw.replace(".", "").isupper():
        return True
    return bool(_CAP_WORD.match(raw)) and raw.lower() not in _NOT_NAME and stem(raw) not in FRAMING


def entity_groups(text: str) -> list[list[str]]:
    """The normalised tokens of each of :func:`names`."""
    return [list(n.tokens) for n in names(text)]


def _flush(text: str, run: list[re.Match[str]], found: list[Name]) -> None:
    if not run:
        return
    words = [t for m in run for t in word_tokens(m.group(0)) if t not in STOPWORDS]
    if words and not all(w in MONTHS for w in words):
        found.append(Name(text[run[0].start() : run[-1].end()], tuple(words)))
