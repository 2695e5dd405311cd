"""A circuit breaker per upstream: closed → open → half-open → closed.

Closed: calls go through; failures are remembered for ``window_s``. When ``failures``
of them fall within the window, the breaker opens: calls are skipped (the chain moves
on at once) for ``cooldown_s``. Then it is half-open: one probe call goes through; its
success closes the breaker, its failure opens it for another cool-down.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """One upstream's breaker. Not thread-safe: used from the event loop only."""

    __slots__ = (
        "failures", "window_s", "cooldown_s", "enabled", "state", "opened_at", "_recent",
        "_probing", "_clock", "opens",
    )  # fmt: skip

    def __init__(
        self,
        failures: int = 5,
        window_s: float = 30.0,
        cooldown_s: float = 15.0,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.window_s = window_s
        self.cooldown_s = cooldown_s
        self.enabled = enabled
        self.state: State = "closed"
        self.opened_at = 0.0
        self.opens = 0  # how many times it opened, for metrics
        self._recent: deque[float] = deque()
        self._probing = False
        self._clock = clock

    def allow(self) -> bool:
        """May a call go to this upstream now? Half-open lets exactly one probe through."""
        if not self.enabled or self.state == "closed":
            return True
        if self.state == "open":
            if self._clock() - self.opened_at < self.cooldown_s:
                return False
            self.state = "half_open"
            self._probing = False
        if self._probing:
            return False
        self._probing = True
        return True

    def success(self) -> None:
        """The call succeeded: a half-open breaker closes."""
        if self.state != "closed":
            self.state = "closed"
            self._recent.clear()
        self._probing = False

    def failure(self) -> None:
        """The call failed: count it, open when the window holds enough failures."""
        if not self.enabled:
            return
        now = self._clock()
        if self.state == "half_open":
            self._open(now)
            return
        recent = self._recent
        recent.append(now)
        while recent and now - recent[0] > self.window_s:
            recent.popleft()
        if len(recent) >= self.failures:
            self._open(now)

    def release(self) -> None:
        """A probe ended without a verdict (e.g. the caller went away): allow another."""
        self._probing = False

    def _open(self, now: float) -> None:
        self.state = "open"
        self.opened_at = now
        self.opens += 1
        self._recent.clear()
        self._probing = False
