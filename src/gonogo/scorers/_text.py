"""Text helpers shared by scorers: normalisation, expected values, numbers, short quotes."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from ._base import Score

NO_EXPECTED = "not evaluated: case has no expected output"

_SPACE_RE = re.compile(r"\s+")
_NON_WORD_RE = re.compile(r"[^\w\s]")
# A number: optional sign (ASCII or U+2212 minus) not glued to a word ("COVID-19" is 19),
# digits with optional thousands separators, optional decimals and exponent.
_NUMBER_RE = re.compile(
    r"(?<![\w.])([-+\u2212]?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE]([-+]?\d+))?"
)


def not_evaluated_no_expected() -> Score:
    """The Score for a case that lacks the expected output a scorer needs."""
    return Score(value=None, passed=None, reason=NO_EXPECTED)


def as_text(value: Any) -> str:
    """A value as text: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def expected_list(expected: Any) -> list[Any]:
    """The acceptable answers: a list as given, anything else as a one-item list."""
    if expected is None:
        return []
    return list(expected) if isinstance(expected, list | tuple) else [expected]


def _drop_punct(m: re.Match[str]) -> str:
    ch = m.group()
    if unicodedata.category(ch)[0] != "P":
        return ch  # symbols ($, +, %) carry meaning; only punctuation goes
    s, i = m.string, m.start()
    # keep decimal and thousands separators inside numbers: "3.5" must not become "35"
    if ch in ".," and 0 < i < len(s) - 1 and s[i - 1].isdigit() and s[i + 1].isdigit():
        return ch
    return ""


def normalize(text: str) -> str:
    """Unicode NFKC, casefold, punctuation removed, whitespace collapsed and stripped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _NON_WORD_RE.sub(_drop_punct, text)
    return _SPACE_RE.sub(" ", text).strip()


def fold(text: str) -> str:
    """NFKC + casefold: case-insensitive comparison without touching punctuation."""
    return unicodedata.normalize("NFKC", text).casefold()


def first_number(text: str) -> float | None:
    """The first number in ``text`` (signs, decimals, thousands separators); None if none."""
    m = _NUMBER_RE.search(text)
    if m is None:
        return None
    sign, digits, exp = m.groups()
    value = float(digits.replace(",", "") + (f"e{exp}" if exp else ""))
    return -value if sign in ("-", "\u2212") else value


def as_number(value: Any) -> float | None:
    """A number from a JSON value or text (the first number in it); None if there is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return first_number(value)
    return None


def quote(text: str, limit: int = 80) -> str:
    """``text`` repr'd and shortened for a reason line."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def doc(model: type[Any]) -> str:
    """The first line of a params model's docstring: a kind's one-line description."""
    lines = (model.__doc__ or "").strip().splitlines()
    return lines[0] if lines else ""
