"""`gonogo ui` over real HTTP: a real server process on loopback, real stores.

Pages, headers, CSRF, Host and Origin checks, promote/rollback recorded in the registry,
review queues built, claimed, labelled and exported — as a browser without JavaScript
would drive them.
"""

import json
import re

import pytest
from http_kit import Client
from ui_kit import run_async

from gonogo.data import load_dataset
from gonogo.store import RunStore
from gonogo.store.gateway import open_gateway_store


def _history(store_url, label="production"):
    async def go():
        s = open_gateway_store(store_url)
        await s.open()
        try:
            return await s.label_history("refund", label)
        finally:
            await s.close()

    return run_async(go())  # on its own thread: a browser test may hold this one's loop


def _feature_slug(client):
    m = re.search(r'href="/features/([0-9a-f]{10})"', client.get("/").text)
    assert m
    return m.group(1)


def test_every_page_answers_with_the_security_headers(ui_server, workspace):
    c = Client(ui_server.url)
    slug = _feature_slug(c)
    run = workspace["runs"][-1]
    paths = ["/", f"/features/{slug}", "/runs", f"/runs?feature={slug}&verdict=NO-GO",
             f"/runs/{run}", f"/runs/{run}?cases=failing&q=item", f"/runs/{run}/case?key=golden/q3",
             f"/runs/{run}/diff", f"/trends?feature={slug}", f"/documents?feature={slug}",
             "/production", "/production?guard=any&feedback=down", "/production/monitor",
             "/production/feedback?rating=down", "/prompts", "/prompts/refund?a=1&b=3",
             "/review", f"/review/calibration?feature={slug}"]  # fmt: skip
    for path in paths:
        page = c.get(path)
        assert page.status == 200, (path, page.text[:500])
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in page.text and " style=" not in page.text, path
    assert "gonogo_ui=" in c.get("/").headers.get("set-cookie", "") or c.jar


def test_a_run_page_pages_filters_and_counts_the_cases(ui_server, workspace):
    c = Client(ui_server.url)
    run = workspace["runs"][-1]
    store = RunStore(workspace["prd"].parent / ".gonogo" / "runs.sqlite")
    try:
        _, n_fail = store.run_cases(run, statuses=("fail",))
        _, n_all = store.run_cases(run)
    finally:
        store.close()
    page = c.get(f"/runs/{run}?cases=fail")
    rows = re.findall(r'<td class="st st-(\w+)">', page.text.split('id="case-list"')[1])
    assert rows and set(rows) == {"fail"} and len(rows) == n_fail
    assert f"{n_fail} in all" in page.text
    assert len(re.findall(r"/case\?key=", c.get(f"/runs/{run}").text)) == n_all  # 24 < page size
    assert "golden/q1<" not in c.get(f"/runs/{run}?q=item+3%3F").text  # search narrows
    assert c.get(f"/runs/{run}?q=item+3%3F").text.count("/case?key=") == 1
    assert c.get("/runs/nope").status == 404
    assert c.get(f"/runs/{run}/case?key=golden/none").status == 404


def test_forms_need_the_session_token_a_same_site_origin_and_a_known_host(ui_server):
    c = Client(ui_server.url)
    form = {"version": "3", "label": "production", "reason": "x"}
    assert c.post("/prompts/refund/promote", form).status == 403  # no token
    assert c.post("/prompts/refund/promote", {**form, "csrf": "forged"}).status == 403
    token = c.get("/prompts/refund").csrf()
    other = Client(ui_server.url)  # another browser: its own session, so its own token
    assert other.post("/prompts/refund/promote", {**form, "csrf": token}).status == 403
    evil_origin = c.post("/prompts/refund/promote", {**form, "csrf": token},
                         headers={"Origin": "http://evil.example"})  # fmt: skip
    assert evil_origin.status == 403
    rebound = c.get("/", headers={"Host": "evil.example:80"})  # DNS rebinding
    assert rebound.status == 421
    assert c.get("/", headers={"Host": f"localhost:{ui_server.port}"}).status == 200


