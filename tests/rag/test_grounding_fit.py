"""The shipped model is the benchmark's full-file fit, and the benchmark's protocol is sound.

Reads the HaluEval dev file that ships inside the package (gonogo/demo/data/, MIT, with
its licence beside it), so the check runs in every clone.
"""

from pathlib import Path

import numpy as np
import pytest

from gonogo.rag import _grounding
from gonogo_testkit import load_benchmark

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "gonogo" / "demo" / "data" / "halueval_qa_dev.jsonl"


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_groundedness")


def test_folds_keep_a_questions_answers_together(bench):
    items = [bench.Item(f"q{i // 3}", "q", "c", "a", i % 3 == 0) for i in range(60)]
    folds = bench.folds_by_question(items, 5, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == list(range(60))
    for fold in folds:
        qids = {items[i].qid for i in fold}
        assert all(items[i].qid not in qids for other in folds if other is not fold for i in other)


def test_threshold_comes_from_the_training_folds(bench):
    grounded = np.array([True, False] * 20)
    folds = [np.arange(k * 10, k * 10 + 10) for k in range(4)]

    def scorer(train, test):  # training supports separate at 0.5, test supports at 5.5
        return np.where(grounded[train], 1.0, 0.0), np.where(grounded[test], 6.0, 5.0)

    cv = bench.cross_validate(folds, grounded, scorer)
    assert all(0.0 < f["threshold"] < 1.0 for f in cv["folds"])
    assert cv["mean"]["balanced_accuracy"] == 0.5  # the test fold never moved the threshold


def test_best_threshold_maximises_balanced_accuracy(bench):
    support = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    grounded = np.array([False, False, True, True, True])
    assert 0.2 < bench.best_threshold(support, grounded) < 0.3


def test_shipped_coefficients_are_the_full_file_fit(bench):
    items = bench.load(DATA)
    grounded = np.array([it.grounded for it in items])
    claims = bench.claim_matrix(
        bench.features(items, [it.answer for it in items]), list(_grounding.FEATURES)
    )
    coef, icpt = bench.fit_mil(claims, grounded)
    shipped = [_grounding.COEFFICIENTS[n] for n in _grounding.FEATURES]
    assert coef == pytest.approx(shipped, abs=2e-3), "refit: bench_groundedness.py --fit"
    assert icpt == pytest.approx(_grounding.INTERCEPT, abs=2e-3)
    cut = bench.best_threshold(bench.answer_support(claims, coef, icpt), grounded)
    assert cut == pytest.approx(_grounding.DEFAULT_THRESHOLD, abs=0.01)
