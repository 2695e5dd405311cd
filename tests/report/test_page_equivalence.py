"""report.html is written in plain Python (issue #18: Jinja's import and template compile
were ~70 ms of every eval). It must be byte for byte the page the Jinja template wrote:
the template is kept here as the reference, rendered with the same environment, on runs
that reach every branch and on seeded random corruptions of them (missing keys, None,
hostile text, odd numbers). When the page changes on purpose, change both.
"""

import copy
import functools
import random
from pathlib import Path
from typing import Any

import jinja2
import pytest
from report_kit import RUN_META, make_cases, make_prd, make_records, score

from gonogo.report._cases_html import render_cases
from gonogo.report._chart import histograms, pass_rate_chart
from gonogo.report._format import gate_on
from gonogo.report._html import _environment
from gonogo.report._page import render_page
from gonogo.results import aggregate

HERE = Path(__file__).parent
EVIL = "<script>alert(1)</script>\"'&\x00\x1b"


@functools.cache
def _template() -> jinja2.Template:
    env = _environment().overlay(loader=jinja2.FileSystemLoader(HERE))
    return env.get_template("report_reference.html.j2")


def reference(results: dict[str, Any]) -> str:
    """What the Jinja template (report.html.j2 until issue #18) renders for ``results``."""
    confidence = float((results.get("gate") or {}).get("confidence", 0.95))
    return _template().render(
        results=results,
        run=results.get("run") or {},
        verdict=results["verdict"],
        conf=f"{confidence:.0%}",
        gate_on=gate_on(results).replace("_", " "),
        chart=pass_rate_chart(results),
        hists=histograms(results),
        cases_html=render_cases(results.get("cases") or []),
    )


def _kit(n: int = 20, **plan: Any) -> dict[str, Any]:
    cases = make_cases(n)
    return aggregate(make_prd(**plan), cases, make_records(cases), RUN_META)


def _labels() -> dict[str, Any]:
    prd = make_prd(
        scorers=[
            {"id": "intent", "kind": "label", "labels": ["refund", "Refund-Status", "other"]},
            {"id": "fast", "kind": "latency", "max_s": 2},
        ],
        thresholds=[{"scorer": "intent", "min_pass_rate": 0.5, "gate_on": "point"}],
        repeats=1,
    )
    cases = make_cases(12)
    for i, c in enumerate(cases):
        c.tags = [["Billing", "billing", "zeta"], ["Alpha"], []][i % 3]
    records = []
    for i, c in enumerate(cases):
        expected = ["refund", "Refund-Status", "other"][i % 3]
        got = ["refund", "Refund-Status", "other", "weird"][i % 4]
        label = score(expected == got, label=got, expected_label=expected)
        rec = {"intent": label, "fast": score(i % 2 == 0, value=0.1 * i)}
        records.extend(make_records([c], repeats=1))
        records[-1]["scores"] = rec
    records[3]["error"], records[3]["error_kind"] = "boom", "timeout"
    meta = {**RUN_META, "judge": {"model": "j", "fingerprint": "f" * 8}, "stopped_reason": "x"}
    return aggregate(prd, cases, records, meta)


def _evil() -> dict[str, Any]:
    cases = make_cases(3)
    cases[0].tags = [EVIL]
    recs = make_records(cases)
    recs[0]["output"] = EVIL
    recs[1]["scores"]["correct"] = score(False, reason=EVIL)
    results = aggregate(make_prd(), cases, recs, {**RUN_META, "feature": EVIL, "id": EVIL})
    results["verdict_reasons"].append(EVIL)
    results["warnings"].append(EVIL)
    results["failure_modes"][0]["mitigate"] = EVIL
    results["failure_modes"][0]["other_detectors"] = [EVIL, "b"]
    return results


def _no_tables() -> dict[str, Any]:
    results = _kit(4)
    results["thresholds"] = []
    results["failure_modes"] = []
    results["run"] = {"wall_s": 1.0}  # the rest of the run metadata is optional
    return results


def _sparse_run() -> dict[str, Any]:
    results = _kit(3)
    results["run"] = {
        "id": "r",
        "started_at": "t",
        "wall_s": 2.5,
        "datasets": [{"name": "g", "sha256": None}],
    }
    results["totals"]["budget_per_1k_requests_usd"] = None
    results["totals"]["target_errors_by_kind"] = {"a": 1, "b": 2}
    results["totals"]["tokens"]["unknown_samples"] = 3
    return results


RUNS = {
    "kit": lambda: _kit(),
    "empty": lambda: aggregate(make_prd(), [], [], {**RUN_META, "status": "partial"}),
    "labels": _labels,
    "evil": _evil,
    "no tables": _no_tables,
    "sparse run": _sparse_run,
    "mean thresholds only": lambda: _kit(
        6, thresholds=[{"scorer": "similar", "min_mean": 0.6, "gate_on": "point"}]
    ),
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_page_is_what_the_template_rendered(name: str) -> None:
    results = RUNS[name]()
    assert render_page(results) == reference(results)


_ODD = [None, "", EVIL, 0, 1, -1.5, 1e300, True, False, [], {}, ["a", EVIL], {"k": EVIL}]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if prefix == () and key == "cases":
            continue  # the drill-down is the same code on both sides
        out.append((*prefix, key))
        if isinstance(value, dict | list):
            out += _paths(value, (*prefix, key))
    return out


def test_corrupted_results_render_as_the_template_rendered_them() -> None:
    rng = random.Random(18)
    bases = [_kit(6), RUNS["labels"](), RUNS["sparse run"]()]
    compared = 0
    for i in range(1000):
        results = copy.deepcopy(bases[i % len(bases)])
        for path in rng.sample(_paths(results), 3):
            parent: Any = results
            try:
                for key in path[:-1]:
                    parent = parent[key]
                parent[path[-1]]
            except (KeyError, IndexError, TypeError):
                continue  # an earlier corruption removed or replaced what held it
            if not isinstance(parent, dict | list):
                continue
            if isinstance(parent, dict) and rng.random() < 0.3:
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = copy.deepcopy(rng.choice(_ODD))
        try:
            expected = reference(results)
        except Exception:
            continue  # the template could not render it either
        assert render_page(results) == expected, f"corruption #{i}"
        compared += 1
    assert compared > 350


def test_the_drill_down_escapes_every_value_as_markupsafe_does() -> None:
    """The case drill-down skips escape() for text with nothing to escape (issue #18);
    every value must still come out exactly as escape() after dropping controls."""
    import re

    from markupsafe import Markup, escape

    from gonogo.report._cases_html import _e

    controls = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

    def expected(value: Any) -> str:
        text = value if isinstance(value, str) else str(value)
        return str(escape(controls.sub("\ufffd", text)))

    rng = random.Random(18)
    alphabet = [chr(c) for c in range(0, 160)] + ["é", "\u2028", "\ud800", "𝄞", "—"]
    values: list[Any] = [chr(c) for c in range(0, 256)]
    for _ in range(3000):
        values.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))))
    values += [0, -3, 2**70, 1.5, -0.0, float("nan"), float("inf"), 1e-300, True, False, None]
    values += [Markup("<b>x</b>"), ["<a>"], {"k": "&"}]
    for v in values:
        assert _e(v) == expected(v), repr(v)
