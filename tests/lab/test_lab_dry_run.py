"""`gonogo lab run --dry-run`: the runs the lab would make and their cost, no call made."""

import json
import re

from gonogo.testing import FakeOpenAIServer
from gonogo_testkit import write_project

PRD = """\
feature: priced lab
model:
  provider: openai-compatible
  base_url: {url}
  name: fake-model
  max_retries: 0
  prompt: {{name: answer, version: 1, user: "Q: {{question}}"}}
prices:
  fake-model: {{input_per_1m: 1000, output_per_1m: 2000}}
eval_plan:
  target: model
  datasets: [{{name: golden, path: data/golden.jsonl}}]
  scorers: [{{id: answers, kind: contains_any}}]
  thresholds: [{{scorer: answers, min_pass_rate: 0.5}}]
failure_modes:
  - {{id: lost-rule, what: w, severity: high, detect: answers, mitigate: m,
      provoke: "lab:strip-system-prompt"}}
  - {{id: rambles, what: w, severity: medium, detect: answers, mitigate: m,
      provoke: "lab:verbose(factor=4)"}}
  - {{id: prose, what: w, severity: low, detect: answers, mitigate: m, provoke: angry users}}
"""
CASES = [{"id": f"c{i}", "question": f"What is {i} + {i}?", "expected": str(2 * i)}
         for i in range(6)]  # fmt: skip


def _cost(stdout, what):
    return float(re.search(rf"{what}.*estimated cost \$([0-9.]+)", stdout).group(1))


def test_a_dry_run_lists_the_runs_and_prices_them_without_a_call(tmp_path, cli):
    with FakeOpenAIServer() as server:
        prd = write_project(tmp_path, PRD.format(url=server.base_url), CASES)
        r = cli("lab", "run", prd, "--dry-run")
        before = server.stats.requests
        assert cli("eval", prd).returncode in (0, 1)
        evaluated = server.stats.requests - before
        again = cli("lab", "run", prd, "--dry-run")
        js = cli("lab", "run", prd, "--dry-run", "--json")
        after = server.stats.requests - before - evaluated
    assert r.returncode == 0, r.stdout + r.stderr
    assert before == 0 and after == 0 and evaluated == len(CASES)
    assert "clean run: runs the eval plan" in r.stdout
    assert "injected runs: 2" in r.stdout
    assert "lab:strip-system-prompt (failure mode lost-rule)" in r.stdout
    assert "not provoked: prose" in r.stdout
    assert f"each run: {len(CASES)} samples, {len(CASES)} target calls" in r.stdout
    per, total = _cost(r.stdout, "each run"), _cost(r.stdout, "total: 3 runs")
    assert per > 0 and abs(total - 3 * per) < 1e-6
    assert "clean run: reused (run " in again.stdout and "total: 2 runs" in again.stdout
    assert _cost(again.stdout, "each run") == per  # the clean answers cached: none counted
    doc = json.loads(js.stdout)["dry_run"]
    assert doc["runs"] == 2 and doc["calls_per_run"] == {"target": len(CASES)}
    assert [e["failure_mode"] for e in doc["injected_runs"]] == ["lost-rule", "rambles"]
