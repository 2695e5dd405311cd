"""The LLM-judge groundedness path measured like the offline detector (issue #13).

``JudgeGroundednessChecker`` with the local judge (``judge: {provider: local}``:
SmolLM2-135M-Instruct run in-process by llama.cpp, the ``llm`` extra) on answers of the
HaluEval dev file (src/gonogo/demo/data/halueval_qa_dev.jsonl, MIT): each question's
right answer (grounded) and its hallucinated ones (not grounded). Nothing is tuned here
(the judge's prompt is the shipped one), so any part of the file is a fair test; the
default takes the first N questions of the LOCKED part (the offline detector's numbers
on the same part are printed beside, for comparison). Reported: balanced accuracy
(flag = the judge's answer verdict is not ``supported``) with Wilson intervals on each
side, how often the judge's reply was unusable, seconds per answer.

This is the route for long abstractive answers *with a real model*: point the eval
plan's judge at one (``judge: {provider: openai, model: ...}``) and ``groundedness``
with ``mode: auto`` sends it what the offline detector leaves undecided. SmolLM2-135M
is a 135M-parameter model: expect it to be weak (it is here to exercise the path
offline, not to be trusted).

    PYTHONPATH=src python benchmarks/bench_groundedness_judge.py [--questions 40]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit_groundedness import DATA, load  # noqa: E402


async def main(n: int, part: str) -> None:
    from gonogo.errors import ProviderError, RunError
    from gonogo.models import build_client
    from gonogo.rag import GroundednessDetector, JudgeGroundednessChecker
    from gonogo.spec import JudgeSpec
    from gonogo.stats import wilson_interval

    items = load(DATA, part)
    qids = sorted({it.qid for it in items})[:n]
    items = [it for it in items if it.qid in qids]
    client = build_client(JudgeSpec.model_validate({"provider": "local"}), {})
    checker = JudgeGroundednessChecker(client)
    offline = GroundednessDetector()
    flags: list[bool] = []
    offline_flags: list[bool] = []
    gold: list[bool] = []
    verdicts: dict[str, int] = {}
    unusable = 0
    t0 = time.perf_counter()
    for it in items:
        try:
            r = await checker.check(it.answer, [it.context], it.question)
        except (ProviderError, RunError):
            unusable += 1
            continue
        verdicts[str(r.verdict)] = verdicts.get(str(r.verdict), 0) + 1
        flags.append(not r.supported)
        offline_flags.append(not offline.check(it.answer, [it.context], it.question).supported)
        gold.append(it.grounded)
        if len(gold) % 20 == 0:
            print(f"... {len(gold)} answers judged", flush=True)
    elapsed = time.perf_counter() - t0
    await client.aclose()

    def report(name: str, flagged: list[bool]) -> None:
        right = [f for f, g in zip(flagged, gold, strict=True) if g]
        wrong = [f for f, g in zip(flagged, gold, strict=True) if not g]
        passed, caught = right.count(False), wrong.count(True)
        lo_r, hi_r = wilson_interval(passed, len(right))
        lo_w, hi_w = wilson_interval(caught, len(wrong))
        ba = (passed / max(len(right), 1) + caught / max(len(wrong), 1)) / 2
        print(f"| {name} | {ba:.3f} | {passed}/{len(right)} [{lo_r:.2f}, {hi_r:.2f}] | "
              f"{caught}/{len(wrong)} [{lo_w:.2f}, {hi_w:.2f}] |")  # fmt: skip

    per = elapsed / max(len(items), 1)
    print(f"{len(items)} answers of {len(qids)} questions ({part} part); judge "
          f"SmolLM2-135M-Instruct (local); {unusable} unusable replies; "
          f"{per:.1f} s per answer; judge verdicts {verdicts}")  # fmt: skip
    print("| method | balanced accuracy | right answers passed | hallucinations flagged |")
    print("|---|---|---|---|")
    report("LLM judge: SmolLM2-135M (local)", flags)
    report("offline detector, same answers", offline_flags)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--part", choices=("tuning", "locked"), default="locked")
    args = ap.parse_args()
    asyncio.run(main(args.questions, args.part))
