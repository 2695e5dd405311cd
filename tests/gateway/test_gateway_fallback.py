"""The fallback chain and the circuit breaker, against a fake upstream that fails on cue."""

from __future__ import annotations

import time

import pytest
from gateway_kit import STATIC, chat, gateway, prompt, request, sse_events, trace, upstream

from gonogo.gateway import CircuitBreaker

CHAIN = f"""
launch:
  timeout_s: 0.5
  fallback: [fake-mini, {{static: "{STATIC}"}}]
  circuit_breaker: {{failures: 3, window_s: 30, cooldown_s: 0.4}}
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with (
        upstream() as (srv, plan),
        gateway(tmp_path_factory.mktemp("gw"), srv.base_url, CHAIN) as g,
    ):
        yield g, srv, plan


@pytest.fixture(autouse=True)
def _reset(env):
    g, _, plan = env
    plan.reset()
    for br in g.gw.cfg.breakers().values():  # each test starts with closed breakers
        br.success()


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        ("slow", "timeout"),
        ("500", "server_error"),
        ("503", "server_error"),
        ("429", "rate_limit"),
        ("drop", "connection"),
        ("malformed", "bad_response"),
        ("missing_choices", "bad_response"),
    ],
)
def test_each_failure_falls_back_to_the_next_model(env, fault, outcome):
    g, _, plan = env
    plan.plan["fake-model"] = [fault]
    r = chat(g, "SAY: from the fallback")
    assert r.status == 200, r.text
    assert r.path == "fallback:1:fake-mini"
    assert r.body["choices"][0]["message"]["content"] == "from the fallback"
    assert r.body["model"] == "fake-mini"
    t = trace(g, r.trace_id)
    assert t.path == "fallback:1:fake-mini" and t.model == "fake-mini"
    assert [a["outcome"] for a in t.attempts] == [outcome, "ok"]
    assert t.attempts[0]["model"] == "fake-model" and t.attempts[0]["error"]


def test_static_answer_when_every_model_fails(env):
    g, _, plan = env
    plan.plan["fake-model"] = ["500"]
    plan.plan["fake-mini"] = ["503"]
    r = chat(g, "hi")
    assert r.status == 200 and r.path == "static"
    assert r.body["choices"][0]["message"]["content"] == STATIC
    assert r.body["model"] == "gonogo-static"
    t = trace(g, r.trace_id)
    assert t.path == "static" and t.output == STATIC and len(t.attempts) == 2
    # each response has its own id (OpenAI clients key on it): its trace's
    assert r.body["id"] == f"chatcmpl-{r.trace_id}"
    feature = prompt(g, variables={"question": "q", "contexts": "c"})  # the primary is fine again
    assert feature.body["path"] == "primary"


def test_feature_endpoint_falls_back_too(env):
    g, _, plan = env
    plan.plan["fake-model"] = ["502"]
    r = prompt(g, variables={"question": "q", "contexts": "c"})
    assert r.status == 200 and r.body["path"] == "fallback:1:fake-mini"
    assert r.headers["X-Gonogo-Path"] == "fallback:1:fake-mini"
    assert r.body["model"] == "fake-mini"


def test_breaker_opens_skips_the_dead_upstream_and_recovers_half_open(env):
    g, srv, plan = env
    plan.plan["fake-model"] = "500"  # every call fails
    for _ in range(3):
        assert chat(g, "hi").path == "fallback:1:fake-mini"
    assert plan.calls["fake-model"] == 3
    r = chat(g, "hi")  # open: the primary is not called at all
    assert r.path == "fallback:1:fake-mini" and plan.calls["fake-model"] == 3
    assert trace(g, r.trace_id).attempts[0]["outcome"] == "skipped"
    metrics = request("GET", g.url + "/metrics").text
    assert 'gonogo_circuit_breaker_state{upstream="fake-model@' in metrics
    assert [x for x in metrics.splitlines() if "breaker_state" in x and "fake-model@" in x][
        0
    ].endswith(" 2")
    time.sleep(0.45)  # cool-down over: one probe goes through; it fails → open again
    assert chat(g, "hi").path == "fallback:1:fake-mini"
    assert plan.calls["fake-model"] == 4
    assert chat(g, "hi").path == "fallback:1:fake-mini" and plan.calls["fake-model"] == 4
    plan.plan["fake-model"] = None  # the upstream recovers
    time.sleep(0.45)
    assert chat(g, "hi").path == "primary"  # the probe succeeds: closed
    assert chat(g, "hi").path == "primary" and plan.calls["fake-model"] == 6


def test_stream_falls_back_before_the_first_chunk(env):
    g, _, plan = env
    plan.plan["fake-model"] = ["503"]
    r = chat(g, "SAY: streamed by the fallback", stream=True)
    assert r.status == 200 and r.path == "fallback:1:fake-mini"
    events = sse_events(r.text)
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1])
    assert text == "streamed by the fallback"
    assert [a["outcome"] for a in trace(g, r.trace_id).attempts] == ["server_error", "ok"]


def test_stream_broken_midway_ends_with_an_error_event_and_is_traced(env):
    g, _, plan = env
    plan.plan["fake-model"] = ["stream_break"]
    r = chat(g, "SAY: one two three four five six seven", stream=True)
    assert r.status == 200
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    assert any(isinstance(e, dict) and "error" in e for e in events)
    t = trace(g, r.trace_id)
    assert t.error and "stream broke" in t.error
    assert t.output == "one two three "  # what reached the client


def test_stream_uses_the_static_answer_when_all_fail(env):
    g, _, plan = env
    plan.plan["fake-model"] = ["500"]
    plan.plan["fake-mini"] = ["500"]
    r = chat(g, "hi", stream=True)
    assert r.status == 200 and r.path == "static"
    events = sse_events(r.text)
    assert events[0]["choices"][0]["delta"]["content"] == STATIC


NO_STATIC = """
launch:
  timeout_s: 0.5
  fallback: [fake-mini]
  fallback_on: [5xx, timeout, connection]
  circuit_breaker: {enabled: false}
