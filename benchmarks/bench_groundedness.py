"""Offline groundedness detector: the protocol of issue #13 on HaluEval QA, and its speed.

Data: src/gonogo/demo/data/halueval_qa_dev.jsonl (250 HotpotQA questions from HaluEval,
MIT): each question's right answer is *grounded* in its context, each hallucinated answer
is not — 742 (question, context, answer, label) items. The file is split ONCE into a
tuning part and a locked part (benchmarks/groundedness_split.json, 125 + 125 questions,
grouped by question, seeded; made by make_groundedness_split.py).

- Default: 5-fold cross-validation on the TUNING part, folds grouped by question, seed
  13. On the four training folds the model is fitted and the threshold chosen; the
  held-out fold is scored with both. Reported for the three verdicts: balanced accuracy
  with ``undecided`` counted as not supported (the ``supported`` field), balanced
  accuracy with only ``unsupported`` flagged (``undecided`` let through, as the gateway
  guard does), the share undecided, AUROC of the log-odds. The content-word baseline gets
  the same folds. The form check scores the held-out right answers rewritten as sentences
  that restate the question (a model that learnt "short = right" fails it).
- ``--locked NOTE``: the SHIPPED model (fitted on the whole tuning part by
  fit_groundedness.py) scored on the LOCKED part — once per change: every run is
  appended, with NOTE, the commit and the CV beside it, to
  benchmarks/groundedness_locked.md, so every look at the locked part is on record.
- ``--ablate``: the CV with each feature left out (tuning part only).
- ``--long``: the long-answer PROXY (groundedness_proxy.py; not real LLM answers).
- speed: answers/s of ``check_many`` on one core: the 742 short answers, and 100-word
  answers over 2,000-word contexts (proxy answers over concatenated dev contexts).

"Positive" = unsupported (a hallucination detector's view).

    PYTHONPATH=src taskset -c 0 python benchmarks/bench_groundedness.py [--locked NOTE]
        [--ablate] [--long] [--no-speed] [--errors]
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_groundedness import (  # noqa: E402
    CV_FOLDS,
    CV_SEED,
    DATA,
    ROOT,
    Item,
    best_threshold,
    calibrate,
    claim_matrix,
    fit_mil,
    folds_by_question,
    load,
)

LOG = ROOT / "benchmarks" / "groundedness_locked.md"

# ---------------------------------------------------------------- baseline

_BASELINE_STOP = frozenset(
    """a an the of in on at to for from by with and or but is are was were be been it its
    this that as which who what when where how did do does has have had""".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def baseline_score(item: Item, answer: str | None = None) -> float:
    """Share of the answer's content words found in the question and the context."""
    text = item.answer if answer is None else answer
    words = [w for w in _WORD.findall(text.lower()) if w not in _BASELINE_STOP]
    if not words:
        return 1.0
    known = set(_WORD.findall(item.question.lower())) | set(_WORD.findall(item.context.lower()))
    return sum(w in known for w in words) / len(words)


# ---------------------------------------------------------------- verdicts


@dataclass
class Claims:
    """One answer's claims: feature matrix, and per claim: decisive evidence, refusal."""

    x: np.ndarray
    decisive: np.ndarray
    refusal: np.ndarray


def claims_of(items: Sequence[Item], answers: Sequence[str], names: Sequence[str]) -> list[Claims]:
    """Every answer's claims, read once (the folds refit the model on these)."""
    from gonogo.rag._grounding import GroundednessDetector, decisive
    from gonogo.text import is_refusal

    out: list[Claims] = []
    per_item = GroundednessDetector().features_many(
        ((a, [it.context], it.question) for a, it in zip(answers, items, strict=True)), names
    )
    for claims in per_item:
        feats = [f for _, _, f in claims]
        x = claim_matrix([feats], names)[0] if feats else np.zeros((0, len(names)))
        dec = np.array(
            [decisive({n: f[n] for n in names}) or not idx.sentences for _, idx, f in claims],
            dtype=bool,
        )
        ref = np.array([is_refusal(c.span.text) for c, _, _ in claims], dtype=bool)
        out.append(Claims(x, dec, ref))
    return out


