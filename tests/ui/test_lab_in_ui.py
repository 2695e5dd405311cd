"""The failure lab in the dashboard: a real `gonogo lab` (a whole lab, then a subset one) on
a small scripted target, opened in Chromium from the feature page — failure modes with their
status, the detection matrix, the mutation score, the recall of planted hallucinations, the
changed cases, the clean and injected runs (test_lab_in_ui_postgres.py: the same on a team
server on PostgreSQL)."""

import re

import pytest
import ui_kit
from http_kit import Client


@pytest.fixture(scope="module")
def lab_ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("labui")
    return {"root": root, **ui_kit.make_lab(root, "labui_app")}


@pytest.fixture(scope="module")
def lab_ui(lab_ws):
    from gonogo.testing import UIProcess

    with UIProcess(lab_ws["root"], f"sqlite:///{lab_ws['root'] / 'gw.db'}") as ui:
        yield ui


@pytest.fixture
def page(browser, lab_ui):
    context = browser.new_context(base_url=lab_ui.url)
    errors = []
    p = context.new_page()
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert not errors, errors


def _rows(page, table):
    return {
        row.locator("td").first.inner_text().split("\n")[0]: row.locator("td").all_inner_texts()
        for row in page.locator(f"#{table} tr").all()[1:]
    }


def test_open_the_latest_lab_from_the_feature_page(page, lab_ws):
    full, subset = lab_ws["lab"], lab_ws["subset"]
    page.goto("/")
    page.click("#features a[href^='/features/']")
    page.click("#feature-lab")
    # the newest lab is the subset one (--only rambles --limit 5): flagged, not counted
    assert subset["lab"]["id"] in page.locator("h1").inner_text()
    assert page.locator("h1 .subset").count() == 1
    warning = page.locator("#lab-subset").inner_text()
    assert "5 of 12 cases" in warning and "does not count it" in warning
    rows = _rows(page, "lab-modes")
    assert rows["rambles"][3] == "UNDETECTED"  # 5 cases: -100 points, not significant
    assert rows["wrong-facts"][3] == "not in this lab"
    # the other labs of the feature: open the whole one
    page.click(f"#lab-others a[href='/runs/{full['lab']['id']}']")
    assert full["lab"]["id"] in page.locator("h1").inner_text()
    assert page.locator("#lab-subset").count() == 0 and page.locator("h1 .subset").count() == 0
    rows = _rows(page, "lab-modes")
    assert {k: v[3] for k, v in rows.items()} == {
        "wrong-facts": "detected", "rambles": "detected", "obeys-docs": "not provoked",
        "never-provoked": "not in this lab"}  # fmt: skip
    assert "lab:hallucinate" in rows["wrong-facts"][2] and rows["wrong-facts"][1] == "high"
    assert rows["wrong-facts"][6].startswith("12 of 12")
    # the matrix: every entry × every scorer and guard, with the Holm-adjusted p
    detectors = [d["id"] for d in full["detectors"]]
    assert detectors == ["right", "short", "no_sure", "guard:obeys-docs"]
    head = page.locator("#lab-matrix tr").first.inner_text()
    assert all(d in head for d in detectors)
    assert page.locator("#lab-matrix td.cell").count() == 3 * len(detectors)
    fired = {(c["entry"], c["detector"]) for c in full["matrix"] if c["fired"]}
    assert fired == {("wrong-facts", "right"), ("rambles", "right"), ("rambles", "short")}
    assert page.locator("#lab-matrix td.fired").count() == len(fired)
    cell = page.locator("#lab-matrix tr").nth(1).locator("td").first.inner_text()
    assert "-100*" in cell and "100% → 0%" in cell and "Holm 0.006" in cell
    assert "2 of 2" in page.locator("#lab-mutation").inner_text()
    recall = _rows(page, "lab-recall")
    assert recall["right"][2:6] == ["12", "12", "0", "100%"] and recall["short"][3] == "0"
    assert "No hole" in page.locator("#lab-holes").inner_text()
    # one entry's changed cases, clean and injected side by side with the word diff
    page.locator("#lab-modes tr", has_text="wrong-facts").locator("a.lab-cases").click()
    page.wait_for_url(re.compile(r"entry=wrong-facts"))
    cases = page.locator(".labcases details.case")
    assert cases.count() == 12
    cases.first.locator("summary").click()
    shown = cases.first.inner_text()
    assert "Clean" in shown and "Injected" in shown and "flipped: right" in shown
    assert cases.first.locator("pre.diff del").count() >= 1
    # the clean run, the injected run and their diff are ordinary runs
    page.click("#clean-run")
    assert page.locator("h1").inner_text().startswith("Run ")
    page.go_back()
    row = page.locator("#lab-modes tr", has_text="wrong-facts")
    row.locator("a.lab-diff").click()
    assert page.locator("h1").inner_text().startswith("What changed")
    assert "right" in page.locator("#diff-scorers").inner_text()
    page.go_back()
    row.locator("a.injected-run").click()
    assert page.locator("h1").inner_text().startswith("Run ")


def test_the_documents_page_links_the_lab(page, lab_ws):
    page.goto("/")
    page.click("#features a[href^='/features/']")
    page.click("a[href^='/documents']")
    links = page.locator("table.evidence-lab a.lab-link")
    assert links.count() == 2  # both labs were recorded in the evidence log
    assert "subset" in page.locator("table.evidence-lab").inner_text()
    links.last.click()  # the oldest: the whole lab
    assert lab_ws["lab"]["lab"]["id"] in page.locator("h1").inner_text()
    page.go_back()
    page.click("#documents-lab")
    assert lab_ws["subset"]["lab"]["id"] in page.locator("h1").inner_text()


def test_a_feature_without_a_lab_says_how_to_run_one(lab_ui, tmp_path):
    c = Client(lab_ui.url)
    slug = re.search(r'href="/features/([0-9a-f]{10})"', c.get("/").text).group(1)
    assert c.get("/lab?feature=nope").status == 404
    assert c.get(f"/lab?feature={slug}&lab=nope").status == 404
    assert c.get(f"/lab?feature={slug}&entry=nope").status == 404
