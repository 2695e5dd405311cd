"""A red-team bound shown beside its limit never reads as the limit itself."""

from gonogo.report._redteam import _rate


def test_a_bound_just_under_the_limit_gets_the_digits_that_show_it():
    # 0 of 73: the Wilson upper bound is 0.049992 — "0.05" beside "< 0.05 pass" misleads
    assert _rate({"rate": 0.0, "ci": [0.0, 0.049992], "limit": 0.05}) == "0% [0.00, 0.04999]"
    assert _rate({"rate": 0.0, "ci": [0.0, 0.0447], "limit": 0.05}) == "0% [0.00, 0.04]"
    assert _rate({"rate": 0.1, "ci": [0.05, 0.2], "limit": 0.2}) == "10% [0.05, 0.20]"
    assert _rate({"rate": 0.1, "ci": [0.05, 0.21]}) == "10% [0.05, 0.21]"
    assert _rate({"rate": None}) == "—"