"""


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    with (
        upstream() as (srv, plan),
        gateway(tmp_path_factory.mktemp("gw"), srv.base_url, NO_STATIC) as g,
    ):
        yield g, srv, plan


@pytest.mark.parametrize(
    ("faults", "status", "kind"),
    [
        (["500", "500"], 502, "upstream_error"),
        (["slow", "slow"], 504, "upstream_error"),
        (["429"], 429, "upstream_error"),  # 429 is not a trigger here: no fallback
    ],
)
def test_without_a_static_answer_failures_are_json_errors(bare, faults, status, kind):
    g, _, plan = bare
    plan.reset()
    plan.plan["fake-model"] = faults[:1]
    plan.plan["fake-mini"] = faults[1:]
    r = chat(g, "hi")
    assert r.status == status, r.text
    assert r.body["error"]["type"] == kind
    assert r.path == "refused"
    t = trace(g, r.trace_id)
    assert t.status == status and t.attempts
    if status == 429:
        assert plan.calls.get("fake-mini") is None
        assert r.headers.get("Retry-After") == "0"


def test_upstream_rejecting_the_request_is_a_400_without_fallback(bare):
    g, _, plan = bare
    plan.reset()
    plan.plan["fake-model"] = ["400"]
    r = chat(g, "hi")
    assert r.status == 400 and r.body["error"]["type"] == "upstream_rejected_request"
    assert plan.calls.get("fake-mini") is None


def test_breaker_state_machine_unit():
    now = [0.0]
    br = CircuitBreaker(failures=2, window_s=10, cooldown_s=5, clock=lambda: now[0])
    assert br.allow()
    br.failure()
    now[0] = 11  # the first failure left the window
    br.failure()
    assert br.state == "closed"
    br.failure()
    assert br.state == "open" and not br.allow()
    now[0] = 16.5
    assert br.allow() and br.state == "half_open"
    assert not br.allow()  # one probe at a time
    br.success()
    assert br.state == "closed" and br.allow()
    off = CircuitBreaker(failures=1, enabled=False)
    off.failure()
    assert off.allow()


def _explode(*args, **kwargs):
    raise RuntimeError("a bug in a guard")


def test_unexpected_errors_get_the_static_answer_and_a_trace(env, monkeypatch):
    g, _, _ = env
    monkeypatch.setattr(g.gw.cfg.guards, "check_output", _explode)
    r = chat(g, "hi")
    assert r.status == 200 and r.path == "static"
    assert r.body["choices"][0]["message"]["content"] == STATIC
    t = trace(g, r.trace_id)
    assert t.path == "static" and "a bug in a guard" in t.error
    s = chat(g, "hi", stream=True)  # mid-stream: an error event, the trace, [DONE]
    events = sse_events(s.text)
    assert s.status == 200 and events[-1] == "[DONE]"
    assert any(isinstance(e, dict) and "error" in e for e in events)
    assert "a bug in a guard" in trace(g, s.trace_id).error


def test_unexpected_errors_without_a_static_answer_are_json_502(bare, monkeypatch):
    g, _, plan = bare
    plan.reset()
    monkeypatch.setattr(g.gw.cfg.guards, "check_output", _explode)
    r = chat(g, "hi")
    assert r.status == 502 and r.body["error"]["type"] == "internal_error"
    assert r.trace_id in r.body["error"]["fix"]
    assert "a bug in a guard" in trace(g, r.trace_id).error


MIXED = """
launch:
  retries: 1
  fallback:
    - {name: backup-model, provider: scripted, script: ["a scripted answer"]}
  circuit_breaker: {enabled: false}
"""


def test_retries_then_a_fallback_of_another_provider(tmp_path):
    with upstream() as (srv, plan), gateway(tmp_path, srv.base_url, MIXED) as g:
        plan.plan["fake-model"] = ["500"]  # one failure: the retry serves it
        r = chat(g, "SAY: retried")
        assert r.path == "primary" and r.body["choices"][0]["message"]["content"] == "retried"
        assert [a["outcome"] for a in trace(g, r.trace_id).attempts] == ["server_error", "ok"]
        plan.plan["fake-model"] = "503"
        r = chat(g, "hi")
        assert r.status == 200 and r.path == "fallback:1:backup-model"
        assert r.body["choices"][0]["message"]["content"] == "a scripted answer"
        assert r.body["model"] == "backup-model"
        s = chat(g, "hi", stream=True)  # a non-OpenAI step: the answer is sent as events
        events = sse_events(s.text)
        assert s.path == "fallback:1:backup-model" and events[-1] == "[DONE]"
        assert events[0]["choices"][0]["delta"]["content"] == "a scripted answer"
        assert plan.calls["fake-model"] == 2 + 2 + 2  # each request: the primary and one retry


@pytest.mark.parametrize(
    ("faults", "status"), [(["500", "500"], 502), (["slow", "slow"], 504), (["400"], 400)]
)
def test_streams_that_cannot_start_are_json_errors(bare, faults, status):
    g, _, plan = bare
    plan.reset()
    plan.plan["fake-model"] = faults[:1]
    plan.plan["fake-mini"] = faults[1:]
    r = chat(g, "hi", stream=True)
    assert r.status == status, r.text
    assert r.headers["Content-Type"].startswith("application/json") and r.body["error"]
    assert trace(g, r.trace_id).status == status
