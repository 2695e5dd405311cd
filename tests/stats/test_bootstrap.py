import numpy as np
import pytest

from gonogo.stats import bootstrap_mean_interval
from gonogo.stats._bootstrap import BCA_MAX_CASES, DEFAULT_SEED


def test_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(5)
    values = [[float(a), float(b)] for a, b in rng.random((30, 2))]
    a = bootstrap_mean_interval(values, seed=3)
    b = bootstrap_mean_interval(values, seed=3)
    c = bootstrap_mean_interval(values, seed=4)
    assert a == b
    assert a != c


def test_interval_contains_the_mean_and_is_ordered() -> None:
    rng = np.random.default_rng(0)
    values = [[float(v)] for v in rng.normal(3.0, 1.0, size=60)]
    lo, hi = bootstrap_mean_interval(values) or (0, 0)
    mean = float(np.mean([v[0] for v in values]))
    assert lo < mean < hi
    # roughly the normal-theory interval: 1.96 * sd / sqrt(n)
    assert hi - lo == pytest.approx(2 * 1.96 * 1.0 / np.sqrt(60), rel=0.35)


def test_degenerate_inputs() -> None:
    assert bootstrap_mean_interval([[4.0, 4.0], [4.0]]) == (4.0, 4.0)
    assert bootstrap_mean_interval([[1.0, 2.0, 3.0]]) is None  # one case: nothing to resample
    assert bootstrap_mean_interval([]) is None
    assert bootstrap_mean_interval([[], [1.0]]) is None


def test_resamples_cases_not_samples() -> None:
    # Two case types with identical samples inside each: the spread comes from cases only,
    # so repeating every sample 10 times must not narrow the interval.
    once = [[1.0], [0.0]] * 10
    tenfold = [[1.0] * 10, [0.0] * 10] * 10
    a = bootstrap_mean_interval(once, seed=1)
    b = bootstrap_mean_interval(tenfold, seed=1)
    assert a is not None and b is not None
    assert b[1] - b[0] == pytest.approx(a[1] - a[0], rel=0.05)


def test_unequal_sample_counts_use_the_sample_weighted_mean() -> None:
    values = [[1.0, 1.0, 1.0], [0.0], [1.0, 0.0], [0.5, 0.5], [0.0, 1.0, 1.0]]
    lo, hi = bootstrap_mean_interval(values) or (0, 0)
    flat = [v for vs in values for v in vs]
    assert lo <= sum(flat) / len(flat) <= hi


def _scipy_interval(values: list[float], method: str) -> tuple[float, float]:
    from scipy import stats

    res = stats.bootstrap(
        (np.array(values),),
        np.mean,
        n_resamples=500,
        confidence_level=0.95,
        method=method,
        rng=np.random.default_rng(DEFAULT_SEED),
    )
    return (float(res.confidence_interval.low), float(res.confidence_interval.high))


@pytest.mark.parametrize(("n_cases", "method"), [(BCA_MAX_CASES, "BCa"), (1500, "percentile")])
def test_bca_up_to_the_limit_then_the_percentile_method(n_cases: int, method: str) -> None:
    # skewed scores, so that BCa and the percentile interval differ: the test can tell them apart
    values = [float(v) for v in np.random.default_rng(1).exponential(1.0, n_cases) ** 2]
    got = bootstrap_mean_interval([[v] for v in values], n_resamples=500)
    other = "percentile" if method == "BCa" else "BCa"
    assert got == pytest.approx(_scipy_interval(values, method), abs=1e-12)
    assert got != pytest.approx(_scipy_interval(values, other), abs=1e-4)
