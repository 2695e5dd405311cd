"""The main flows in a real browser: Debian's Chromium, driven by Playwright, against a
real `gonogo ui` process on loopback (and one that needs keys)."""

import re

import pytest
from http_kit import Client


@pytest.fixture
def page(browser, ui_server):
    context = browser.new_context(base_url=ui_server.url)
    errors = []
    p = context.new_page()
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert not errors, errors  # no script error on any page


def test_open_a_run_drill_into_a_case_and_see_the_diff(page, workspace):
    page.goto("/")
    page.click("#features a[href^='/runs/']")
    assert page.locator("h1").inner_text().startswith("Run ")
    assert page.locator("#thresholds tr").count() == 3  # header + two thresholds
    page.select_option("#case-filter select[name=cases]", "fail")  # submits by itself
    page.wait_for_url(re.compile(r"cases=fail"))
    statuses = page.locator("#case-list td.st").all_inner_texts()
    assert statuses and set(statuses) == {"fail"}
    first = page.locator("#case-list a").first
    key = first.inner_text()
    first.click()
    assert page.locator("h1").inner_text().startswith(key)
    assert "Can I return item" in page.locator("#case-input").inner_text()
    assert page.locator(".drill .sample").count() == 2  # both samples, every score
    assert page.locator("#before-status").count() == 1  # the same case in the previous run
    page.go_back()
    page.go_back()
    page.click("#diff-link")
    assert page.locator("#diff-scorers tr").count() >= 2


def test_filter_traces(page, workspace):
    page.goto("/production")
    total = int(re.match(r"(\d+)", page.locator("#trace-count").inner_text()).group(1))
    assert total == 40
    page.select_option("#trace-filter select[name=guard]", "any")
    page.wait_for_url(re.compile(r"guard=any"))
    fired = int(re.match(r"(\d+)", page.locator("#trace-count").inner_text()).group(1))
    assert 0 < fired < total
    cells = page.locator("#traces td.small:nth-child(6)").all_inner_texts()
    assert cells and all("pii: redact" in t for t in cells)
    page.select_option("#trace-filter select[name=feedback]", "down")
    page.wait_for_url(re.compile(r"feedback=down"))
    both = int(re.match(r"(\d+)", page.locator("#trace-count").inner_text()).group(1))
    assert both <= fired
    page.goto("/production?feedback=down")
    page.locator("#traces a").first.click()
    assert page.locator("h1").inner_text().startswith("Trace ")
    assert "wrong amount" in page.content()


def _kappa(page, slug, scorer):
    page.goto(f"/review/calibration?feature={slug}")
    return page.locator(f"#cal-{scorer} td.kappa").inner_text(), page.locator(
        f"#cal-{scorer} td:nth-child(2)").inner_text()


def test_review_ten_items_with_the_keyboard_and_see_kappa_move(page, ui_server):
    c = Client(ui_server.url)
    slug = re.search(r'href="/features/([0-9a-f]{10})"', c.get("/").text).group(1)
    page.goto("/review")
    row = page.locator(f"#queue-{slug}-disagree")
    row.locator("input[name=n]").fill("12")
    row.locator("form.build button").click()
    assert "12 new item(s) queued" in page.locator("#built").inner_text()
    with page.expect_navigation():
        page.locator(f"#queue-{slug}-disagree button.start").click()
    before = None
    for i in range(10):
        page.wait_for_load_state("load")  # the script's key handlers are attached
        assert page.url != before  # a new item every time
        before = page.url
        machine = page.locator("#item-scores tr:has(td:text-is('correct')) td.st").inner_text()
        agree = i < 5  # people agree with `correct` on the first five, not on the next five
        page.keyboard.press(("p" if machine == "pass" else "f") if agree else
                            ("f" if machine == "pass" else "p"))  # fmt: skip
        page.keyboard.press(str(1 + i % 5))
        if i == 0:
            page.keyboard.press("c")
            page.keyboard.type("the answer invents a date")
            page.keyboard.press("Escape")
        assert page.locator("input[name=verdict]:checked").count() == 1
        with page.expect_navigation():
            page.keyboard.press("Enter")
        if i == 4:
            mid = _kappa(page, slug, "correct")
            assert mid[1] == "5"
            page.go_back()
            page.reload()
    after = _kappa(page, slug, "correct")
    assert after[1] == "10"
    assert mid[0] in ("1.000", "—") and after[0] != mid[0]  # the kappa moved with the labels
    assert float(after[0]) < 0.5
    assert page.locator("table.disagreements tr").count() >= 5


def test_skip_with_the_keyboard(page, ui_server):
    c = Client(ui_server.url)
    slug = re.search(r'href="/features/([0-9a-f]{10})"', c.get("/").text).group(1)
    c.submit("/review/build", {"feature": slug, "rule": "production", "n": "3"}, "/review")
    page.goto("/review")
    with page.expect_navigation():
        page.locator(f"#queue-{slug}-production button.start").click()
    page.wait_for_load_state("load")
    first = page.locator("h1").inner_text()
    with page.expect_navigation():
        page.keyboard.press("s")
    assert page.locator("h1").inner_text() != first


@pytest.fixture
def keyed(browser, workspace):
    from gonogo.testing import UIProcess
    from gonogo_testkit import run_cli

    keys = {}
    for name, role in (("rita", "reviewer"), ("max", "admin")):
        r = run_cli("keys", "create", name, "--role", role, "--store", workspace["store_url"])
        keys[role] = re.search(r"gng_\S+", r.stdout).group(0)
    with UIProcess(workspace["root"], workspace["store_url"], extra=["--login"]) as ui:
        yield ui, keys


def _login(browser, url, secret):
    context = browser.new_context(base_url=url)
    p = context.new_page()
    p.goto("/prompts/refund")
    assert "/login" in p.url
    p.fill("input[name=key]", secret)
    p.click("button[type=submit]")
    p.wait_for_url(re.compile(r"/prompts/refund$"))
    return context, p


def test_promote_and_roll_back_as_admin_and_be_refused_as_reviewer(browser, keyed):
    ui, keys = keyed
    ctx, p = _login(browser, ui.url, keys["admin"])
    p.select_option("#promote select[name=version]", "3")
    p.fill("#promote input[name=reason]", "v3 is GO")
    p.click("#promote button")
    assert "production → v3" in p.locator("#labels").inner_text()
    assert "v3 is GO" in p.locator("#history").inner_text()
    assert "max (gk_" in p.locator("#history").inner_text()
    p.fill("#rollback input[name=reason]", "complaints")
    p.click("#rollback button")
    assert "production → v2" in p.locator("#labels").inner_text()
    assert "rollback" in p.locator("#history tr:nth-child(2)").inner_text()
    ctx.close()

    ctx, p = _login(browser, ui.url, keys["reviewer"])
    assert p.locator("#promote").count() == 0  # no form for a reviewer
    token = p.locator("form input[name=csrf]").first.get_attribute("value")
    answer = ctx.request.post(ui.url + "/prompts/refund/promote", form={
        "csrf": token, "version": "1", "label": "production", "reason": "sneaky"})
    assert answer.status == 403 and "admin key" in answer.text()
    p.reload()
    assert "production → v2" in p.locator("#labels").inner_text()
    p.goto("/review")  # a reviewer may review
    assert p.locator("button.start").count() >= 1
    ctx.close()
