"""Text pieces of the groundedness detector: sentences, claims, tokens, entities, numbers.

Pure Python and regular expressions, no model: the detector calls these on every answer
and every context, so they stay cheap (tens of microseconds per sentence). Tokens are
lowercased and lightly stemmed so that "directed"/"directs" or "stores"/"store" meet;
numbers are normalised ("1,212,515" → "1212515", "two" → "2") so that figures compare
by value, not by spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

STOPWORDS = frozenset(
    """a about above across after again against all almost also although always am among an
    and another any are around as at be became because become been before being below
    between both but by can could did do does doing done during each either else ever
    every few for from further had has have having he her here hers herself him himself
    his how however i if in into is it its itself just least less many may me might more
    most much must my myself neither no nor not now of off on once one only or other our
    ours out over own per rather same several she should since so some such than that the
    their theirs them themselves then there these they this those though through thus to
    too under until up upon us very via was we were what whatever when where whereas
    whether which while who whom whose why will with within without would yes yet you your
    yours also s t""".split()
)
"""Function words: never content, never evidence."""

NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor"})
"""Words that flip a claim; "n't" is folded into "not" by :func:`tokens`."""

_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)

_TOKEN_RE = re.compile(
    r"(?:[A-Z]\.){2,}|\d[\d,]*(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE
)
# A sentence ends at .!? followed by a space, or glued to a capital ("century.First"),
# but not after an initial or an abbreviation such as "U.S." or "Dr.".
_SENT_RE = re.compile(
    r"""(?<=[.!?])["”’)\]]*\s+(?=["“‘(\[]?[A-Z0-9])|(?<=[a-z]{2}[.!?])(?=[A-Z])"""
    r"""|(?<=[0-9)"”][.!?])(?=[A-Z][a-z])|(?<=[a-z]{2}[.!?]["”])(?=[A-Z][a-z])"""
)
_ABBREV_RE = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Mt|No|vs|Inc|Co|Ltd|Prof))\.$")
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


_REFUSAL_RE = re.compile(
    r"\b(?:i\s+(?:do\s+not|don't|cannot|can't|could\s+not|couldn't)\s+(?:know|tell|say|answer|find)"
    r"|i'?m\s+not\s+sure|not\s+(?:enough|sufficient)\s+information|no\s+information\s+(?:about|on)"
    r"|unable\s+to\s+(?:answer|find|determine)"
    r"|(?:context|documents?|passages?|sources?)\s+(?:does|do)\s+not\s+(?:say|mention|contain|provide|state))",
    re.IGNORECASE,
)


def is_refusal(claim: str) -> bool:
    """Whether a claim only says that the answer is not known.

    "I don't know", "The context does not say": such a claim asserts nothing about the
    world, so there is nothing to ground.
    """
    return bool(_REFUSAL_RE.search(claim))


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of a text with its character offsets (``text == source[start:end]``)."""

    text: str
    start: int
    end: int


