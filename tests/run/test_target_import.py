"""Two projects in one process, both with `app:answer`: each gets its own module."""

import asyncio
import textwrap

from gonogo.run import EvalOptions, evaluate
from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: x
    eval_plan:
      target: app:answer
      datasets: [{name: g, path: data/golden.jsonl}]
      scorers: [{id: s, kind: equals}]
      thresholds: [{scorer: s, min_pass_rate: 0.5, gate_on: point}]
""")


def test_each_prd_imports_its_own_target_module(tmp_path):
    results = []
    for name, answer in (("one", "first"), ("two", "second")):
        app = f"def answer(question):\n    return {answer!r}\n"
        case = {"id": "1", "question": "q", "expected": answer}
        prd = write_project(tmp_path / name, PRD, [case], {"app.py": app})
        result = asyncio.run(evaluate(prd, EvalOptions(estimate=False)))
        results.append(result.results["cases"][0]["samples"][0]["output"])
    assert results == ["first", "second"]
