"""A small PRD with two scripted variants that differ on known cases."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from gonogo_testkit import write_project

COUNTRIES = [
    ("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"),
    ("Portugal", "Lisbon"), ("Austria", "Vienna"), ("Poland", "Warsaw"), ("Greece", "Athens"),
    ("Norway", "Oslo"), ("Sweden", "Stockholm"), ("Finland", "Helsinki"), ("Denmark", "Copenhagen"),
    ("Ireland", "Dublin"), ("Hungary", "Budapest"), ("Czechia", "Prague"), ("Belgium", "Brussels"),
    ("Netherlands", "Amsterdam"), ("Romania", "Bucharest"), ("Bulgaria", "Sofia"),
    ("Croatia", "Zagreb"), ("Serbia", "Belgrade"), ("Slovakia", "Bratislava"),
    ("Slovenia", "Ljubljana"), ("Estonia", "Tallinn"), ("Latvia", "Riga"),
    ("Lithuania", "Vilnius"), ("Iceland", "Reykjavik"), ("Malta", "Valletta"),
    ("Cyprus", "Nicosia"), ("Albania", "Tirana"),
]  # fmt: skip


def script(known: range | list[int], wrong: dict[int, str] | None = None) -> dict[str, str]:
    """Answers for the countries at indexes ``known`` (others: "I don't know")."""
    out = {COUNTRIES[i][0]: COUNTRIES[i][1] for i in known}
    for i, answer in (wrong or {}).items():
        out[COUNTRIES[i][0]] = answer
    out["default"] = "I don't know"
    return out


def prd_text(
    a_script: dict[str, str],
    b_script: dict[str, str],
    *,
    compare: str = "compare: {candidate: wide}",
    judge: str = "",
    extra_variants: str = "",
    repeats: int = 1,
) -> str:
    return textwrap.dedent(
        """\
        feature: Capital cities
        model:
          provider: scripted
          name: capitals-large
          script: {a_script}
          prompt: {{name: capitals, version: 1, user: "What is the capital of {{country}}?"}}
        prices:
          capitals-large: {{input_per_1m: 10, output_per_1m: 30}}
          capitals-small: {{input_per_1m: 1, output_per_1m: 3}}
        eval_plan:
          datasets: [{{name: golden, path: data/golden.jsonl}}]
          repeats: {repeats}
        {judge}  scorers:
            - {{id: correct, kind: equals}}
            - {{id: answers, kind: regex_absent, pattern: "(?i)don't know"}}
          thresholds:
            - {{scorer: correct, min_pass_rate: 0.5}}
        variants:
          wide:
            description: the small model with a prompt that knows more capitals
            model: capitals-small
            script: {b_script}
            prompt: {{version: 2}}
        {extra_variants}
        {compare}
        """
    ).format(
        a_script=json.dumps(a_script),
        b_script=json.dumps(b_script),
        compare=compare,
        judge=judge,
        extra_variants=extra_variants,
        repeats=repeats,
    )


def cases(n: int = 30) -> list[dict[str, str]]:
    return [
        {"id": f"c{i:02d}", "country": c, "expected": capital}
        for i, (c, capital) in enumerate(COUNTRIES[:n])
    ]


def project(root: Path, prd: str, n: int = 30) -> Path:
    return write_project(root, prd, cases(n))
