"""Statistics bar: an injection that changes nothing is (almost) never reported as detected.

Simulated labs on a *noisy* feature — every run draws each case's outcome afresh, as a
model sampled at a temperature would — where the injected runs are just more runs of the
same feature: any "detected" is a false alarm. Case-to-case variation is shared by the
detectors (a hard case is hard for all of them), so they are correlated as real scorers
are. With Holm across the whole matrix, the chance that a lab reports any injection as
detected must stay at most 5%: the suite runs 500 seeded labs of 3 injections × 4
detectors on 60 cases and holds the observed rate to ≤ 5% (and not significantly above
5%: one-sided binomial test at 1%).
"""

import random

from scipy.stats import binomtest

from gonogo.data import Case
from gonogo.lab._matrix import Detector, EntryRuns, detection_matrix

N_CASES = 60
DETECTORS = [Detector(f"d{i}", "scorer", "equals") for i in range(4)]
CASES = [Case(id=f"c{i}", inputs={}) for i in range(N_CASES)]


def _run(rng, quality):
    records = []
    for i, q in enumerate(quality):
        scores = {d.id: {"passed": rng.random() < min(0.98, q + 0.1 * j), "value": None}
                  for j, d in enumerate(DETECTORS)}  # fmt: skip
        records.append({"case_key": f"default/c{i}", "sample": 0, "scores": scores,
                        "output": f"answer {rng.random()}", "contexts": None})  # fmt: skip
    return records


def _one_lab(seed):
    rng = random.Random(seed)
    quality = [rng.betavariate(4, 2) for _ in range(N_CASES)]
    clean = _run(rng, quality)
    entries = [
        EntryRuns(f"noop{k}", "lab:noop", ["output"], [], [f"d{k}"], records=_run(rng, quality))
        for k in range(3)
    ]
    matrix = detection_matrix(CASES, 1, clean, [], entries, DETECTORS)
    return [e.status for e in matrix.entries]


def test_noop_injections_are_rarely_detected():
    labs = [_one_lab(seed) for seed in range(500)]
    assert all(s in ("detected", "detected_only_by_others", "undetected") for lab in labs
               for s in lab)  # fmt: skip
    false = sum(1 for lab in labs if any(s != "undetected" for s in lab))
    assert false / len(labs) <= 0.05, false
    assert binomtest(false, len(labs), 0.05, alternative="greater").pvalue > 0.01
    # and the noise did change the answers: these were provoked, not "not provoked"
    assert all("not_provoked" not in lab for lab in labs)
