"""The prompt-injection guard, measured on BIPIA's attacks as they arrive in documents.

Issue #12's bar: on BIPIA's *test* split (75 attacks × 50 emails, planted at the start, in
the middle and at the end, no wrapper sentence), at least 0.80 of the planted attacks
caught, with at most 2% false alarms on the clean test emails, on HaluEval's 250 passages
and on its 250 questions. The guard's model was fitted on the *train* split only
(benchmarks/fit_injection_model.py); the test split is read here and by
``bench_injection.py --quality test``, nowhere else. Data: tests/data/redteam/bipia (MIT,
licence beside it) and the package's HaluEval file. No attack text is printed: failures
report counts and category names only.
"""

import pytest

from gonogo_testkit import load_benchmark

BAR_CAUGHT = 0.80
BAR_FALSE_ALARMS = 0.02


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_injection")


def test_guard_catches_bipia_test_attacks_planted_in_emails(bench):
    results = bench.measure_bipia("test")
    for position in ("start", "middle", "end"):
        share = results[f"caught, {position}"]
        assert share.rate >= BAR_CAUGHT, f"{position}: {share}"
    alarms = results["false alarms, clean emails"]
    assert alarms.rate <= BAR_FALSE_ALARMS, f"clean test emails: {alarms}"


def test_guard_spares_halueval_passages_and_questions(bench):
    results = bench.measure_halueval()
    for name in (
        "false alarms, passages (as contexts)",
        "false alarms, questions (as user text)",
        "false alarms, question + its passage",
    ):
        assert results[name].rate <= BAR_FALSE_ALARMS, f"{name}: {results[name]}"


def test_the_shipped_model_is_the_train_split_fit():
    fit = load_benchmark("fit_injection_model")
    by_category, emails = fit.load_split("train")
    attacks = [a for group in by_category.values() for a in group]
    x, y, w = fit.examples(attacks, emails)
    text = fit.write_model(fit.fit(x, y, w), int(y.sum()), int((1 - y).sum()))
    assert fit.MODEL.read_text() == text, "rerun benchmarks/fit_injection_model.py"
