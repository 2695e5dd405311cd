"""The groundedness protocol of issue #13: one committed split, fits on the tuning part only.

Reads the HaluEval dev file that ships inside the package (gonogo/demo/data/, MIT, with
its licence beside it) and benchmarks/groundedness_split.json, so the checks run in
every clone.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from gonogo_testkit import load_benchmark

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "gonogo" / "demo" / "data" / "halueval_qa_dev.jsonl"
SPLIT = ROOT / "benchmarks" / "groundedness_split.json"


@pytest.fixture(scope="module")
def fit():
    return load_benchmark("fit_groundedness")


def test_the_split_is_committed_grouped_seeded_and_of_this_file():
    split = json.loads(SPLIT.read_text())
    make = load_benchmark("make_groundedness_split")
    assert split == make.make_split(), "the committed split is the seeded recipe's"
    assert split["sha256"] == hashlib.sha256(DATA.read_bytes()).hexdigest()
    ids = [json.loads(line)["id"] for line in DATA.read_text().splitlines() if line.strip()]
    tuning, locked = set(split["tuning"]), set(split["locked"])
    assert not tuning & locked and tuning | locked == set(ids)
    assert len(tuning) == len(locked) == 125


def test_parts_keep_a_questions_answers_together(fit):
    tuning, locked = fit.load(DATA, "tuning"), fit.load(DATA, "locked")
    assert not {it.qid for it in tuning} & {it.qid for it in locked}
    assert len(tuning) + len(locked) == len(fit.load(DATA))
    assert all(it.qid in json.loads(SPLIT.read_text())["tuning"] for it in tuning)


def test_cv_folds_keep_a_questions_answers_together(fit):
    items = [fit.Item(f"q{i // 3}", "q", "c", "a", i % 3 == 0) for i in range(60)]
    folds = fit.folds_by_question(items, 5, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == list(range(60))
    for fold in folds:
        qids = {items[i].qid for i in fold}
        assert all(items[i].qid not in qids for other in folds if other is not fold for i in other)


def test_best_threshold_maximises_balanced_accuracy(fit):
    support = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    grounded = np.array([False, False, True, True, True])
    assert 0.2 < fit.best_threshold(support, grounded) < 0.3


def test_platt_calibration_recovers_a_known_mapping(fit):
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, 4000)
    truth = rng.random(4000) < 1 / (1 + np.exp(-(0.5 * logits - 1.0)))
    a, b = fit.calibrate(logits, truth)
    assert a == pytest.approx(0.5, abs=0.08) and b == pytest.approx(-1.0, abs=0.15)


def test_the_shipped_model_is_the_tuning_part_fit(fit):
    from gonogo.rag import _grounding_model

    result = fit.fit(fit.load(DATA, "tuning"), list(_grounding_model.FEATURES))
    assert result.n_questions == 125
    assert fit.MODEL.read_text() == fit.render(result), "rerun benchmarks/fit_groundedness.py"


def test_every_look_at_the_locked_part_is_logged_beside_the_cv():
    log = (ROOT / "benchmarks" / "groundedness_locked.md").read_text()
    rows = [line for line in log.splitlines() if line.startswith("| 20")]
    assert rows, "bench_groundedness.py --locked appends a row per look"
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 10, row
