"""Pass-rate intervals: Wilson score intervals, and the design effect of repeats.

With ``repeats`` > 1 every case is sampled several times, and samples of the same case
are correlated (an easy case passes every time). Treating all samples as independent
would make the interval too narrow, so the interval is computed on an *effective*
sample size (Kish): ``n_eff = n_samples / deff`` with ``deff = 1 + (m - 1) * ICC``,
``m`` the (size-weighted) mean number of samples per case and ``ICC`` the intra-case
correlation estimated from the per-case pass shares with the one-way ANOVA estimator.
``n_eff`` is kept between the number of cases and the number of samples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist


def z_value(confidence: float) -> float:
    """Two-sided standard-normal quantile for ``confidence`` (1.96 for 0.95)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(k: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials.

    ``k`` and ``n`` may be fractional (effective counts). ``n == 0`` gives ``(0, 1)``:
    nothing observed, nothing known.
    """
    if n < 0 or k < 0 or k > n + 1e-9:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (0.0, 1.0)
    z = z_value(confidence)
    p = min(k / n, 1.0)
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo = 0.0 if k <= 0 else max(0.0, centre - half)
    hi = 1.0 if k >= n else min(1.0, centre + half)
    return (lo, hi)


def attempts_to_prove(limit: float, confidence: float = 0.95) -> int:
    """Trials with no success that put the Wilson upper bound under ``limit``.

    The sample a zero-failure claim needs ("rule of three"): 73 for 5% at 95%, 381 for 1%.
    """
    if limit <= 0:
        return 0
    n = max(1, math.ceil(3 / limit) // 2)
    while wilson_interval(0, n, confidence)[1] >= limit:
        n += 1
    return n


def icc_anova(successes: Sequence[int], trials: Sequence[int]) -> float | None:
    """Intra-case correlation of binary outcomes, one-way ANOVA estimator, clipped to [0, 1].

    ``successes[i]`` of ``trials[i]`` samples of case ``i`` passed. Cases with no
    trials are ignored. Returns None when the ICC cannot be estimated (fewer than two
    cases, one sample per case, or no variation at all).
    """
    pairs = [(s, t) for s, t in zip(successes, trials, strict=True) if t > 0]
    k = len(pairs)
    big_n = sum(t for _, t in pairs)
    if k < 2 or big_n <= k:
        return None
    p_all = sum(s for s, _ in pairs) / big_n
    ss_between = sum(t * (s / t - p_all) ** 2 for s, t in pairs)
    ss_within = sum(s * (t - s) / t for s, t in pairs)  # = sum t * p_i * (1 - p_i)
    ms_between = ss_between / (k - 1)
    ms_within = ss_within / (big_n - k)
    n0 = (big_n - sum(t * t for _, t in pairs) / big_n) / (k - 1)
    denom = ms_between + (n0 - 1) * ms_within
    if denom <= 0:
        return None
    return min(1.0, max(0.0, (ms_between - ms_within) / denom))


@dataclass(frozen=True, slots=True)
class ProportionEstimate:
    """A pass rate with its interval, from per-case counts.

    ``n`` samples over ``n_cases`` cases; ``n_eff`` is the effective sample size the
    interval was computed on; ``icc`` the estimated intra-case correlation (None when
    not estimable, e.g. one sample per case).
    """

    successes: int
    n: int
    n_cases: int
    estimate: float | None
    lo: float
    hi: float
    n_eff: float
    icc: float | None
    deff: float


def effective_n(
    successes: Sequence[int], trials: Sequence[int]
) -> tuple[float, float | None, float]:
    """Effective sample size of clustered binary samples: ``(n_eff, icc, deff)``.

    ``deff = 1 + (m - 1) * ICC`` with ``m = sum(t_i^2) / sum(t_i)``; ``n_eff`` is clipped
    to ``[n_cases, n_samples]``. When the ICC cannot be estimated it is taken as 0
    (no evidence of clustering), which keeps the interval monotone in the number of
    failures; with a single case ``n_eff`` is 1.
    """
    used = [t for t in trials if t > 0]
    k = len(used)
    big_n = sum(used)
    if big_n == 0:
        return (0.0, None, 1.0)
    if k == 1:
        return (1.0, None, float(big_n))
    icc = icc_anova(successes, trials)
    m = sum(t * t for t in used) / big_n
    deff = 1 + (m - 1) * (icc or 0.0)
    n_eff = min(float(big_n), max(float(k), big_n / deff))
    return (n_eff, icc, big_n / n_eff)


def proportion_interval(
    successes: Sequence[int], trials: Sequence[int], confidence: float = 0.95
) -> ProportionEstimate:
    """Pass rate over all samples, with a Wilson interval on the effective sample size.

    With one sample per case this is the plain Wilson interval on cases.
    """
    k_total = sum(successes)
    n_total = sum(trials)
    n_cases = sum(1 for t in trials if t > 0)
    if n_total == 0:
        return ProportionEstimate(0, 0, 0, None, 0.0, 1.0, 0.0, None, 1.0)
    p = k_total / n_total
    n_eff, icc, deff = effective_n(successes, trials)
    lo, hi = wilson_interval(p * n_eff, n_eff, confidence)
    return ProportionEstimate(k_total, n_total, n_cases, p, lo, hi, n_eff, icc, deff)
