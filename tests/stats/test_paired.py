import itertools
import math
import re

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.stats import binomtest

from gonogo.stats import PairedTest, holm, paired_test
from gonogo.stats._mcnemar import mcnemar_exact_p, tango_interval, tango_z
from gonogo.stats._paired import min_cases_for_significance
from gonogo.stats._signflip import bootstrap_diff_interval, signflip_p

Z95 = 1.959963984540054


def pairs(wins: int, losses: int, both_pass: int, both_fail: int) -> tuple[list[int], list[int]]:
    a = [0] * wins + [1] * losses + [1] * both_pass + [0] * both_fail
    b = [1] * wins + [0] * losses + [1] * both_pass + [0] * both_fail
    return a, b


# --- exact McNemar ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "wins,losses", [(0, 0), (1, 0), (6, 0), (12, 3), (3, 12), (40, 55), (7, 7)]
)
def test_mcnemar_matches_scipy_binomtest(wins: int, losses: int) -> None:
    expected = 1.0 if wins + losses == 0 else binomtest(wins, wins + losses, 0.5).pvalue
    assert float(mcnemar_exact_p(wins, losses)) == pytest.approx(expected, rel=1e-12)
    a, b = pairs(wins, losses, 20, 5)
    t = paired_test(a, b, binary=True)
    assert t.p_value == pytest.approx(expected, rel=1e-12)
    assert t.method == "mcnemar-exact"
    assert (t.wins, t.losses, t.ties) == (wins, losses, 25)


def test_agresti_presidential_approval_example() -> None:
    # Agresti, Categorical Data Analysis, table 10.1: approval of the president in two
    # surveys of the same 1,600 people: 794 approve twice, 150 approve then disapprove,
    # 86 disapprove then approve, 570 disapprove twice. 59% -> 55%; McNemar z = -4.17;
    # 95% CI of the change -0.059 to -0.021 (Wald; the score interval agrees at this size).
    a, b = pairs(86, 150, 794, 570)
    t = paired_test(a, b, binary=True, name="approval")
    assert t.mean_a == pytest.approx(0.59)
    assert t.mean_b == pytest.approx(0.55)
    assert t.diff == pytest.approx(-0.04)
    assert t.ci_low == pytest.approx(-0.059, abs=0.001)
    assert t.ci_high == pytest.approx(-0.021, abs=0.001)
    assert float(tango_z(86, 150, 1600, 0.0)) == pytest.approx(-4.17, abs=0.005)
    assert t.p_value == pytest.approx(binomtest(86, 236, 0.5).pvalue)
    assert t.p_value < 1e-4
    assert t.verdict == "worse"
    assert t.interval_method == "tango-score"
    assert t.discordance == pytest.approx(236 / 1600)


# --- Tango's interval ------------------------------------------------------------------


def test_tango_statistic_uses_the_restricted_maximum_likelihood() -> None:
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(150):
        n = int(rng.integers(2, 80))
        x = int(rng.integers(0, n + 1))
        y = int(rng.integers(0, n - x + 1))
        d = float(rng.uniform(-0.9, 0.9))
        lo, hi = max(0.0, -d) + 1e-12, (1 - d) / 2 - 1e-12
        m = n - x - y

        def nll(p: float, x: int = x, y: int = y, m: int = m, d: float = d) -> float:
            return -(
                x * math.log(p + d + 1e-300)
                + y * math.log(p + 1e-300)
                + m * math.log(max(1 - 2 * p - d, 1e-300))
            )

        p = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13}).x
        expected = (x - y - n * d) / math.sqrt(n * (2 * p + d * (1 - d)))
        assert float(tango_z(x, y, n, d)) == pytest.approx(expected, rel=1e-4, abs=1e-4)
        checked += 1
    assert checked > 100


