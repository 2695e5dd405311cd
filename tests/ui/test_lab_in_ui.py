"""The failure lab and comparisons in the dashboard: a real `gonogo lab` (a whole lab, then a
subset one) on a small scripted target, opened in Chromium from the feature page — failure
modes with their status, the detection matrix, the mutation score, the recall of planted
hallucinations, the changed cases, the clean and injected runs (test_lab_in_ui_postgres.py:
the same on a team server on PostgreSQL); and a real `gonogo compare` of two scripted
variants, opened from the documents page."""

import re

import pytest
import ui_kit
from http_kit import Client


@pytest.fixture(scope="module")
def lab_ws(tmp_path_factory):
    from gonogo.spec import prd_key
    from gonogo.ui._workspace import slug_of

    root = tmp_path_factory.mktemp("labui")
    made = ui_kit.make_lab(root, "labui_app")
    cmp = ui_kit.make_comparison(root)
    return {"root": root, **made, "slug": slug_of(prd_key(made["prd"])), "cmp": cmp,
            "cmp_slug": slug_of(prd_key(cmp["prd"]))}  # fmt: skip


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
    page.click(f"#features a[href='/features/{lab_ws['slug']}']")
    page.click("#feature-lab")
    # the newest lab is the subset one (--only rambles --limit 5): flagged, not counted
    assert subset["lab"]["id"] in page.locator("h1").inner_text()
    assert page.locator("h1 .subset").count() == 1
    warning = page.locator("#lab-subset").inner_text()
    assert "5 of 12 cases" in warning and "does not count it" in warning
    rows = _rows(page, "lab-modes")
    assert rows["rambles"][3] == "undetected"  # 5 cases: -100 points, not significant
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
    page.click(f"#features a[href='/features/{lab_ws['slug']}']")
    page.click("a[href^='/documents']")
    links = page.locator("table.evidence-lab a.lab-link")
    assert links.count() == 2  # both labs were recorded in the evidence log
    assert "subset" in page.locator("table.evidence-lab").inner_text()
    links.last.click()  # the oldest: the whole lab
    assert lab_ws["lab"]["lab"]["id"] in page.locator("h1").inner_text()
    page.go_back()
    page.click("#documents-lab")
    assert lab_ws["subset"]["lab"]["id"] in page.locator("h1").inner_text()


def test_unknown_labs_and_a_feature_without_one(lab_ui, lab_ws):
    c = Client(lab_ui.url)
    slug = lab_ws["slug"]
    assert "No lab yet" in c.get(f"/lab?feature={lab_ws['cmp_slug']}").text
    assert "No stored comparison yet" in c.get(f"/comparison?feature={slug}").text
    assert c.get(f"/comparison?feature={slug}&id=cmp-nope").status == 404
    assert c.get("/lab?feature=nope").status == 404
    assert c.get(f"/lab?feature={slug}&lab=nope").status == 404
    assert c.get(f"/lab?feature={slug}&entry=nope").status == 404


def test_open_a_comparison_from_the_documents_page(page, lab_ws):
    doc = lab_ws["cmp"]["doc"]
    page.goto(f"/features/{lab_ws['cmp_slug']}")
    page.click("a[href^='/documents']")
    link = page.locator("table.evidence-compare a.cmp-link")
    assert link.inner_text() == f"comparison:{doc['comparison']['id']}"
    link.click()
    assert page.locator("#cmp-verdict").inner_text() == "B better"
    assert doc["comparison"]["id"] in page.locator("p.meta").first.inner_text()
    variants = page.locator("#cmp-variants").inner_text()
    assert "capitals-small" in variants and "knows more capitals" in variants
    rows = {r.locator("td").first.inner_text().rstrip(" *"): r.locator("td").all_inner_texts()
            for r in page.locator("#cmp-scorers tr").all()[1:]}  # fmt: skip
    assert set(rows) == {"right", "answers"}
    right = rows["right"]
    assert right[2:5] == ["0.250", "0.917", "+0.667"]  # 3 of 12 → 11 of 12
    assert right[8] == "9 / 2 / 1" and right[10].startswith("B better")
    t = next(s for s in doc["scorers"] if s["id"] == "right")["test"]
    assert right[7] == f"{t['p_adjusted']:.3f}"  # Holm across the primary scorers
    assert "2 of 12 pairs identical" in page.locator("#cmp-similarity").inner_text()
    assert "No judge preference" in page.locator("#cmp-preference").inner_text()
    assert "Cases that changed (10 of 12)" in page.locator("h2#cases").inner_text()
    first = page.locator(".cmpcases details.case").first
    first.locator("summary").click()
    assert first.locator("pre.diff").count() >= 1 and "Milan" in page.content()
    page.click("#cmp-diff")  # the two runs, case by case
    assert page.locator("h1").inner_text().startswith("What changed")
    page.go_back()
    page.click("a.cmp-run-b")
    assert page.locator("h1").inner_text().startswith("Run ")
    page.goto(f"/documents?feature={lab_ws['cmp_slug']}")
    page.click("#documents-comparison")
    assert page.locator("#cmp-verdict").inner_text() == "B better"
