"""Cohen's kappa and accuracy with intervals (the dashboard's calibration)."""

import pytest

from gonogo.stats import cohen_kappa


def test_kappa_matches_the_hand_computation():
    pairs = [("p", "p")] * 20 + [("f", "f")] * 15 + [("p", "f")] * 5 + [("f", "p")] * 3
    est = cohen_kappa(pairs)
    po = 35 / 43
    pe = (25 / 43) * (23 / 43) + (18 / 43) * (20 / 43)
    assert est.kappa == pytest.approx((po - pe) / (1 - pe))
    assert est.accuracy == pytest.approx(po) and est.agree == 35 and est.n == 43
    lo, hi = est.kappa_ci
    assert lo < est.kappa < hi and hi - lo < 0.6
    alo, ahi = est.accuracy_ci
    assert alo < po < ahi
    assert est.confusion[("p", "f")] == 5
    assert cohen_kappa(pairs).kappa_ci == est.kappa_ci  # fixed seed: same page every load


def test_perfect_chance_and_opposite_agreement():
    assert cohen_kappa([("a", "a"), ("b", "b")] * 10).kappa == pytest.approx(1.0)
    assert cohen_kappa([("a", "b"), ("b", "a")] * 10).kappa == pytest.approx(-1.0)
    # raters who each always give one label: chance agreement is total, kappa undefined
    same = cohen_kappa([("a", "a")] * 8)
    assert same.kappa is None and same.kappa_ci is None and same.accuracy == 1.0
    empty = cohen_kappa([])
    assert empty.n == 0 and empty.kappa is None and empty.accuracy is None


def test_the_interval_covers_the_true_kappa_about_95_percent_of_the_time():
    import numpy as np

    rng = np.random.default_rng(5)
    # rater B copies rater A with probability 0.7, else guesses: true kappa = 0.7
    covered, trials = 0, 200
    for _ in range(trials):
        a = rng.random(60) < 0.5
        copy = rng.random(60) < 0.7
        b = np.where(copy, a, rng.random(60) < 0.5)
        est = cohen_kappa(list(zip(a.tolist(), b.tolist(), strict=True)), n_resamples=400,
                          seed=int(rng.integers(1 << 30)))  # fmt: skip
        covered += est.kappa_ci[0] <= 0.7 <= est.kappa_ci[1]
    assert 0.88 <= covered / trials <= 0.99
