"""Seeded simulations of the paired statistics: the bars of issue 4.

- False alarms: with identical variants, the share of "better"/"worse" verdicts at
  alpha = 0.05 over at least 200 simulated comparisons (pass/fail, scores, pass shares,
  and a family of three scorers with Holm).
- Power: a planted effect of exactly the size :func:`cases_needed_paired` was asked for,
  at the n it returned, is detected with power >= 0.8 within simulation error.
- Coverage: the reported 95% intervals contain the true difference 93-97% of the time.

How "within simulation error" is judged (R simulations, observed share s):
- a rate that must stay *at most* a bound fails when s is significantly above it
  (one-sided binomial test at 1%); the pass/fail and Holm cases are conservative by
  construction and are also held to the bound literally;
- power fails when the exact 99% upper confidence bound on the power is below 0.8, and
  when s differs from the exactly computed power by more than 3 standard errors;
- coverage must lie in [0.93, 0.97] as observed.
Every simulation uses fixed seeds, so a run is reproducible. The continuous tests use
2,000 resamples instead of the default 10,000: the Monte Carlo error this adds to a
p-value near 0.05 is about 0.005, and to an interval end about 1% of its half-width.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta as beta_dist
from scipy.stats import binom, multinomial

from gonogo.stats import cases_needed_paired, holm, paired_test, power_paired
from gonogo.stats._mcnemar import tango_z
from gonogo.stats._power import default_discordance

ALPHA = 0.05
RESAMPLES = 2000


def not_significantly_above(count: int, runs: int, bound: float) -> bool:
    """True unless ``count`` of ``runs`` is significantly above ``bound`` (one-sided, 1%)."""
    return bool(binom.sf(count - 1, runs, bound) >= 0.01)


def upper_99(count: int, runs: int) -> float:
    """Exact (Clopper-Pearson) one-sided 99% upper confidence bound of a share."""
    return 1.0 if count == runs else float(beta_dist.ppf(0.99, count + 1, runs - count))


def false_alarm(verdict: str) -> bool:
    return verdict in ("better", "worse")


# --- identical variants: false alarms ----------------------------------------------------


def pass_fail_same(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Both variants pass case i with the same case-specific probability (easy/hard cases)."""
    p = rng.beta(4.0, 1.0, n)
    return (rng.random(n) < p).astype(int), (rng.random(n) < p).astype(int)