def verdicts(claims: Sequence[Claims], coef: np.ndarray, icpt: float, cut: float) -> np.ndarray:
    """Each answer's verdict: 0 supported, 1 undecided, 2 unsupported."""
    logit_cut = np.log(cut / (1 - cut))
    out = np.zeros(len(claims), dtype=int)
    for k, c in enumerate(claims):
        if not len(c.x):
            continue
        low = ((c.x @ coef + icpt) < logit_cut) & ~c.refusal
        if (low & c.decisive).any():
            out[k] = 2
        elif low.any():
            out[k] = 1
    return out


def logits_of(claims: Sequence[Claims], coef: np.ndarray, icpt: float) -> np.ndarray:
    """The weakest non-refusal claim's log-odds per answer (refusals and empties: +inf)."""
    out = np.full(len(claims), 50.0)
    for k, c in enumerate(claims):
        keep = ~c.refusal
        if len(c.x) and keep.any():
            out[k] = float((c.x[keep] @ coef + icpt).min())
    return out


# ---------------------------------------------------------------- metrics


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """P(score of a random positive > score of a random negative), ties half."""
    pos, neg = scores[positive], scores[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def ba(flagged: np.ndarray, hallucinated: np.ndarray) -> float:
    """Balanced accuracy of flagging hallucinations."""
    tpr = (flagged & hallucinated).sum() / max(hallucinated.sum(), 1)
    tnr = (~flagged & ~hallucinated).sum() / max((~hallucinated).sum(), 1)
    return float((tpr + tnr) / 2)


def metrics(verdict: np.ndarray, logit: np.ndarray, grounded: np.ndarray) -> dict[str, float]:
    """The protocol's numbers for one set of verdicts."""
    hall = ~grounded
    not_supported, unsupported = verdict > 0, verdict == 2
    decided = verdict != 1
    return {
        "ba": ba(not_supported, hall),
        "ba_unsupported_only": ba(unsupported, hall),
        "ba_decided": ba(unsupported[decided], hall[decided]) if decided.any() else float("nan"),
        "undecided": float((verdict == 1).mean()),
        "undecided_right": float((verdict[grounded] == 1).mean()),
        "undecided_hallucinated": float((verdict[hall] == 1).mean()),
        "right_passed": float((~not_supported[grounded]).mean()),
        "caught": float(not_supported[hall].mean()),
        "caught_unsupported": float(unsupported[hall].mean()),
        "auroc": auroc(-logit, hall),
    }


def cross_validate(
    items: Sequence[Item],
    claims: Sequence[Claims],
    names: Sequence[str],
    test_claims: Sequence[Claims] | None = None,
) -> dict[str, object]:
    """5-fold CV grouped by question: fit and threshold on 4 folds, score the 5th."""
    grounded = np.array([it.grounded for it in items])
    test_claims = claims if test_claims is None else test_claims
    verdict = np.zeros(len(items), dtype=int)
    logit = np.zeros(len(items))
    per_fold: list[float] = []
    cuts: list[float] = []
    for test in folds_by_question(items, CV_FOLDS, CV_SEED):
        train = np.setdiff1d(np.arange(len(items)), test)
        coef, icpt = fit_mil([claims[i].x for i in train], grounded[train])
        support = 1 / (1 + np.exp(-logits_of([claims[i] for i in train], coef, icpt)))
        cut = best_threshold(support, grounded[train])
        verdict[test] = verdicts([test_claims[i] for i in test], coef, icpt, cut)
        logit[test] = logits_of([test_claims[i] for i in test], coef, icpt)
        per_fold.append(ba(verdict[test] > 0, ~grounded[test]))
        cuts.append(cut)
    return {"metrics": metrics(verdict, logit, grounded), "folds": per_fold, "cuts": cuts,
            "verdict": verdict, "logit": logit}  # fmt: skip


def baseline_cv(items: Sequence[Item]) -> float:
    grounded = np.array([it.grounded for it in items])
    base = np.array([baseline_score(it) for it in items])
    flagged = np.zeros(len(items), dtype=bool)
    for test in folds_by_question(items, CV_FOLDS, CV_SEED):
        train = np.setdiff1d(np.arange(len(items)), test)
        cut = best_threshold(base[train], grounded[train])
        flagged[test] = base[test] < cut
    return ba(flagged, ~grounded)


def reliability(p: np.ndarray, grounded: np.ndarray, bins: int = 5) -> list[str]:
    """Markdown rows: predicted probability bin, answers, mean predicted, observed grounded."""
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if inside.any():
            rows.append(f"| {lo:.1f}–{hi:.1f} | {inside.sum()} | {p[inside].mean():.3f} | "
                        f"{grounded[inside].mean():.3f} |")  # fmt: skip
    return rows


def ece(p: np.ndarray, grounded: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width bins."""
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if inside.any():
            total += inside.sum() * abs(p[inside].mean() - grounded[inside].mean())
    return total / len(p)


_WH = re.compile(
    r"\b(?:in what year|what year|how many|how much|how old|what|which|who|whom|where|when)\b",
    re.IGNORECASE,
)


def restated(item: Item) -> str:
    """The right answer written as a sentence: the question with its wh-phrase filled in."""
    if not item.grounded or not _WH.search(item.question):
        return item.answer
    return _WH.sub(lambda _: item.answer, item.question.strip(), count=1).rstrip(" ?") + "."


def fmt(m: dict[str, float]) -> str:
    return (
        f"BA {m['ba']:.4f} (unsupported-only {m['ba_unsupported_only']:.4f}) | right passed "
        f"{m['right_passed']:.3f} | caught {m['caught']:.3f} ({m['caught_unsupported']:.3f} "
        f"as unsupported) | undecided {m['undecided']:.3f} (right {m['undecided_right']:.3f}, "
        f"hallucinated {m['undecided_hallucinated']:.3f}) | AUROC {m['auroc']:.3f}"
    )


# ---------------------------------------------------------------- the locked part


def shipped_model() -> tuple[list[str], np.ndarray, float, float, tuple[float, float]]:
    from gonogo.rag import _grounding_model as m

    return list(m.FEATURES), np.array(m.COEFFICIENTS), m.INTERCEPT, m.THRESHOLD, m.CALIBRATION


def locked(note: str, cv: dict[str, float], ablate: bool = False) -> dict[str, float]:
    """Score the locked part with the shipped model and log the look.

    With ``ablate``, also each feature left out (refitted on the tuning part, threshold
    chosen there): the issue's "drop a rule that does not pay on the locked part". These
    lines are logged too: they are looks.
    """
    names, coef, icpt, cut, (a, b) = shipped_model()
    items = load(DATA, "locked")
    grounded = np.array([it.grounded for it in items])
    claims = claims_of(items, [it.answer for it in items], names)
    logit = logits_of(claims, coef, icpt)
    m = metrics(verdicts(claims, coef, icpt, cut), logit, grounded)
    p = 1 / (1 + np.exp(-(a * logit + b)))
    m["ece"] = ece(p, grounded)
    _log(note, cv, m)
    print("\nLOCKED part (logged):", fmt(m), f"| ECE {m['ece']:.3f}")
    print("reliability on the locked part:\n| p | answers | mean p | grounded |\n|---|---|---|---|")
    print("\n".join(reliability(p, grounded)))
    if ablate:
        tuning = load(DATA, "tuning")
        tuned = np.array([it.grounded for it in tuning])
        print("\n| left out | locked BA | Δ | unsupported-only |\n|---|---|---|---|")
        for name in names:
            rest = [n for n in names if n != name]
            train = claims_of(tuning, [it.answer for it in tuning], rest)
            c2, i2 = fit_mil([c.x for c in train], tuned)
            cut2 = best_threshold(1 / (1 + np.exp(-logits_of(train, c2, i2))), tuned)
            test = claims_of(items, [it.answer for it in items], rest)
            m2 = metrics(verdicts(test, c2, i2, cut2), logits_of(test, c2, i2), grounded)
            m2["ece"] = float("nan")
            _log(f"{note} — without {name}", {"ba": float("nan")}, m2)
            print(f"| {name} | {m2['ba']:.4f} | {m2['ba'] - m['ba']:+.4f} | "
                  f"{m2['ba_unsupported_only']:.4f} |")  # fmt: skip
    return m


def _log_proxy(note: str, m: dict[str, object]) -> None:
    """A look at the long-answer proxy built from the locked part's contexts, logged."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()  # fmt: skip
    with LOG.open("a", encoding="utf-8") as f:
        f.write(
            f"- {datetime.date.today()} {commit} {note} — long-answer PROXY on the locked "
            f"part's contexts ({m['n']} answers, {m['words']:.0f} words): grounded called "
            f"unsupported {m['grounded_called_unsupported']:.1%}, an unsupported verdict "
            f"right {m['unsupported_right']:.1%} of {m['n_unsupported']}, undecided "
            f"{m['undecided']:.1%}\n"
        )


def _log(note: str, cv: dict[str, float], m: dict[str, float]) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "src", "benchmarks"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip

    def num(v: float, spec: str) -> str:
        return "—" if np.isnan(v) else format(v, spec)

    line = (
        f"| {datetime.date.today()} | {commit}{'+' if dirty else ''} | {note} | "
        f"{num(cv['ba'], '.4f')} | {m['ba']:.4f} | {num(cv['ba'] - m['ba'], '+.4f')} | "
        f"{m['ba_unsupported_only']:.4f} | {m['undecided']:.3f} | {m['auroc']:.3f} | "
        f"{num(m['ece'], '.3f')} |\n"
    )
    if not LOG.exists():
        LOG.write_text(
            "# Every look at the locked part (appended by bench_groundedness.py --locked)\n\n"
            "BA = balanced accuracy, `undecided` counted as not supported; unsupported-only: "
            "only the `unsupported` verdict flags. CV = 5-fold CV on the tuning part. A "
            "'+' after the commit: the working tree had changes (the model being tried).\n\n"
            "| date | commit | change | CV (tuning) | locked | CV − locked | locked, "
            "unsupported-only | locked undecided | locked AUROC | locked ECE |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n"
        )
    with LOG.open("a", encoding="utf-8") as f:
        f.write(line)


# ---------------------------------------------------------------- speed


def throughput(batch: list[tuple[str, list[str], str]], repeats: int = 3) -> float:
    """Answers/s of check_many on ``batch``, best of ``repeats`` after a warm-up."""
    from gonogo.rag._grounding import GroundednessDetector

    detector = GroundednessDetector()
    detector.check_many(batch[:20])
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        detector.check_many(batch)
        best = min(best, time.perf_counter() - t0)
    return len(batch) / best


def speed() -> None:
    from groundedness_proxy import long_speed_batch

    items = load(DATA)
    short = [(it.answer, [it.context], it.question) for it in items]
    long = long_speed_batch()
    words_a = np.mean([len(a.split()) for a, _, _ in long])
    words_c = np.mean([len(c[0].split()) for _, c, _ in long])
    print(f"\nspeed, one process: short answers {throughput(short):,.0f}/s ({len(short)} answers);"
          f" long answers {throughput(long):,.0f}/s ({len(long)} answers of {words_a:.0f} words"
          f" over contexts of {words_c:,.0f} words)")  # fmt: skip


# ---------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    from gonogo.rag._grounding import FEATURES

    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--locked", metavar="NOTE", help="score the locked part once and log it")
    ap.add_argument("--ablate", action="store_true", help="CV with each feature left out")
    ap.add_argument("--long", action="store_true", help="the long-answer proxy")
    ap.add_argument("--no-speed", action="store_true", help="skip the throughput runs")
    ap.add_argument("--errors", action="store_true", help="list the CV's errors (tuning part)")
    ap.add_argument("--features", default=",".join(FEATURES), help="comma-separated subset")
    args = ap.parse_args(argv)
    names = [n for n in args.features.split(",") if n]
    items = load(DATA, "tuning")
    grounded = np.array([it.grounded for it in items])
    print(f"tuning part: {len(items)} answers ({grounded.sum()} right, {(~grounded).sum()} "
          f"hallucinated) of {len({it.qid for it in items})} questions; {CV_FOLDS}-fold CV "
          f"grouped by question, seed {CV_SEED}")  # fmt: skip
    claims = claims_of(items, [it.answer for it in items], names)
    cv = cross_validate(items, claims, names)
    form = cross_validate(items, claims, names, claims_of(items, [restated(it) for it in items],
                                                           names))  # fmt: skip
    cvm, formm = cv["metrics"], form["metrics"]
    assert isinstance(cvm, dict) and isinstance(formm, dict)
    print(f"content-word baseline: BA {baseline_cv(items):.4f}")
    print("detector:", fmt(cvm))
    print("  per fold BA", " ".join(f"{v:.3f}" for v in cv["folds"]), "| thresholds",  # type: ignore[attr-defined]
          " ".join(f"{v:.3f}" for v in cv["cuts"]))  # type: ignore[attr-defined]  # fmt: skip
    print("right answers as sentences:", fmt(formm))
    logit = cv["logit"]
    assert isinstance(logit, np.ndarray)
    a, b = calibrate(logit, grounded)
    p = 1 / (1 + np.exp(-(a * logit + b)))
    print(f"calibration on out-of-fold log-odds: a={a:.3f} b={b:.3f}, ECE {ece(p, grounded):.3f}")
    print("| p | answers | mean p | grounded |\n|---|---|---|---|")
    print("\n".join(reliability(p, grounded)))
    if args.errors:
        list_errors(items, cv)
    if args.ablate and not args.locked:
        ablate(items, names, cvm)
    if args.long:
        from groundedness_proxy import report_proxy

        report_proxy("tuning")
    if args.locked:
        locked(args.locked, cvm, args.ablate)
        if args.long:
            from groundedness_proxy import report_proxy

            _log_proxy(args.locked, report_proxy("locked"))
    if not args.no_speed:
        speed()
    return 0


def list_errors(items: Sequence[Item], cv: dict[str, object]) -> None:
    verdict = cv["verdict"]
    assert isinstance(verdict, np.ndarray)
    for it, v in zip(items, verdict, strict=True):
        wrong = (v > 0) == it.grounded
        if wrong or v == 1:
            kind = ["supported", "undecided", "unsupported"][v]
            print(f"[{it.qid}] {'RIGHT' if it.grounded else 'HALLU'} → {kind}: "
                  f"{it.question} || {it.answer}")  # fmt: skip


def ablate(items: Sequence[Item], names: Sequence[str], full: dict[str, float]) -> None:
    forms = [restated(it) for it in items]
    print("\n| left out | CV BA | Δ | unsupported-only | sentences BA |\n|---|---|---|---|---|")
    for name in names:
        rest = [n for n in names if n != name]
        claims = claims_of(items, [it.answer for it in items], rest)
        m = cross_validate(items, claims, rest)["metrics"]
        s = cross_validate(items, claims, rest, claims_of(items, forms, rest))["metrics"]
        assert isinstance(m, dict) and isinstance(s, dict)
        print(f"| {name} | {m['ba']:.4f} | {m['ba'] - full['ba']:+.4f} | "
              f"{m['ba_unsupported_only']:.4f} | {s['ba']:.4f} |")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