def test_promote_and_roll_back_are_recorded_with_who_and_why(ui_server, workspace):
    c = Client(ui_server.url)
    form = {"version": "3", "label": "production", "reason": "eval GO on v3"}
    r = c.submit("/prompts/refund/promote", form, "/prompts/refund")
    assert r.status == 303
    assert "production → v3" in c.follow(r).text
    form = {"label": "production", "to": "", "reason": "tone regressed"}
    r = c.submit("/prompts/refund/rollback", form, "/prompts/refund")
    assert r.status == 303
    assert "production → v2" in c.follow(r).text
    moves = _history(workspace["store_url"])
    assert [(m.to_version, m.kind, m.reason) for m in moves[-2:]] == [
        (3, "move", "eval GO on v3"), (2, "rollback", "tone regressed")]
    assert moves[-1].actor  # the local user
    bad = c.submit("/prompts/refund/promote", {"version": "9", "label": "production",
                                               "reason": "x"}, "/prompts/refund")  # fmt: skip
    assert bad.status == 404 or bad.status == 400
    assert "no version 9" in bad.text
    empty = c.submit("/prompts/refund/promote", {"version": "3", "label": "production",
                                                 "reason": " "}, "/prompts/refund")  # fmt: skip
    assert empty.status == 400 and "reason is required" in empty.text


def test_a_review_queue_is_built_reviewed_and_exported_as_golden_rows(ui_server, workspace, cli,
                                                                      tmp_path):  # fmt: skip
    c = Client(ui_server.url)
    slug = _feature_slug(c)
    built = c.submit("/review/build", {"feature": slug, "rule": "disagree", "n": "5",
                                       "wanted": "1"}, "/review")  # fmt: skip
    assert built.status == 303
    assert "5 new item(s) queued" in c.follow(built).text
    again = c.submit("/review/build", {"feature": slug, "rule": "disagree", "n": "5",
                                       "wanted": "1"}, "/review")  # fmt: skip
    assert "0 new item(s) queued" in c.follow(again).text  # the same items: not queued twice
    nxt = c.submit(f"/review/{slug}/disagree/next", {}, "/review")
    seen = []
    for verdict in ["pass", "fail", "pass", "skip", "fail"]:
        assert nxt.status == 303, nxt.text[:300]
        item_path = nxt.headers["location"]
        page = c.get(item_path)
        assert "judge polite says" in page.text and 'id="item-scores"' in page.text
        seen.append(item_path)
        nxt = c.post(item_path, {"csrf": page.csrf(), "verdict": verdict, "grade": "4",
                                 "comment": f"looked at {verdict}"})  # fmt: skip
    assert len(set(seen)) == 5
    assert nxt.status == 200 and "Nothing left for you" in nxt.text
    # the queue's counts, not a Python object's repr (`counts.items` is dict.items in Jinja)
    assert re.search(r"<td class=\"num\">\d+ / 5</td>", c.get("/review").text)
    assert re.search(r"disagree: \d+ of 5 items reviewed", c.get(f"/features/{slug}").text)
    cal = c.get(f"/review/calibration?feature={slug}").text
    assert "4 with a human verdict" in cal  # the skip is not a verdict
    assert 'id="cal-correct"' in cal and 'id="cal-polite"' in cal
    export = c.get(f"/review/export?feature={slug}")
    assert export.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(x) for x in export.text.splitlines()]
    assert len(rows) == 4 and all("source:review" in r["tags"] for r in rows)
    comments = [r["metadata"]["review"]["labels"][0]["comment"] for r in rows]
    assert all(x.startswith("looked at") for x in comments)
    out = tmp_path / "reviewed.jsonl"
    out.write_text(export.text)
    assert len(load_dataset(out).cases) == 4  # a valid golden dataset
    added = cli("dataset", "add", workspace["prd"], out, "--by", "ana")
    assert added.returncode == 0, added.stderr
    assert "added" in added.stdout


def test_monitor_windows_and_a_trace_s_scores_are_shown(ui_server, workspace):
    c = Client(ui_server.url)
    page = c.get("/production/monitor").text
    assert "monitor-windows" in page and "correct (bar 0.6)" in page
    assert re.search(r"\d+ handled traces", page)
    assert "refund v" in page and "None" not in page  # a window's prompt and model, or words
    trace = c.get(f"/production/traces/{workspace['traces'][1]}").text
    assert "monitor says" in trace and "not scored by" not in trace


