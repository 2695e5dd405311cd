"""Words: one tokenizer, one stop-word list, one stemmer for every package.

The groundedness detector, the RAG app's index and extractive answerer and the RAG
scorers all read words the same way. Tokens are case- and accent-folded, lightly stemmed
("directed"/"directs", "stores"/"store" meet), numbers normalised ("1,212,515" →
"1212515", "two" → "2") so figures compare by value, acronyms marked ("U.S." and "US" →
"us.", never the pronoun "us"), and "n't" is split off as "not".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

TOKENIZER_ID = "gonogo-words-v2"
"""Identifies :func:`terms`; stored in RAG index manifests so a change forces a rebuild."""

STOPWORDS = frozenset(
    """a about above across after again against all almost also although always am among an
    and another any are around as at be became because become been before being below
    between both but by can could d did do does doing done down during each either else
    ever every few for from further had has have having he her here hers herself him
    himself his how however i if in into is it its itself just least less ll m many may me
    might more most much must my myself neither no nor not now of off on once only or other
    our ours ourselves out over own per rather re same several she should since so some
    such than that the their theirs them themselves then there these they this those
    though through thus to too under until up upon us ve very via was we were what
    whatever when where whereas whether which while who whom whose why will with within
    without would y yes yet you your yours yourself yourselves s t""".split()
)
"""Function words: never content, never evidence, never an index term."""

NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor"})
"""Words that flip a claim; "n't" is folded into "not" by :func:`tokens`."""

MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)

# "one" is left a word: "one of the largest" is no figure a paraphrase must keep
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero _ two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
    if w != "_"
}

TOKEN_RE = re.compile(r"(?:[A-Z]\.){2,}|\d[\d,]*(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
"""One word as :func:`tokens` reads it: an acronym with dots, a number, or letters."""


def fold(text: str) -> str:
    """Casefolded, accents removed ("Rhöner" → "rhoner")."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, deterministic stemmer: plural and -ed/-ing endings, enough to match forms."""
    w = fold(word).replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes", "zes")):
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


def acronym(raw: str) -> str:
    """``"U.S."``/``"US"`` → ``"us."``: an acronym never collides with a function word."""
    return raw.replace(".", "").lower() + "."


@lru_cache(maxsize=131072)
def word_tokens(raw: str) -> tuple[str, ...]:
    """The tokens of one word as :data:`TOKEN_RE` finds it (cached: words repeat)."""
    if raw[0].isdigit():
        return (normalise_number(raw),)
    if len(raw) > 1 and raw.replace(".", "").isupper():
        return (acronym(raw),)
    low = fold(raw).replace("’", "'")
    if low.endswith("n't"):
        return (stem(low[:-3]), "not")
    return (_NUMBER_WORDS.get(low) or stem(low),)


def tokens(text: str) -> list[str]:
    """Normalised word tokens, stop words included (stemmed; numbers by value; n't → not)."""
    out: list[str] = []
    for m in TOKEN_RE.finditer(text):
        out.extend(word_tokens(m.group(0)))
    return out


def terms(text: str) -> list[str]:
    """:func:`tokens` without stop words: index terms, answer facts, token F1's words."""
    return [t for t in tokens(text) if t not in STOPWORDS]


def content_words(text: str) -> set[str]:
    """The distinct :func:`terms` of ``text``."""
    return set(terms(text))


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
function words, their absence from a context is no evidence against a claim."""

NOT_CONTENT = STOPWORDS | FRAMING | LIGHT_WORDS
"""Tokens that carry nothing of a claim: stop words, framing and light verbs."""


def content_tokens(text: str) -> list[str]:
    """The words that carry a claim: :func:`terms` without framing and light verbs."""
    return [t for t in tokens(text) if t not in NOT_CONTENT]


def is_number(token: str) -> bool:
    """Whether a normalised token is a number (``"1988"``, ``"6.213"``)."""
    return token[:1].isdigit()


def written_words(text: str, wanted: set[str]) -> list[str]:
    """The words of ``text`` as written whose normalised token is in ``wanted``."""
    out: dict[str, None] = {}
    for m in TOKEN_RE.finditer(text):
        if any(t in wanted for t in word_tokens(m.group(0))):
            out[m.group(0)] = None
    return list(out)


_ABBREVIATED = {
    "tv.": ("television",),
    "us.": ("united states", "american"),
    "usa.": ("united states", "american"),
    "uk.": ("united kingdom", "british"),
    "un.": ("united nations",),
    "eu.": ("european union",),
}


def abbreviations(text_tokens: Sequence[str], names: Iterable[Sequence[str]] = ()) -> set[str]:
    """The acronyms a text spells out, as tokens ("United States" → "us.").

    Its names' initials, and a few common ones ("television" → "tv.", "British" → "uk.").
    An answer may shorten what its context writes in full; an acronym (a token such as
    "us.", see :func:`acronym`) is then as good as the words it stands for.
    """
    found = {"".join(w[0] for w in name if w[:1].isalpha()) + "." for name in names
             if len(name) >= 2}  # fmt: skip
    joined = " " + " ".join(text_tokens) + " "
    for short, longs in _spelled_out().items():
        if any(long in joined for long in longs):
            found.add(short)
    return found


@lru_cache(maxsize=1)
def _spelled_out() -> dict[str, tuple[str, ...]]:
    """:data:`_ABBREVIATED`'s long forms as space-delimited token strings."""
    return {k: tuple(f" {' '.join(tokens(v))} " for v in vs) for k, vs in _ABBREVIATED.items()}
