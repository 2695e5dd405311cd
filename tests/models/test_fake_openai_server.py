import json
import subprocess
import sys
import urllib.request

import jsonschema
import pytest

from gonogo.testing import FakeOpenAIServer, sample_for_schema


def _post(url, body, headers=None):
    req = urllib.request.Request(
        url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


SCHEMAS = [
    {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "minimum": 1, "maximum": 5},
            "reasoning": {"type": "string"},
        },
        "required": ["score", "reasoning"],
        "additionalProperties": False,
    },
    {"type": "object", "properties": {"score": {"type": "integer"}}},
    {
        "type": "object",
        "properties": {
            "label": {"enum": ["yes", "no"]},
            "p": {"type": "number", "minimum": 0, "maximum": 1},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 4}, "minItems": 2},
            "ok": {"type": "boolean"},
            "maybe": {"type": ["null", "integer"], "exclusiveMinimum": 3},
            "nested": {"type": "object", "properties": {"n": {"type": "integer", "maximum": 2}}},
        },
    },
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_sample_for_schema_validates(schema):
    jsonschema.validate(sample_for_schema(schema), schema)


def test_score_defaults():
    assert sample_for_schema(SCHEMAS[0])["score"] == 1  # the minimum when given
    assert sample_for_schema(SCHEMAS[1]) == {"score": 3}


def test_real_http_answers_faults_and_stats():
    with FakeOpenAIServer(faults=["429", None, "503"], retry_after="2") as srv:
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        status, headers, raw = _post(srv.base_url, body)
        assert status == 429 and headers["Retry-After"] == "2"
        assert "Rate limit" in json.loads(raw)["error"]["message"]
        status, _, raw = _post(srv.base_url, body)
        answer = json.loads(raw)
        assert status == 200 and answer["choices"][0]["message"]["content"] == "Answer: hi"
        assert answer["usage"] == {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}
        assert _post(srv.base_url, body)[0] == 503
        assert _post(srv.base_url, {"nope": 1})[0] == 400
        with urllib.request.urlopen(srv.base_url + "/models", timeout=5) as resp:
            assert json.loads(resp.read())["data"][0]["id"] == "fake-model"
        assert srv.stats.requests == 4
        assert srv.stats.by_status == {429: 1, 200: 1, 503: 1, 400: 1}


def test_custom_responder_and_seeded_fault_rate():
    def run(seed):
        with FakeOpenAIServer(fault_rate=0.5, fault_mix=["500", "502"], seed=seed) as srv:
            srv.set_responder(lambda payload: payload["messages"][-1]["content"].upper())
            body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
            results = [_post(srv.base_url, body) for _ in range(20)]
        return [
            (s, json.loads(r)["choices"][0]["message"]["content"] if s == 200 else None)
            for s, _, r in results
        ]

    first = run(7)
    assert first == run(7)  # deterministic for a seed
    statuses = {s for s, _ in first}
    assert statuses == {200, 500, 502}
    assert {text for s, text in first if s == 200} == {"HI"}


def test_command_line_prints_the_url_first():
    proc = subprocess.Popen(
        [sys.executable, "-m", "gonogo.testing.fake_openai", "--port", "0", "--latency-ms", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        body = {"model": "m", "messages": [{"role": "user", "content": "cli"}]}
        assert _post(url, body)[0] == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "requests=1" in err and "RuntimeWarning" not in err


def test_a_port_in_use_is_an_error_in_the_callers_thread_and_stop_is_safe():
    import threading

    with FakeOpenAIServer() as first:
        second = FakeOpenAIServer(port=first.port)
        with pytest.raises(OSError):
            second.start()
        second.stop()  # nothing to stop: a no-op
    assert not [t for t in threading.enumerate() if t.name == "fake-openai"]
