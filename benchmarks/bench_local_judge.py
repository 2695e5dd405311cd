"""How good is the offline judge? SmolLM2-135M (``judge: {provider: local}``) on labelled answers.

Data: src/gonogo/demo/data/halueval_qa_dev.jsonl (HaluEval QA, MIT). For each of the first
N questions, two answers: the right one (label: correct) and a hallucinated one (label:
wrong). The rubric scorer grades each against the reference answer with the criteria below,
exactly as `gonogo eval` would (same prompt, schema, repair turns); a grade >= pass_at
counts as "correct". Reported: accuracy and balanced accuracy with Wilson intervals, Cohen's
kappa against the labels, how often the judge gave no usable answer, and seconds per
judgement. The labels are the dataset's, not tuned on: this is the judge's real agreement.

Usage:
    python benchmarks/bench_local_judge.py [--questions 40]

Needs the `llm` extra (pip install -e '.[llm]').
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from gonogo.data import Case, TargetOutput
from gonogo.models import build_client
from gonogo.scorers import ScorerContext, build_scorers
from gonogo.spec import PRD, JudgeSpec
from gonogo.stats import wilson_interval

DATA = Path(__file__).resolve().parents[1] / "src/gonogo/demo/data/halueval_qa_dev.jsonl"
CRITERIA = (
    "The output answers the question correctly: it states the same fact as the reference "
    "answer (wording may differ). A different or invented fact is wrong."
)


def items(n: int) -> list[tuple[Case, str, bool]]:
    rows = [json.loads(line) for line in DATA.open()][:n]
    out = []
    for r in rows:
        case = Case(id=r["id"], inputs={"question": r["question"]}, expected=r["answer"])
        out.append((case, r["answer"], True))
        out.append((case, r["hallucinated_answers"][0], False))
    return out


def kappa(pred: list[bool], gold: list[bool]) -> float:
    n = len(pred)
    agree = sum(p == g for p, g in zip(pred, gold, strict=True)) / n
    p_yes, g_yes = sum(pred) / n, sum(gold) / n
    chance = p_yes * g_yes + (1 - p_yes) * (1 - g_yes)
    return (agree - chance) / (1 - chance) if chance < 1 else 0.0


async def main(n: int) -> None:
    spec = JudgeSpec.model_validate({"provider": "local"})
    client = build_client(spec, {})
    prd = PRD.model_validate({
        "feature": "x",
        "eval_plan": {"target": "m:f", "datasets": [{"name": "g", "path": "g.jsonl"}],
                      "scorers": [{"id": "right", "kind": "rubric", "criteria": CRITERIA}]},
    })  # fmt: skip
    scorer = build_scorers(list(prd.eval_plan.scorers), ScorerContext(judge=client))[0]
    pred: list[bool] = []
    gold: list[bool] = []
    unusable = 0
    t0 = time.perf_counter()
    for case, answer, correct in items(n):
        score = await scorer.score(case, TargetOutput(answer))
        if score.passed is None:
            unusable += 1
            continue
        pred.append(bool(score.passed))
        gold.append(correct)
    elapsed = time.perf_counter() - t0
    await client.aclose()
    total = 2 * n
    hits = sum(p == g for p, g in zip(pred, gold, strict=True))
    tpr = sum(p and g for p, g in zip(pred, gold, strict=True)) / max(1, sum(gold))
    tnr = sum(not p and not g for p, g in zip(pred, gold, strict=True)) / max(1, gold.count(False))
    lo, hi = wilson_interval(hits, len(pred))
    print(f"judge: SmolLM2-135M-Instruct (local, llama.cpp), {total} answers, {n} questions")
    print(f"usable judgements: {len(pred)} of {total} ({unusable} not evaluated)")
    print(f"accuracy: {hits / len(pred):.3f} [{lo:.3f}, {hi:.3f}] (chance 0.5)")
    print(f"balanced accuracy: {(tpr + tnr) / 2:.3f} (right answers passed {tpr:.3f}, "
          f"hallucinated answers failed {tnr:.3f})")  # fmt: skip
    print(f"Cohen's kappa vs labels: {kappa(pred, gold):.3f}")
    print(f"passed share: {sum(pred) / len(pred):.3f}; {elapsed / total:.2f} s per judgement")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=40)
    asyncio.run(main(ap.parse_args().questions))
