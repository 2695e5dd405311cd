"""Two scripted variants that differ on known cases: exact counts, verdicts, files."""

import asyncio
import json

import pytest
from compare_kit import prd_text, project, script

from gonogo.compare import CompareOptions, VariantRef, compare, validate_comparison
from gonogo.store import RunStore


def run(prd, a=None, b=None, **opts):
    return asyncio.run(compare(prd, a, b, CompareOptions(**opts)))


def scorer(doc, sid):
    return next(s for s in doc["scorers"] if s["id"] == sid)


def test_b_better_exact_counts_runs_and_files(tmp_path):
    # A knows 10 capitals, B knows those and 12 more: B fixes 12 cases, breaks none
    prd = project(tmp_path, prd_text(script(range(10)), script(range(22))))
    result = run(prd, out_dir=tmp_path / "out")
    doc = result.document
    assert validate_comparison(doc) == []
    correct = scorer(doc, "correct")
    assert correct["primary"] is True and scorer(doc, "answers")["primary"] is False
    t = correct["test"]
    assert (t["wins"], t["ties"], t["losses"]) == (12, 18, 0)
    assert t["method"] == "mcnemar-exact"
    assert t["p_value"] == pytest.approx(2 * 0.5**12)
    assert (t["mean_a"], t["mean_b"]) == (pytest.approx(10 / 30), pytest.approx(22 / 30))
    assert t["ci"][0] > 0 and correct["verdict"] == "better"
    assert doc["verdict"] == "better" and doc["verdict_label"] == "B better"
    assert result.exit_code() == 0
    # 18 cases answer identically: similarity 1; the 12 fixed ones differ
    assert doc["similarity"]["identical_pairs"] == 18
    changed = [
        c for c in doc["cases"] if c["scores"]["correct"]["a"] != c["scores"]["correct"]["b"]
    ]
    assert len(changed) == 12 and all(c["semantic_similarity"] < 0.9 for c in changed)
    # cost per 1k from recorded usage: B's model is 10x cheaper per token
    ca, cb = (doc["variants"][k]["cost"]["per_1k_requests_usd"] for k in "ab")
    assert 5 < ca / cb < 15
    # both runs are ordinary stored runs, linked to each other and to the comparison
    store = RunStore(tmp_path / ".gonogo" / "runs.sqlite")
    ra = store.get_run(doc["variants"]["a"]["run_id"])
    rb = store.get_run(doc["variants"]["b"]["run_id"])
    store.close()
    assert ra.status == rb.status == "completed"
    assert ra.meta["comparison"]["other_run"] == rb.id and rb.meta["comparison"]["role"] == "b"
    assert ra.meta["comparison"]["id"] == doc["comparison"]["id"]
    assert rb.meta["variant"]["overrides"]["model"] == "capitals-small"
    assert rb.results["scorers"][0]["passes"] == 22
    on_disk = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert on_disk["schema"] == "gonogo.comparison" and on_disk["verdict"] == "better"
    html = (tmp_path / "out" / "comparison.html").read_text()
    assert "B better" in html and "<del>I don&#39;t know</del><ins>Dublin</ins>" in html


def test_b_worse_fails_ci_and_fail_on_none_does_not(tmp_path, cli):
    prd = project(tmp_path, prd_text(script(range(22)), script(range(10))))
    r = cli("compare", prd, "-q", "--out", tmp_path / "out")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "B worse" in r.stdout and "0/18/12" in r.stdout
    doc = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert doc["verdict"] == "worse" and scorer(doc, "correct")["test"]["losses"] == 12
    r2 = cli("compare", prd, "-q", "--resume", "--fail-on", "none")
    assert r2.returncode == 0, r2.stderr
    r3 = cli("compare", prd, "-q", "--resume", "--fail-on", "wrose")
    assert r3.returncode == 2 and "wrose" in r3.stderr