def test_bad_input_gets_a_page_that_says_what_to_do(ui_server):
    c = Client(ui_server.url)
    assert c.get("/review/calibration?feature=nope").status == 404
    page = c.submit("/review/build", {"feature": "nope", "rule": "disagree"}, "/review")
    assert page.status == 404 and "no PRD with id" in page.text
    assert c.get("/runs?page=-4&feature=").status == 200
    assert c.get("/production?version=abc&feedback=weird").status == 200
    assert "Traceback" not in c.get("/production/traces/none").text


def test_the_cli_refuses_bad_input_with_exit_2(cli, tmp_path):
    r = cli("ui", tmp_path / "missing")
    assert r.returncode == 2
    assert "no such file or folder" in r.stderr and "Traceback" not in r.stderr
    r = cli("ui", tmp_path, "--store", "postgresql://nobody:s3cret@127.0.0.1:1/x", "--port", "0")
    assert r.returncode == 2 and "cannot connect" in r.stderr and "Traceback" not in r.stderr
    assert "s3cret" not in r.stderr + r.stdout  # the password is masked
    r = cli("ui", tmp_path, "--store", "sqlite:///", "--port", "0")
    assert r.returncode == 2 and "invalid SQLite store URL" in r.stderr
    r = cli("ui", "--help")
    assert r.returncode == 0 and "reviewer" in r.stdout and "127.0.0.1" in r.stdout


@pytest.fixture(scope="module")
def keyed_server(workspace):
    """`gonogo ui --login`: keys required, as beyond loopback."""
    from gonogo.testing import UIProcess
    from gonogo_testkit import run_cli as cli

    keys = {}
    for name, role in (("ana", "reviewer"), ("bo", "reviewer"), ("lead", "admin"),
                       ("svc", "app")):  # fmt: skip
        r = cli("keys", "create", name, "--role", role, "--store", workspace["store_url"])
        assert r.returncode == 0, r.stderr
        keys[name] = re.search(r"gng_\S+", r.stdout).group(0)
    with UIProcess(workspace["root"], workspace["store_url"], extra=["--login"]) as ui:
        yield ui, keys


def _signed_in(url, secret):
    c = Client(url)
    r = c.submit("/login", {"key": secret, "next": "/"})
    assert r.status == 303, r.text[:300]
    return c


def test_beyond_loopback_every_page_needs_a_key(keyed_server):
    ui, keys = keyed_server
    c = Client(ui.url)
    first = c.get("/runs")
    assert first.status == 303 and first.headers["location"].startswith("/login")
    bad = c.submit("/login", {"key": "gng_wrong", "next": "/"})
    assert bad.status == 401 and "not valid" in bad.text
    assert "gng_wrong" not in bad.text  # never echoed
    assert "Traceback" not in ui.output() and keys["ana"] not in ui.output()
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        r = Client(ui.url).submit("/login", {"key": keys["ana"], "next": target})
        assert r.status == 303 and r.headers["location"] == "/"  # never off-site
    # an app key lives on application servers: it is no way into production traces
    app = Client(ui.url)
    refused = app.submit("/login", {"key": keys["svc"], "next": "/"})
    assert refused.status == 403 and "reviewer key" in refused.text
    assert app.get("/production").status == 303  # still signed out
    c = _signed_in(ui.url, keys["ana"])  # a reviewer looks and labels, never builds queues
    assert c.get("/runs").status == 200
    assert c.get("/review").status == 200
    assert c.submit("/review/build", {"feature": "x", "rule": "flaky"}, "/review").status == 403
    assert "failed sign-in from" in ui.output() and keys["svc"] not in ui.output()


def test_guessing_keys_is_throttled_and_flooding_sessions_signs_nobody_out(workspace, cli):
    """Its own server: the throttle blocks this test's address for a minute."""
    from gonogo.testing import UIProcess

    r = cli("keys", "create", "chief", "--role", "admin", "--store", workspace["store_url"])
    secret = re.search(r"gng_\S+", r.stdout).group(0)
    with UIProcess(workspace["root"], workspace["store_url"], extra=["--login"]) as ui:
        lead = _signed_in(ui.url, secret)
        for _ in range(60):  # anonymous sessions (the cap is far above: see the unit test)
            Client(ui.url).get("/login")
        assert lead.get("/review").status == 200
        guesser = Client(ui.url)
        codes = [guesser.submit("/login", {"key": f"gng_guess{i}", "next": "/"}).status
                 for i in range(11)]  # fmt: skip
        assert codes == [401] * 10 + [429], codes
        page = guesser.submit("/login", {"key": secret, "next": "/"})  # even the right key
        assert page.status == 429 and "Too many failed sign-ins" in page.text
        assert lead.get("/review").status == 200  # those signed in stay signed in


