from typing import Any

from report_kit import RUN_META, make_cases, make_prd, record, score
from rich.console import Console

from gonogo.report import render_console
from gonogo.results import aggregate

RunData = tuple[Any, list[Any], list[dict[str, Any]]]


def _render(results: dict[str, Any]) -> str:
    console = Console(record=True, width=140, color_system=None)
    render_console(results, console)
    return console.export_text()


def test_summary(run_data: RunData) -> None:
    results = aggregate(*run_data, RUN_META)
    text = _render(results)
    assert "NO-GO" in text
    assert "correct" in text and "pass rate" in text and "undecided" in text
    assert f"~{results['thresholds'][0]['cases_needed_more']} more cases" in text
    assert "fail (on point)" in text  # no_cards: a target of 1 gates on the point estimate
    assert "not evaluated" in text and "no judge configured" in text
    assert "Target errors: 1 (timeout: 1)" in text
    assert "unknown for 3 samples" in text
    assert "wrong-answer" in text and "no detector in eval" in text
    # messages print verbatim: brackets are not taken as rich markup
    assert results["thresholds"][0]["message"] in text


def test_go_summary() -> None:
    prd = make_prd(
        repeats=1,
        scorers=[{"id": "correct", "kind": "equals"}],
        thresholds=[{"scorer": "correct", "min_pass_rate": 0.5}],
    )
    cases = make_cases(30)
    results = aggregate(
        prd, cases, [record(c, 0, {"correct": score(True)}) for c in cases], RUN_META
    )
    text = _render(results)
    assert " GO " in text and "NO-GO" not in text and "all 1 threshold pass" in text
    assert "Target errors" not in text


def test_every_documented_gonogo_report_command_has_its_required_out():
    """`--out` is required: a hint or doc that leaves it out sends the reader to an error."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = [root / "README.md", *(root / "docs").glob("*.md"),
             *(p for p in (root / "src" / "gonogo").rglob("*.py") if "ui" not in p.parts)]
    bad = []
    for f in files:
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            for m in re.finditer(r"gonogo report [^`\n]*", line):
                if "--run" in m.group(0) or "yaml" in m.group(0):
                    if "--out" not in m.group(0):
                        bad.append(f"{f.relative_to(root)}:{n}: {m.group(0)}")
    assert bad == [], bad
