"""The drop alert's error rates, measured by simulation (seeded)."""

import numpy as np
from scipy.stats import binom

from gonogo.monitor import AlertRule, requests_to_detect


def test_false_alarms_over_30_days_of_hourly_windows_stay_under_alpha():
    rule = AlertRule(bars={"s": 0.9}, baseline={"s": 0.95})
    rng = np.random.default_rng(7)
    months, windows, n = 2000, 30 * 24, 200  # 2,000 simulated months, 200 requests an hour
    passes = rng.binomial(n, 0.95, size=(months, windows))  # no change at all
    p = binom.cdf(passes, n, 0.95)
    false_alarm_months = float(np.mean((p < rule.alpha_per_look).any(axis=1)))
    assert false_alarm_months <= 0.05, false_alarm_months


def test_a_ten_point_drop_is_caught_within_the_stated_requests():
    rule = AlertRule(bars={"s": 0.8}, baseline={"s": 0.9})
    n = requests_to_detect(0.9, 0.10, rule)
    assert n < 400  # stated in docs/monitor.md
    rng = np.random.default_rng(11)
    passes = rng.binomial(n, 0.80, size=5000)  # every window after a 10-point drop
    caught = float(np.mean(binom.cdf(passes, n, 0.9) < rule.alpha_per_look))
    assert caught >= 0.8, caught
