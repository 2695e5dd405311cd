"""The gate: does an estimate with its interval clear a target, and how many more cases would tell.

``lower_bound`` gating (the default) passes a threshold only when the interval's lower
bound clears the target, so a small golden set cannot pass by luck. When the point
estimate meets the target but the lower bound does not, the threshold is *undecided*:
it does not pass (the verdict is NO-GO), and :func:`cases_needed` says roughly how many
more cases at the observed rate would make the interval decisive.
"""

from __future__ import annotations

import math
from typing import Literal

from ._proportion import wilson_interval

GateOn = Literal["lower_bound", "point"]
GateStatus = Literal["pass", "fail", "undecided"]

# Float noise must not flip a gate: a mean of 0.8499999999 clears a target of 0.85.
_EPS = 1e-9
_MAX_N = 10**8


def evaluate_threshold(
    estimate: float,
    lo: float | None,
    hi: float | None,
    target: float,
    gate_on: GateOn = "lower_bound",
) -> GateStatus:
    """Gate one estimate against ``target`` (higher is better).

    ``point``: pass iff ``estimate >= target``, else fail. ``lower_bound``: pass iff
    ``lo >= target``; fail iff the estimate (and so the upper bound) is below the
    target; otherwise undecided. A missing interval (``lo`` None) cannot pass on the
    lower bound.
    """
    if gate_on == "point":
        return "pass" if estimate >= target - _EPS else "fail"
    if gate_on != "lower_bound":
        raise ValueError(f"gate_on must be 'lower_bound' or 'point', got {gate_on!r}")
    if lo is not None and lo >= target - _EPS:
        return "pass"
    if estimate < target - _EPS or (hi is not None and hi < target - _EPS):
        return "fail"
    return "undecided"


def cases_needed(
    p_hat: float,
    target: float,
    confidence: float = 0.95,
    n_current: int = 0,
    *,
    units_per_case: float = 1.0,
) -> int | None:
    """About how many MORE cases would make a Wilson interval exclude ``target``.

    Assumes the pass rate stays at ``p_hat``. ``units_per_case`` is the effective
    sample size one case contributes (``n_eff / n_cases`` with repeats; 1 without).
    Returns 0 when the current cases already decide, None when no number of cases
    would (``p_hat == target``, or beyond 10^8 cases).
    """
    if not 0 <= p_hat <= 1:
        raise ValueError(f"p_hat must be a rate in [0, 1], got {p_hat}")
    if units_per_case <= 0:
        raise ValueError("units_per_case must be positive")
    if abs(p_hat - target) < _EPS:
        return None
    above = p_hat > target

    def decisive(n_units: float) -> bool:
        lo, hi = wilson_interval(p_hat * n_units, n_units, confidence)
        return lo >= target if above else hi < target

    hi_n = 1
    while not decisive(hi_n):
        if hi_n > _MAX_N:
            return None
        hi_n *= 2
    lo_n = hi_n // 2  # not decisive (or 0)
    while hi_n - lo_n > 1:
        mid = (lo_n + hi_n) // 2
        if decisive(mid):
            hi_n = mid
        else:
            lo_n = mid
    total_cases = math.ceil(hi_n / units_per_case - _EPS)
    return max(0, total_cases - n_current)


def cases_needed_mean(
    estimate: float, lo: float, hi: float, target: float, n_current: int
) -> int | None:
    """About how many MORE cases would make a mean's interval exclude ``target``.

    Scales the interval's half-width on the side facing the target as ``1/sqrt(n)``.
    Returns 0 when already decisive, None when ``estimate == target`` or ``n_current``
    is 0.
    """
    gap = estimate - target
    if abs(gap) < _EPS or n_current <= 0:
        return None
    half = (estimate - lo) if gap > 0 else (hi - estimate)
    if half < abs(gap):
        return 0
    needed = math.ceil(n_current * (half / abs(gap)) ** 2)
    return max(0, needed - n_current)


def about(n: int) -> int:
    """Round a case count for "about N more cases": two significant digits."""
    if n < 100:
        return n
    digits = len(str(n)) - 2
    return int(round(n, -digits))
