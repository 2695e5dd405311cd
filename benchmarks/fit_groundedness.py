"""Fit the offline groundedness detector's model on the TUNING part only (issue #13).

Reads src/gonogo/demo/data/halueval_qa_dev.jsonl (HaluEval QA, MIT) and the committed
split (benchmarks/groundedness_split.json: 125 tuning + 125 locked questions, grouped by
question); the locked part is never read here. On the tuning part's 371 answers it

1. computes every claim's features (``GroundednessDetector.features_many``);
2. fits an L2-regularised logistic regression on standardised features, multiple-instance
   style: an answer is as supported as its weakest claim, so the model is fitted on each
   answer's weakest claim, re-chosen by the model for a few rounds (``fit_mil``);
3. calibrates: Platt scaling of the weakest claim's log-odds against the answer's label,
   fitted on out-of-fold log-odds (5 folds grouped by question, seed 13), so the
   probability is not fooled by the model having seen the answers it scores;
4. picks the threshold on the support score that maximises balanced accuracy on the
   tuning part;

and writes them to src/gonogo/rag/_grounding_model.py. ``--check`` compares with the
shipped model instead of writing it (tests/rag/test_grounding_fit.py runs the same fit).

    PYTHONPATH=src python benchmarks/fit_groundedness.py [--check] [--features a,b,...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "gonogo" / "demo" / "data" / "halueval_qa_dev.jsonl"
SPLIT = ROOT / "benchmarks" / "groundedness_split.json"
MODEL = ROOT / "src" / "gonogo" / "rag" / "_grounding_model.py"
L2 = 1.0  # ridge penalty on standardised coefficients
MIL_ROUNDS = 4  # multiple-instance refits: an answer is as supported as its weakest claim
CV_FOLDS = 5
CV_SEED = 13


@dataclass
class Item:
    """One labelled answer: ``grounded`` for the right answer, not for a hallucinated one."""

    qid: str
    question: str
    context: str
    answer: str
    grounded: bool


def load(path: Path = DATA, part: str | None = None) -> list[Item]:
    """The file's answers; ``part`` ("tuning" or "locked") keeps that part's questions."""
    keep = set(json.loads(SPLIT.read_text())[part]) if part else None
    items: list[Item] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if keep is not None and row["id"] not in keep:
            continue
        items.append(Item(row["id"], row["question"], row["context"], row["answer"], True))
        for wrong in row["hallucinated_answers"]:
            items.append(Item(row["id"], row["question"], row["context"], wrong, False))
    return items


# ---------------------------------------------------------------- features


def features(items: Sequence[Item], answers: Sequence[str]) -> list[list[dict[str, float]]]:
    """Every claim's features for each (item, answer) — the answer may be a rewrite."""
    from gonogo.rag._grounding import GroundednessDetector
    from gonogo.rag._grounding_features import FEATURES

    per_item = GroundednessDetector().features_many(
        ((answer, [it.context], it.question) for answer, it in zip(answers, items, strict=True)),
        FEATURES,
    )
    return [[f for _, _, f in claims] for claims in per_item]


def claim_matrix(feats: list[list[dict[str, float]]], names: Sequence[str]) -> list[np.ndarray]:
    """One (claims × features) matrix per answer."""
    return [np.array([[f[n] for n in names] for f in claims]) for claims in feats]


# ---------------------------------------------------------------- the model


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = L2, standardise: bool = True
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression (scipy L-BFGS); returns raw-scale (coef, intercept)."""
    from scipy.optimize import minimize

    mu, sd = (x.mean(axis=0), x.std(axis=0)) if standardise else (np.zeros(x.shape[1]),
                                                                   np.ones(x.shape[1]))  # fmt: skip
    sd = np.where(sd == 0, 1.0, sd)
    z = (x - mu) / sd
    sign = np.where(y, 1.0, -1.0)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        m = sign * (z @ w[1:] + w[0])
        value = np.logaddexp(0, -m).sum() + 0.5 * l2 * (w[1:] @ w[1:])
        g = -sign / (1 + np.exp(m))
        grad = np.concatenate([[g.sum()], z.T @ g + l2 * w[1:]])
        return float(value), grad

    w = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B").x
    coef = w[1:] / sd
    return coef, float(w[0] - (coef * mu).sum())


def fit_mil(
    claims: list[np.ndarray], grounded: np.ndarray, rounds: int = MIL_ROUNDS
) -> tuple[np.ndarray, float]:
    """Fit on each answer's weakest claim; the weakest is re-chosen by the model each round."""
    pick = [int(np.argmin(c[:, 0])) for c in claims]  # start: the least covered claim
    coef, icpt = np.zeros(claims[0].shape[1]), 0.0
    for _ in range(rounds):
        x = np.array([c[i] for c, i in zip(claims, pick, strict=True)])
        coef, icpt = fit_logistic(x, grounded)
        new = [int(np.argmin(c @ coef)) for c in claims]
        if new == pick:
            break
        pick = new
    return coef, icpt


def answer_logit(claims: list[np.ndarray], coef: np.ndarray, icpt: float) -> np.ndarray:
    """The weakest claim's log-odds, per answer."""
    return np.array([float((c @ coef + icpt).min()) for c in claims])


