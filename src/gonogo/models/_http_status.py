"""A provider's HTTP error status as a :class:`~gonogo.errors.ProviderError`, one way for all.

Every provider over HTTP (OpenAI-compatible, Anthropic) classifies a non-2xx answer the
same way — 429 and 5xx retryable, honouring ``Retry-After``; 401/403 ``auth``; 404
``not_found``; anything else ``error`` — with the same messages and hints, so the
client's retry policy and the report's error kinds never depend on the provider.
"""

from __future__ import annotations

from ..errors import ProviderError

_RETRYABLE = {  # kind: how the message says it, the hint
    "rate_limit": (
        "rate limited by",
        "lower `concurrency` in the PRD, or raise the account's rate limit",
    ),
    "server_error": (
        "server error from",
        "the provider is failing; gonogo retries these — raise max_retries if it persists",
    ),
}


def status_error(
    status: int,
    detail: str,
    *,
    url: str,
    base_url: str,
    model: str,
    key_env: str | None,
    retry_after: str | None,
    api: str,
) -> ProviderError:
    """The error for HTTP ``status`` from ``url``; ``detail`` is the server's message.

    ``key_env`` names the API key's variable for the auth hint, ``retry_after`` is the
    raw ``Retry-After`` header and ``api`` what the request's ``params`` must match
    (e.g. "the Messages API").
    """
    where = f"{url} (HTTP {status})"
    if status == 429 or status >= 500:
        kind = "rate_limit" if status == 429 else "server_error"
        said, hint = _RETRYABLE[kind]
        return ProviderError(
            f"{said} {where}: {detail}", hint, status=status, kind=kind, retryable=True,
            retry_after=retry_after_seconds(retry_after),
        )  # fmt: skip
    if status in (401, 403):
        var = f"${key_env}" if key_env else "the variable named by api_key_env"
        return ProviderError(
            f"authentication failed at {where}: {detail}",
            f"check the API key in {var} (and that it may use model {model!r})",
            status=status, kind="auth",
        )  # fmt: skip
    if status == 404:
        return ProviderError(
            f"not found: {where}: {detail}",
            f"check base_url ({base_url}) and the model name ({model!r})",
            status=status, kind="not_found",
        )  # fmt: skip
    return ProviderError(
        f"request rejected by {where}: {detail}",
        f"check the model name and `params` in the PRD against {api}",
        status=status, kind="error",
    )  # fmt: skip


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds; None for an HTTP date or no header."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to the client's own backoff
