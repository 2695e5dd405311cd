"""Names the context never uses: a blend of pieces of its names ("Lake Erie State Park").

A name is a fixed expression: a text names a thing by the same words in the same order.
When the context says "Presque Isle State Park ... juts into Lake Erie", every word of
"Lake Erie State Park" is in the context, so word coverage calls it supported — but no
name of the context is "Lake Erie State Park": it glues the head of one name to the
tail of another. Likewise "Lord Black of London" from "Lord Black of Crossharbour" and
"London", or "Rainbow Estate" from "Rainbow Terrace" and "Lullwater Estate".

A multi-word name of the claim counts as used by the context or the question when it is

- written there, its words side by side in that order (in any case: "state park");
- a short form of one of their names: its words in order with some left out ("John
  Beilein" for "John Patrick Beilein");
- several of their names side by side ("Delhi city", "California US state"), each whole
  or cut to its first words ("Jardine Matheson" of "Jardine Matheson of Hong Kong") —
  never a name's tail glued to another's head, and never split at its own "of": "Lord
  Black of London" does not become "Lord Black" + "London";
- one of these after a title that the context writes as a common noun ("President
  Nixon" where it says "Richard Nixon was the 37th president").

Names are split at punctuation first (a comma, a bracket or a quote ends a name: "Matthew
"The Granimal" Granahan" gives "Matthew", "The Granimal", "Granahan"). Only names whose
words all appear in the context or the question are read: a name with a new word is
already an ``entity_missing`` claim. One-word names and numbers cannot blend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..text import STOPWORDS, is_number, tokens
from ._grounding_text import names

_PUNCT_RE = re.compile(r"[,;:()\[\]\"“”]|\s[–—-]\s")
_LOWER_RE = re.compile(r"\b[a-z][a-z'’-]*\b")
_CONNECTORS = frozenset(
    {"of", "for", "the", "de", "la", "le", "von", "van", "der", "del", "da", "du", "y"}
)

NameForm = tuple[str, ...]


def name_forms(text: str) -> list[tuple[str, NameForm]]:
    """The names of a text, as written and as tokens (connectors such as "of" kept)."""
    out: list[tuple[str, NameForm]] = []
    for piece in _PUNCT_RE.split(text):
        for name in names(piece):
            form = tuple(tokens(name.text))
            if form:
                out.append((name.text, form))
    return out


@dataclass(slots=True)
class KnownNames:
    """A context's sentences with their token streams; their names are read on first use."""

    sentences: Sequence[str]
    streams: Sequence[Sequence[str]]
    _whole: frozenset[NameForm] | None = None
    _common: frozenset[str] | None = None

    @property
    def whole(self) -> frozenset[NameForm]:
        """Every name of the context, as tokens (read only when a claim's name needs it)."""
        if self._whole is None:
            self._whole = frozenset(form for s in self.sentences for _, form in name_forms(s))
        return self._whole

    @property
    def common(self) -> frozenset[str]:
        """The words the context writes in lower case: common nouns such as "president"."""
        if self._common is None:
            self._common = frozenset(_lower_words(" ".join(self.sentences)))
        return self._common


def candidates(claim: str, known_tokens: frozenset[str]) -> list[tuple[str, NameForm]]:
    """The claim's names that could be blends: two or more words, all of them known."""
    return [(text, form) for text, form in name_forms(claim) if _readable(form, known_tokens)]


def blended_name(found: Sequence[tuple[str, NameForm]], question: str, context: KnownNames) -> str:
    """The first of ``found`` (see :func:`candidates`) that neither text uses, or ""."""
    q_stream = tokens(question)
    unwritten = [
        (text, form)
        for text, form in found
        if not _contiguous(form, q_stream)
        and not any(_contiguous(form, s) for s in context.streams)
    ]
    if not unwritten:
        return ""
    whole = context.whole | {form for _, form in name_forms(question)}
    pieces = whole | _heads(whole)
    common = context.common | _lower_words(question)
    for text, form in unwritten:
        # "President Nixon" where the context says "Richard Nixon ... the president":
        # a common noun of the context as a title before a name
        name = form[1:] if form[0] in common and len(form) > 1 else form
        if _short_form(name, whole) or _segments(name, pieces):
            continue
        if name is not form and (_short_form(form, whole) or _segments(form, pieces)):
            continue
        return text
    return ""


def _lower_words(text: str) -> set[str]:
    return {t for w in _LOWER_RE.findall(text) for t in tokens(w)}


def _short_form(form: NameForm, whole: Iterable[NameForm]) -> bool:
    """A name's words in order, some left out: "John Beilein" of "John Patrick Beilein"."""
    return any(len(w) >= len(form) and _subsequence(form, w) for w in whole)


def _readable(form: NameForm, known: frozenset[str]) -> bool:
    """A name of two or more words, no number, every word in the context or question."""
    content = [t for t in form if t not in STOPWORDS]
    return (
        len(content) >= 2
        and not any(is_number(t) for t in form)
        and all(t in known for t in content)
    )


def _heads(whole: Iterable[NameForm]) -> set[NameForm]:
    """A name's first words: "Presque Isle" of "Presque Isle State Park" (not "of" last)."""
    return {w[:i] for w in whole for i in range(1, len(w)) if w[i - 1] not in _CONNECTORS}


def _contiguous(form: NameForm, stream: Sequence[str]) -> bool:
    n = len(form)
    first = form[0]
    return any(
        stream[i] == first and tuple(stream[i : i + n]) == form for i in range(len(stream) - n + 1)
    )


def _subsequence(form: NameForm, longer: NameForm) -> bool:
    rest = iter(longer)
    return all(t in rest for t in form)


def _segments(form: NameForm, pieces: frozenset[NameForm] | set[NameForm]) -> bool:
    """Whether ``form`` is known names (or names' heads) side by side."""
    reach = [False] * (len(form) + 1)
    reach[0] = True
    for i in range(len(form)):
        if not reach[i]:
            continue
        for j in range(i + 1, len(form) + 1):
            if form[i:j] in pieces:
                reach[j] = True
    return reach[len(form)]


__all__ = ["KnownNames", "blended_name", "candidates", "name_forms"]