def test_mixed_changes_are_no_detectable_difference(tmp_path):
    # B fixes 6 cases (10..15) and breaks 2 (0, 1): McNemar p = 2 * P(X <= 2 | 8, 1/2)
    a = script(range(10))
    b = script([*range(2, 16)], wrong={0: "Lyon", 1: "Munich"})
    doc = run(project(tmp_path, prd_text(a, b))).document
    t = scorer(doc, "correct")["test"]
    assert (t["wins"], t["ties"], t["losses"]) == (6, 22, 2)
    assert t["p_value"] == pytest.approx(2 * (1 + 8 + 28) / 256)
    assert doc["verdict"] == "no_difference"
    # 30 cases cannot detect a 10-point change: the report says so plainly
    assert scorer(doc, "correct")["underpowered"] is True
    assert any("too small to detect a change of 0.1" in r for r in doc["verdict_reasons"])


def test_non_inferiority_margin_decides(tmp_path):
    a = script(range(20))
    b = script(range(19))  # one case lost
    prd = project(tmp_path, prd_text(a, b))
    wide = run(prd, mode="non_inferiority", margin=0.2).document
    assert wide["settings"]["mode"] == "non_inferiority" and wide["verdict"] == "non_inferior"
    assert scorer(wide, "correct")["test"]["margin"] == 0.2
    tight = run(prd, mode="non_inferiority", margin=0.02, resume=True)
    assert tight.verdict == "inconclusive" and tight.exit_code() == 1
    # the runs were reused: nothing executed again
    assert tight.document["variants"]["b"]["executed_samples"] == 0
    assert tight.document["variants"]["b"]["resumed_samples"] == 30


def test_repeats_use_the_paired_permutation_test(tmp_path):
    prd = project(tmp_path, prd_text(script(range(10)), script(range(22)), repeats=2))
    doc = run(prd).document
    t = scorer(doc, "correct")["test"]
    assert doc["comparison"]["repeats"] == 2 and t["method"].startswith("paired-")
    assert (t["wins"], t["ties"], t["losses"]) == (12, 18, 0)
    assert doc["verdict"] == "better"
    assert all(len(c["samples"]) == 2 for c in doc["cases"])
    assert doc["variants"]["a"]["n_samples"] == 60


def test_command_line_overrides_and_a_an_a_a_test(tmp_path):
    prd = project(tmp_path, prd_text(script(range(10)), script(range(22))))
    # the scripted model ignores temperature: an A/A test in disguise
    res = run(
        prd, VariantRef("prd"), VariantRef(None, ("params.temperature=0", "prompt.version=7"))
    )
    doc = res.document
    b = doc["variants"]["b"]
    assert b["overrides"] == {"params": {"temperature": 0}, "prompt": {"version": 7}}
    assert b["label"] == "params.temperature=0 prompt.version=7"
    assert "prompt capitals v7" in b["target"]
    assert doc["similarity"]["identical_pairs"] == 30
    assert scorer(doc, "correct")["test"]["wins"] == scorer(doc, "correct")["test"]["losses"] == 0
    assert doc["verdict"] == "no_difference" and res.exit_code() == 0
    same = run(prd, VariantRef("wide"), VariantRef("wide"), resume=True).document
    assert any("same settings" in w for w in same["warnings"])


def test_html_escapes_model_output(tmp_path):
    evil = "<script>alert('x')</script> & <b>bold</b>"
    prd = project(tmp_path, prd_text(script(range(10)), script(range(10), wrong={3: evil})))
    result = run(prd, out_dir=tmp_path / "out")
    html = (tmp_path / "out" / "comparison.html").read_text()
    assert "<script>" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert result.document["verdict"] == "no_difference"
    # the changed case comes first in the side-by-side view
    first = html.index('<details class="case')
    assert "golden/c03" in html[first : first + 300]


def test_limit_uses_the_first_cases_and_is_its_own_run(tmp_path):
    prd = project(tmp_path, prd_text(script(range(10)), script(range(22))))
    full = run(prd).document
    first = run(prd, limit=12, resume=True).document
    assert first["comparison"]["n_cases"] == 12 and first["comparison"]["limit"] == 12
    assert [c["key"] for c in first["cases"]] == [f"golden/c{i:02d}" for i in range(12)]
    t = scorer(first, "correct")["test"]
    assert (t["wins"], t["ties"], t["losses"]) == (2, 10, 0)  # c10, c11
    # a different case set is a different run: nothing reused from the full comparison
    assert first["variants"]["a"]["run_id"] != full["variants"]["a"]["run_id"]
    assert first["variants"]["a"]["executed_samples"] == 12