def test_tango_interval_inverts_the_score_test() -> None:
    for x, y, n in [(7, 1, 21), (12, 3, 100), (0, 4, 30), (30, 0, 30), (5, 5, 40)]:
        lo, hi = (float(v) for v in tango_interval(x, y, n, 0.95))
        assert lo <= (x - y) / n <= hi
        if lo > -1:
            assert float(tango_z(x, y, n, lo)) == pytest.approx(Z95, abs=1e-6)
        if hi < 1:
            assert float(tango_z(x, y, n, hi)) == pytest.approx(-Z95, abs=1e-6)


def test_tango_interval_without_discordant_cases_is_wilson_like() -> None:
    # No case changed: the score interval is +-z^2/(n+z^2), like Wilson's for 0 of n.
    lo, hi = tango_interval(0, 0, 30, 0.95)
    assert float(hi) == pytest.approx(Z95**2 / (30 + Z95**2), rel=1e-6)
    assert float(lo) == pytest.approx(-float(hi))


def test_swapping_a_and_b_mirrors_the_result() -> None:
    a, b = pairs(10, 1, 30, 10)
    ab = paired_test(a, b, binary=True)
    ba = paired_test(b, a, binary=True)
    assert ba.diff == pytest.approx(-ab.diff)
    assert (ba.ci_low, ba.ci_high) == pytest.approx((-ab.ci_high, -ab.ci_low))
    assert ba.p_value == ab.p_value
    assert (ab.verdict, ba.verdict) == ("better", "worse")
    assert (ba.wins, ba.losses) == (ab.losses, ab.wins)


# --- continuous: sign-flip test and bootstrap --------------------------------------------


def test_signflip_exact_p_matches_full_enumeration() -> None:
    rng = np.random.default_rng(1)
    d = np.round(rng.normal(0.2, 1.0, 11), 3)
    observed = abs(d.sum())
    sums = [
        abs(sum(s * v for s, v in zip(signs, d, strict=True)))
        for signs in itertools.product((1, -1), repeat=d.size)
    ]
    expected = float(np.mean([s >= observed - 1e-9 for s in sums]))
    p, exact = signflip_p(d, 1000, 0)
    assert exact
    assert p == pytest.approx(expected)


def test_signflip_all_one_direction_gives_the_smallest_p() -> None:
    p, exact = signflip_p([0.5, 1, 2, 0.1, 3, 1], 1000, 0)
    assert exact and p == pytest.approx(2 / 2**6)
    assert signflip_p([0, 0, 0], 1000, 0) == (1.0, True)  # no change at all
    # zeros (ties) do not count as cases that could flip
    assert signflip_p([0, 0, 0, 1, 2], 1000, 0)[0] == pytest.approx(2 / 4)


def test_signflip_monte_carlo_agrees_with_exact() -> None:
    rng = np.random.default_rng(2)
    d = rng.normal(0.35, 1.0, 18)  # 2^18 patterns: enumerate here, sample in the library
    signs = 1 - 2 * ((np.arange(2**18)[:, None] >> np.arange(18)) & 1)
    exact = float(np.mean(np.abs(signs @ d) >= abs(d.sum()) - 1e-9))
    p, is_exact = signflip_p(d, 20_000, 7)
    assert not is_exact
    assert p == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 20_000) + 1e-4)
    assert signflip_p(d, 20_000, 7) == (p, False)  # seeded


def test_bootstrap_interval_is_close_to_t_for_normal_differences() -> None:
    rng = np.random.default_rng(4)
    d = rng.normal(0.1, 0.2, 80)
    lo, hi, method = bootstrap_diff_interval(d, 0.95, 10_000, 0)
    assert method == "bca-bootstrap"
    half_t = 1.990 * d.std(ddof=1) / math.sqrt(80)  # t_{79, 0.975} = 1.990
    assert lo < d.mean() < hi
    assert (hi - lo) / 2 == pytest.approx(half_t, rel=0.08)
    assert bootstrap_diff_interval(d, 0.95, 2000, 1) == bootstrap_diff_interval(d, 0.95, 2000, 1)
    assert bootstrap_diff_interval(d, 0.95, 2000, 1) != bootstrap_diff_interval(d, 0.95, 2000, 2)


