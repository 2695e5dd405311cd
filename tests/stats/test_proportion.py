import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gonogo.stats import effective_n, icc_anova, proportion_interval, wilson_interval, z_value


def test_z_value_for_95_percent() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    with pytest.raises(ValueError):
        z_value(1.0)


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        (8, 10, 0.4902, 0.9433),  # textbook value
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (45, 50, 0.7864, 0.9565),
        (1, 2, 0.0945, 0.9055),
    ],
)
def test_wilson_known_values(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=5e-4)
    assert got[1] == pytest.approx(hi, abs=5e-4)


def test_wilson_empty_and_bad_input() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_wilson_narrows_with_confidence_and_n() -> None:
    w90 = wilson_interval(40, 50, 0.90)
    w99 = wilson_interval(40, 50, 0.99)
    assert w99[0] < w90[0] and w99[1] > w90[1]
    small, big = wilson_interval(8, 10), wilson_interval(80, 100)
    assert big[1] - big[0] < small[1] - small[0]


def test_wilson_coverage_simulation_n50() -> None:
    rng = np.random.default_rng(12345)
    for p in (0.1, 0.5, 0.8, 0.9, 0.97):
        draws = rng.binomial(50, p, size=2000)
        covered = sum(lo <= p <= hi for lo, hi in (wilson_interval(int(k), 50) for k in draws))
        assert covered / len(draws) >= 0.93, p


def test_icc_extremes() -> None:
    # cases either always pass or always fail: perfectly correlated repeats
    assert icc_anova([3, 3, 0, 0, 3], [3] * 5) == pytest.approx(1.0)
    # same share in every case: no between-case variation
    assert icc_anova([2, 2, 2, 2], [3] * 4) == 0.0
    assert icc_anova([1, 0, 1], [1, 1, 1]) is None  # one sample per case
    assert icc_anova([3], [3]) is None  # one case
    assert icc_anova([3, 3, 3], [3, 3, 3]) is None  # no variation at all


def test_design_effect_shrinks_n_eff_with_correlated_repeats() -> None:
    correlated = effective_n([5, 5, 0, 5, 0, 5, 5, 0], [5] * 8)
    independent = effective_n([4, 3, 4, 4, 3, 4, 4, 3], [5] * 8)
    assert correlated[0] == pytest.approx(8)  # clipped to the number of cases
    assert correlated[2] == pytest.approx(5)
    assert independent[0] == pytest.approx(40)  # ICC estimate 0: every sample counts
    assert 8 <= effective_n([5, 4, 1, 5, 2, 5, 0, 3], [5] * 8)[0] <= 40


def test_repeats_one_is_plain_wilson_on_cases() -> None:
    est = proportion_interval([1, 0, 1, 1, 1, 0, 1, 1, 1, 1], [1] * 10)
    assert (est.lo, est.hi) == pytest.approx(wilson_interval(8, 10))
    assert est.n_eff == 10 and est.n_cases == 10 and est.estimate == pytest.approx(0.8)


def test_proportion_interval_ignores_cases_without_trials() -> None:
    est = proportion_interval([1, 0, 0], [1, 1, 0])
    assert est.n == 2 and est.n_cases == 2
    empty = proportion_interval([0, 0], [0, 0])
    assert empty.estimate is None and (empty.lo, empty.hi) == (0.0, 1.0)


def test_clustered_interval_keeps_coverage_where_naive_wilson_does_not() -> None:
    # 40 cases x 5 repeats; per-case pass probability ~ Beta with mean 0.8, ICC 0.3
    rng = np.random.default_rng(7)
    clustered = naive = 0
    sims = 1000
    for _ in range(sims):
        s = rng.binomial(5, rng.beta(1.8667, 0.4667, size=40))
        est = proportion_interval([int(x) for x in s], [5] * 40)
        clustered += est.lo <= 0.8 <= est.hi
        lo, hi = wilson_interval(int(s.sum()), 200)
        naive += lo <= 0.8 <= hi
    assert clustered / sims >= 0.92
    assert naive / sims < 0.90


def test_monotone_in_failures() -> None:
    # one more failure never raises the lower bound (no jump when ICC becomes estimable)
    perfect = proportion_interval([3] * 50, [3] * 50)
    one_fail = proportion_interval([3] * 49 + [2], [3] * 50)
    assert one_fail.lo <= perfect.lo
    assert not math.isnan(perfect.lo)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 5)), min_size=1, max_size=30),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_interval_properties(cases: list[tuple[int, int]], confidence: float) -> None:
    successes = [min(s, t) for s, t in cases]
    trials = [t for _, t in cases]
    est = proportion_interval(successes, trials, confidence)
    assert est.estimate is not None
    assert 0 <= est.lo <= est.estimate <= est.hi <= 1
    assert est.n_cases <= est.n_eff <= est.n
    assert est.deff >= 1 - 1e-9
