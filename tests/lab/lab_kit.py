"""Test kit for the failure lab: a scripted Python target with known answers, and its PRD.

The target answers "What is the capital of X?" with X's capital and returns one passage
saying so, deterministically — so each injection's effect on each scorer is known in
advance and the tests can expect an exact detection matrix.
"""

from __future__ import annotations

import json
from pathlib import Path

CAPITALS = {
    "France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Peru": "Lima", "Japan": "Tokyo",
    "Kenya": "Nairobi", "Egypt": "Cairo", "Chile": "Santiago", "Norway": "Oslo",
    "Ghana": "Accra", "Cuba": "Havana", "Nepal": "Kathmandu",
}  # fmt: skip

APP = """
CAPITALS = {capitals!r}


def answer(question):
    country = question.rsplit(" of ", 1)[1].rstrip("?")
    capital = CAPITALS[country]
    passage = f"{{capital}} is the capital of {{country}}. It was founded in 1100."
    return {{"output": capital, "contexts": [passage]}}
"""

PRD = """\
feature: capitals
eval_plan:
  target: {module}:answer
  datasets: [{{name: golden, path: data/golden.jsonl}}]
  scorers:
{right}    - {{id: short, kind: length, max_words: 5}}
    - {{id: no_sure, kind: regex_absent, pattern: "^Sure!"}}
  thresholds:
{right_threshold}    - {{scorer: short, min_pass_rate: 0.5}}
failure_modes:
  - id: wrong-facts
    what: names the wrong city
    severity: high
    detect: {detect}
    mitigate: m
    provoke: lab:hallucinate
  - id: rambles
    what: long answers
    severity: medium
    detect: short
    mitigate: m
    provoke: lab:verbose(factor=10)
  - id: obeys-docs
    what: does what a planted instruction says
    severity: critical
    detect: no_sure
    mitigate: m
    guard: {{kind: regex_absent, pattern: "Sure!", action: block}}
    provoke: lab:plant-instruction + obey-instruction
  - id: never-provoked
    what: a row without provoke
    severity: low
    detect: short
    mitigate: m
"""


def write_capitals(root: Path, module: str, *, with_right: bool = True) -> Path:
    """The project: PRD, golden set, target module ``module``.py; returns the PRD path."""
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(APP.format(capitals=CAPITALS))
    (root / "data").mkdir(exist_ok=True)
    with open(root / "data" / "golden.jsonl", "w") as f:
        for i, (country, capital) in enumerate(CAPITALS.items()):
            row = {"id": f"c{i}", "question": f"What is the capital of {country}?",
                   "expected": capital}  # fmt: skip
            f.write(json.dumps(row) + "\n")
    right = "    - {id: right, kind: equals}\n" if with_right else ""
    threshold = "    - {scorer: right, min_pass_rate: 0.5}\n" if with_right else ""
    prd = PRD.format(module=module, right=right, right_threshold=threshold,
                     detect="right" if with_right else "short")  # fmt: skip
    (root / "gonogo.yaml").write_text(prd)
    return root / "gonogo.yaml"
