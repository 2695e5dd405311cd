import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from report_kit import RUN_META, make_cases, make_prd, make_records

from gonogo.report import write_junit
from gonogo.results import aggregate

RunData = tuple[Any, list[Any], list[dict[str, Any]]]


def _write(tmp_path: Path, results: dict[str, Any]) -> ET.Element:
    path = write_junit(results, tmp_path / "junit.xml")
    return ET.parse(path).getroot()


def test_one_testcase_per_case_with_failures_and_errors(tmp_path: Path, run_data: RunData) -> None:
    results = aggregate(*run_data, RUN_META)
    root = _write(tmp_path, results)
    suite = root.find("testsuite[@name='golden']")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [f"q{i}" for i in range(20)]
    assert {c.get("classname") for c in cases} == {"golden"}
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    errored = {c.get("name") for c in cases if c.find("error") is not None}
    expected_failed = {c["id"] for c in results["cases"] if c["pass_share"] < 1} - {"q4"}
    assert failed == expected_failed
    assert errored == {"q4"}  # the timeout
    err = suite.find("testcase[@name='q4']/error")
    assert err is not None and "timeout" in (err.get("message") or "")
    flaky = suite.find("testcase[@name='q3']/failure")
    assert flaky is not None and "(flaky)" in (flaky.get("message") or "")
    assert "sample 0: correct: differs from expected" in (flaky.text or "")
    assert suite.get("tests") == "20"
    assert suite.get("failures") == str(len(failed)) and suite.get("errors") == "1"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["verdict"] == "NO-GO" and props["run_id"] == "run-1"


def test_gate_suite_has_one_test_per_threshold(tmp_path: Path, run_data: RunData) -> None:
    results = aggregate(*run_data, RUN_META)
    gate = _write(tmp_path, results).find("testsuite[@name='gonogo.gate']")
    assert gate is not None
    tests = gate.findall("testcase")
    assert len(tests) == len(results["thresholds"])
    passing = [t.get("name") for t in tests if t.find("failure") is None]
    assert passing == ["similar mean score >= 0.5"]


def test_cases_not_run_are_skipped(tmp_path: Path) -> None:
    cases = make_cases(4)
    meta = {**RUN_META, "status": "partial"}
    results = aggregate(make_prd(), cases, make_records(cases[:2]), meta)
    suite = _write(tmp_path, results).find("testsuite")
    assert suite is not None
    skipped = [c.get("name") for c in suite.findall("testcase") if c.find("skipped") is not None]
    assert skipped == ["q2", "q3"] and suite.get("skipped") == "2"


def test_control_characters_and_markup_stay_valid_xml(tmp_path: Path) -> None:
    cases = make_cases(2)
    cases[0].id = 'q<0>&"'
    recs = make_records(cases)
    recs[0]["scores"]["correct"]["reason"] = "bad \x00\x1b[31m <b>&amp;"
    results = aggregate(make_prd(), cases, recs, RUN_META)
    root = _write(tmp_path, results)  # parses: no raw control characters
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == 'q<0>&"'
    failure = case.find("failure")
    assert failure is not None and "<b>&amp;" in (failure.text or "")
    assert "\x00" not in (failure.text or "")
