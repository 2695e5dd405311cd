"""An XSS corpus in every field that shows model or user text, on every page: nothing runs.

Every text a model or a person could have written — the PRD's feature and failure modes,
golden inputs, expected answers and contexts, outputs, scorer reasons, tags, traces
(inputs, contexts, outputs, model names, guard names and reasons), feedback comments and
corrections, prompt templates, messages and authors, label-move reasons, review comments —
carries the payloads below. A real Chromium crawls every page of a real `gonogo ui`; the
payloads would call ``window.__xss``, which records each call. The crawl runs twice: once
with the Content-Security-Policy bypassed (so escaping alone is what is tested) and once
with it enforced (where any blocked inline script or handler shows as a CSP violation).
Each page's DOM must also hold no event-handler attribute, no ``javascript:`` URL and no
script but the app's own.
"""

import re
from collections import Counter

import pytest
import ui_kit
from http_kit import Client

PAYLOADS = [
    "<script>window.__xss('script')</script>",
    "<img src=x onerror=\"window.__xss('img')\">",
    "<svg onload=window.__xss('svg')>",
    "<svg><script>window.__xss('svg-script')</script></svg>",
    "javascript:window.__xss('js-url')",
    "<a href=\"javascript:window.__xss('a')\">click</a>",
    "\" autofocus onfocus=\"window.__xss('attr-dq')\" x=\"",
    "' autofocus onfocus='window.__xss(\"attr-sq\")' x='",
    "</script><script>window.__xss('json')</script>",
    "\"}];window.__xss('json2');//",
    "</textarea><script>window.__xss('textarea')</script>",
    "</title><script>window.__xss('title')</script>",
    "<iframe srcdoc=\"<script>parent.__xss('iframe')</script>\"></iframe>",
    "<details open ontoggle=window.__xss('toggle')>",
    "<style>body{display:none}</style><base href=//evil.example/>",
    "{{7*7}}{% raw %}${7*7}#{7*7}<%= 7*7 %>",
    "\u2028\u2029<!-- -->",
]
EVIL = " " + " ".join(PAYLOADS)
SHOWN = "<script>window.__xss('script')</script>"  # how a payload must look: as text

