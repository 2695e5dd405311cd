"""An upstream that echoes the API key: the key is never written or printed (L1)."""

from __future__ import annotations

import json
import textwrap

import pytest

from gonogo import _redact
from gonogo.gateway._http import HTTPError
from gonogo_testkit import raw_http_server, write_project

SECRET = "sk-live-ECHOED-0123456789abcdefghij"


def _echo(headers, body):
    """An OpenAI-compatible endpoint that refuses every request, quoting the key it got."""
    key = headers["Authorization"].removeprefix("Bearer ")
    return 400, json.dumps({"error": {"message": f"Incorrect API key provided: {key}"}}).encode()


@pytest.fixture
def echo_server():
    with raw_http_server(_echo) as url:
        yield url + "/v1"


def test_an_echoed_key_reaches_no_file_and_no_output(tmp_path, cli, echo_server):
    prd = write_project(
        tmp_path,
        textwrap.dedent(f"""
            feature: echoing upstream
            model:
              base_url: {echo_server}
              name: m
              api_key_env: ECHO_TEST_KEY
              max_retries: 0
              prompt: {{name: p, version: 1, user: "{{question}}"}}
            eval_plan:
              datasets: [{{name: golden, path: data/golden.jsonl}}]
              scorers: [{{id: fine, kind: contains_any, values: ["fine"]}}]
              thresholds: [{{scorer: fine, min_pass_rate: 0.5}}]
        """),
        [{"id": f"c{i}", "question": f"q{i}"} for i in range(5)],
    )
    r = cli("eval", prd, "--out", tmp_path / "out", env={"ECHO_TEST_KEY": SECRET})
    assert r.returncode == 1, r.stdout + r.stderr
    results = (tmp_path / "out" / "results.json").read_text()
    assert "Incorrect API key provided: [REDACTED]" in results  # the error is kept, the key not
    leaks = [
        p.name for p in tmp_path.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()
    ]
    assert leaks == [] and SECRET not in r.stdout + r.stderr, leaks


def test_the_gateway_passes_no_echoed_key_to_its_caller(monkeypatch):
    monkeypatch.setattr(_redact, "_secrets", ())
    _redact.add_secret(SECRET)
    err = HTTPError(400, "upstream_rejected_request", f"Incorrect API key provided: {SECRET}")
    assert SECRET not in json.dumps(err.body()) and "[REDACTED]" in err.message
