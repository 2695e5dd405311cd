"""The offline groundedness detector's model (generated: do not edit by hand).

Written by benchmarks/fit_groundedness.py from the TUNING part of
halueval_qa_dev.jsonl only (125 questions, 371 answers; the split is
benchmarks/groundedness_split.json): L2-regularised logistic regression on each answer's
weakest claim (L2 = 1 on standardised features), Platt calibration on out-of-fold
log-odds (5 folds grouped by question), the threshold that maximises balanced accuracy.
"""

FEATURES: tuple[str, ...] = (
    "coverage",
    "new_coverage",
    "entity_missing",
    "number_missing",
    "negation_mismatch",
    "comparison",
    "coordination",
    "relation_swapped",
    "phrase",
)
COEFFICIENTS: tuple[float, ...] = (
    7.6640,  # coverage
    5.9713,  # new_coverage
    -2.5306,  # entity_missing
    -0.8008,  # number_missing
    -4.7114,  # negation_mismatch
    4.8578,  # comparison
    8.7785,  # coordination
    -4.8451,  # relation_swapped
    15.2133,  # phrase
)
INTERCEPT = -36.4567
THRESHOLD = 0.6209
CALIBRATION: tuple[float, float] = (1.8250, -0.7479)
