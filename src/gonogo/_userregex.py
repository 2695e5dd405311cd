"""Regular expressions written by users (scorers, guards): never unbounded.

Python's ``re`` backtracks, so a pattern such as ``(a+)+$`` takes exponential time on
``"a" * 30 + "!"`` — and holds the GIL while it does, freezing a whole gateway. User
patterns are therefore compiled with the ``regex`` engine (a superset of ``re``'s syntax,
which also skips many such traps) and every match runs under a time limit:
:class:`RegexTimeout` when it passes. :func:`nested_quantifier` finds the usual cause —
a quantified group that holds a quantifier itself — so ``gonogo check`` can warn before
anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import regex

SCORER_TIMEOUT_S = 1.0  # eval: correctness first, one case at a time
GUARD_TIMEOUT_S = 0.05  # gateway: on the event loop, every request waits behind it


class RegexTimeout(Exception):
    """A user pattern ran past its time limit on one text."""


def compile_error(pattern: str) -> str | None:
    """Why ``pattern`` is not a valid regular expression, or None."""
    try:
        regex.compile(pattern)
    except (regex.error, ValueError, OverflowError, RecursionError) as e:
        return str(e) or type(e).__name__
    return None


class UserRegex:
    """A compiled user pattern whose every match is bounded by ``timeout_s`` seconds."""

    def __init__(self, pattern: str, *, ignore_case: bool = False, timeout_s: float) -> None:
        self.pattern = pattern
        self.timeout_s = timeout_s
        self._rx = regex.compile(pattern, regex.IGNORECASE if ignore_case else 0)

    def search(self, text: str) -> Any:
        """The first match, or None; :class:`RegexTimeout` past the time limit."""
        try:
            return self._rx.search(text, timeout=self.timeout_s)
        except TimeoutError:
            raise self._timeout() from None

    def finditer(self, text: str) -> Iterator[Any]:
        """Every match; :class:`RegexTimeout` past the time limit."""
        try:
            yield from self._rx.finditer(text, timeout=self.timeout_s)
        except TimeoutError:
            raise self._timeout() from None

    def sub(self, replacement: str, text: str) -> str:
        """``text`` with every match replaced; :class:`RegexTimeout` past the time limit."""
        try:
            return str(self._rx.sub(replacement, text, timeout=self.timeout_s))
        except TimeoutError:
            raise self._timeout() from None

    def _timeout(self) -> RegexTimeout:
        ms = self.timeout_s * 1000
        return RegexTimeout(f"the pattern /{self.pattern}/ ran past its {ms:g} ms limit")


_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


def nested_quantifier(pattern: str) -> str | None:
    """The first quantified group that holds an unbounded quantifier (``(a+)+``), or None.

    Such a group can match one text in exponentially many ways; on a text that almost
    matches, a backtracking engine tries them all.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]

        tree = _parser.parse(pattern)
    except Exception:  # not something re can parse: compile_error reports it
        return None
    return _nested(list(tree), pattern, inside=False)


def _nested(items: list[Any], pattern: str, *, inside: bool) -> str | None:
    for op, arg in items:
        name = str(op)
        if name in _REPEATS:
            low, high, sub = arg
            repeats = high is _MAXREPEAT or high > 1
            if inside and repeats and high is _MAXREPEAT:
                return pattern
            found = _nested(list(sub), pattern, inside=inside or repeats)
            if found is not None:
                return found
        elif name == "SUBPATTERN":
            found = _nested(list(arg[-1]), pattern, inside=inside)
            if found is not None:
                return found
        elif name == "BRANCH":
            for branch in arg[1]:
                found = _nested(list(branch), pattern, inside=inside)
                if found is not None:
                    return found
    return None


_MAXREPEAT = re._constants.MAXREPEAT  # type: ignore[attr-defined]