def scores_same(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounded scores (e.g. similarity) around a case-specific quality, same for A and B."""
    q = rng.beta(5.0, 2.0, n)
    return (
        np.clip(q + rng.normal(0, 0.08, n), 0, 1),
        np.clip(q + rng.normal(0, 0.08, n), 0, 1),
    )


def shares_same(rng: np.random.Generator, n: int, repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-case pass shares over ``repeats`` samples, same pass probability for A and B."""
    p = rng.beta(3.0, 1.0, n)
    return rng.binomial(repeats, p) / repeats, rng.binomial(repeats, p) / repeats


@pytest.mark.parametrize("n", [40, 150])
def test_pass_fail_false_alarms(n: int) -> None:
    rng = np.random.default_rng(100 + n)
    runs = 600
    alarms = sum(
        false_alarm(paired_test(*pass_fail_same(rng, n), binary=True).verdict) for _ in range(runs)
    )
    # exact McNemar never exceeds alpha, so the literal bound holds too
    assert alarms / runs <= ALPHA, alarms / runs


@pytest.mark.parametrize("kind,n", [("scores", 30), ("scores", 120), ("shares", 60)])
def test_continuous_false_alarms(kind: str, n: int) -> None:
    rng = np.random.default_rng(200 + n)
    runs = 300
    alarms = 0
    for i in range(runs):
        a, b = scores_same(rng, n) if kind == "scores" else shares_same(rng, n, 3)
        t = paired_test(a, b, binary=False, n_resamples=RESAMPLES, seed=i)
        alarms += false_alarm(t.verdict)
    assert not_significantly_above(alarms, runs, ALPHA), alarms / runs


def test_holm_family_of_three_scorers_false_alarms() -> None:
    """Three correlated scorers of the same outputs; any false verdict counts."""
    rng = np.random.default_rng(300)
    runs, n = 300, 80
    alarms = 0
    for i in range(runs):
        q = rng.beta(4.0, 1.5, n)  # case quality drives all three scorers
        qa, qb = q + rng.normal(0, 0.1, n), q + rng.normal(0, 0.1, n)  # identical variants
        family = [
            paired_test((qa > 0.6).astype(int), (qb > 0.6).astype(int), binary=True),
            paired_test(
                np.clip(qa, 0, 1), np.clip(qb, 0, 1), binary=False, n_resamples=RESAMPLES, seed=i
            ),
            paired_test(
                np.clip(np.round(qa * 5), 1, 5),
                np.clip(np.round(qb * 5), 1, 5),
                binary=False,
                n_resamples=RESAMPLES,
                seed=i + 1,
            ),
        ]
        alarms += any(false_alarm(t.verdict) for t in holm(family))
    assert alarms / runs <= ALPHA, alarms / runs


# --- planted effect: power at the planned n ------------------------------------------------


@pytest.mark.parametrize(
    "plan",
    [
        {"baseline": 0.8, "effect": 0.1},  # discordance from the independence default
        {"baseline": 0.85, "effect": 0.05, "discordance": 0.09},
        {"baseline": 0.85, "effect": 0.0, "margin": 0.08, "discordance": 0.1},
    ],
)
def test_power_at_the_planned_number_of_cases(plan: dict[str, float]) -> None:
    n = cases_needed_paired(**plan)
    baseline, effect = plan["baseline"], plan["effect"]
    psi = plan.get("discordance") or default_discordance(baseline, effect)
    margin = plan.get("margin")
    fix, brk = (psi + effect) / 2, (psi - effect) / 2
    rng = np.random.default_rng(400 + n)
    runs = 500
    wanted = "better" if margin is None else "non_inferior"
    hits = 0
    for _ in range(runs):
        # each case: B fixes it, B breaks it, or both agree (pass or fail, like A)
        u = rng.random(n)
        a_pass = rng.random(n) < (baseline - brk) / (1 - psi)
        a = np.where(u < fix, 0, np.where(u < psi, 1, a_pass))
        b = np.where(u < fix, 1, np.where(u < psi, 0, a_pass))
        hits += paired_test(a, b, binary=True, margin=margin).verdict == wanted
    observed = hits / runs
    exact = power_paired(n=n, **plan)
    assert exact >= 0.8
    assert upper_99(hits, runs) >= 0.8, observed
    assert abs(observed - exact) <= 3 * np.sqrt(exact * (1 - exact) / runs), (observed, exact)
    # the plan is not padded: with 30% fewer cases the power is clearly below 0.8
    assert power_paired(n=int(0.7 * n), **plan) < 0.75


# --- interval coverage ---------------------------------------------------------------------


def exact_tango_coverage(n: int, baseline: float, effect: float, psi: float) -> float:
    """Chance that the 95% Tango interval contains ``effect``, summed over every table.

    An interval from inverting a test contains the truth exactly when the test at the
    truth does not reject, so coverage needs no interval computations.
    """
    x, y = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = x + y <= n
    x, y = x[keep], y[keep]
    prob = multinomial.pmf(
        np.stack([x, y, n - x - y], axis=1), n, [(psi + effect) / 2, (psi - effect) / 2, 1 - psi]
    )
    return float(np.sum(prob * (np.abs(tango_z(x, y, n, effect)) <= 1.959963984540054)))


def test_pass_fail_interval_coverage_exact() -> None:
    coverages = []
    for n in (30, 50, 100, 200):
        for baseline in (0.7, 0.85):
            for effect in (0.0, 0.05, 0.1):
                for psi in (default_discordance(baseline, effect), 0.2, 0.3):
                    c = exact_tango_coverage(n, baseline, effect, psi)
                    coverages.append(c)
                    assert 0.93 <= c <= 0.97, (n, baseline, effect, psi, c)
    assert 0.945 <= float(np.mean(coverages)) <= 0.96


def test_pass_fail_interval_coverage_simulated() -> None:
    rng = np.random.default_rng(500)
    runs, n, baseline, effect = 1000, 60, 0.75, 0.05
    psi = default_discordance(baseline, effect)
    fix, brk = (psi + effect) / 2, (psi - effect) / 2
    covered = 0
    for _ in range(runs):
        u = rng.random(n)
        a_pass = rng.random(n) < (baseline - brk) / (1 - psi)
        a = np.where(u < fix, 0, np.where(u < psi, 1, a_pass))
        b = np.where(u < fix, 1, np.where(u < psi, 0, a_pass))
        t = paired_test(a, b, binary=True)
        covered += t.ci_low <= effect <= t.ci_high
    assert 0.93 <= covered / runs <= 0.97, covered / runs


def scores_shifted(rng: np.random.Generator, n: int, effect: float) -> tuple[np.ndarray, ...]:
    q = rng.normal(0.6, 0.15, n)
    return q + rng.normal(0, 0.1, n), q + effect + rng.normal(0, 0.1, n)


def shares_shifted(rng: np.random.Generator, n: int, effect: float) -> tuple[np.ndarray, ...]:
    pa = rng.beta(4.0, 1.2, n)
    pb = np.clip(pa + effect, 0, 1)
    return rng.binomial(3, pa) / 3, rng.binomial(3, pb) / 3


def _shares_truth(effect: float) -> float:
    # E[clip(pa + e, 0, 1) - pa] for pa ~ Beta(4, 1.2), by a large fixed-seed sample
    pa = np.random.default_rng(0).beta(4.0, 1.2, 2_000_000)
    return float(np.mean(np.clip(pa + effect, 0, 1) - pa))


@pytest.mark.parametrize("kind,n", [("scores", 30), ("shares", 60), ("scores", 200)])
def test_continuous_interval_coverage(kind: str, n: int) -> None:
    rng = np.random.default_rng(600 + n)
    effect = 0.05
    truth = effect if kind == "scores" else _shares_truth(effect)
    gen = scores_shifted if kind == "scores" else shares_shifted
    runs = 600
    covered = 0
    for i in range(runs):
        a, b = gen(rng, n, effect)
        t = paired_test(a, b, binary=False, n_resamples=RESAMPLES, seed=i)
        covered += t.ci_low <= truth <= t.ci_high
    assert 0.93 <= covered / runs <= 0.97, covered / runs


def test_power_with_repeats_at_the_planned_number_of_cases() -> None:
    """Repeats: half the cases answer the same way every run (their outcome pair is drawn
    once, with discordance 0.08), the other half are pure noise (each run passes with the
    variant's pass rate). The plan gets the resulting single-run discordance and icc."""
    base, effect, repeats, stable_share, psi_stable = 0.8, 0.05, 3, 0.5, 0.08
    pb = base + effect
    psi = stable_share * psi_stable + (1 - stable_share) * (base * (1 - pb) + pb * (1 - base))
    between = stable_share * psi_stable + (1 - stable_share) * effect**2 - effect**2
    icc = between / (psi - effect**2)
    n = cases_needed_paired(baseline=base, effect=effect, discordance=psi, repeats=repeats, icc=icc)
    fix, brk = (psi_stable + effect) / 2, (psi_stable - effect) / 2
    rng = np.random.default_rng(700)
    runs, hits = 250, 0
    for i in range(runs):
        stable = rng.random(n) < stable_share
        u = rng.random(n)
        both = rng.random(n) < (base - brk) / (1 - psi_stable)
        a_stable = np.where(u < fix, 0, np.where(u < psi_stable, 1, both))
        b_stable = np.where(u < fix, 1, np.where(u < psi_stable, 0, both))
        a = np.where(stable, a_stable, rng.binomial(repeats, base, n) / repeats)
        b = np.where(stable, b_stable, rng.binomial(repeats, pb, n) / repeats)
        t = paired_test(a, b, binary=False, n_resamples=RESAMPLES, seed=i)
        hits += t.verdict == "better"
    assert upper_99(hits, runs) >= 0.8, hits / runs
    assert hits / runs <= 0.9, hits / runs  # the design effect does not over-ask either
