"""Power and cases needed are reported even when A already passes (nearly) every case."""

from __future__ import annotations

import pytest

from gonogo.compare._stats import ScorerComparison, Settings, add_power
from gonogo.stats import paired_test


@pytest.mark.parametrize("a_pass", [100, 99, 0])
def test_power_is_given_at_the_edges_of_the_scale(a_pass: int) -> None:
    a = [1.0] * a_pass + [0.0] * (100 - a_pass)
    b = list(a)
    b[0] = 1.0 - b[0]  # one discordant pair
    row = ScorerComparison(id="ok", metric="pass_rate", binary=True, primary=True)
    row.test = paired_test(a, b, name="ok", binary=True)
    add_power(row, Settings(min_effect=0.05))
    assert row.power is not None and 0.0 < row.power < 1.0
    assert row.cases_needed is not None and row.cases_needed > 100
    assert row.underpowered
