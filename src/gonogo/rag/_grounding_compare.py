"""Choices between two options: "Who was born first, A or B?", "Which one …, A or B?".

A comparison answer only picks a name that the context mentions anyway, so word overlap
cannot tell right from wrong. For a temporal comparison the dates can: the year the
context gives next to each option (born, founded, released — the first year of the
option's sentence) decides which came first; +1 when the claim's pick agrees, -1 when it
contradicts, 0 when the context gives no date for one side. For any other choice the
pick is compared with the other option by how much of the question each one's own
passage says (a margin in -1..1). The options come from the question ("…, A or B?",
"between A and B") or, for a claim such as "A is older than B", from the claim.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..text import STOPWORDS, content_tokens

if TYPE_CHECKING:
    from ._grounding_features import ContextIndex

EARLIER = frozenset({"first", "earlier", "earliest", "older", "oldest", "before", "elder"})
LATER = frozenset({"younger", "youngest", "later", "latest", "last", "newer", "newest", "after"})

_YEAR_RE = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_OR_RE = re.compile(r"\s+or\s+", re.IGNORECASE)
_BETWEEN_RE = re.compile(r"\bbetween\s+(.+?)\s+and\s+(.+?)(?:,|$)", re.IGNORECASE)
_THAN_RE = re.compile(r"\b(?:than|before|after)\b", re.IGNORECASE)
_WORD_RE = re.compile(r"\S+")
_NAME_SMALL = frozenset({"of", "the", "de", "la", "von", "van", "der", "for", "and", "&"})


def comparison_verdict(claim: str, question: str, ctx: ContextIndex) -> float:
    """Whether the claim's pick between two options agrees with the context (+1/-1/0).

    A temporal comparison is decided by the options' years. Any other choice ("which
    one is located in Chestnut Hill, A or B?") by which option's own passage says more
    of the question: the difference of the two shares, in -1..1.
    """
    claim_words = set(content_tokens(claim)) | _raw_words(claim)
    direction = _direction(claim_words) or _direction(_raw_words(question))
    from_question = _options_from_question(question)
    options = from_question or (_options_from_claim(claim) if direction else None)
    if options is None:
        return 0.0
    picked = _picked(claim, options)
    if picked is None:
        return 0.0
    if direction:
        years = [_year_of(option, ctx) for option in options]
        if years[0] is not None and years[1] is not None and years[0] != years[1]:
            earlier = 0 if years[0] < years[1] else 1
            right = earlier if direction < 0 else 1 - earlier
            return 1.0 if picked == right else -1.0
    if from_question is None:
        return 0.0
    return _choice_margin(question, options, picked, ctx)


def _choice_margin(
    question: str, options: tuple[list[str], list[str]], picked: int, ctx: ContextIndex
) -> float:
    """Share of the question's other words next to the pick minus next to the other one."""
    from ._grounding_features import near_share

    skip = set(options[0]) | set(options[1])
    target = {t: 1.0 for t in content_tokens(question) if t not in skip}
    if not target:
        return 0.0
    shares = [near_share(target, option, ctx) for option in options]
    return shares[picked] - shares[1 - picked]


def _raw_words(text: str) -> set[str]:
    return {w.strip(".,;:?!\"'").lower() for w in _WORD_RE.findall(text)}


def _direction(words: set[str]) -> int:
    """-1: the earlier one is meant; +1: the later one; 0: no temporal comparison."""
    if words & EARLIER:
        return -1
    if words & LATER:
        return 1
    return 0


def _options_from_question(question: str) -> tuple[list[str], list[str]] | None:
    """``"…, A or B?"`` → the content tokens of A and of B."""
    text = question.strip().rstrip("?. ")
    between = _BETWEEN_RE.search(text)
    if between:
        a, b = _leading_name(between.group(1)), _leading_name(between.group(2))
    else:
        parts = _OR_RE.split(text)
        if len(parts) != 2:
            return None
        # "Which band was founded first, Hole, the band of Courtney Love, or The Wolfhounds?"
        a = next((n for n in map(_trailing_name, reversed(re.split(r"[,:]", parts[0]))) if n), "")
        b = _leading_name(re.split(r"[,?]", parts[1])[0])
    if not a or not b:
        return None
    return content_tokens(a), content_tokens(b)


def _options_from_claim(claim: str) -> tuple[list[str], list[str]] | None:
    """``"A is older than B"`` / ``"A was founded before B"`` → A and B."""
    m = _THAN_RE.search(claim)
    if m is None:
        return None
    a = _leading_name(claim[: m.start()])
    b = _leading_name(claim[m.end() :])
    if not a or not b:
        return None
    return content_tokens(a), content_tokens(b)


def _is_name_word(word: str) -> bool:
    w = word.strip("\"'“”‘’(),")
    return bool(w) and (w[0].isupper() or w[0].isdigit())


def _trailing_name(text: str) -> str:
    words = text.split()
    taken: list[str] = []
    for w in reversed(words):
        if _is_name_word(w) or (taken and w.lower() in _NAME_SMALL):
            taken.append(w)
        else:
            break
    while taken and taken[-1].lower() in _NAME_SMALL:
        taken.pop()
    return " ".join(reversed(taken))


def _leading_name(text: str) -> str:
    taken: list[str] = []
    for w in text.split():
        if _is_name_word(w) or (taken and w.lower() in _NAME_SMALL):
            taken.append(w)
        elif not taken and w.lower() in STOPWORDS:
            continue  # "the", "both": before the name starts
        else:
            break
    while taken and taken[-1].lower() in _NAME_SMALL:
        taken.pop()
    return " ".join(taken)


def _picked(claim: str, options: tuple[list[str], list[str]]) -> int | None:
    """Which option the claim names as its answer (the first named one after "than")."""
    toks = content_tokens(claim)
    hits: list[tuple[int, int]] = []
    for k, option in enumerate(options):
        # only the option's own words: "International Airport" names neither of two airports
        own = [t for t in option if t not in options[1 - k]] or option
        if not own:
            return None
        where = [toks.index(t) for t in own if t in toks]
        if len(where) * 2 >= len(own):
            hits.append((min(where), k))
    if len(hits) == 1:
        return hits[0][1]
    if len(hits) == 2 and _THAN_RE.search(claim):
        return min(hits)[1]
    return None


def _year_of(option: list[str], ctx: ContextIndex) -> int | None:
    """The first year of the first context sentence that names ``option`` in full."""
    for i in range(len(ctx.sentences)):
        if ctx.mentions(i, option):
            m = _YEAR_RE.search(ctx.sentences[i])
            if m:
                return int(m.group(1))
    return None
