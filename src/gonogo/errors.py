"""One exception root for gonogo.

``UserError`` subclasses are the user's mistakes (bad PRD, bad dataset, bad option):
the CLI prints them without a traceback and exits 2. ``RunError`` subclasses are
failures of the run itself (a provider unreachable beyond tolerance, a budget hit):
exit 3. Every message says what is wrong; ``hint`` says how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "GonogoError",
    "UserError",
    "ConfigIssue",
    "SpecError",
    "DatasetError",
    "MissingDependencyError",
    "RunError",
    "ProviderError",
    "CostLimitReached",
]


class GonogoError(Exception):
    """Root of every error gonogo raises on purpose."""

    exit_code = 3

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class UserError(GonogoError):
    """A mistake in what the user gave gonogo: exit code 2."""

    exit_code = 2


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a user file, located by file, line, column and key path."""

    file: str
    line: int | None
    col: int | None
    path: str
    message: str
    hint: str | None = None
    severity: str = "error"  # "error" | "warning"

    def format(self) -> str:
        """``file:line:col: key.path: message — hint``."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        text = f"{where}: {self.path + ': ' if self.path else ''}{self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class SpecError(UserError):
    """The PRD (or another YAML/JSON config) is invalid; carries every issue found."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        first = issues[0].format() if issues else "invalid configuration"
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(first + more)

    def __str__(self) -> str:
        return "\n".join(i.format() for i in self.issues)


class DatasetError(SpecError):
    """A golden dataset file is missing or has malformed rows (named by file:line)."""


class MissingDependencyError(UserError):
    """An optional extra is not installed; the hint is the exact pip command."""

    def __init__(self, feature: str, extra: str, package: str) -> None:
        super().__init__(
            f"{feature} needs the optional package '{package}', which is not installed",
            f"pip install 'gonogo[{extra}]'",
        )


class RunError(GonogoError):
    """The run itself failed (not the feature under test): exit code 3."""

    exit_code = 3


class ProviderError(RunError):
    """A model provider call failed after retries.

    ``retryable`` says whether the failure kind is worth retrying (429, 5xx,
    connection errors, timeouts); ``status`` is the HTTP status when there was one;
    ``retry_after`` is the server's Retry-After in seconds (429/503), when it sent one.
    """

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        status: int | None = None,
        retryable: bool = False,
        kind: str = "error",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.retryable = retryable
        # timeout | rate_limit | server_error | connection | bad_response | auth | not_found | error
        self.kind = kind
        self.retry_after = retry_after


class CostLimitReached(RunError):
    """``--max-cost`` was reached; completed work is kept."""
