"""Speed of the gateway's prompt-injection guard (``injection_score``) per text (issue #12).

The guard runs on every request, so its cost matters more than its elegance. Three cases,
each timed as µs per call (median of 7 rounds of 2,000 calls, after a warm-up):

- a user's question alone (``texts``: the pattern test only);
- a clean 2,000-character document as a context (HaluEval passages joined and cut to
  2,000 characters; patterns + the sentence model);
- the same document with a BIPIA *train* attack planted in its middle.

Usage: python benchmarks/bench_injection.py [--rounds 7] [--calls 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from gonogo.gateway import injection_score
from gonogo.redteam import plant_attack

ROOT = Path(__file__).resolve().parents[1]
HALUEVAL = ROOT / "src" / "gonogo" / "demo" / "data" / "halueval_qa_dev.jsonl"
ATTACKS = ROOT / "tests" / "data" / "redteam" / "bipia" / "text_attack_train.json"


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
    args = ap.parse_args()
    rows = [json.loads(line) for line in HALUEVAL.read_text().splitlines() if line.strip()]
    document = " ".join(r["context"] for r in rows[:20])[:2000]
    attack = next(iter(json.loads(ATTACKS.read_text()).values()))[1]
    poisoned = plant_attack(document, attack, "middle", seed=1)
    question = rows[0]["question"]
    assert injection_score([], [poisoned]).score >= 0.5, "the planted attack should be caught"
    cases = {
        f"user question ({len(question)} chars), texts only": lambda: injection_score([question]),
        f"question + clean document ({len(document):,} chars)": lambda: injection_score(
            [question], [document]
        ),
        f"question + document with a planted attack ({len(poisoned):,} chars)": lambda: (
            injection_score([question], [poisoned])
        ),
    }
    print(f"{'case':62} µs/call")
    for name, fn in cases.items():
        print(f"{name:62} {per_call_us(fn, args.rounds, args.calls):7.1f}")


if __name__ == "__main__":
    main()
