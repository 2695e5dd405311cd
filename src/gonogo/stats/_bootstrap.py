"""Mean-score intervals: a cluster bootstrap over cases (scipy.stats.bootstrap, BCa).

Samples of one case are correlated, so the bootstrap resamples *cases*, carrying each
case's samples along: the statistic is the sample-weighted mean of the resampled cases
(sum of values / number of values), which equals the mean of case means when every
case has the same number of samples.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20240601
# BCa's jackknife costs O(n^2); past this many cases its skew correction is negligible
# and the percentile interval is used (about 40 ms instead of 90 ms at 2,000 cases).
BCA_MAX_CASES = 1000


def bootstrap_mean_interval(
    per_case_values: Sequence[Sequence[float]],
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> tuple[float, float] | None:
    """Interval for the mean score, resampling cases (BCa; percentile when BCa fails).

    Above ``BCA_MAX_CASES`` cases the percentile interval is used directly.

    ``per_case_values[i]`` are the values of case ``i``'s samples (cases without values
    are ignored). Returns None with fewer than two cases (no spread to resample);
    ``(m, m)`` when every value equals ``m``. Deterministic for a given ``seed``.
    """
    cases = [[float(v) for v in vs] for vs in per_case_values if len(vs) > 0]
    if len(cases) < 2:
        return None
    first = cases[0][0]
    if all(v == first for vs in cases for v in vs):
        return (first, first)
    import numpy as np

    sums = np.array([sum(vs) for vs in cases])
    counts = np.array([len(vs) for vs in cases], dtype=float)
    equal_sizes = bool(np.all(counts == counts[0]))
    data: tuple[Any, ...] = (sums / counts,) if equal_sizes else (sums, counts)
    methods: tuple[Literal["BCa", "percentile"], ...]
    methods = ("BCa", "percentile") if len(cases) <= BCA_MAX_CASES else ("percentile",)
    for method in methods:
        interval = _scipy_bootstrap(data, confidence, seed, n_resamples, method)
        if interval is not None:
            return interval
    return None


def _scipy_bootstrap(
    data: tuple[Any, ...],
    confidence: float,
    seed: int,
    n_resamples: int,
    method: Literal["BCa", "percentile"],
) -> tuple[float, float] | None:
    import numpy as np
    from scipy import stats

    def ratio(s: Any, c: Any, axis: int = -1) -> Any:
        return np.sum(s, axis=axis) / np.sum(c, axis=axis)

    statistic: Any = np.mean if len(data) == 1 else ratio
    with warnings.catch_warnings():
        # Degenerate resamples warn and give NaN; the NaN check below handles them.
        warnings.simplefilter("ignore")
        try:
            res = stats.bootstrap(
                data,
                statistic,
                n_resamples=n_resamples,
                vectorized=True,
                paired=len(data) > 1,
                confidence_level=confidence,
                method=method,
                rng=np.random.default_rng(seed),
            )
        except (ValueError, FloatingPointError):
            return None
    lo = float(res.confidence_interval.low)
    hi = float(res.confidence_interval.high)
    if math.isnan(lo) or math.isnan(hi):
        return None
    return (lo, hi)
