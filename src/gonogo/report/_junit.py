"""junit.xml: one test suite per dataset, one test case per golden case, plus the gate.

CI systems show a failing case as a failed test: ``failure`` when some sample failed a
*gated* scorer (one a threshold uses), ``error`` when the feature itself failed (target
error), ``skipped`` when no scorer evaluated the case. Failures of scorers that gate
nothing do not fail the test: they are listed as the test case's ``ungated_failed``
property (with no thresholds at all, every scorer counts). A last suite, ``gonogo.gate``,
has one test per threshold, so the verdict itself is visible as tests.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._format import METRIC_LABEL, target
from ._json import write_text_atomic

# Characters XML 1.0 cannot carry (model output may contain any of them).
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_GATE_SUITE = "gonogo.gate"


def _clean(text: Any) -> str:
    return _INVALID_XML.sub("\ufffd", str(text))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text:
        el.text = _clean(text)
    return el


def _sample_lines(case: Mapping[str, Any], counts: set[str] | None) -> list[str]:
    lines: list[str] = []
    for s in case["samples"]:
        if s["status"] == "error":
            lines.append(f"sample {s['sample']}: target error ({s['error_kind']}): {s['error']}")
            continue
        for sid, score in s["scores"].items():
            if score["passed"] is False and (counts is None or sid in counts):
                lines.append(f"sample {s['sample']}: {sid}: {score['reason']}")
    return lines


def _failed_samples(case: Mapping[str, Any], counts: set[str] | None) -> int:
    return sum(
        1
        for s in case["samples"]
        if s["status"] != "error"
        and any(
            score["passed"] is False and (counts is None or sid in counts)
            for sid, score in s["scores"].items()
        )
    )


def _case_element(suite: ET.Element, case: Mapping[str, Any], gated: set[str] | None) -> str:
    """Add one testcase; returns its outcome: passed, failure, error or skipped.

    ``gated``: the scorers whose failures fail the test (None: every scorer).
    """
    time = sum(s.get("latency_s") or 0.0 for s in case["samples"])
    tc = _sub(suite, "testcase", name=case["id"], classname=case["dataset"], time=f"{time:.3f}")
    samples = case["samples"]
    n_err = case["n_target_errors"]
    if case["status"] in ("not_run", "not_evaluated"):
        why = "no results" if case["status"] == "not_run" else "no scorer evaluated this case"
        _sub(tc, "skipped", message=why)
        return "skipped"
    ungated = [sid for sid in case["failed_scorers"] if gated is not None and sid not in gated]
    if ungated:
        props = _sub(tc, "properties")
        _sub(props, "property", name="ungated_failed", value=", ".join(ungated))
    if n_err:
        detail = "\n".join(_sample_lines(case, gated))
        kinds = sorted({s["error_kind"] or "error" for s in samples if s["status"] == "error"})
        msg = f"target error ({', '.join(kinds)}) in {n_err} of {len(samples)} samples"
        _sub(tc, "error", detail, message=msg, type="gonogo.target_error")
        return "error"
    failed = _failed_samples(case, gated)
    if not failed:
        return "passed"
    names = [sid for sid in case["failed_scorers"] if gated is None or sid in gated]
    msg = f"{failed} of {len(samples)} samples failed: {', '.join(names)}"
    if case["flaky"]:
        msg += " (flaky)"
    _sub(tc, "failure", "\n".join(_sample_lines(case, gated)), message=msg, type="gonogo.failed")
    return "failure"


def _suite(parent: ET.Element, name: str, props: Mapping[str, Any]) -> ET.Element:
    suite = _sub(parent, "testsuite", name=name)
    properties = _sub(suite, "properties")
    for key, value in props.items():
        _sub(properties, "property", name=key, value="" if value is None else value)
    return suite


def _finish(suite: ET.Element, outcomes: list[str], time: float = 0.0) -> None:
    suite.set("tests", str(len(outcomes)))
    for kind, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        suite.set(attr, str(outcomes.count(kind)))
    suite.set("time", f"{time:.3f}")


def build_junit(results: Mapping[str, Any]) -> ET.ElementTree[ET.Element]:
    """The junit.xml document for ``results``."""
    run = results.get("run") or {}
    props = {
        "verdict": results["verdict"],
        "run_id": run.get("id"),
        "feature": run.get("feature"),
        "prd_sha256": run.get("prd_sha256"),
        "gonogo_version": run.get("gonogo_version"),
    }
    root = ET.Element("testsuites", {"name": _clean(f"gonogo: {run.get('feature') or ''}")})
    all_outcomes: list[str] = []
    total_time = 0.0
    by_dataset: dict[str, list[Mapping[str, Any]]] = {}
    for case in results["cases"]:
        by_dataset.setdefault(case["dataset"], []).append(case)
    gated = {str(t["scorer"]) for t in results["thresholds"]} or None
    for dataset, cases in by_dataset.items():
        suite = _suite(root, dataset, props)
        outcomes = [_case_element(suite, c, gated) for c in cases]
        time = sum(s.get("latency_s") or 0.0 for c in cases for s in c["samples"])
        _finish(suite, outcomes, time)
        all_outcomes += outcomes
        total_time += time
    gate = _suite(root, _GATE_SUITE, props)
    gate_outcomes = [_threshold_element(gate, t) for t in results["thresholds"]]
    _finish(gate, gate_outcomes)
    _finish(root, all_outcomes + gate_outcomes, total_time)
    ET.indent(root)
    return ET.ElementTree(root)


def _threshold_element(suite: ET.Element, t: Mapping[str, Any]) -> str:
    name = f"{t['scorer']} {METRIC_LABEL[t['metric']]} >= {target(t['target'])}"
    tc = _sub(suite, "testcase", name=name, classname=_GATE_SUITE, time="0")
    if t["status"] == "pass":
        return "passed"
    _sub(tc, "failure", t["message"], message=f"{t['status']}: {t['message']}", type=t["status"])
    return "failure"


def write_junit(results: Mapping[str, Any], path: str | Path) -> Path:
    """Write junit.xml; returns the path."""
    path = Path(path)
    text = ET.tostring(build_junit(results).getroot(), encoding="unicode")
    write_text_atomic(path, '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")
    return path
