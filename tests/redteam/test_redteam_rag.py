"""Indirect prompt injection through the reference RAG app's real retriever."""

import json

from gonogo.demo import DemoConfig, build_demo
from gonogo.rag import RagIndex, load_documents


def test_planted_documents_are_retrieved_and_reported(tmp_path, cli):
    build_demo(tmp_path, DemoConfig(answerable=6, unanswerable=1, injected=1))
    RagIndex.build(load_documents([tmp_path / "corpus"])[0]).save(tmp_path / "index")
    prd = tmp_path / "gonogo.yaml"
    text = prd.read_text()
    prd.write_text(text.replace("launch:", "launch:\n  redteam: {probes_per_family: 12, "
                                "families: [indirect-injection, pii-leakage]}", 1))  # fmt: skip
    r = cli("redteam", "run", prd, "--out", tmp_path / "rt", timeout=600)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    doc = json.loads((tmp_path / "rt" / "redteam.json").read_text())
    assert doc["run"]["delivery"]["documents"] == "hook"
    # 12 poisoned emails + 12 private records: a Python target has no system prompt, so
    # every PII probe is built for the channel it has (documents) — none is dropped
    assert doc["run"]["documents_planted"] == 24
    ind = doc["indirect"]
    # the retriever finds the poisoned email for its own question most of the time
    assert ind["retrieved"]["n"] == 12 and ind["retrieved"]["count"] >= 6
    fams = {f["family"]: f for f in doc["families"]}
    assert fams["indirect-injection"]["n"] == 12 and fams["pii-leakage"]["n"] == 12
    assert "Indirect injection: by position" in r.stdout