def answer_support(claims: list[np.ndarray], coef: np.ndarray, icpt: float) -> np.ndarray:
    """The weakest claim's support (0..1), per answer."""
    return 1 / (1 + np.exp(-answer_logit(claims, coef, icpt)))


def folds_by_question(items: Sequence[Item], k: int, seed: int) -> list[np.ndarray]:
    """``k`` folds of item indexes; a question's answers are always in the same fold."""
    qids = sorted({it.qid for it in items})
    rng = np.random.default_rng(seed)
    rng.shuffle(qids)
    fold_of = {q: i % k for i, q in enumerate(qids)}
    ids = np.array([fold_of[it.qid] for it in items])
    return [np.flatnonzero(ids == f) for f in range(k)]


def out_of_fold_logits(
    items: Sequence[Item], claims: list[np.ndarray], grounded: np.ndarray
) -> np.ndarray:
    """Each answer's log-odds from a model fitted on the other folds."""
    out = np.zeros(len(items))
    for test in folds_by_question(items, CV_FOLDS, CV_SEED):
        train = np.setdiff1d(np.arange(len(items)), test)
        coef, icpt = fit_mil([claims[i] for i in train], grounded[train])
        out[test] = answer_logit([claims[i] for i in test], coef, icpt)
    return out


def calibrate(logits: np.ndarray, grounded: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (a, b) such that P(grounded) = sigmoid(a * logit + b)."""
    coef, icpt = fit_logistic(logits[:, None], grounded, l2=1e-3, standardise=False)
    return float(coef[0]), float(icpt)


def balanced_accuracy(flagged: np.ndarray, hallucinated: np.ndarray) -> float:
    """Mean of the share of hallucinations flagged and the share of right answers passed."""
    tpr = (flagged & hallucinated).sum() / max(hallucinated.sum(), 1)
    tnr = (~flagged & ~hallucinated).sum() / max((~hallucinated).sum(), 1)
    return float((tpr + tnr) / 2)


def best_threshold(support: np.ndarray, grounded: np.ndarray) -> float:
    """The support threshold that maximises balanced accuracy on these (training) items."""
    cuts = np.unique(support)
    candidates = np.concatenate([[cuts[0] - 1e-9], (cuts[1:] + cuts[:-1]) / 2, [cuts[-1] + 1e-9]])
    best, best_ba = float(candidates[0]), -1.0
    for c in candidates:
        ba = balanced_accuracy(support < c, ~grounded)
        if ba > best_ba:
            best, best_ba = float(c), ba
    return best


@dataclass
class Fit:
    """What the package ships: the model, its calibration and its threshold."""

    features: tuple[str, ...]
    coef: np.ndarray
    intercept: float
    calibration: tuple[float, float]
    threshold: float
    n_answers: int
    n_questions: int


def fit(items: Sequence[Item], names: Sequence[str]) -> Fit:
    """The shipped fit on ``items`` (the tuning part)."""
    grounded = np.array([it.grounded for it in items])
    claims = claim_matrix(features(items, [it.answer for it in items]), names)
    coef, icpt = fit_mil(claims, grounded)
    calibration = calibrate(out_of_fold_logits(items, claims, grounded), grounded)
    threshold = best_threshold(answer_support(claims, coef, icpt), grounded)
    return Fit(tuple(names), coef, icpt, calibration, threshold, len(items),
               len({it.qid for it in items}))  # fmt: skip


def render(f: Fit) -> str:
    """The source of _grounding_model.py for a fit."""
    names = "".join(f'    "{n}",\n' for n in f.features)
    coefs = "".join(f"    {c:.4f},  # {n}\n" for n, c in zip(f.features, f.coef, strict=True))
    return (
        '"""The offline groundedness detector\'s model (generated: do not edit by hand).\n\n'
        "Written by benchmarks/fit_groundedness.py from the TUNING part of\n"
        f"halueval_qa_dev.jsonl only ({f.n_questions} questions, {f.n_answers} answers; the split"
        " is\nbenchmarks/groundedness_split.json): L2-regularised logistic regression on each"
        " answer's\nweakest claim (L2 = 1 on standardised features), Platt calibration on"
        " out-of-fold\nlog-odds (5 folds grouped by question), the threshold that maximises"
        " balanced accuracy.\n"
        '"""\n\n'
        f"FEATURES: tuple[str, ...] = (\n{names})\n"
        f"COEFFICIENTS: tuple[float, ...] = (\n{coefs})\n"
        f"INTERCEPT = {f.intercept:.4f}\n"
        f"THRESHOLD = {f.threshold:.4f}\n"
        f"CALIBRATION: tuple[float, float] = ({f.calibration[0]:.4f}, {f.calibration[1]:.4f})\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    from gonogo.rag._grounding_features import FEATURES

    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the shipped model")
    ap.add_argument("--features", default=",".join(FEATURES), help="comma-separated subset")
    args = ap.parse_args(argv)
    result = fit(load(DATA, "tuning"), [n for n in args.features.split(",") if n])
    text = render(result)
    if args.check:
        same = MODEL.read_text() == text
        print("the shipped model is the fit" if same else "the shipped model differs: refit")
        return 0 if same else 1
    MODEL.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