HOOK = "window.__xssHits = []; window.__xss = function (w) { window.__xssHits.push(String(w)); };"
DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const n = a.name.toLowerCase();
      if (n.startsWith('on') || n === 'srcdoc' || n === 'style') bad.push(el.tagName + '@' + n);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(n)
          && /^\\s*(javascript|data|vbscript):/i.test(a.value)) bad.push(el.tagName + '@' + n);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    if (!s.src || new URL(s.src).pathname !== '/static/ui.js') {
      bad.push('script:' + s.outerHTML.slice(0, 80));
    }
  }
  const foreign = ['iframe', 'object', 'embed', 'style', 'base', 'meta[http-equiv]',
                   'link:not([href="/static/ui.css"])'];
  for (const t of foreign) {
    for (const e of document.querySelectorAll(t)) bad.push(t);
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def evil_workspace(tmp_path_factory):
    ws = ui_kit.make_workspace(tmp_path_factory.mktemp("xss"), cases=12, runs=2,
                               n_traces=24, evil=EVIL)  # fmt: skip
    ws["lab"] = ui_kit.make_lab(ws["root"], "xss_lab_app", EVIL)  # a real `gonogo lab`
    ws["cmp"] = ui_kit.make_comparison(ws["root"], EVIL)  # and a real `gonogo compare`
    return ws


@pytest.fixture(scope="module")
def evil_server(evil_workspace):
    from gonogo.spec import prd_key
    from gonogo.testing import UIProcess
    from gonogo.ui._workspace import slug_of

    with UIProcess(evil_workspace["root"], evil_workspace["store_url"]) as ui:
        c = Client(ui.url)
        slug = slug_of(prd_key(evil_workspace["prd"]))
        lab_slug = slug_of(prd_key(evil_workspace["lab"]["prd"]))
        lab_id = evil_workspace["lab"]["lab"]["lab"]["id"]
        cmp_slug = slug_of(prd_key(evil_workspace["cmp"]["prd"]))
        for rule in ("disagree", "flaky", "passes", "flagged", "production"):
            r = c.submit("/review/build", {"feature": slug, "rule": rule, "n": "2"}, "/review")
            assert r.status == 303
        items = []
        for rule in ("disagree", "flagged"):
            nxt = c.submit(f"/review/{slug}/{rule}/next", {}, "/review")
            item = nxt.headers["location"]
            items.append(item)
            page = c.get(item)
            c.post(item, {"csrf": page.csrf(), "verdict": "fail", "grade": "2",
                          "comment": "bad" + EVIL})  # fmt: skip
        form = {"version": "3", "label": "production", "reason": "ship" + EVIL}
        r = c.submit("/prompts/refund/promote", form, "/prompts/refund")
        assert r.status == 303
        items += [f"/lab?feature={lab_slug}", f"/runs/{lab_id}?entry=wrong-facts",
                  f"/documents?feature={lab_slug}",  # the failure lab's pages
                  f"/comparison?feature={cmp_slug}", f"/documents?feature={cmp_slug}"]
        yield ui, slug, items


def _segment(seg):
    return "#" if re.search(r"\d", seg) or re.fullmatch(r"[0-9a-f]{10}", seg) else seg


def _shape(path):
    return "/".join(_segment(x) for x in path.split("?")[0].split("/")) + (
        "?" + ",".join(sorted(k.split("=")[0] for k in path.split("?")[1].split("&")))
        if "?" in path else "")  # fmt: skip


def _crawl(browser, ui, slug, items, *, bypass_csp, limit=90):
    context = browser.new_context(base_url=ui.url, bypass_csp=bypass_csp)
    context.add_init_script(HOOK)
    console = []
    page = context.new_page()
    page.on("console", lambda m: console.append(m.text))
    page.on("dialog", lambda d: (console.append("dialog " + d.message), d.dismiss()))
    queue = ["/", f"/review/calibration?feature={slug}", *items, "/production?guard=any",
             "/production/monitor"]
    seen, shapes, report = set(), Counter(), {}
    shown_on = 0
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or shapes[_shape(path)] >= 2:
            continue
        seen.add(path)
        shapes[_shape(path)] += 1
        resp = page.goto(path)
        assert resp.status < 500, (path, resp.status)
        page.mouse.move(300, 300)  # handlers that need no click (autofocus ones fire alone)
        page.keyboard.press("Tab")
        hits = page.evaluate("window.__xssHits")
        bad = page.evaluate(DOM_CHECK)
        report[path] = (hits, bad)
        shown_on += SHOWN in page.inner_text("body")
        hrefs = "els => els.map(e => e.getAttribute('href'))"
        for href in page.eval_on_selector_all("a[href^='/']", hrefs):
            if not href.startswith(("/static", "/review/export")) and href not in seen:
                queue.append(href.split("#")[0])
    context.close()
    return report, console, shown_on


@pytest.mark.parametrize("bypass_csp", [True, False], ids=["escaping-alone", "with-csp"])
def test_no_payload_runs_anywhere(browser, evil_server, bypass_csp):
    ui, slug, items = evil_server
    report, console, shown_on = _crawl(browser, ui, slug, items, bypass_csp=bypass_csp)
    ran = {p: h for p, (h, _) in report.items() if h}
    injected = {p: b for p, (_, b) in report.items() if b}
    assert not ran, f"payloads executed: {ran}"
    assert not injected, f"markup injected: {injected}"
    assert not [m for m in console if "Content Security Policy" in m or "dialog" in m], console
    assert len(report) >= 20  # every kind of page was visited (below)
    kinds = {_shape(p).split("?")[0] for p in report}
    for expected in ("/", "/runs/#", "/runs/#/case", "/runs/#/diff", "/trends", "/documents",
                     "/production", "/production/traces/#", "/production/feedback",
                     "/production/monitor", "/prompts", "/prompts/refund", "/review",
                     "/review/item/#", "/review/calibration", "/features/#", "/lab",
                     "/comparison"):  # fmt: skip
        assert expected in kinds, (expected, sorted(kinds))
    assert shown_on >= 15  # the payloads are there, shown as text


def test_template_syntax_is_shown_not_evaluated(browser, evil_server):
    ui, slug, items = evil_server
    context = browser.new_context(base_url=ui.url)
    page = context.new_page()
    page.goto(items[0])
    text = page.inner_text("body")
    assert "{{7*7}}{% raw %}${7*7}#{7*7}<%= 7*7 %>" in text
    assert page.locator("textarea").input_value().startswith("bad ")  # the comment, intact
    assert "</textarea><script>window.__xss('textarea')</script>" in page.locator(
        "textarea").input_value()
    context.close()


def test_the_comparison_page_shows_the_payloads_as_text(browser, evil_server):
    ui, slug, items = evil_server
    context = browser.new_context(base_url=ui.url)
    context.add_init_script(HOOK)
    page = context.new_page()
    page.goto(next(p for p in items if p.startswith("/comparison")))
    assert "Per scorer" in page.inner_text("body")
    for summary in page.locator(".cmpcases details.case summary").all()[:3]:
        summary.click()  # the cases: inputs, outputs, diffs, reasons
    page.mouse.move(300, 300)
    assert page.evaluate("window.__xssHits") == []
    assert page.evaluate(DOM_CHECK) == []
    assert page.inner_text("#cmp-variants").count(SHOWN) >= 1  # the variant's description
    assert SHOWN in page.locator(".cmpcases details.case").first.inner_text()
    context.close()


def test_the_lab_page_shows_the_payloads_as_text(browser, evil_server):
    ui, slug, items = evil_server
    context = browser.new_context(base_url=ui.url)
    context.add_init_script(HOOK)
    page = context.new_page()
    for path in [p for p in items if p.startswith(("/lab", "/runs/"))]:
        page.goto(path)
        page.mouse.move(300, 300)
        assert page.evaluate("window.__xssHits") == [], path
        assert page.evaluate(DOM_CHECK) == [], path
        text = page.inner_text("body")
        assert SHOWN in text, path  # the feature's name, the rows, the golden cases
        assert "Detection matrix" in text, path
    assert page.locator(".labcases details.case").count() > 0  # the changed cases, escaped
    page.locator(".labcases details.case summary").first.click()
    assert SHOWN in page.locator(".labcases details.case").first.inner_text()
    assert page.evaluate("window.__xssHits") == []
    context.close()
