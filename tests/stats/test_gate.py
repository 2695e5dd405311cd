import pytest

from gonogo.stats import about, cases_needed, cases_needed_mean, evaluate_threshold, wilson_interval


def test_lower_bound_gate_statuses() -> None:
    assert evaluate_threshold(0.95, 0.90, 0.98, 0.85) == "pass"
    assert evaluate_threshold(0.90, 0.80, 0.95, 0.85) == "undecided"
    assert evaluate_threshold(0.80, 0.70, 0.88, 0.85) == "fail"  # point below, interval straddles
    assert evaluate_threshold(0.60, 0.50, 0.70, 0.85) == "fail"
    assert evaluate_threshold(0.85, 0.85, 0.90, 0.85) == "pass"  # bound exactly on target
    assert evaluate_threshold(0.9, None, None, 0.85) == "undecided"  # no interval: cannot pass


def test_point_gate() -> None:
    assert evaluate_threshold(0.90, 0.80, 0.95, 0.85, "point") == "pass"
    assert evaluate_threshold(0.84, 0.80, 0.95, 0.85, "point") == "fail"
    assert evaluate_threshold(0.8499999999999, 0.8, 0.9, 0.85, "point") == "pass"  # float noise
    with pytest.raises(ValueError):
        evaluate_threshold(0.9, 0.8, 0.95, 0.85, "median")  # type: ignore[arg-type]


def test_cases_needed_makes_the_interval_decisive() -> None:
    more = cases_needed(0.9, 0.85, n_current=50)
    assert more is not None and more > 0
    lo, _ = wilson_interval(0.9 * (50 + more), 50 + more)
    assert lo >= 0.85
    lo_before, _ = wilson_interval(0.9 * (50 + more - 1), 50 + more - 1)
    assert lo_before < 0.85
    below = cases_needed(0.8, 0.85, n_current=50)
    assert below is not None
    _, hi = wilson_interval(0.8 * (50 + below), 50 + below)
    assert hi < 0.85


def test_cases_needed_monotone_in_distance_to_target() -> None:
    needs = [cases_needed(p, 0.85, n_current=0) for p in (0.87, 0.9, 0.93, 0.96, 0.99)]
    assert all(isinstance(n, int) for n in needs)
    assert needs == sorted(needs, reverse=True)  # type: ignore[type-var]


def test_cases_needed_edges() -> None:
    assert cases_needed(0.85, 0.85) is None
    assert cases_needed(0.95, 0.5, n_current=200) == 0  # already decisive
    # repeats: each case counts for 2.5 effective samples -> fewer cases needed
    plain = cases_needed(0.9, 0.85, n_current=0)
    clustered = cases_needed(0.9, 0.85, n_current=0, units_per_case=2.5)
    assert plain is not None and clustered is not None and clustered < plain
    with pytest.raises(ValueError):
        cases_needed(1.2, 0.5)


def test_cases_needed_mean() -> None:
    more = cases_needed_mean(4.2, 3.9, 4.5, 4.0, n_current=30)
    assert more is not None and more > 0
    assert cases_needed_mean(4.2, 4.1, 4.3, 4.0, n_current=30) == 0
    assert cases_needed_mean(4.0, 3.9, 4.1, 4.0, n_current=30) is None


def test_about_rounds_to_two_significant_digits() -> None:
    assert about(57) == 57
    assert about(1234) == 1200
    assert about(156) == 160
