"""Refusals: an answer (or a claim of one) that only says the answer is not known.

One detector for the ``refusal`` scorer, the ``groundedness`` scorer and the offline
groundedness detector: "I don't know", "the context does not say", "there is not enough
information". Such a text asserts nothing about the world, so there is nothing in it to
ground, and for an unanswerable question it is the right answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

REFUSAL_PATTERNS = (
    r"\b(?:i|we) (?:do not|don't|cannot|can't|could not|couldn't) "
    r"(?:know|find|answer|tell|say|determine)",
    r"\bnot (?:able|possible) to (?:answer|determine|find)",
    r"\b(?:not enough|insufficient|not sufficient) (?:information|context|data)\b",
    r"\bno (?:relevant )?(?:information|context|data) (?:about|on|regarding|to answer|is given"
    r"|is provided|was found|in the)\b",
    r"\b(?:the )?(?:context|documents?|passages?|sources?) (?:does not|do not|don't|doesn't) "
    r"(?:say|mention|contain|provide|specify|include|state)",
    r"\bi'?m (?:not sure|unsure|unable)",
    r"\bunable to (?:answer|find|determine)",
    r"\bcannot be (?:answered|determined)",
)
"""The built-in refusal phrases, matched anywhere in the casefolded text."""

_REFUSAL_RES = tuple(re.compile(p) for p in REFUSAL_PATTERNS)


class _Searcher(Protocol):
    def search(self, text: str) -> object: ...


def is_refusal(text: str, extra: Iterable[_Searcher] = ()) -> bool:
    """Whether ``text`` declines to answer; ``extra``: compiled patterns to try as well."""
    folded = text.casefold().replace("’", "'")
    return any(p.search(folded) for p in _REFUSAL_RES) or any(p.search(folded) for p in extra)
