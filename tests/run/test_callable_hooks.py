"""The callable target: close hooks that are really hooks (L3), and a compare variant's
target_args as keyword arguments also for a function that takes `case` (L9)."""

from __future__ import annotations

import asyncio
import json
import textwrap

from gonogo.compare import CompareOptions, compare
from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: hooks
    eval_plan:
      target: {target}
      datasets: [{{name: golden, path: data/golden.jsonl}}]
      scorers: [{{id: fine, kind: contains_any, values: ["fine"]}}]
      thresholds: [{{scorer: fine, min_pass_rate: 0.5}}]
""")


def test_a_module_whose_close_takes_an_argument_is_no_hook(tmp_path, cli):
    # os.system as the target: os has close(fd), which used to be called with no argument
    # (the case's field is `command`, os.system's parameter: a harmless `true`)
    prd = write_project(tmp_path, PRD.format(target="os:system"), [{"command": "true"}])
    r = cli("eval", prd, "--out", tmp_path / "out", "-q")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert (tmp_path / "out" / "results.json").exists()


def test_a_failing_close_hook_is_a_warning_after_a_complete_run(tmp_path, cli):
    app = textwrap.dedent("""
        import os
        from os import close as _imported_close  # imported: not this module's hook

        def answer(question):
            return "fine"

        def close():
            raise RuntimeError("pool already closed")
    """)
    prd = write_project(tmp_path, PRD.format(target="app:answer"), [{"question": "q"}],
                        {"app.py": app})  # fmt: skip
    r = cli("eval", prd, "--out", tmp_path / "out", "-q")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr  # a verdict (1 case)
    assert "close hook close() of the target's module failed" in r.stderr
    assert "pool already closed" in r.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["totals"]["n_samples"] == 1 and results["cases"][0]["samples"][0]["output"]


def test_target_args_reach_a_function_taking_case_as_keyword_arguments(tmp_path):
    app = textwrap.dedent("""
        SEEN = []

        def answer(case, k=1):
            SEEN.append(k)
            return "Paris" if k == 3 else "I don't know"
    """)
    text = textwrap.dedent("""\
        feature: x
        eval_plan:
          target: kw_app:answer
          datasets: [{name: golden, path: data/golden.jsonl}]
          scorers: [{id: correct, kind: equals}]
        variants:
          k3: {target_args: {k: 3, unused: true}}
        compare: {candidate: k3}
    """)
    capitals = (("France", "Paris"), ("Spain", "Madrid"), ("Italy", "Rome"))
    rows = [{"id": c, "country": c, "expected": capital} for c, capital in capitals]
    prd = write_project(tmp_path, text, rows, {"kw_app.py": app})
    result = asyncio.run(compare(prd, None, None, CompareOptions()))
    import kw_app

    assert sorted(kw_app.SEEN) == [1, 1, 1, 3, 3, 3]  # A without, B with k=3
    wins = result.document["scorers"][0]["test"]["wins"]
    assert wins == 1  # only France is Paris: B answers it, A does not
