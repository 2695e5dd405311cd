"""A catastrophic user regex never freezes the gateway nor hangs an eval (M7)."""

from __future__ import annotations

import asyncio
import json
import textwrap
import time

import aiohttp
from gateway_kit import gateway, trace, upstream

from gonogo.spec import check_prd, load_prd_text
from gonogo_testkit import write_project

# `(a|aa)+$` on "a" * 40 + "!": about 2^40 ways to split the a's, each one tried by a
# backtracking engine before it gives up (the `regex` engine included: hence the limit)
HOSTILE = "(a|aa)+$"
ANSWER = "a" * 40 + "!"
GUARD = f"""
launch:
  guards:
    - {{kind: regex_absent, name: no-runs, pattern: '{HOSTILE}', action: redact}}
"""


async def _chat_and_probe(url: str, key: str) -> tuple[int, dict, str, list[float]]:
    body = {"model": "m", "messages": [{"role": "user", "content": f"SAY: {ANSWER}"}]}
    async with aiohttp.ClientSession() as s:

        async def hostile() -> tuple[int, dict, str]:
            headers = {"Authorization": f"Bearer {key}"}
            async with s.post(url + "/v1/chat/completions", json=body, headers=headers) as r:
                return r.status, await r.json(), r.headers["X-Gonogo-Trace-Id"]

        async def probe() -> float:
            t0 = time.perf_counter()
            async with s.get(url + "/healthz") as r:
                assert r.status == 200
            return time.perf_counter() - t0

        task = asyncio.create_task(hostile())
        waits = []
        for _ in range(5):  # the gateway keeps answering while the hostile answer is guarded
            waits.append(await probe())
            await asyncio.sleep(0.02)
        status, answer, trace_id = await task
    return status, answer, trace_id, waits


def test_a_catastrophic_guard_pattern_fails_closed_without_stalling_the_gateway(tmp_path):
    with upstream() as (srv, _), gateway(tmp_path, srv.base_url, GUARD) as g:
        status, answer, trace_id, waits = asyncio.run(_chat_and_probe(g.url, g.app_key))
        t = trace(g, trace_id)
    assert status == 200
    assert answer["choices"][0]["message"]["content"] == "[REDACTED]"  # failed closed
    assert max(waits) < 5  # the unbounded search froze it for minutes
    guard = next(x for x in t.guards if x["name"] == "no-runs")
    assert guard["outcome"] == "redact" and "50 ms limit" in guard["detail"]


APP = textwrap.dedent("""
    def answer(question):
        return "a" * 40 + "!"
""")

PRD = textwrap.dedent("""
    feature: hostile regex
    eval_plan:
      target: app:answer
      datasets: [{name: golden, path: data/golden.jsonl}]
      scorers:
        - {id: runs, kind: regex, pattern: '(a|aa)+$'}
        - {id: classic, kind: regex_absent, pattern: '(a+)+$'}
      thresholds: [{scorer: classic, min_pass_rate: 0.1}]
""")


def test_a_catastrophic_scorer_pattern_is_not_evaluated_instead_of_hanging(tmp_path, cli):
    prd = write_project(tmp_path, PRD, [{"id": "c1", "question": "q"}], {"app.py": APP})
    r = cli("eval", prd, "--out", tmp_path / "out", "-q", timeout=60)
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
    case = json.loads((tmp_path / "out" / "results.json").read_text())["cases"][0]
    scores = case["samples"][0]["scores"]
    assert scores["runs"]["passed"] is None and "limit" in scores["runs"]["error"]
    assert scores["classic"]["passed"] is True  # the issue's own pattern: no match, at once


def test_check_warns_about_nested_quantifiers(tmp_path):
    text = PRD + textwrap.dedent("""
        launch:
          guards: [{kind: regex_absent, pattern: '(x+)*y'}]
    """)
    loaded = load_prd_text(text, file="p.yaml", base_dir=tmp_path)
    warnings = [i.format() for i in check_prd(loaded, datasets=False).warnings]
    nested = [w for w in warnings if "repeats a group that itself repeats" in w]
    assert any(w.startswith("p.yaml:8:50: eval_plan.scorers[1].pattern") for w in nested)
    assert any("launch.guards[0].pattern" in w and "(x+)*y" in w for w in nested), warnings
    assert not any("(a|aa)+$" in w for w in nested)  # not nested: the time limit covers it