def test_a_reviewer_sees_the_end_users_thumbs_down_comment(ui_server, workspace):
    """The flagged queue holds traces users rated down: their own words must be on the item."""
    c = Client(ui_server.url)
    slug = _feature_slug(c)
    built = c.submit("/review/build", {"feature": slug, "rule": "flagged", "n": "50",
                                       "wanted": "1"}, "/review")  # fmt: skip
    assert built.status == 303
    nxt = c.submit(f"/review/{slug}/flagged/next", {}, "/review")
    rated_down = 0
    for _ in range(50):
        if nxt.status != 303:
            break
        page = c.get(nxt.headers["location"])
        if "rated down" in page.text:
            rated_down += 1
            fb = page.text.split('id="item-feedback"', 1)[1].split("</ul>", 1)[0]
            assert "thumbs down" in fb and "wrong amount" in fb, fb
            assert "It takes 3 days." in fb  # the user's correction, beside their comment
        nxt = c.post(nxt.headers["location"], {"csrf": page.csrf(), "verdict": "fail"})
    assert rated_down > 0
    rows = [json.loads(x) for x in
            c.get(f"/review/export?feature={slug}&queue=flagged").text.splitlines()]  # fmt: skip
    said = [fb for r in rows for fb in r["metadata"]["review"]["user_feedback"]]
    assert any(fb["comment"] == "wrong amount" and fb["rating"] == 0.0 for fb in said), rows[:1]


def test_a_reviewer_labels_but_cannot_promote_and_an_admin_can(keyed_server, workspace):
    ui, keys = keyed_server
    ana = _signed_in(ui.url, keys["ana"])
    refused = ana.submit("/prompts/refund/promote", {"version": "1", "label": "production",
                                                     "reason": "x"}, "/prompts/refund")  # fmt: skip
    assert refused.status == 403 and "admin key" in refused.text
    assert 'id="promote"' not in ana.get("/prompts/refund").text
    lead = _signed_in(ui.url, keys["lead"])
    form = {"version": "1", "label": "staging", "reason": "try v1"}
    ok = lead.submit("/prompts/refund/promote", form, "/prompts/refund")
    assert ok.status == 303
    moves = _history(workspace["store_url"], "staging")
    assert moves[-1].actor.startswith("lead (gk_") and moves[-1].reason == "try v1"


def test_two_reviewers_never_hold_the_same_item_and_both_may_label_it(keyed_server):
    ui, keys = keyed_server
    lead = _signed_in(ui.url, keys["lead"])
    slug = _feature_slug(lead)
    lead.submit("/review/build", {"feature": slug, "rule": "flaky", "n": "3", "wanted": "2"},
                "/review")  # fmt: skip
    ana, bo = _signed_in(ui.url, keys["ana"]), _signed_in(ui.url, keys["bo"])
    a1 = ana.submit(f"/review/{slug}/flaky/next", {}, "/review").headers["location"]
    b1 = bo.submit(f"/review/{slug}/flaky/next", {}, "/review").headers["location"]
    assert a1 != b1  # ana holds a1
    assert ana.submit(f"/review/{slug}/flaky/next", {}, "/review").headers["location"] == a1
    page = ana.get(a1)
    nxt = ana.post(a1, {"csrf": page.csrf(), "verdict": "fail", "comment": "wrong"})
    # with two reviewers wanted, bo gets ana's item later; ana never gets it again
    labelled = {b1}
    while True:
        page = bo.get(b1)
        r = bo.post(b1, {"csrf": page.csrf(), "verdict": "fail"})
        if r.status != 303:
            break
        b1 = r.headers["location"]
        labelled.add(b1)
    assert a1 in labelled
    assert nxt.status == 303 and nxt.headers["location"] != a1
    cal = lead.get(f"/review/calibration?feature={slug}&queue=flaky").text
    assert re.search(r"1 item\(s\) labelled by two people", cal)


