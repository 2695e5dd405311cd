"""`gonogo demo` end to end through the real CLI: RAG app, index, eval, reports."""

import json

from gonogo.demo import DemoConfig, build_demo, load_items


def test_demo_builds_evaluates_and_reports(tmp_path, cli):
    r = cli("demo", "--dir", tmp_path / "demo", "--cases", "20", cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "indexed" in r.stdout
    res = json.loads((tmp_path / "demo" / "report" / "results.json").read_text())
    # the verdict printed is the one computed, and the demo exits 0 whatever it is
    assert res["verdict"] in ("GO", "NO-GO")
    assert "demo finished in" in r.stdout and f"with verdict {res['verdict']} " in r.stdout
    assert res["verdict"] in {line.strip() for line in r.stdout.splitlines()}
    assert res["totals"]["n_cases"] == 20
    kinds = {s["id"]: s["kind"] for s in res["scorers"]}
    assert kinds["grounded"] == "groundedness" and kinds["refuses_right"] == "refusal"
    sample = res["cases"][0]["samples"][0]
    assert sample["contexts"], "the RAG app returns its retrieved contexts"
    assert {f["id"] for f in res["failure_modes"]} >= {
        "hallucination",
        "retrieval-miss",
        "unanswerable-question",
        "injected-instructions",
    }
    # a second run reuses the project and index
    r2 = cli("demo", "--dir", tmp_path / "demo", "--cases", "20", cwd=tmp_path, timeout=300)
    assert r2.returncode == 0 and "wrote the demo project" not in r2.stdout
    # an LLM endpoint that is down: the run could not finish (exit 3), it is not a NO-GO
    r3 = cli("demo", "--dir", tmp_path / "demo", "--cases", "10", "--base-url",
             "http://127.0.0.1:9/v1", "--model", "m", cwd=tmp_path, timeout=300)  # fmt: skip
    assert r3.returncode == 3, r3.stdout + r3.stderr
    assert "cannot reach http://127.0.0.1:9/v1" in r3.stderr and "NO-GO" not in r3.stdout


def test_demo_project_is_honest(tmp_path):
    summary = build_demo(tmp_path, DemoConfig(answerable=30, unanswerable=5, injected=3))
    golden = [json.loads(line) for line in (tmp_path / "data" / "golden.jsonl").open()]
    corpus = [json.loads(line) for line in (tmp_path / "corpus" / "passages.jsonl").open()]
    corpus_ids = {d["id"] for d in corpus}
    unanswerable = [g for g in golden if "unanswerable" in g["tags"]]
    injected = [g for g in golden if "injected" in g["tags"]]
    assert len(unanswerable) == 5 and len(injected) == 3
    # unanswerable = the question's own passage is really not in the corpus
    assert not {g["id"] for g in unanswerable} & corpus_ids
    assert all("expected" not in g for g in unanswerable)
    planted = {d["id"]: d["text"] for d in corpus if "NOTE TO THE ASSISTANT" in d["text"]}
    assert set(planted) == {g["id"] for g in injected}
    assert summary["documents"] == len(load_items()) - 5
    assert (tmp_path / "data" / "HALUEVAL_LICENSE").exists()


def test_only_the_llm_demo_has_a_judge(tmp_path):
    """Offline, nothing can judge: the PRD has no judge and no rubric scorer (a judge
    with no endpoint made every case wait on failing calls and left `helpful` not
    evaluated). With --base-url and --model the same endpoint judges."""
    from gonogo.spec import load_prd

    build_demo(tmp_path / "off", DemoConfig(answerable=8, unanswerable=1, injected=1))
    offline = load_prd(tmp_path / "off" / "gonogo.yaml").prd
    assert offline.eval_plan.judge is None
    assert "helpful" not in {s.id for s in offline.eval_plan.scorers}
    assert offline.model is not None and offline.model.name == "gpt-4o-mini"  # what it ships on

    llm = DemoConfig(answerable=8, unanswerable=1, injected=1, base_url="http://h/v1", model="m")
    build_demo(tmp_path / "llm", llm)
    online = load_prd(tmp_path / "llm" / "gonogo.yaml").prd
    assert online.eval_plan.judge is not None and online.eval_plan.judge.base_url == "http://h/v1"
    assert "helpful" in {s.id for s in online.eval_plan.scorers}
