"""Find and mask personal data in model answers: emails, phones, cards, IBANs, SSNs, IPs.

Each kind is a regular expression plus a check that cuts false alarms:

- ``card``: 13-19 digits (spaces or dashes allowed) passing the Luhn checksum;
- ``iban``: country code, check digits and 11-30 letters/digits passing ISO 7064 mod 97;
- ``ssn``: US ``123-45-6789`` form, without the never-issued 000 / 666 / 9xx areas;
- ``phone``: 9-15 digits that look dialled — a leading ``+``, parentheses, or at least two
  separators (``555-123-4567``); a bare run of digits (an order number) is not a phone;
- ``email`` and ``ip`` (IPv4): their usual shapes.

Spans are found in that order and never overlap (a card number is not also a phone).
Masks name the kind, e.g. ``[EMAIL]``, so a reader still understands the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

PII_KINDS = ("email", "phone", "card", "iban", "ssn", "ip")
"""Every kind :func:`find_pii` knows."""

_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_IP = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
                 r"(?![\d.])")  # fmt: skip
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{7,}\d(?![\w])")


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One finding: its kind and span in the text."""

    kind: str
    start: int
    end: int


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a digit string (card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(text: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97."""
    s = text.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def _phone_ok(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    if not 9 <= digits <= 15:
        return False
    separators = sum(text.count(c) for c in " .-")
    return text.startswith("+") or "(" in text or separators >= 2


def find_pii(text: str, kinds: Iterable[str]) -> list[PiiMatch]:
    """Every finding of ``kinds`` in ``text``, in text order, without overlaps.

    Only the runs of digits and separators are searched for the number kinds (one cheap
    scan finds them), so a text with few numbers costs a few microseconds.
    """
    wanted = set(kinds)
    found: list[PiiMatch] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, m: re.Match[str]) -> None:
        s, e = m.span()
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        found.append(PiiMatch(kind, s, e))

    numbers = wanted & _NUMBER_KINDS
    if numbers:
        for run in _RUN.finditer(text):
            _number_kinds(text, run, numbers, add)
    if "email" in wanted and "@" in text:
        for m in _EMAIL.finditer(text):
            add("email", m)
    found.sort(key=lambda f: f.start)
    return found


_NUMBER_KINDS = frozenset({"card", "iban", "ssn", "ip", "phone"})
_RUN = re.compile(r"[0-9][0-9 .()/-]*")
_UPPER2 = re.compile(r"[A-Z]{2}")


def _number_kinds(
    text: str, run: re.Match[str], wanted: set[str], add: Callable[[str, re.Match[str]], None]
) -> None:
    s, e = run.span()
    digits = sum(c.isdigit() for c in run.group())
    if "iban" in wanted and s >= 2 and _UPPER2.fullmatch(text, s - 2, s):
        m = _IBAN.match(text, s - 2)
        if m is not None and iban_ok(m.group()):
            add("iban", m)
    if digits < 4:
        return
    start = max(0, s - 2)  # a phone may open with "+" or "("
    checks = ((_CARD, "card", 13), (_SSN, "ssn", 9), (_IP, "ip", 4), (_PHONE, "phone", 9))
    for rx, kind, least in checks:
        if kind not in wanted or digits < least or (kind == "ip" and run.group().count(".") < 3):
            continue
        for m in rx.finditer(text, start, e):
            if kind == "card" and not luhn_ok(re.sub(r"[ -]", "", m.group())):
                continue
            if kind == "phone" and not _phone_ok(m.group()):
                continue
            add(kind, m)


def redact(text: str, matches: list[PiiMatch]) -> str:
    """``text`` with each match replaced by ``[KIND]``."""
    if not matches:
        return text
    out: list[str] = []
    pos = 0
    for m in matches:
        out.append(text[pos : m.start])
        out.append(f"[{m.kind.upper()}]")
        pos = m.end
    out.append(text[pos:])
    return "".join(out)
