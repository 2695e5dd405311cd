"""Paired comparison of two variants on the same cases (A/B): test, interval, verdict.

Both variants answer the *same* cases, so each case is its own control: the
comparison looks at per-case differences, which removes the (large) spread between
easy and hard cases and needs far fewer cases than comparing two independent runs.

- Pass/fail, one sample per case: exact McNemar p-value, Tango score interval for
  the difference of pass rates (``_mcnemar.py``).
- Scores, or per-case pass shares with repeats: sign-flip permutation p-value,
  expanded-BCa paired bootstrap interval of the mean difference (``_signflip.py``).

Superiority verdicts come from the (Holm-adjusted) p-value; non-inferiority verdicts
from the interval against the margin. :func:`holm` adjusts a family of tests (one per
scorer). A non-inferiority claim for the whole family ("B is not worse on any
scorer") needs every scorer to be non-inferior, which keeps the error rate at alpha
without adjustment (intersection-union principle), so :func:`holm` leaves those
verdicts as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from ._mcnemar import mcnemar_exact_p, tango_interval
from ._signflip import bootstrap_diff_interval, signflip_p

if TYPE_CHECKING:
    import numpy as np
else:
    from ._np import np  # numpy on first use

Verdict = Literal[
    "better", "worse", "no_difference", "non_inferior", "inferior", "inconclusive", "too_small"
]


@dataclass(frozen=True, slots=True)
class PairedTest:
    """The outcome of comparing variant B with variant A on one scorer, case by case.

    ``diff = mean_b - mean_a`` (positive: B higher) with its interval
    ``[ci_low, ci_high]`` at ``confidence``; the interval is NaN for a mean with fewer
    than two cases. ``wins`` / ``ties`` / ``losses`` count cases where B's value is
    above / equal to / below A's (not oriented by ``higher_is_better``).
    ``p_value`` is the two-sided test of "no difference"; ``p_adjusted`` its
    Holm-adjusted value once :func:`holm` was applied (equal to ``p_value`` before).
    ``reason`` is one sentence a product manager can read.
    """

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
    interval_method: str = ""
    """How the interval was computed: ``tango-score``, ``bca-bootstrap``, ..."""
    discordance: float = 0.0
    """Share of cases whose value differs between A and B: ``(wins + losses) / n``.
    For pass/fail, the ``discordance`` to plan the next comparison with."""
    family_size: int = 1
    """Number of tests :func:`holm` adjusted together (1 before adjustment)."""


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
    """Compare B with A where ``a[i]`` and ``b[i]`` are the same case's value.

    ``binary=True`` needs values in {0, 1} (one pass/fail sample per case): exact
    McNemar test and Tango's score interval for the difference of pass rates.
    Otherwise (scores, or per-case pass shares when cases are repeated): sign-flip
    permutation test (exact up to 16 changed cases, else ``n_resamples`` random flips)
    and an expanded-BCa paired bootstrap interval (``n_resamples`` resamples).

    Without ``margin``: ``better`` / ``worse`` when ``p < 1 - confidence`` (after
    :func:`holm`, the adjusted p), else ``no_difference``; ``too_small`` when no
    outcome with this many cases could be significant (fewer than 6 cases at 95%).
    With ``margin`` (> 0, in the values' units, e.g. 0.05 = 5 points of pass rate):
    ``non_inferior`` when the interval of the difference, oriented by
    ``higher_is_better``, lies above ``-margin``; ``inferior`` when it lies below;
    else ``inconclusive``; ``too_small`` when even the best possible outcome at this n
    could not show non-inferiority.

    Raises ValueError for no cases, different lengths, NaN or infinite values,
    non-0/1 values with ``binary=True``, or a confidence / margin out of range.
    Deterministic for a given ``seed``.
    """
    xa, xb = _validate(a, b, binary=binary, confidence=confidence, margin=margin)
    if n_resamples < 100:
        raise ValueError(f"n_resamples must be at least 100, got {n_resamples}")
    n = xa.size
    d = xb - xa
    wins, losses = int(np.count_nonzero(d > 0)), int(np.count_nonzero(d < 0))
    if binary:
        p = float(mcnemar_exact_p(wins, losses))
        lo, hi = (float(v) for v in tango_interval(wins, losses, n, confidence))
        method, interval_method = "mcnemar-exact", "tango-score"
    else:
        perm_seed, boot_seed = np.random.SeedSequence(seed).generate_state(2)
        p, _ = signflip_p(d, n_resamples, int(perm_seed))
        method = "paired-permutation"
        if n >= 2:
            lo, hi, interval_method = bootstrap_diff_interval(
                d, confidence, n_resamples, int(boot_seed)
            )
        else:
            lo, hi, interval_method = math.nan, math.nan, "none"
    test = PairedTest(
        name=name,
        metric="pass_rate" if binary else "mean",
        n=n,
        mean_a=float(xa.mean()),
        mean_b=float(xb.mean()),
        diff=float(d.mean()),
        ci_low=lo,
        ci_high=hi,
        p_value=p,
        p_adjusted=p,
        method=method,
        wins=wins,
        ties=n - wins - losses,
        losses=losses,
        higher_is_better=higher_is_better,
        margin=margin,
        confidence=confidence,
        verdict="no_difference",
        reason="",
        interval_method=interval_method,
        discordance=(wins + losses) / n,
    )
    return _decide(test, 1 - confidence)


def holm(tests: Sequence[PairedTest], alpha: float | None = None) -> list[PairedTest]:
    """Holm–Bonferroni across the family; copies with ``p_adjusted`` and verdicts updated.

    ``alpha`` defaults to each test's ``1 - confidence``. The i-th smallest of m
    p-values is multiplied by ``m - i + 1`` (made monotone, capped at 1): every
    "better"/"worse" claim in the family is then wrong with probability at most alpha
    together. Non-inferiority verdicts rest on the intervals and are not changed (see
    the module docstring). Returns the tests in the given order.
    """
    if alpha is not None and not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    m = len(tests)
    order = sorted(range(m), key=lambda i: tests[i].p_value)
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * tests[i].p_value))
        adjusted[i] = running
    out = []
    for t, p_adj in zip(tests, adjusted, strict=True):
        updated = replace(t, p_adjusted=p_adj, family_size=m)
        out.append(_decide(updated, alpha if alpha is not None else 1 - t.confidence))
    return out


def min_cases_for_significance(alpha: float) -> int:
    """Fewest cases with which any paired test here can reach ``p < alpha``.

    The most extreme outcome (every case changes, all the same way) has exact
    two-sided p = 2 / 2^n for both McNemar and the sign-flip test.
    """
    n = 1
    while 2.0 ** (1 - n) >= alpha:
        n += 1
    return n


def _validate(
    a: Sequence[float],
    b: Sequence[float],
    *,
    binary: bool,
    confidence: float,
    margin: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if margin is not None and not (math.isfinite(margin) and margin > 0):
        raise ValueError(f"margin must be a positive number, got {margin}")
    xa = np.asarray(a, dtype=float)
    xb = np.asarray(b, dtype=float)
    if xa.ndim != 1 or xb.ndim != 1:
        raise ValueError("a and b must be flat sequences of numbers, one per case")
    if xa.size != xb.size:
        raise ValueError(
            f"a and b must hold the same cases: got {xa.size} values for A and {xb.size} for B"
        )
    if xa.size == 0:
        raise ValueError("no paired cases to compare: a and b are empty")
    for label, x in (("a", xa), ("b", xb)):
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            raise ValueError(
                f"{label}[{bad[0]}] is {x[bad[0]]}: every case needs a finite value "
                "(drop cases that were not scored under both variants)"
            )
        if binary:
            odd = np.flatnonzero((x != 0) & (x != 1))
            if odd.size:
                raise ValueError(
                    f"{label}[{odd[0]}] is {x[odd[0]]}, but binary=True needs 0 or 1 per case "
                    "(use binary=False for scores or pass shares)"
                )
    return xa, xb


def _decide(test: PairedTest, alpha: float) -> PairedTest:
    verdict = _verdict(test, alpha)
    with_verdict = replace(test, verdict=verdict)
    from ._paired_text import describe

    return replace(with_verdict, reason=describe(with_verdict, alpha))


def _verdict(t: PairedTest, alpha: float) -> Verdict:
    sign = 1.0 if t.higher_is_better else -1.0
    if t.margin is None:
        if t.n < min_cases_for_significance(alpha):
            return "too_small"
        if t.p_adjusted < alpha and sign * t.diff > 0:
            return "better"
        if t.p_adjusted < alpha and sign * t.diff < 0:
            return "worse"
        return "no_difference"
    if _ni_too_small(t):
        return "too_small"
    low, high = sorted((sign * t.ci_low, sign * t.ci_high))
    if low > -t.margin:
        return "non_inferior"
    if high < -t.margin:
        return "inferior"
    return "inconclusive"


def _ni_too_small(t: PairedTest) -> bool:
    """True when even the best outcome at this n could not show non-inferiority."""
    if t.metric == "mean":
        return t.n < 2
    assert t.margin is not None
    # Best case for B: every case a win (oriented); its interval's far end decides.
    low, _ = tango_interval(t.n, 0, t.n, t.confidence)
    return bool(low <= -t.margin)
