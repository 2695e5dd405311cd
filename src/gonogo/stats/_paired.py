"""Paired comparison of two variants on the same cases (A/B): tests, intervals, verdicts.

Work in progress: the signatures below are the contract; implementations follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Verdict = Literal[
    "better", "worse", "no_difference", "non_inferior", "inferior", "inconclusive", "too_small"
]


@dataclass(frozen=True, slots=True)
class PairedTest:
    """The outcome of comparing variant B with variant A on one scorer, case by case."""

    name: str
    metric: Literal["pass_rate", "mean"]
    n: int
    mean_a: float
    mean_b: float
    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    method: str
    wins: int
    ties: int
    losses: int
    higher_is_better: bool
    margin: float | None
    confidence: float
    verdict: Verdict
    reason: str


def paired_test(
    a: Sequence[float],
    b: Sequence[float],
    *,
    name: str = "",
    binary: bool,
    confidence: float = 0.95,
    margin: float | None = None,
    higher_is_better: bool = True,
    n_resamples: int = 10_000,
    seed: int = 0,
) -> PairedTest:
    """Compare B with A where ``a[i]`` and ``b[i]`` are the same case's value."""
    raise NotImplementedError


def holm(tests: Sequence[PairedTest], alpha: float | None = None) -> list[PairedTest]:
    """Holm–Bonferroni across the family; copies with ``p_adjusted`` and verdicts updated."""
    raise NotImplementedError
