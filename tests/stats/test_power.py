import math

import numpy as np
import pytest
from scipy.stats import multinomial, norm

from gonogo.stats import cases_needed_paired, power_paired
from gonogo.stats._mcnemar import mcnemar_exact_p, tango_interval
from gonogo.stats._power import (
    _approx_power,
    default_discordance,
    discordance_range,
)


def brute_force_power(
    n: int, effect: float, psi: float, alpha: float, margin: float | None
) -> float:
    """Sum over every possible (fixes, breaks) table the chance that the test succeeds."""
    x, y = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = x + y <= n
    x, y = x[keep], y[keep]
    prob = multinomial.pmf(
        np.stack([x, y, n - x - y], axis=1), n, [(psi + effect) / 2, (psi - effect) / 2, 1 - psi]
    )
    if margin is None:
        ok = (mcnemar_exact_p(x, y) < alpha) & (x > y)
    else:
        lo, _ = tango_interval(x, y, np.full(x.shape, n), 1 - alpha)
        ok = lo > -margin
    return float(np.sum(prob * ok))


@pytest.mark.parametrize(
    "n,baseline,effect,discordance,margin",
    [
        (40, 0.8, 0.1, None, None),
        (57, 0.7, 0.05, 0.2, None),
        (80, 0.8, 0.0, None, 0.1),
        (120, 0.6, 0.02, 0.3, 0.08),
        (33, 0.9, -0.01, None, 0.15),
        (7, 0.5, 0.3, None, None),
    ],
)
def test_exact_power_equals_brute_force(n, baseline, effect, discordance, margin) -> None:
    psi = default_discordance(baseline, effect) if discordance is None else discordance
    got = power_paired(
        n=n, baseline=baseline, effect=effect, discordance=discordance, margin=margin
    )
    assert got == pytest.approx(brute_force_power(n, effect, psi, 0.05, margin), abs=1e-9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"baseline": 0.8, "effect": 0.05},
        {"baseline": 0.8, "effect": 0.05, "discordance": 0.1},
        {"baseline": 0.8, "effect": 0.0, "margin": 0.05},
        {"baseline": 0.9, "effect": 0.05, "margin": 0.03},
        {"baseline": 0.6, "effect": 0.2, "power": 0.9, "alpha": 0.01},
    ],
)
def test_cases_needed_is_the_smallest_n_reaching_the_power(kwargs) -> None:
    target = kwargs.get("power", 0.8)
    n = cases_needed_paired(**kwargs)
    plan = {k: v for k, v in kwargs.items() if k != "power"}
    assert power_paired(n=n, **plan) >= target
    assert power_paired(n=n - 1, **plan) < target


def test_close_to_connors_normal_approximation() -> None:
    # Connor (1987): n = (z_a sqrt(psi) + z_b sqrt(psi - e^2))^2 / e^2. The exact test is a
    # little conservative, so the exact n is a few percent larger.
    for baseline, effect, psi in [(0.8, 0.05, 0.1), (0.7, 0.1, 0.25), (0.5, 0.05, 0.3)]:
        za, zb = norm.ppf(0.975), norm.ppf(0.8)
        connor = (za * math.sqrt(psi) + zb * math.sqrt(psi - effect**2)) ** 2 / effect**2
        exact = cases_needed_paired(baseline=baseline, effect=effect, discordance=psi)
        assert connor <= exact <= 1.1 * connor + 5
        exact_power = power_paired(n=2000, baseline=baseline, effect=effect, discordance=psi)
        assert _approx_power(2000, effect, 0.05, psi, None) == pytest.approx(exact_power, abs=0.02)


def test_known_plans() -> None:
    # 80% -> 85% needs ~940 cases if outcomes were independent, ~340 when only 10% of
    # cases change outcome: agreement between variants is what makes paired tests cheap.
    assert cases_needed_paired(baseline=0.8, effect=0.05) == 943
    assert cases_needed_paired(baseline=0.8, effect=0.05, discordance=0.1) == 337
    assert cases_needed_paired(baseline=0.8, effect=0.1) < 943 / 3
    assert default_discordance(0.8, 0.05) == pytest.approx(0.8 * 0.15 + 0.85 * 0.2)
    assert discordance_range(0.8, 0.05) == pytest.approx((0.05, 0.35))


def test_monotone_in_the_obvious_directions() -> None:
    base = {"baseline": 0.75, "effect": 0.08}
    n = cases_needed_paired(**base)
    assert cases_needed_paired(**base, discordance=0.12) < n
    assert cases_needed_paired(baseline=0.75, effect=0.12) < n
    assert cases_needed_paired(**base, power=0.9) > n
    assert cases_needed_paired(**base, alpha=0.01) > n
    powers = [power_paired(n=k, **base) for k in (50, 100, 200, 400, 800)]
    assert powers == sorted(powers) and powers[0] < 0.3 and powers[-1] > 0.95
    ni = {"baseline": 0.85, "effect": 0.0}
    assert cases_needed_paired(**ni, margin=0.1) < cases_needed_paired(**ni, margin=0.05)
    assert power_paired(n=0, **base) == 0.0


def test_repeats_scale_by_the_design_effect() -> None:
    one = cases_needed_paired(baseline=0.8, effect=0.05, discordance=0.1)
    assert cases_needed_paired(baseline=0.8, effect=0.05, discordance=0.1, repeats=5) == one
    half = cases_needed_paired(baseline=0.8, effect=0.05, discordance=0.1, repeats=4, icc=0.2)
    assert half == math.ceil(one * (0.2 + 0.8 / 4))
    assert (
        power_paired(n=half, baseline=0.8, effect=0.05, discordance=0.1, repeats=4, icc=0.2) >= 0.79
    )


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"baseline": 0.0, "effect": 0.05}, "baseline must be a pass rate strictly between"),
        ({"baseline": 1.0, "effect": 0.05}, "baseline must be a pass rate strictly between"),
        ({"baseline": 0.8, "effect": 0.0}, "effect must be a positive change"),
        ({"baseline": 0.8, "effect": -0.1}, "effect must be a positive change"),
        ({"baseline": 0.95, "effect": 0.05}, "baseline + effect must stay"),
        ({"baseline": 0.8, "effect": 0.05, "discordance": 0.02}, "discordance 0.02 is impossible"),
        ({"baseline": 0.8, "effect": 0.05, "discordance": 0.5}, "between 0.05 and 0.35"),
        ({"baseline": 0.8, "effect": -0.1, "margin": 0.05}, "must be above -margin"),
        ({"baseline": 0.8, "effect": 0.0, "margin": 1.5}, "margin must be between"),
        ({"baseline": 0.8, "effect": 0.05, "alpha": 0}, "alpha must be between"),
        ({"baseline": 0.8, "effect": 0.05, "power": 1.0}, "power must be between"),
        ({"baseline": 0.8, "effect": 0.05, "repeats": 0}, "repeats must be"),
        ({"baseline": 0.8, "effect": 0.05, "icc": 2}, "icc must be"),
        ({"baseline": 0.5, "effect": 1e-6}, "more than a billion cases"),
    ],
)
def test_impossible_plans_raise_clear_errors(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message.replace("+", r"\+")):
        cases_needed_paired(**kwargs)
