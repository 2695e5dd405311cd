"""Whatever the feature answers, eval finishes with a verdict and its reports (M1)."""

from __future__ import annotations

import json
import textwrap

import pytest

from gonogo.testing import FakeOpenAIServer
from gonogo_testkit import raw_http_server, write_project

APP = textwrap.dedent("""
    def answer(question):
        if question == "surrogate":
            return "x \\ud800 y"
        if question == "nan":
            return float("nan")
        if question == "inf":
            return {"v": float("inf"), "w": [float("-inf")]}
        if question == "big":
            return 10 ** 5000
        if question == "deep":
            v = []
            for _ in range(1500):
                v = [v]
            return v
        if question == "raises":
            raise RuntimeError("bad \\udfff message")
        return "fine"
""")

PRD = textwrap.dedent("""
    feature: hostile outputs
    eval_plan:
      target: {target}
      datasets: [{{name: golden, path: data/golden.jsonl}}]
      scorers: [{{id: fine, kind: contains_any, values: ["fine"]}}]
      thresholds: [{{scorer: fine, min_pass_rate: 0.5}}]
""")

QUESTIONS = ["surrogate", "nan", "inf", "big", "deep", "raises", "ok"]


def _run(tmp_path, cli, prd_text, extra=None):
    rows = [{"id": q, "question": q} for q in QUESTIONS]
    prd = write_project(tmp_path, prd_text, rows, extra)
    r = cli("eval", prd, "--out", tmp_path / "out", "-q")
    assert r.returncode == 1, r.stdout + r.stderr  # a verdict (NO-GO), not a crash
    assert "Traceback" not in r.stderr + r.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    (tmp_path / "out" / "junit.xml").read_text(encoding="utf-8")
    return {c["id"]: c["samples"][0] for c in results["cases"]}, html


def test_unserialisable_answers_from_a_callable(tmp_path, cli):
    samples, html = _run(tmp_path, cli, PRD.format(target="app:answer"), {"app.py": APP})
    assert samples["surrogate"]["output"] == "x \ufffd y"
    assert samples["nan"]["output"] is None
    assert samples["inf"]["output"] == {"v": None, "w": [None]}
    assert samples["big"]["output"] == "<integer of 5001 digits>"
    assert "nested deeper than 200 levels" in json.dumps(samples["deep"]["output"])
    assert samples["raises"]["error"] == "RuntimeError: bad \ufffd message"
    assert samples["ok"]["output"] == "fine" and "x \ufffd y" in html
    # the run completed, so there is nothing left to resume
    r = cli("eval", tmp_path / "gonogo.yaml", "--resume")
    assert r.returncode == 2 and "nothing to resume" in r.stderr


BODIES = {
    "surrogate": b'{"output": "x \\ud800 y"}',
    "nan": b'{"output": NaN}',
    "inf": b'{"output": {"v": Infinity, "w": [-Infinity]}}',
    "big": b'{"output": ' + b"7" * 4000 + b"}",
    "deep": b'{"output": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    "raises": b'{"nothing": 1}',
    "ok": b'{"output": "fine"}',
}


@pytest.fixture
def raw_server():
    with raw_http_server(lambda headers, body: (200, BODIES[json.loads(body)["question"]])) as url:
        yield url + "/answer"


def test_unserialisable_bodies_from_an_http_target(tmp_path, cli, raw_server):
    samples, _ = _run(tmp_path, cli, PRD.format(target=f"{{url: {raw_server}}}"))
    assert samples["surrogate"]["output"] == "x \ufffd y"
    assert samples["nan"]["output"] is None
    assert samples["inf"]["output"] == {"v": None, "w": [None]}
    assert samples["big"]["output"] == int("7" * 4000)
    assert samples["raises"]["error_kind"] == "invalid_output"
    assert samples["ok"]["output"] == "fine"


def test_a_model_answer_with_a_lone_surrogate(tmp_path, cli):
    with FakeOpenAIServer() as srv:
        srv.set_responder(lambda payload: "fine \ud800 answer")
        prd_text = textwrap.dedent(f"""
            feature: hostile model
            model:
              base_url: {srv.base_url}
              name: m
              prompt: {{name: p, version: 1, user: "{{question}}"}}
            eval_plan:
              datasets: [{{name: golden, path: data/golden.jsonl}}]
              scorers: [{{id: fine, kind: contains_any, values: ["fine"]}}]
              thresholds: [{{scorer: fine, min_pass_rate: 0.99}}]
        """)
        samples, _ = _run(tmp_path, cli, prd_text)
    assert all(s["output"] == "fine \ufffd answer" for s in samples.values())
