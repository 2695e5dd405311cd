"""The basics a new user expects (#10): failing cases on screen, subsets, tags, labels, junit."""

import json
import textwrap
import xml.etree.ElementTree as ET

from gonogo_testkit import write_project

APP = textwrap.dedent("""
    def classify(text):
        if "invoice" in text:
            return "billing"
        if "password" in text:
            return "Account "  # case and spaces differ from the label: still right
        if "refund" in text:
            return "billing"  # wrong: refunds are `refunds`
        return "spam"  # not one of the labels
""")

PRD = textwrap.dedent("""
    feature: Ticket classifier
    eval_plan:
      target: app:classify
      datasets: [{name: golden, path: data/golden.jsonl}]
      scorers:
        - {id: label, kind: label, labels: [billing, account, refunds]}
        - {id: short, kind: length, max_chars: 5}
      thresholds:
        - {scorer: label, min_pass_rate: 0.5, gate_on: point}
""")


def rows():
    out = []
    for i in range(6):
        out.append(
            {"id": f"inv{i}", "text": f"invoice {i}", "expected": "billing", "tags": ["money"]}
        )
    for i in range(4):
        out.append(
            {"id": f"pw{i}", "text": f"password {i}", "expected": "account", "tags": ["login"]}
        )
    for i in range(3):
        out.append(
            {"id": f"rf{i}", "text": f"refund {i}", "expected": "refunds", "tags": ["money"]}
        )
    out.append({"id": "odd", "text": "hello", "expected": "account", "tags": ["login"]})
    return out


def test_console_lists_failing_cases_tags_and_the_confusion_matrix(tmp_path, cli):
    prd = write_project(tmp_path, PRD, rows(), {"app.py": APP})
    r = cli("eval", prd, "--out", tmp_path / "out", "--show-failures", "2")
    assert r.returncode == 0, r.stdout + r.stderr  # 10 of 14 right: the point estimate clears 0.5
    out = r.stdout
    # failing cases: the top 2 of 4 (3 refunds + odd), each with its reason
    assert "Failing cases (4), first 2 (--show-failures N for more):" in out
    assert "golden/rf0 [fail]" in out and "expected 'refunds'" in out
    assert "golden/odd" not in out
    # per-tag pass rates, and the confusion matrix with precision/recall
    assert "Pass rate by tag" in out and "login" in out and "money" in out
    assert "label: confusion (rows expected, columns answered); accuracy 71%" in out
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    label = next(s for s in res["scorers"] if s["id"] == "label")
    assert label["by_tag"]["money"]["n_cases"] == 9 and label["by_tag"]["money"]["passes"] == 6
    assert label["by_tag"]["login"]["pass_rate"] == 0.8
    conf = label["confusion"]
    assert conf["labels"] == ["billing", "account", "refunds", "(other)"]
    assert conf["matrix"] == [[6, 0, 0, 0], [0, 4, 0, 1], [3, 0, 0, 0], [0, 0, 0, 0]]
    billing = conf["per_label"]["billing"]
    assert billing["precision"]["value"] == 6 / 9 and billing["recall"]["value"] == 1.0
    assert conf["per_label"]["refunds"]["recall"]["value"] == 0.0
    lo, hi = billing["precision"]["ci"]
    assert lo < 6 / 9 < hi
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Pass rate by tag" in html and "Confusion" in html
    assert cli("eval", prd, "--show-failures", "0").stdout.count("Failing cases") == 0


def test_junit_fails_a_case_only_on_gated_scorers(tmp_path, cli):
    prd = write_project(tmp_path, PRD, rows(), {"app.py": APP})
    cli("eval", prd, "--out", tmp_path / "out")
    root = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    golden = next(s for s in root.iter("testsuite") if s.get("name") == "golden")
    # `short` (ungated) fails on every "Account " / "billing" answer: not a test failure
    assert golden.get("failures") == "4"  # the 3 refunds and `odd`, all on `label`
    inv0 = next(tc for tc in golden.iter("testcase") if tc.get("name") == "inv0")
    assert inv0.find("failure") is None
    prop = inv0.find("properties/property")
    assert (
        prop is not None and prop.get("name") == "ungated_failed" and prop.get("value") == "short"
    )


def test_limit_and_filter_run_a_subset_as_its_own_run(tmp_path, cli):
    prd = write_project(tmp_path, PRD, rows(), {"app.py": APP})
    r = cli("eval", prd, "--filter", "tag=login", "--out", tmp_path / "login")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "subset: 5 of 14 golden cases (tag=login)" in r.stdout
    res = json.loads((tmp_path / "login" / "results.json").read_text())
    assert {c["id"] for c in res["cases"]} == {"pw0", "pw1", "pw2", "pw3", "odd"}
    assert res["run"]["subset"] == {"selection": "tag=login", "cases": 5, "of": 14}
    r = cli("eval", prd, "--filter", "id=rf*", "--filter", "id=odd", "--limit", "2", "--out",
            tmp_path / "some")  # fmt: skip
    ids = [c["id"] for c in json.loads((tmp_path / "some" / "results.json").read_text())["cases"]]
    assert ids == ["rf0", "rf1"]
    r = cli("eval", prd, "--filter", "tag=nope")
    assert r.returncode == 2 and "no golden case matches the selection (tag=nope)" in r.stderr
    r = cli("eval", prd, "--filter", "color=red")
    assert r.returncode == 2 and "key one of tag, id, dataset" in r.stderr
