"""Planning a paired comparison: power of McNemar's test and the cases it needs.

Work in progress: the signatures below are the contract; implementations follow.
"""

from __future__ import annotations


def power_paired(
    *,
    n: int,
    baseline: float,
    effect: float,
    alpha: float = 0.05,
    discordance: float | None = None,
    margin: float | None = None,
) -> float:
    """Power of the paired test with ``n`` cases to detect ``effect`` from ``baseline``."""
    raise NotImplementedError


def cases_needed_paired(
    *,
    baseline: float,
    effect: float,
    power: float = 0.8,
    alpha: float = 0.05,
    discordance: float | None = None,
    margin: float | None = None,
) -> int:
    """Smallest number of paired cases that detects ``effect`` with ``power``."""
    raise NotImplementedError
