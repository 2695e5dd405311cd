import re
from pathlib import Path
from typing import Any

import pytest
from report_kit import RUN_META, make_cases, make_prd, make_records, score

from gonogo.report import render_html, write_reports
from gonogo.results import aggregate

RunData = tuple[Any, list[Any], list[dict[str, Any]]]

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
EVIL = SCRIPT + IMG


def _evil_results() -> dict[str, Any]:
    cases = make_cases(3)
    cases[0].id = "q" + EVIL
    cases[0].inputs = {"question": EVIL}
    cases[0].expected = {"answer": EVIL}
    cases[0].tags = [EVIL]
    recs = make_records(cases)
    recs[0]["output"] = EVIL + "\x00"
    recs[1]["output"] = {"html": EVIL}
    recs[1]["contexts"] = [EVIL]
    polite = score(False, value=1.0, reason=EVIL, judge_fingerprint=EVIL)
    polite["metadata"]["reasoning"] = EVIL
    recs[0]["scores"]["polite"] = polite
    recs[2]["error"] = EVIL
    recs[2]["error_kind"] = EVIL
    return aggregate(make_prd(judge={"name": "j"}), cases, recs, {**RUN_META, "feature": EVIL})


def test_model_text_is_escaped_everywhere() -> None:
    html = render_html(_evil_results())
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "onerror=alert(2)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert html.count("&lt;script&gt;") >= 8  # output, input, expected, reason, reasoning…
    assert "\x00" not in html


def test_self_contained_and_offline(run_data: RunData) -> None:
    html = render_html(aggregate(*run_data, RUN_META))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "<script" not in html
    assert "<style>" in html and "<svg" in html


def test_report_content(run_data: RunData) -> None:
    results = aggregate(*run_data, RUN_META)
    html = render_html(results)
    assert 'class="verdict v-NO-GO"' in html
    for t in results["thresholds"]:
        assert t["message"].replace("—", "—") in html
    for c in results["cases"]:
        assert f"<strong>{c['key']}</strong>" in html
    assert html.count('<details class="case') == 20
    assert "not evaluated: no judge configured" in html
    assert "wrong-answer" in html and "no detector in eval" in html
    assert "timeout after 60s" in html
    assert "unknown for 3 samples" in html


def test_write_reports(tmp_path: Path, run_data: RunData) -> None:
    paths = write_reports(aggregate(*run_data, RUN_META), tmp_path / "out")
    assert {k: p.name for k, p in paths.items()} == {
        "json": "results.json",
        "junit": "junit.xml",
        "html": "report.html",
    }
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths.values())
    assert not list((tmp_path / "out").glob(".*tmp"))


def test_empty_run_renders_everywhere(tmp_path: Path) -> None:
    from rich.console import Console

    from gonogo.report import render_console
    from gonogo.results import validate_results

    results = aggregate(make_prd(), [], [], {**RUN_META, "status": "partial"})
    assert validate_results(results) == []
    assert results["verdict"] == "INCOMPLETE"
    paths = write_reports(results, tmp_path)
    assert "INCOMPLETE" in paths["html"].read_text()
    console = Console(record=True, width=100)
    render_console(results, console)
    assert "INCOMPLETE" in console.export_text()


def test_results_json_round_trips_with_one_case_a_line(tmp_path: Path, run_data: RunData) -> None:
    import json

    from gonogo.report import write_json

    results = aggregate(*run_data, RUN_META)
    text = write_json(results, tmp_path / "r.json").read_text()
    assert json.loads(text) == results
    assert sum(1 for line in text.splitlines() if line.startswith('    {"key": ')) == 20
    empty = {**results, "cases": []}
    assert json.loads(write_json(empty, tmp_path / "e.json").read_text()) == empty
    bad = {**results, "totals": {**results["totals"], "cost_usd": float("nan")}}
    with pytest.raises(ValueError):
        write_json(bad, tmp_path / "bad.json")


def test_an_opened_failing_case_colours_only_its_status_not_its_passing_scores(
    run_data: RunData,
) -> None:
    html = render_html(aggregate(*run_data, RUN_META))
    failing = re.search(r'<details class="case case-fail[^"]*">(.*?)</details>', html, re.S)
    assert failing is not None
    # the status classes (which set a colour) never sit on the whole case …
    assert not re.search(r'<details class="[^"]*\bst-', html)
    # … so the passing scores inside a failing case keep their own colour
    assert 'class="st st-pass"' in failing.group(1)
    assert ".case:not(.case-fail)" in html  # the filters use the case-* classes


def test_histogram_axis_labels_are_rounded() -> None:
    from gonogo.report._chart import axis_label

    assert axis_label(-0.031984, 1.063968) == "-0.03"
    assert axis_label(1.031984, 1.063968) == "1.03"
    assert (axis_label(0.0, 1.0), axis_label(1.0, 1.0), axis_label(12.345, 200)) == ("0", "1", "12")
    assert axis_label(0.0012345, 0.01) == "0.0012"
