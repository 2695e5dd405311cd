"""Fit the document-injection model of the gateway's prompt_injection guard (train split only).

Reads BIPIA's *train* attacks and *train* emails from tests/data/redteam/bipia, computes
the sentence features of ``gonogo.gateway._injection_doc``, fits an L2-regularised logistic
regression (Newton's method, numpy) and writes its coefficients to
``src/gonogo/gateway/_injection_model.py``. The test split is never read here: it is
measured once, by tests/gateway/test_injection_bipia.py.

Examples: each train attack planted in each train email (start, middle, end by turns) is a
positive (its features where it stands: any of its sentences having each one), weighted so
that each attack counts once; each sentence of a clean train email is a negative, the
negatives weighing ``NEGATIVE_WEIGHT`` times the positives in total. Then it prints, on
the train split only: the share of planted attacks caught by position, false alarms on
clean emails, and a leave-one-category-out estimate (the model refitted without each
attack category, scored on that category) — the test split's categories are all new but
one, so that is the honest preview of generalisation.

    PYTHONPATH=src python benchmarks/fit_injection_model.py [--check]

``--check`` fits and compares with the shipped coefficients instead of writing them.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import numpy as np

from gonogo.gateway import _injection_doc as doc
from gonogo.redteam import POSITIONS, plant_attack

ROOT = Path(__file__).resolve().parents[1]
BIPIA = ROOT / "tests" / "data" / "redteam" / "bipia"
MODEL = ROOT / "src" / "gonogo" / "gateway" / "_injection_model.py"
L2 = 1.0  # ridge penalty on the coefficients (not the intercept)
# the clean sentences weigh this many times the attacks in total: a false alarm blocks a
# real request, so it costs more than a miss (chosen on the train split's leave-one-
# category-out recall against false alarms on clean text; see docs/gateway.md)
NEGATIVE_WEIGHT = 3.0


def load_split(split: str) -> tuple[dict[str, list[str]], list[str]]:
    attacks = json.loads((BIPIA / f"text_attack_{split}.json").read_text())
    lines = (BIPIA / f"email_{split}.jsonl").read_text().splitlines()
    return attacks, [json.loads(line)["context"] for line in lines if line.strip()]


def attack_features(attack: str, document: str) -> tuple[int, ...]:
    """The attack's features where it stands in ``document`` (any of its sentences)."""
    own = set(doc.split_sentences(attack))
    rows = [f for s, f in doc.document_features(document) if s in own]
    return tuple(int(any(col)) for col in zip(*rows, strict=True))


def examples(attacks: list[str], emails: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positives: each attack planted in each email (position by turns), weight 1 per attack;
    negatives: each sentence of each clean email, ``NEGATIVE_WEIGHT`` times the attacks' total."""
    pos, pos_w = [], []
    for i, a in enumerate(attacks):
        for j, e in enumerate(emails):
            position = POSITIONS[(i + j) % len(POSITIONS)]
            pos.append(attack_features(a, plant_attack(e, a, position, seed=i * 1000 + j)))
            pos_w.append(1.0 / len(emails))
    neg = [f for e in emails for _, f in doc.document_features(e)]
    x = np.array(pos + neg, dtype=float)
    y = np.array([1.0] * len(pos) + [0.0] * len(neg))
    w = np.array(pos_w + [NEGATIVE_WEIGHT * len(attacks) / len(neg)] * len(neg))
    return x, y, w


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted logistic regression with an L2 penalty; returns [intercept, *coefficients]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    beta = np.zeros(xb.shape[1])
    penalty = np.diag([0.0] + [L2] * x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-xb @ beta))
        grad = xb.T @ (w * (p - y)) + penalty @ beta
        hess = (xb * (w * p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return beta


def caught(beta: np.ndarray, text: str) -> bool:
    """Whether a sentence of ``text`` (with a feature besides off_topic) reaches 0.5."""
    return any(
        any(f[:-1]) and beta[0] + float(beta[1:] @ np.array(f)) >= 0
        for _, f in doc.document_features(text)
    )


def planted(attacks: list[str], emails: list[str], position: str) -> list[str]:
    return [plant_attack(e, a, position, seed=i * 1000 + j)
            for i, a in enumerate(attacks) for j, e in enumerate(emails)]  # fmt: skip


def report(beta: np.ndarray, by_category: dict[str, list[str]], emails: list[str]) -> None:
    attacks = [a for group in by_category.values() for a in group]
    for position in POSITIONS:
        docs = planted(attacks, emails, position)
        hits = sum(caught(beta, d) for d in docs)
        print(f"  train, {position:6}: {hits}/{len(docs)} = {hits / len(docs):.3f} caught")
    alarms = sum(caught(beta, e) for e in emails)
    print(f"  train, clean emails: {alarms}/{len(emails)} false alarms")
    print("  leave one category out (refitted without it; its attacks planted at the end):")
    total = n = 0
    for name, group in by_category.items():
        rest = [a for other, g in by_category.items() if other != name for a in g]
        held = fit(*examples(rest, emails))
        hits = sum(caught(held, d) for d in planted(group, emails, "end"))
        total, n = total + hits, n + len(group) * len(emails)
        print(f"    {name:28} {hits / (len(group) * len(emails)):.2f}")
    print(f"    all: {total}/{n} = {total / n:.3f}")


def write_model(beta: np.ndarray, n_pos: int, n_neg: int) -> str:
    coefs = ", ".join(f"{b:.4f}" for b in beta[1:])
    names = textwrap.fill(", ".join(doc.FEATURES), 88, initial_indent="Features, in order: ")
    return (
        '"""Coefficients of the document-injection model (generated: do not edit by hand).\n\n'
        "Written by benchmarks/fit_injection_model.py.\n"
        f"Fitted on BIPIA's train split: {n_pos} planted attacks (positives) and {n_neg}\n"
        "sentences "
        f"of clean train emails (negatives) weighted {NEGATIVE_WEIGHT:g}x, L2 = {L2:g}.\n"
        f'{names}.\n"""\n\n'
        f"INTERCEPT = {beta[0]:.4f}\n"
        f"COEFFICIENTS: tuple[float, ...] = ({coefs})\n"
    )


def main(argv: list[str]) -> int:
    by_category, emails = load_split("train")
    attacks = [a for group in by_category.values() for a in group]
    x, y, w = examples(attacks, emails)
    beta = fit(x, y, w)
    print("intercept", round(beta[0], 3))
    for name, b in zip(doc.FEATURES, beta[1:], strict=True):
        print(f"  {name:15} {b:+.3f}  (in {int(x[y == 1][:, doc.FEATURES.index(name)].sum())}"
              f" attacks, {int(x[y == 0][:, doc.FEATURES.index(name)].sum())} email sentences)")
    report(beta, by_category, emails)
    text = write_model(beta, int(y.sum()), int((1 - y).sum()))
    if "--check" in argv:
        same = MODEL.read_text() == text
        print("shipped model matches the fit" if same else "shipped model differs from the fit")
        return 0 if same else 1
    MODEL.write_text(text)
    print(f"wrote {MODEL.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
