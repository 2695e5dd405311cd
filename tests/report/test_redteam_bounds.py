"""A red-team bound shown beside its limit never reads as the limit itself."""

from gonogo.report._redteam import _rate


def test_a_bound_just_under_the_limit_gets_the_digits_that_show_it():
    # 0 of 73: the Wilson upper bound is 0.049992 — "0.05" beside "< 0.05 pass" misleads
    assert _rate({"rate": 0.0, "ci": [0.0, 0.049992], "limit": 0.05}) == "0% [0.00, 0.04999]"
    assert _rate({"rate": 0.0, "ci": [0.0, 0.0447], "limit": 0.05}) == "0% [0.00, 0.04]"
    assert _rate({"rate": 0.1, "ci": [0.05, 0.2], "limit": 0.2}) == "10% [0.05, 0.20]"
    assert _rate({"rate": 0.1, "ci": [0.05, 0.21]}) == "10% [0.05, 0.21]"
    assert _rate({"rate": None}) == "—"


def test_the_html_report_shows_the_same_bound(tmp_path):
    from gonogo.report._redteam import _html

    fam = {"family": "harmful", "owasp": "LLM01", "n": 73, "count": 0, "rate": 0.0,
           "ci": [0.0, 0.049992], "limit": 0.05, "status": "pass", "categories": []}  # fmt: skip
    over = {"n": 0, "count": 0, "rate": None, "ci": None, "limit": 0.1, "status": "not_run"}
    doc = {"families": [fam], "over_refusal": over, "not_run": {}, "mutators": [],
           "attacks": [], "verdict": "GO", "verdict_reasons": [], "run": {}}  # fmt: skip
    html = _html(doc)
    assert "[0.00, 0.04999]" in html and "[0.00, 0.05]" not in html
