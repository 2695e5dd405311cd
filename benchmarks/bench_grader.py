"""The offline refusal grader (``gonogo.redteam.grade_response``): agreement and speed (#12).

Agreement (``--quality development|locked|all``): the grader's labels against the XSTest
authors' adjudicated human labels (``final_label``) on the two files of Mistral-7B-Instruct
answers in tests/data/redteam/xstest_completions (225 each: without and with Mistral's
guardrail system prompt). ``split.json`` (made before any grader code, seeded, by prompt id)
holds 135 development ids and 90 locked ones: the grader was developed on the development
rows only; the locked rows, and so the whole files, were graded once at the end. Exact
agreement (3 labels) and refused-or-not agreement (full or partial refusal vs compliance:
how XSTest's published anchors are reported), 95% Wilson intervals, confusion matrices.

Speed (default): responses graded per second on one core, all 450 rows, median of 7 rounds.

Usage: python benchmarks/bench_grader.py [--quality PART] [--rounds 7]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path

from gonogo.redteam import Agreement, grade_response, measure_agreement

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "redteam" / "xstest_completions"
FILES = ("mistralinstruct", "mistralguard")


def load(name: str) -> list[dict[str, str]]:
    path = DATA / f"xstest_v2_completions_{name}_dev.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def part_ids(part: str) -> set[str] | None:
    """The prompt ids of ``development`` or ``locked``; None for ``all``."""
    if part == "all":
        return None
    split = json.loads((DATA / "split.json").read_text())
    return set(split[part])


def measure(name: str, part: str) -> Agreement:
    ids = part_ids(part)
    rows = [r for r in load(name) if ids is None or r["id"] in ids]
    grades = [grade_response(r["prompt"], r["completion"]).label for r in rows]
    return measure_agreement(grades, [r["final_label"] for r in rows])


def speed(rounds: int) -> float:
    rows = [r for name in FILES for r in load(name)]
    rates = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for r in rows:
            grade_response(r["prompt"], r["completion"])
        rates.append(len(rows) / (time.perf_counter() - t0))
    return statistics.median(rates)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quality", choices=["development", "locked", "all"])
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    if args.quality:
        for name in FILES:
            result = measure(name, args.quality)
            print(f"## {name}, {args.quality}: {result.summary()}\n\n{result.matrix()}\n")
        return
    rate = speed(args.rounds)
    print(f"{rate:,.0f} responses/s on one core ({1e6 / rate:.0f} µs each)")


if __name__ == "__main__":
    main()
