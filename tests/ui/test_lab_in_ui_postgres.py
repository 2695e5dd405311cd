"""The failure lab and a comparison on a team server: `gonogo ui --runs URL --store URL` with
the evidence log on the same PostgreSQL ($GONOGO_EVIDENCE_URL). `gonogo lab` writes its runs
to the SQLite store beside the PRD only: the dashboard finds the lab there, and its evidence
entry in PostgreSQL. `gonogo compare --store URL` keeps its runs and its document in
PostgreSQL. (Apart from the browser tests: Playwright's sync API holds an event loop on this
thread.)"""

import re

import ui_kit
from http_kit import Client


def test_the_lab_with_runs_and_evidence_on_postgresql(tmp_path, postgres_db_url, monkeypatch):
    """`gonogo ui --runs URL --store URL` with the evidence log on the same PostgreSQL: the
    lab is found in the SQLite store beside its PRD, its evidence entry in PostgreSQL."""
    from gonogo.testing import UIProcess

    url = postgres_db_url
    monkeypatch.setenv("GONOGO_EVIDENCE_URL", url)
    made = ui_kit.make_lab(tmp_path, "labui_pg_app")
    lab_id = made["lab"]["lab"]["id"]
    assert not (tmp_path / "capitals" / ".gonogo" / "evidence.sqlite").exists()
    env = {"GONOGO_EVIDENCE_URL": url}
    with UIProcess(tmp_path, url, extra=["--runs", url], env=env) as ui:
        c = Client(ui.url)
        slug = re.search(r'href="/features/([0-9a-f]{10})"', c.get("/").text).group(1)
        latest = c.get(f"/lab?feature={slug}")
        assert latest.status == 200 and made["subset"]["lab"]["id"] in latest.text
        assert 'id="lab-subset"' in latest.text and "evidence log #2" in latest.text
        page = c.get(f"/runs/{lab_id}")
        assert page.status == 200 and "Detection matrix" in page.text
        assert "evidence log #1" in page.text and 'id="lab-subset"' not in page.text
        clean = made["lab"]["clean_run"]["run_id"]
        assert c.get(f"/runs/{clean}").status == 200  # found beside the PRD too
        docs = c.get(f"/documents?feature={slug}").text
        assert f'href="/runs/{lab_id}">lab:{lab_id}' in docs


def test_a_comparison_stored_on_postgresql(tmp_path, postgres_db_url, monkeypatch):
    from gonogo.testing import UIProcess

    url = postgres_db_url
    monkeypatch.setenv("GONOGO_EVIDENCE_URL", url)
    doc = ui_kit.make_comparison(tmp_path, store_path=url)["doc"]
    assert not (tmp_path / "compare" / ".gonogo" / "runs.sqlite").exists()
    cid = doc["comparison"]["id"]
    with UIProcess(tmp_path, url, extra=["--runs", url], env={"GONOGO_EVIDENCE_URL": url}) as ui:
        c = Client(ui.url)
        slug = re.search(r'href="/features/([0-9a-f]{10})"', c.get("/").text).group(1)
        docs = c.get(f"/documents?feature={slug}").text
        link = re.search(r'class="cmp-link" href="([^"]+)"', docs).group(1).replace("&amp;", "&")
        page = c.get(link)
        assert page.status == 200 and cid in page.text and "B better" in page.text
        assert 'id="cmp-scorers"' in page.text and "Cases that changed (10 of 12)" in page.text
        b = doc["variants"]["b"]["run_id"]
        assert c.get(f"/runs/{b}").status == 200
