"""Helpers for the PRD tests: a small valid PRD and a loader that returns the issues."""

from __future__ import annotations

import textwrap
from pathlib import Path

from gonogo.errors import ConfigIssue, SpecError
from gonogo.spec import LoadedPRD, load_prd, load_prd_text

VALID = """\
feature: FAQ answers
owner: pm@example.com
success_metrics:
  - {name: answers match, target: 0.7, measured_by: "threshold:match"}
model:
  provider: scripted
  name: faq-scripted
  script: {default: "See help.example.com"}
  prompt:
    name: faq
    version: 1
    user: "Question: {question}"
eval_plan:
  datasets:
    - {name: golden, path: data/golden.jsonl}
  scorers:
    - {id: match, kind: semantic_similarity, min: 0.8}
    - {id: link, kind: contains_any, values: [help.example.com]}
  thresholds:
    - {scorer: match, min_pass_rate: 0.7}
    - {scorer: link, min_pass_rate: 0.7}
failure_modes:
  - id: wrong-answer
    what: States something the help centre does not say
    severity: high
    detect: match
    mitigate: answers come only from the help centre
    provoke: questions outside the help centre
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def load(text: str, file: str = "gonogo.yaml") -> LoadedPRD:
    return load_prd_text(dedent(text), file=file)


def issues_of(text: str, file: str = "gonogo.yaml") -> list[ConfigIssue]:
    """The issues loading ``text`` reports (fails the test if it loads)."""
    try:
        load_prd_text(dedent(text), file=file)
    except SpecError as e:
        return e.issues
    raise AssertionError("expected the PRD to be rejected")


def only_issue(text: str) -> ConfigIssue:
    found = issues_of(text)
    assert len(found) == 1, [i.format() for i in found]
    return found[0]


def write_prd(root: Path, text: str = VALID, cases: int = 10) -> Path:
    """A PRD file with a golden dataset of ``cases`` rows next to it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    rows = [
        f'{{"id": "q{i}", "question": "question {i}?", "expected": "answer {i}"}}'
        for i in range(cases)
    ]
    (root / "data" / "golden.jsonl").write_text("\n".join(rows) + "\n")
    path = root / "gonogo.yaml"
    path.write_text(dedent(text))
    return path


def load_file(path: Path) -> LoadedPRD:
    return load_prd(path)