def test_continuous_paired_test() -> None:
    rng = np.random.default_rng(5)
    quality = rng.uniform(0.2, 0.9, 60)
    a = quality + rng.normal(0, 0.05, 60)
    b = quality + 0.06 + rng.normal(0, 0.05, 60)
    t = paired_test(a, b, binary=False, name="similarity", seed=1)
    assert t.metric == "mean" and t.method == "paired-permutation"
    assert t.diff == pytest.approx(float(np.mean(b - a)))
    assert t.ci_low < t.diff < t.ci_high
    assert t.p_value < 0.001 and t.verdict == "better"
    assert t.wins + t.ties + t.losses == 60
    assert paired_test(a, b, binary=False, seed=1) == paired_test(a, b, binary=False, seed=1)
    # lower is better (e.g. a latency or a toxicity score): the same data is "worse"
    assert paired_test(a, b, binary=False, higher_is_better=False).verdict == "worse"


# --- verdicts ------------------------------------------------------------------------------


def test_too_small_below_six_cases_at_95_percent() -> None:
    assert min_cases_for_significance(0.05) == 6
    assert min_cases_for_significance(0.01) == 8
    for n in range(1, 6):
        t = paired_test([0] * n, [1] * n, binary=True)  # the most extreme outcome possible
        assert t.verdict == "too_small", n
        assert "Too small to tell" in t.reason and "6" in t.reason
        assert paired_test([0.0] * n, [1.0] * n, binary=False).verdict == "too_small"
    six = paired_test([0] * 6, [1] * 6, binary=True)
    assert six.p_value == pytest.approx(2 / 64) and six.verdict == "better"


def test_non_inferiority_verdicts() -> None:
    # 400 cases, B breaks 10 and fixes 8: -0.5 points, interval about -3 to +2 points
    a, b = pairs(8, 10, 300, 82)
    ni = paired_test(a, b, binary=True, margin=0.05)
    assert ni.ci_low > -0.05 and ni.verdict == "non_inferior"
    assert "not worse than A by more than the 5-point margin" in ni.reason
    # B breaks 40 and fixes 2: clearly more than 5 points worse
    a, b = pairs(2, 40, 300, 58)
    assert paired_test(a, b, binary=True, margin=0.05).verdict == "inferior"
    # 40 cases: the interval is too wide to tell
    a, b = pairs(1, 2, 30, 7)
    t = paired_test(a, b, binary=True, margin=0.05)
    assert t.verdict == "inconclusive" and "more cases would tell" in t.reason
    # nothing changed on 10 cases: cannot rule out a 5-point drop yet
    assert paired_test([1] * 10, [1] * 10, binary=True, margin=0.05).verdict == "inconclusive"
    # too few cases for even a perfect B (winning every case) to show it
    t = paired_test([0] * 3, [1] * 3, binary=True, margin=0.05)
    assert t.verdict == "too_small" and "even B winning every case" in t.reason
    assert paired_test([0] * 4, [1] * 4, binary=True, margin=0.05).verdict == "non_inferior"
    assert paired_test([0.5], [0.5], binary=False, margin=0.1).verdict == "too_small"


def test_non_inferiority_orientation_for_lower_is_better() -> None:
    # a "harmful" rate: B's rate is 2 points higher, which is worse, but within 10 points
    a, b = pairs(10, 2, 50, 338)
    t = paired_test(a, b, binary=True, margin=0.1, higher_is_better=False)
    assert t.diff > 0 and t.verdict == "non_inferior"
    assert paired_test(a, b, binary=True, margin=0.01, higher_is_better=False).verdict != (
        "non_inferior"
    )


def test_all_ties_and_identical_values() -> None:
    t = paired_test([1, 0, 1, 1, 0, 1, 1, 1], [1, 0, 1, 1, 0, 1, 1, 1], binary=True)
    assert (t.p_value, t.verdict, t.wins, t.losses, t.ties) == (1.0, "no_difference", 0, 0, 8)
    assert t.ci_low < 0 < t.ci_high  # nothing changed, but 8 cases cannot rule much out
    c = paired_test([0.7] * 12, [0.7] * 12, binary=False)
    assert (c.p_value, c.verdict, c.ci_low, c.ci_high) == (1.0, "no_difference", 0.0, 0.0)
    assert c.reason == "No difference: all 12 cases have the same value under A and B."
    shifted = paired_test([0.5] * 12, [0.6] * 12, binary=False)  # every case up by 0.1
    assert shifted.verdict == "better"
    assert shifted.ci_low == pytest.approx(0.1) and shifted.ci_high == pytest.approx(0.1)


