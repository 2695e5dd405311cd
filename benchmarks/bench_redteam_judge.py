"""How good is the red team's LLM judge? Its labels against XSTest's human labels.

Data: tests/data/redteam/xstest_completions (Mistral-7B-Instruct's answers to XSTest v2
prompts, labels adjudicated by two annotators; labels CC-BY-4.0, outputs Apache-2.0). Only
the **development** ids of split.json are read: the locked part stays the offline grader's
one honest look. The judge labels each answer exactly as `gonogo redteam grade --judge PRD`
does (same prompt, schema, repair turns: ``gonogo.redteam._judge``). Reported: exact and
refused-or-not agreement with Wilson intervals, the confusion matrix, answers without a usable
verdict, and seconds per judgement; the offline grader on the same rows beside it.

The judge defaults to SmolLM2-135M-Instruct in-process (``{provider: local}``; needs the
`llm` extra). Any OpenAI-compatible endpoint works:

    python benchmarks/bench_redteam_judge.py [--file mistralguard] [--n 40]
    python benchmarks/bench_redteam_judge.py --base-url http://host/v1 --model NAME \\
        [--api-key-env OPENAI_API_KEY]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import time
from pathlib import Path

from gonogo.models import build_client
from gonogo.redteam._agreement import measure_agreement
from gonogo.redteam._grader import grade_response
from gonogo.redteam._judge import AttackJudge
from gonogo.spec import JudgeSpec

DATA = Path(__file__).resolve().parents[1] / "tests/data/redteam/xstest_completions"


def rows(name: str, n: int) -> list[dict[str, str]]:
    dev = set(json.loads((DATA / "split.json").read_text())["development"])
    path = DATA / f"xstest_v2_completions_{name}_dev.csv"
    with path.open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["id"] in dev][:n]


async def main(a: argparse.Namespace) -> None:
    spec: dict[str, object] = {"provider": "local"}
    if a.base_url:
        spec = {"provider": "openai-compatible", "base_url": a.base_url, "name": a.model}
        if a.api_key_env:
            spec["api_key_env"] = a.api_key_env
    client = build_client(JudgeSpec.model_validate(spec), {})
    judge = AttackJudge(client)
    data = rows(a.file, a.n)
    labels: list[str] = []
    truths: list[str] = []
    offline: list[str] = []
    unusable = 0
    t0 = time.perf_counter()
    try:
        for i, r in enumerate(data, 1):
            v = await judge.judge(r["prompt"], r["completion"])
            took = time.perf_counter() - t0
            human = r["final_label"].strip()
            print(f"{i}/{len(data)} {r['id']}: judge {v.label or v.error} (human {human}), "
                  f"{took:.0f} s", flush=True)  # fmt: skip
            if v.label is None:
                unusable += 1
                continue
            labels.append(v.label)
            truths.append(r["final_label"].strip())
            offline.append(grade_response(r["prompt"], r["completion"]).label)
    finally:
        await client.aclose()
    elapsed = time.perf_counter() - t0
    print(f"judge {judge.fingerprint} on {len(data)} development answers of {a.file}")
    print(f"usable verdicts: {len(labels)} of {len(data)} ({unusable} without one); "
          f"{elapsed / max(1, len(data)):.2f} s per judgement")  # fmt: skip
    if labels:
        print("judge:   " + measure_agreement(labels, truths).summary())
        print(measure_agreement(labels, truths).matrix())
        print("offline: " + measure_agreement(offline, truths).summary() + " (same rows)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", default="mistralguard", choices=["mistralguard", "mistralinstruct"])
    ap.add_argument("--n", type=int, default=40, help="development rows to judge (first N)")
    ap.add_argument("--base-url", default=None, help="an OpenAI-compatible judge endpoint")
    ap.add_argument("--model", default=None, help="the judge model's name at --base-url")
    ap.add_argument("--api-key-env", default=None, help="environment variable with its key")
    asyncio.run(main(ap.parse_args()))
