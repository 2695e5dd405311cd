"""End to end on one PostgreSQL: `gonogo eval --store postgresql://…` (as CI jobs on many
machines would), `gonogo runs` / `report` / `diff` on it, and `gonogo ui --runs URL --store
URL` — a team server whose runs, registry and review queues share that database — showing
the runs and reviewing them. Real runner, real database, real dashboard process."""

import re
import textwrap

from http_kit import Client

from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: Refund answers
    model:
      provider: scripted
      name: refund-model
      script: {default: "You can return it within 30 days of delivery."}
      prompt:
        name: refund
        version: 1
        system: Answer briefly.
        user: "Question: {question}"
    eval_plan:
      datasets: [{name: g, path: data/golden.jsonl}]
      scorers:
        - {id: says_30, kind: contains_any, values: ["30 days"]}
        - {id: says_shoes, kind: contains_any, values: ["shoes"]}
      thresholds:
        - {scorer: says_30, min_pass_rate: 0.5}
""")
CASES = [{"id": f"c{i}", "question": f"How long to return item {i}?"} for i in range(8)]


def test_eval_writes_to_postgresql_and_the_dashboard_reads_it(tmp_path, cli, postgres_db_url):
    from gonogo.testing import UIProcess

    prd = write_project(tmp_path / "feature", PRD, CASES)
    url = postgres_db_url
    ids = []
    for _ in range(2):
        r = cli("eval", prd, "--store", url, "-q")
        assert r.returncode == 0, r.stderr + r.stdout
        ids.append(re.search(r"run (\S+) \(stored in", r.stdout).group(1))
    assert "postgres@" in r.stdout
    assert not (tmp_path / "feature" / ".gonogo" / "runs.sqlite").exists()
    listed = cli("runs", prd, "--store", url, "--json")
    assert listed.returncode == 0 and ids[0] in listed.stdout and ids[1] in listed.stdout
    report = cli("report", prd, "--store", url, "--run", ids[0], "--out", tmp_path / "rep")
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "rep" / "report.html").exists()
    diff = cli("diff", ids[0], ids[1], "--prd", prd, "--store", url)
    assert diff.returncode == 0, diff.stderr
    with UIProcess(tmp_path, extra=["--runs", url], store_url=url) as ui:
        c = Client(ui.url)
        page = c.get(f"/runs/{ids[1]}")
        assert page.status == 200 and "says_30" in page.text
        assert page.text.count("/case?key=") == 8
        assert c.get(f"/runs/{ids[1]}/case?key=g/c3").status == 200
        assert c.get(f"/runs/{ids[1]}/diff").status == 200
        home = c.get("/").text
        assert ids[1] in home  # the feature's latest run
        assert re.search(r"\d/8 items", home)  # the launch checklist, from the evidence log
        slug = re.search(r'href="/features/([0-9a-f]{10})"', c.get("/").text).group(1)
        assert "Pass rate per scorer over the last 2 runs" in c.get(f"/trends?feature={slug}").text
        docs = c.get(f"/documents?feature={slug}").text
        assert f'href="/runs/{ids[0]}">run:{ids[0]}' in docs  # each eval's evidence entry
        assert 'id="launch-items"' in docs
        built = c.submit("/review/build", {"feature": slug, "rule": "passes", "n": "3",
                                           "wanted": "1"}, "/review")  # fmt: skip
        assert "3 new item(s) queued" in c.follow(built).text
        nxt = c.submit(f"/review/{slug}/passes/next", {}, "/review")
        item = c.get(nxt.headers["location"])
        assert "You can return it within 30 days" in item.text
        c.post(nxt.headers["location"], {"csrf": item.csrf(), "verdict": "pass"})
        assert "1 with a human verdict" in c.get(f"/review/calibration?feature={slug}").text
