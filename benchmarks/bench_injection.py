"""The gateway's prompt-injection guard (``injection_score``): quality and speed (issue #12).

Quality (``--quality train|test``): BIPIA's attacks of one split planted in the same split's
emails at the start, middle and end (``gonogo.redteam.plant_attack``, BIPIA's way: line
breaks, no wrapper sentence), each scored as the gateway scores a request — the email's
question as the user's text, the email as a context — and caught when the score reaches
the guard's default threshold 0.5. False alarms: the clean emails of the split (with their
questions), and HaluEval's 250 passages (as contexts) and questions (as the user's text,
with and without their passage; and, stricter, as if a question stood in a document).
Shares come with 95% Wilson intervals. The model was fitted on the train split only
(``fit_injection_model.py``); the test split and HaluEval were measured once, at the end
(tests/gateway/test_injection_bipia.py holds the bar).

Speed (default): µs per call, median of 7 rounds of 2,000 calls after a warm-up, for

- a user's question alone (``texts``: the pattern test only);
- a clean 2,000-character document as a context (HaluEval passages joined and cut to
  2,000 characters; patterns + the sentence model);
- the same document with a BIPIA *train* attack planted in its middle;
- 2,000 characters of BIPIA's train emails (many short lines), and of 125 receipt lines
  ("Item 7: $45.00"), the worst shape: the cost grows with the number of sentences.

Usage: python benchmarks/bench_injection.py [--rounds 7] [--calls 2000] [--quality SPLIT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from gonogo.gateway import injection_score
from gonogo.redteam import POSITIONS, plant_attack
from gonogo.stats import wilson_interval

ROOT = Path(__file__).resolve().parents[1]
HALUEVAL = ROOT / "src" / "gonogo" / "demo" / "data" / "halueval_qa_dev.jsonl"
BIPIA = ROOT / "tests" / "data" / "redteam" / "bipia"
ATTACKS = BIPIA / "text_attack_train.json"
THRESHOLD = 0.5  # the guard's default


@dataclass(frozen=True)
class Share:
    k: int
    n: int

    @property
    def rate(self) -> float:
        return self.k / self.n

    def __str__(self) -> str:
        lo, hi = wilson_interval(self.k, self.n)
        return f"{self.k}/{self.n} = {self.rate:.3f} [{lo:.3f}, {hi:.3f}]"


def _flagged(texts: list[str], contexts: list[str]) -> bool:
    return injection_score(texts, contexts).score >= THRESHOLD


def load_bipia(split: str) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    attacks = json.loads((BIPIA / f"text_attack_{split}.json").read_text())
    lines = (BIPIA / f"email_{split}.jsonl").read_text().splitlines()
    return attacks, [json.loads(line) for line in lines if line.strip()]


def measure_bipia(split: str) -> dict[str, Share]:
    """Caught shares by position and by attack category, and false alarms on clean emails."""
    by_category, emails = load_bipia(split)
    attacks = [(name, a) for name, group in by_category.items() for a in group]
    out: dict[str, Share] = {}
    per_category: dict[str, list[int]] = {name: [0, 0] for name in by_category}
    hits_all = total = 0
    for position in POSITIONS:
        hits = 0
        for i, (name, attack) in enumerate(attacks):
            for j, email in enumerate(emails):
                doc = plant_attack(email["context"], attack, position, seed=i * 1000 + j)
                hit = _flagged([email["question"]], [doc])
                hits += hit
                per_category[name][0] += hit
                per_category[name][1] += 1
        n = len(attacks) * len(emails)
        out[f"caught, {position}"] = Share(hits, n)
        hits_all, total = hits_all + hits, total + n
    out["caught, all positions"] = Share(hits_all, total)
    for name, (k, n) in per_category.items():
        out[f"  {name}"] = Share(k, n)
    alarms = sum(_flagged([e["question"]], [e["context"]]) for e in emails)
    out["false alarms, clean emails"] = Share(alarms, len(emails))
    return out


def measure_halueval() -> dict[str, Share]:
    """False alarms on HaluEval's 250 passages and questions, as the gateway sees them."""
    rows = [json.loads(line) for line in HALUEVAL.read_text().splitlines() if line.strip()]
    n = len(rows)
    return {
        "false alarms, passages (as contexts)": Share(
            sum(_flagged([], [r["context"]]) for r in rows), n
        ),
        "false alarms, questions (as user text)": Share(
            sum(_flagged([r["question"]], []) for r in rows), n
        ),
        "false alarms, question + its passage": Share(
            sum(_flagged([r["question"]], [r["context"]]) for r in rows), n
        ),
        "false alarms, questions as if in a document": Share(
            sum(_flagged([], [r["question"]]) for r in rows), n
        ),
    }


def per_call_us(fn: object, rounds: int, calls: int) -> float:
    assert callable(fn)
    for _ in range(calls // 10):
        fn()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--quality", choices=["train", "test"], help="measure quality, not speed")
    args = ap.parse_args()
    if args.quality:
        results = measure_bipia(args.quality)
        if args.quality == "test":
            results |= measure_halueval()
        for name, share in results.items():
            print(f"{name:46} {share}")
        return
    rows = [json.loads(line) for line in HALUEVAL.read_text().splitlines() if line.strip()]
    document = " ".join(r["context"] for r in rows[:20])[:2000]
    attack = next(iter(json.loads(ATTACKS.read_text()).values()))[1]
    poisoned = plant_attack(document, attack, "middle", seed=1)
    question = rows[0]["question"]
    _, emails = load_bipia("train")
    inbox = "\n".join(e["context"] for e in emails)[:2000]
    receipt = "\n".join(f"Item {i}: $45.00" for i in range(200))[:2000]
    assert injection_score([], [poisoned]).score >= 0.5, "the planted attack should be caught"
    cases = {
        f"user question ({len(question)} chars), texts only": lambda: injection_score([question]),
        f"question + clean document ({len(document):,} chars)": lambda: injection_score(
            [question], [document]
        ),
        f"question + document with a planted attack ({len(poisoned):,} chars)": lambda: (
            injection_score([question], [poisoned])
        ),
        f"question + train emails ({len(inbox):,} chars, many lines)": lambda: (
            injection_score([question], [inbox])
        ),
        f"question + {receipt.count(chr(10)) + 1} short lines ({len(receipt):,} chars)": lambda: (
            injection_score([question], [receipt])
        ),
    }
    print(f"{'case':64} µs/call")
    for name, fn in cases.items():
        print(f"{name:64} {per_call_us(fn, args.rounds, args.calls):7.1f}")


if __name__ == "__main__":
    main()
