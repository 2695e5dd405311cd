"""Planning a paired comparison: power of the paired pass/fail tests and the cases they need.

Model: each case passes or fails under A and under B. ``baseline`` is A's pass rate,
``effect`` the true change ``p_B - p_A`` (oriented so that positive is better), and
``discordance`` the share of cases whose outcome differs between A and B (B fixes
or breaks them): ``P(fix) = (discordance + effect) / 2``, ``P(break) =
(discordance - effect) / 2``. Only discordant cases inform a paired test, so power
depends on the discordance as much as on the effect.

When the discordance is unknown it defaults to the value for outcomes that are
independent given the pass rates, ``p_A (1 - p_B) + p_B (1 - p_A)``. Two variants
run on the same cases usually agree more than that (the same cases are easy or hard
for both), so this default errs towards more cases; the discordance a previous
``gonogo compare`` measured (``PairedTest.discordance``) gives a tighter plan.

Power is computed **exactly** for the tests :func:`paired_test` runs, not from a
normal approximation: summing over the number of discordant cases (binomial), the
chance that the exact McNemar test says "better" (superiority), or that the lower end
of Tango's interval clears ``-margin`` (non-inferiority). Exact power of a discrete
test is not quite monotone in n, so :func:`cases_needed_paired` returns the smallest
n at which it reaches the target; a few more cases never hurt.

With ``repeats`` > 1 each case is run several times and compared by its pass share.
Repeats only help when a case's outcome varies between runs: ``icc`` is the share of
the variation in per-case differences that is a stable property of the case (1 =
repeats always agree, as with temperature 0, so repeats add nothing). The case count
is then scaled by the design effect ``icc + (1 - icc) / repeats`` (an approximation:
the repeated comparison uses the permutation test on pass shares).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._mcnemar import tango_z

if TYPE_CHECKING:
    import numpy as np
else:
    from ._np import np  # numpy on first use

# Above this many cases, planning uses the normal approximation (Connor 1987, and
# Nam 1997 for non-inferiority) instead of summing exactly; both agree closely there.
_EXACT_MAX_N = 100_000
_MAX_N = 10**9


def default_discordance(baseline: float, effect: float) -> float:
    """Discordance when A's and B's outcomes are independent given their pass rates."""
    pb = baseline + effect
    return baseline * (1 - pb) + pb * (1 - baseline)


def discordance_range(baseline: float, effect: float) -> tuple[float, float]:
    """Smallest and largest discordance possible for this baseline and effect.

    At least ``|effect|`` cases must change; B can fix at most A's failures and break
    at most A's passes.
    """
    pb = baseline + effect
    return abs(effect), min((1 - baseline) + (1 - pb), baseline + pb)


def power_paired(
    *,
    n: int,
    baseline: float,
    effect: float,
    alpha: float = 0.05,
    discordance: float | None = None,
    margin: float | None = None,
    repeats: int = 1,
    icc: float = 1.0,
) -> float:
    """Chance that a paired comparison of ``n`` cases shows B better (or non-inferior).

    Without ``margin``: the probability that the exact McNemar test at two-sided
    ``alpha`` says "better" when B's pass rate truly is ``baseline + effect``. With
    ``margin``: the probability that the lower end of Tango's ``1 - alpha`` interval
    lies above ``-margin`` (``effect`` may then be 0 or slightly negative, above
    ``-margin``). See the module docstring for ``discordance``, ``repeats`` and ``icc``.
    """
    psi = _check(baseline, effect, alpha, discordance, margin, repeats, icc)
    if n < 0:
        raise ValueError(f"n must be a number of cases (0 or more), got {n}")
    n_eff = math.floor(n / _design_effect(repeats, icc) + 1e-9)
    if n_eff < 1:
        return 0.0
    if n_eff > _EXACT_MAX_N:
        return _approx_power(n_eff, effect, alpha, psi, margin)
    if margin is None:
        return _exact_power_superiority(n_eff, effect, alpha, psi)
    return _exact_power_noninferiority(n_eff, effect, alpha, psi, margin)


def cases_needed_paired(
    *,
    baseline: float,
    effect: float,
    power: float = 0.8,
    alpha: float = 0.05,
    discordance: float | None = None,
    margin: float | None = None,
    repeats: int = 1,
    icc: float = 1.0,
) -> int:
    """Smallest number of paired cases that shows the improvement with the given power.

    Without ``margin``: detect a true improvement of ``effect`` in pass rate from
    ``baseline`` (exact McNemar, two-sided ``alpha``). With ``margin``: show
    non-inferiority (Tango interval above ``-margin``) when the true change is
    ``effect`` (0 = B exactly as good as A). Raises ValueError for impossible inputs
    and when more than a billion cases would be needed.
    """
    _check(baseline, effect, alpha, discordance, margin, repeats, icc)
    if not 0 < power < 1:
        raise ValueError(f"power must be between 0 and 1 (e.g. 0.8), got {power}")
    kw: dict[str, Any] = {
        "baseline": baseline,
        "effect": effect,
        "alpha": alpha,
        "discordance": discordance,
        "margin": margin,
    }
    # Search on single-run cases, then scale by the design effect of repeats.
    hi = 1
    while power_paired(n=hi, **kw) < power:
        if hi > _MAX_N:
            raise ValueError(
                "more than a billion cases would be needed: the effect is too small to "
                "detect (or the margin too tight) at this discordance"
            )
        hi *= 2
    lo = hi // 2  # power(lo) < target, or lo == 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if power_paired(n=mid, **kw) >= power:
            hi = mid
        else:
            lo = mid
    return max(1, math.ceil(hi * _design_effect(repeats, icc) - 1e-9))


def _check(
    baseline: float,
    effect: float,
    alpha: float,
    discordance: float | None,
    margin: float | None,
    repeats: int,
    icc: float,
) -> float:
    """Validate the planning inputs; returns the discordance to use."""
    if not 0 < baseline < 1:
        raise ValueError(f"baseline must be a pass rate strictly between 0 and 1, got {baseline}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1 (e.g. 0.05), got {alpha}")
    if margin is not None and not 0 < margin < 1:
        raise ValueError(f"margin must be between 0 and 1 (e.g. 0.05 = 5 points), got {margin}")
    if margin is None and not effect > 0:
        raise ValueError(
            f"effect must be a positive change in pass rate (e.g. 0.05 = 5 points), got {effect}"
        )
    if margin is not None and not effect > -margin:
        raise ValueError(
            f"effect ({effect}) must be above -margin ({-margin}): B cannot be shown "
            "non-inferior if it truly is worse than the margin"
        )
    if not 0 < baseline + effect < 1:
        raise ValueError(
            f"baseline + effect must stay a pass rate strictly between 0 and 1, got "
            f"{baseline} + {effect} = {baseline + effect:g}"
        )
    if repeats < 1:
        raise ValueError(f"repeats must be 1 or more, got {repeats}")
    if not 0 <= icc <= 1:
        raise ValueError(f"icc must be between 0 and 1, got {icc}")
    lo, hi = discordance_range(baseline, effect)
    psi = default_discordance(baseline, effect) if discordance is None else discordance
    if not lo - 1e-12 <= psi <= hi + 1e-12 or psi <= 0:
        raise ValueError(
            f"discordance {psi:g} is impossible with baseline {baseline:g} and effect "
            f"{effect:g}: the share of cases whose outcome changes must be between "
            f"{max(lo, 1e-9):g} and {hi:g}"
        )
    return psi


def _design_effect(repeats: int, icc: float) -> float:
    return icc + (1 - icc) / repeats


def _discordant_counts(n: int, psi: float) -> tuple[Any, Any]:
    """Numbers of discordant cases worth summing over and their binomial probabilities."""
    from scipy.stats import binom

    # Beyond 10 standard deviations the probabilities are below 1e-20.
    sd = math.sqrt(n * psi * (1 - psi))
    lo = max(0, math.floor(n * psi - 10 * sd - 10))
    hi = min(n, math.ceil(n * psi + 10 * sd + 10))
    nd = np.arange(lo, hi + 1)
    return nd, binom.pmf(nd, n, psi)


def _exact_power_superiority(n: int, effect: float, alpha: float, psi: float) -> float:
    """P(exact McNemar rejects with B ahead), summed over the number of discordant cases."""
    from scipy.stats import binom

    nd, weight = _discordant_counts(n, psi)
    theta = (psi + effect) / (2 * psi)  # P(a discordant case is a fix)
    safe = np.maximum(nd, 1)
    # Largest number of breaks k with 2 * P(Bin(nd, 1/2) <= k) < alpha: B wins with at
    # least nd - k fixes. Same comparison as the test itself (doubling is exact).
    k = binom.ppf(alpha / 2, safe, 0.5).astype(np.int64)
    k = np.where(2 * binom.cdf(k, safe, 0.5) < alpha, k, k - 1)
    k = np.where(2 * binom.cdf(k + 1, safe, 0.5) < alpha, k + 1, k)
    fixes_needed = np.where((nd > 0) & (k >= 0), nd - k, nd + 1)
    reject = binom.sf(fixes_needed - 1, safe, theta)
    return float(np.clip(np.sum(weight * np.where(nd > 0, reject, 0.0)), 0.0, 1.0))


def _exact_power_noninferiority(
    n: int, effect: float, alpha: float, psi: float, margin: float
) -> float:
    """P(Tango's lower bound > -margin), summed over the number of discordant cases.

    For a fixed number of discordant cases the score statistic at ``-margin`` rises
    with the number of fixes, so each count needs one threshold, found by bisection.
    """
    from scipy.stats import binom, norm

    z = float(norm.ppf(1 - alpha / 2))
    nd, weight = _discordant_counts(n, psi)
    theta = (psi + effect) / (2 * psi)
    lo = np.full(nd.shape, -1)  # fails the bound (or -1)
    hi = nd.copy()  # passes, if anything does: checked below
    passes_top = tango_z(nd, 0, n, -margin) > z
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        ok = tango_z(mid, nd - mid, n, -margin) > z
        lo = np.where(ok, lo, mid)
        hi = np.where(ok, mid, hi)
    fixes_needed = np.where(passes_top, hi, nd + 1)
    prob = binom.sf(fixes_needed - 1, np.maximum(nd, 1), theta)
    prob = np.where(nd > 0, prob, (fixes_needed <= 0).astype(float))
    return float(np.clip(np.sum(weight * prob), 0.0, 1.0))


def _approx_power(n: int, effect: float, alpha: float, psi: float, margin: float | None) -> float:
    """Normal-approximation power (Connor 1987; shifted by the margin for non-inferiority)."""
    from scipy.stats import norm

    z = float(norm.ppf(1 - alpha / 2))
    shift = effect + (margin or 0.0)
    sd_alt = math.sqrt(max(psi - effect**2, 1e-12))
    if margin is None:
        sd_null = math.sqrt(psi)
    else:
        # variance under the boundary -margin with the same discordance (Nam 1997, approx.)
        sd_null = math.sqrt(max(psi - margin**2, 1e-12))
    return float(norm.cdf((math.sqrt(n) * shift - z * sd_null) / sd_alt))


@dataclass(frozen=True, slots=True)
class PairedPlan:
    """How many golden cases a paired comparison needs, and what the ones at hand give.

    ``discordance_assumed`` is True when the discordance is the independence default
    rather than a value the caller gave. ``available`` is the number of cases at hand
    (None when unknown) and ``power_available`` the power those cases give.
    """

    baseline: float
    effect: float
    power: float
    alpha: float
    discordance: float
    discordance_assumed: bool
    margin: float | None
    repeats: int
    icc: float
    cases_needed: int
    available: int | None
    power_available: float | None

    @property
    def enough(self) -> bool | None:
        """Whether the available cases reach the wanted power (None when unknown)."""
        return None if self.available is None else self.available >= self.cases_needed

    @property
    def samples_per_variant(self) -> int:
        """Outputs each variant must produce: cases needed × repeats."""
        return self.cases_needed * self.repeats


def plan_paired(
    *,
    baseline: float,
    effect: float,
    power: float = 0.8,
    alpha: float = 0.05,
    discordance: float | None = None,
    margin: float | None = None,
    repeats: int = 1,
    icc: float = 1.0,
    available: int | None = None,
) -> PairedPlan:
    """:func:`cases_needed_paired` plus the assumptions behind it and the power of ``available``.

    Raises ValueError for impossible inputs (see :func:`cases_needed_paired`).
    """
    common: dict[str, Any] = {
        "baseline": baseline,
        "effect": effect,
        "alpha": alpha,
        "discordance": discordance,
        "margin": margin,
        "repeats": repeats,
        "icc": icc,
    }
    needed = cases_needed_paired(power=power, **common)
    if available is not None and available < 0:
        raise ValueError(f"available must be a number of cases, got {available}")
    return PairedPlan(
        baseline=baseline,
        effect=effect,
        power=power,
        alpha=alpha,
        discordance=_check(baseline, effect, alpha, discordance, margin, repeats, icc),
        discordance_assumed=discordance is None,
        margin=margin,
        repeats=repeats,
        icc=icc,
        cases_needed=needed,
        available=available,
        power_available=None if available is None else power_paired(n=available, **common),
    )