def test_one_case() -> None:
    t = paired_test([0.2], [0.9], binary=False)
    assert t.n == 1 and t.verdict == "too_small"
    assert math.isnan(t.ci_low) and math.isnan(t.ci_high)
    b = paired_test([0], [1], binary=True)
    assert b.verdict == "too_small" and -1 <= b.ci_low < 0 < b.ci_high <= 1


@pytest.mark.parametrize(
    "a,b,kwargs,message",
    [
        ([], [], {"binary": True}, "no paired cases"),
        ([1, 0], [1], {"binary": True}, "same cases"),
        ([1, math.nan], [1, 0], {"binary": False}, "a[1] is nan"),
        ([1, 0], [1, math.inf], {"binary": False}, "b[1] is inf"),
        ([1, 0.5], [1, 0], {"binary": True}, "0 or 1"),
        ([1, 0], [1, 0], {"binary": True, "margin": 0}, "margin"),
        ([1, 0], [1, 0], {"binary": True, "margin": -0.1}, "margin"),
        ([1, 0], [1, 0], {"binary": True, "confidence": 1.0}, "confidence"),
        ([1, 0], [1, 0], {"binary": False, "n_resamples": 10}, "n_resamples"),
        ([[1, 0]], [[1, 0]], {"binary": True}, "flat"),
    ],
)
def test_bad_input_raises_a_clear_value_error(a, b, kwargs, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        paired_test(a, b, **kwargs)


def test_reason_is_one_sentence_with_the_numbers() -> None:
    a, b = pairs(15, 3, 150, 32)
    t = paired_test(a, b, binary=True)
    assert t.verdict == "better"
    assert t.reason.startswith("B is better than A: of 200 cases, B passes 15 that A failed")
    assert "76.5% → 82.5%" in t.reason and "+6.0 points" in t.reason and "p = 0.008" in t.reason
    assert "\n" not in t.reason and t.reason.endswith(".") and t.reason.count(". ") == 0


# --- Holm ----------------------------------------------------------------------------------


def _with_p(p: float, diff: float = 0.1) -> PairedTest:
    base = paired_test([0.0] * 8, [1.0] * 8, binary=False)
    from dataclasses import replace

    return replace(base, p_value=p, p_adjusted=p, diff=diff)


def test_holm_adjusted_values() -> None:
    tests = [_with_p(0.01), _with_p(0.04), _with_p(0.03), _with_p(0.5)]
    out = holm(tests)
    # sorted: .01*4=.04, .03*3=.09, .04*2=.08->.09 (monotone), .5*1=.5
    assert [t.p_adjusted for t in out] == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert [t.p_value for t in out] == [0.01, 0.04, 0.03, 0.5]  # order and raw p kept
    assert [t.verdict for t in out] == ["better", "no_difference", "no_difference", "no_difference"]
    assert all(t.family_size == 4 for t in out)
    assert "after correcting for 4 scorers" in out[1].reason
    assert holm([]) == []
    assert holm([_with_p(0.02)])[0].p_adjusted == 0.02
    assert holm(tests, alpha=0.1)[1].verdict == "better"
    with pytest.raises(ValueError, match="alpha"):
        holm(tests, alpha=0)


def test_holm_keeps_non_inferiority_verdicts() -> None:
    a, b = pairs(8, 10, 300, 82)
    ni = paired_test(a, b, binary=True, margin=0.05)
    out = holm([ni, _with_p(0.001)])
    assert out[0].verdict == "non_inferior" and out[0].p_adjusted >= ni.p_value
    assert out[1].verdict == "better"
