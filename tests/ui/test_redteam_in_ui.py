"""A real `gonogo redteam run` shown by the dashboard: its run page is the red-team report
(families, rates with intervals, attacks folded), and its evidence is on the documents page."""

import re
import textwrap

from http_kit import Client

from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: Help bot
    eval_plan:
      target: app:answer
      datasets: [{name: g, path: data/golden.jsonl}]
      scorers: [{id: s, kind: contains_any, values: [x]}]
    launch:
      redteam: {probes_per_family: 4, families: [harmful, over-refusal]}
""")
APP = 'def answer(question):\n    return "I\'m sorry, I can\'t help with that."\n'


def test_a_red_team_run_reads_as_its_report(tmp_path, cli):
    from gonogo.testing import UIProcess

    prd = write_project(tmp_path, PRD, [{"id": "1", "question": "Where is my order?"}],
                        {"app.py": APP})  # fmt: skip
    r = cli("redteam", "run", prd, "--out", tmp_path / "rt", timeout=300)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    run_id = re.search(r"run (\S+) \(stored in", r.stdout).group(1)
    with UIProcess(tmp_path, store_url=f"sqlite:///{tmp_path / 'gw.db'}") as ui:
        c = Client(ui.url)
        page = c.get(f"/runs/{run_id}")
        assert page.status == 200
        assert "Attack success by family" in page.text and ">harmful" in page.text
        assert "Content warning" in page.text and "<details>" in page.text
        slug = re.search(r'href="/features/([0-9a-f]{10})"', c.get("/").text).group(1)
        docs = c.get(f"/documents?feature={slug}").text
        assert "evidence-redteam" in docs and run_id in docs
