"""Known secrets, kept out of everything gonogo writes or prints.

An upstream may echo the API key it was sent in its error body ("invalid key sk-…"); that
text becomes a failed case's error, and from there reaches the console, the run store,
results.json, the reports and comparison files. Every API key gonogo reads from the
environment (a PRD's ``api_key_env``, an HTTP target's key, the gateway's upstream keys)
is registered here with :func:`add_secret`; :func:`redact` replaces each registered value
with ``[REDACTED]``. The JSON writer (:mod:`gonogo._safejson`) and the CLI's error output
call it, so every file and message is covered.
"""

from __future__ import annotations

REDACTED = "[REDACTED]"
MIN_LENGTH = 8  # shorter values are too likely to occur in ordinary text

_secrets: tuple[str, ...] = ()  # longest first, so a secret inside another goes with it


def add_secret(value: str | None) -> None:
    """Register a secret value (ignored when empty or shorter than 8 characters)."""
    global _secrets
    value = (value or "").strip()
    if len(value) >= MIN_LENGTH and value not in _secrets:
        _secrets = tuple(sorted({*_secrets, value}, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