def stem(word: str) -> str:
    """A light, deterministic stemmer: plural and -ed/-ing endings, enough to match forms."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")):
        w = w[:-1]
    if w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith("ed") and len(w) > 4:
        w = w[:-2]
    return w


def normalise_number(raw: str) -> str:
    """``"1,212,515"`` → ``"1212515"``; ``"6.20"`` → ``"6.2"``."""
    n = raw.replace(",", "")
    if "." in n:
        n = n.rstrip("0").rstrip(".")
    return n


def tokens(text: str) -> list[str]:
    """Normalised word tokens, stopwords included (stemmed; numbers by value; n't → not)."""
    out: list[str] = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group(0)
        if raw[0].isdigit():
            out.append(normalise_number(raw))
            continue
        if len(raw) > 1 and raw.replace(".", "").isupper():
            out.append(acronym(raw))
            continue
        low = raw.lower().replace("’", "'")
        if low.endswith("n't"):
            out.append(stem(low[:-3]))
            out.append("not")
            continue
        out.append(_NUMBER_WORDS.get(low) or stem(low))
    return out


def acronym(raw: str) -> str:
    """``"U.S."``/``"US"`` → ``"us."``: an acronym never collides with a function word."""
    return raw.replace(".", "").lower() + "."


FRAMING = frozenset(
    stem(w)
    for w in """according context contexts document documents passage passages source sources
    mentioned stated provided answer additionally furthermore moreover therefore hence thus
    overall specifically notably indeed actually basically essentially""".split()
)
"""Words about the answer itself ("according to the context, ..."), not about the world."""


LIGHT_WORDS = frozenset(
    stem(w)
    for w in """stand stands stood located lies lie situated sits become became becomes
    include includes including consist consists contain contains feature features serve
    serves served remain remains remained""".split()
)
"""Verbs that say little and are often paraphrased ("stands in" for "is in"): like
function words, their absence from the context is no evidence against a claim."""


_NOT_CONTENT = FRAMING | LIGHT_WORDS


def written_words(text: str, wanted: set[str]) -> list[str]:
    """The words of ``text`` as written whose normalised token is in ``wanted``."""
    out: dict[str, None] = {}
    for m in _TOKEN_RE.finditer(text):
        if any(t in wanted for t in tokens(m.group(0))):
            out[m.group(0)] = None
    return list(out)


def content_tokens(text: str) -> list[str]:
    """:func:`tokens` without stopwords: the words that carry a claim."""
    return [t for t in tokens(text) if t not in STOPWORDS and t not in _NOT_CONTENT]


def is_number(token: str) -> bool:
    """Whether a normalised token is a number (``"1988"``, ``"6.213"``)."""
    return token[:1].isdigit()


def sentences(text: str) -> list[Span]:
    """Sentence spans of ``text``; tolerant of sentences glued without a space."""
    spans: list[Span] = []
    start = 0
    for m in _SENT_RE.finditer(text):
        head = text[start : m.start()].rstrip()
        if _ABBREV_RE.search(head):
            continue  # "U.S. Highway", "Dr. Smith": not a sentence end
        _add_span(text, start, m.start(), spans)
        start = m.end()
    _add_span(text, start, len(text), spans)
    return spans


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


def names(text: str) -> list[Name]:
    """Named things a claim is about: runs of capitalised words, and numbers.

    A leading capitalised function word ("The", "Both", "Yes") is not part of a name;
    connector words inside one are ("Bank of England").
    """
    found: list[Name] = []
    run: list[re.Match[str]] = []
    pending: list[re.Match[str]] = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group(0)
        if raw[0].isdigit():
            _flush(text, run, found)
            run, pending = [], []
            found.append(Name(raw, (normalise_number(raw),)))
        elif (len(raw) > 1 and raw.replace(".", "").isupper()) or (
            _CAP_WORD.match(raw) and raw.lower() not in STOPWORDS | _DISCOURSE
        ):
            run.extend(pending)
            pending = []
            run.append(m)
        elif run and raw.lower() in _CONNECTORS:
            pending.append(m)
        else:
            _flush(text, run, found)
            run, pending = [], []
    _flush(text, run, found)
    return found


def entity_groups(text: str) -> list[list[str]]:
    """The normalised tokens of each of :func:`names`."""
    return [list(n.tokens) for n in names(text)]


def _flush(text: str, run: list[re.Match[str]], found: list[Name]) -> None:
    if not run:
        return
    words = [t for m in run for t in tokens(m.group(0)) if t not in STOPWORDS]
    words = [_NUMBER_WORDS.get(w, w) for w in words]
    if words and not all(w in MONTHS for w in words):
        found.append(Name(text[run[0].start() : run[-1].end()], tuple(words)))


def _add_span(text: str, start: int, end: int, spans: list[Span]) -> None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece.rstrip())
    if trail > lead:
        spans.append(Span(piece[lead:trail], start + lead, start + trail))