def test_a_folder_shows_the_gateway_store_gonogo_serve_wrote_beside_its_prd(tmp_path):
    """`gonogo ui FOLDER` with no --store reads the .gonogo/gateway.db `gonogo serve PRD`
    writes next to the PRD (a newcomer's traces and prompts were in my-feature/, the
    dashboard opened an empty store in the working folder and created it)."""
    from ui_kit import seed_gateway, write_prd

    from gonogo.testing import UIProcess

    prd = write_prd(tmp_path / "my-feature", 4)
    beside = prd.parent / ".gonogo" / "gateway.db"
    beside.parent.mkdir()
    run_async(seed_gateway(f"sqlite:///{beside}", 7))
    with UIProcess(tmp_path, log=tmp_path / "ui.log") as ui:
        c = Client(ui.url)
        assert "7 trace(s) match" in c.get("/production").text
        assert "refund" in c.get("/prompts").text
    assert not (tmp_path / ".gonogo").exists()  # nothing created where it only looked


def test_the_gateway_store_of_a_folder_is_its_own_else_the_first_prd_s(tmp_path, monkeypatch):
    from ui_kit import write_prd

    from gonogo.cli._cmd_ui import _gateway_store

    monkeypatch.delenv("GONOGO_STORE_URL", raising=False)
    a, b = write_prd(tmp_path / "a", 2), write_prd(tmp_path / "b", 2)
    url, others = _gateway_store(tmp_path, None)
    assert url == f"sqlite:///{tmp_path.resolve() / '.gonogo' / 'gateway.db'}" and others == []
    for prd in (b, a):
        (prd.parent / ".gonogo").mkdir()
        (prd.parent / ".gonogo" / "gateway.db").write_bytes(b"")
    url, others = _gateway_store(tmp_path, None)
    assert url == f"sqlite:///{a.parent.resolve() / '.gonogo' / 'gateway.db'}"
    assert others == [str(b.parent.resolve() / ".gonogo" / "gateway.db")]
    assert _gateway_store(b, None)[0].endswith(str(b.parent.resolve() / ".gonogo" / "gateway.db"))
    assert _gateway_store(tmp_path, "sqlite:///x.db") == ("sqlite:///x.db", [])


def test_the_features_page_headlines_the_latest_whole_run_not_a_subset(tmp_path, cli):
    """A `--limit` run made after a whole run is not the feature's verdict on the Features
    page (it showed as the latest eval, unmarked, while `gonogo launch` used the whole run)."""
    from ui_kit import write_prd

    from gonogo.testing import UIProcess

    prd = write_prd(tmp_path / "f", 6)
    ids = []
    for extra in ([], ["--limit", "2"]):
        r = cli("eval", prd, "-q", "--out", tmp_path / f"out{len(ids)}", *extra, cwd=tmp_path)
        assert r.returncode in (0, 1), r.stdout + r.stderr
        results = json.loads((tmp_path / f"out{len(ids)}" / "results.json").read_text())
        ids.append(results["run"]["id"])
    with UIProcess(tmp_path, log=tmp_path / "ui.log") as ui:
        page = Client(ui.url).get("/").text
    assert ids[0] in page and ids[1] not in page


def test_the_feature_page_links_its_prompt_only_once_it_is_in_the_registry(tmp_path):
    from ui_kit import seed_gateway, write_prd

    from gonogo.testing import UIProcess

    write_prd(tmp_path / "f", 2)  # the PRD's prompt is named "refund"
    store = f"sqlite:///{tmp_path / 'gateway.db'}"
    with UIProcess(tmp_path, store, log=tmp_path / "ui.log") as ui:
        c = Client(ui.url)
        page = c.get(f"/features/{_feature_slug(c)}").text
        assert 'href="/prompts/refund"' not in page and "gonogo prompt push" in page
    run_async(seed_gateway(store, 2))  # pushes "refund"
    with UIProcess(tmp_path, store, log=tmp_path / "ui2.log") as ui:
        c = Client(ui.url)
        page = c.get(f"/features/{_feature_slug(c)}").text
        assert 'href="/prompts/refund"' in page and c.get("/prompts/refund").status == 200
