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


def test_the_demo_from_zero_to_every_launch_item_evidenced(tmp_path, cli):
    """Issue #15's end-to-end bar: the demo PRD → `gonogo launch` lists what is missing →
    `--run-missing` runs the eval, red team, lab and drills offline → every item evidenced."""
    demo = tmp_path / "demo"
    r = cli("demo", "--dir", demo, "--cases", "20", cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    prd = demo / "gonogo.yaml"
    before = cli("launch", prd, "--out", tmp_path / "before", cwd=tmp_path, timeout=120)
    assert before.returncode == 1, before.stdout + before.stderr
    doc = json.loads((tmp_path / "before" / "launch.json").read_text())
    missing = {i["id"] for i in doc["items"] if i["status"] == "missing"}
    assert {"redteam", "hallucinations", "fallback", "feedback", "rollback"} <= missing, missing
    after = cli("launch", prd, "--run-missing", "--out", tmp_path / "after", cwd=tmp_path,
                timeout=1200)  # fmt: skip
    assert after.returncode in (0, 1), after.stdout + after.stderr
    doc = json.loads((tmp_path / "after" / "launch.json").read_text())
    statuses = {i["id"]: i["status"] for i in doc["items"]}
    assert all(s in ("pass", "fail") for s in statuses.values()), statuses  # nothing missing
    assert all(i["evidence"] for i in doc["items"]), statuses
    assert statuses["fallback"] == statuses["feedback"] == statuses["rollback"] == "pass"
    assert statuses["hallucinations"] == "pass", doc["items"]
    assert doc["verdict"] == ("GO" if set(statuses.values()) == {"pass"} else "NO-GO")


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
