"""The feature endpoints end to end: a real gateway (uvicorn) in front of the fake upstream."""

from __future__ import annotations

import asyncio

import pytest
from gateway_kit import (
    STATIC,
    chat,
    gateway,
    in_store,
    prompt,
    request,
    sse_events,
    trace,
    upstream,
)

EXTRA = f"""
launch:
  fallback: [fake-mini, {{static: "{STATIC}"}}]
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with (
        upstream() as (srv, plan),
        gateway(tmp_path_factory.mktemp("gw"), srv.base_url, EXTRA, max_body_bytes=4096) as g,
    ):
        yield g, srv, plan


@pytest.fixture(autouse=True)
def _reset(env):
    env[2].reset()


def test_chat_completion_is_openai_shaped_and_traced(env):
    g, srv, _ = env
    r = chat(g, "What is the refund window?", temperature=0.7)
    assert r.status == 200
    assert r.body["object"] == "chat.completion"
    assert r.body["choices"][0]["message"]["content"] == "Answer: What is the refund window?"
    assert r.path == "primary"
    sent = srv.received[-1]
    assert sent["model"] == "fake-model"  # the PRD's chain decides the model
    assert sent["temperature"] == 0.7  # the caller's params win over the PRD's
    t = trace(g, r.trace_id)
    assert t.endpoint == "chat" and t.status == 200 and t.path == "primary"
    assert t.api_key_id == g.app_key_id
    assert t.output == "Answer: What is the refund window?"
    assert t.input_tokens and t.output_tokens
    # prices are per 1M tokens: 1000 in, 2000 out
    assert t.cost_usd == pytest.approx((t.input_tokens * 1000 + t.output_tokens * 2000) / 1e6)
    assert t.attempts[0]["model"] == "fake-model" and t.attempts[0]["outcome"] == "ok"


def test_prd_params_are_defaults(env):
    g, srv, _ = env
    assert chat(g, "hi").status == 200
    assert srv.received[-1]["temperature"] == 0.2


def test_feature_endpoint_renders_the_production_label(env):
    g, srv, _ = env
    r = prompt(g, variables={"question": "Can I return shoes?"}, contexts=["Shoes: 30 days."])
    assert r.status == 200, r.text
    assert r.headers["X-Gonogo-Prompt-Version"] == "1"
    body = r.body
    assert body["prompt"] == {"name": "answer", "version": 1, "label": "production"}
    assert body["path"] == "primary" and body["model"] == "fake-model"
    assert body["id"] == r.trace_id
    assert body["usage"]["input_tokens"] > 0 and body["cost_usd"] > 0
    messages = srv.received[-1]["messages"]
    assert messages[0] == {"role": "system", "content": "Answer from the context."}
    assert messages[1]["content"] == "Context: [1] Shoes: 30 days. Question: Can I return shoes?"
    t = trace(g, r.trace_id)
    assert (t.prompt_name, t.prompt_version, t.prompt_label) == ("answer", 1, "production")
    assert t.inputs == {"variables": {"question": "Can I return shoes?"}}
    assert t.contexts == ["Shoes: 30 days."]


def test_feature_endpoint_by_version_and_by_other_label(env):
    g, _, _ = env
    pushed = request("POST", g.url + "/v1/admin/prompts/answer/versions", key=g.admin_key,
                     body={"user": "V2 {question}", "message": "shorter"})  # fmt: skip
    assert pushed.status == 201 and pushed.body["version"] == 2
    moved = request("POST", g.url + "/v1/admin/prompts/answer/labels/staging", key=g.admin_key,
                    body={"version": 2, "reason": "try it"})  # fmt: skip
    assert moved.status == 200 and moved.body["to_version"] == 2
    r = prompt(g, label="staging", variables={"question": "q"})
    assert r.status == 200 and r.body["prompt"]["version"] == 2
    assert r.body["output"] == "Answer: V2 q"
    r = prompt(g, version=1, variables={"question": "q", "contexts": "c"})
    assert r.status == 200 and r.body["prompt"] == {"name": "answer", "version": 1, "label": None}
    r = prompt(g, variables={"question": "q", "contexts": "c"})  # production is still v1
    assert r.body["prompt"]["version"] == 1


def test_chat_with_the_gonogo_extension_uses_a_registry_prompt(env):
    g, srv, _ = env
    body = {"messages": [], "gonogo": {"prompt": "answer", "variables": {"question": "why?"},
                                       "contexts": ["ctx one"]}}  # fmt: skip
    r = request("POST", g.url + "/v1/chat/completions", key=g.app_key, body=body)
    assert r.status == 200, r.text
    assert r.headers["X-Gonogo-Prompt-Version"] == "1"
    assert srv.received[-1]["messages"][1]["content"] == "Context: [1] ctx one Question: why?"


@pytest.mark.parametrize(
    ("body", "status", "kind", "names"),
    [
        ({"variables": {"contexts": "x"}}, 400, "missing_variable", "question"),
        ({"label": "nope", "variables": {"question": "q"}}, 404, "unknown_label", "nope"),
        ({"version": 99, "variables": {"question": "q"}}, 404, "unknown_version", "99"),
        ({"variables": {"question": "q"}, "colour": 1}, 400, "invalid_request", "colour"),
        ({"variables": ["q"]}, 400, "invalid_request", "variables"),
        ({"contexts": "not a list"}, 400, "invalid_request", "contexts"),
        ({"label": "production", "version": 1}, 400, "invalid_request", "not both"),
        ({"stream": "yes"}, 400, "invalid_request", "stream"),
    ],
)
def test_feature_endpoint_bad_input_is_a_clear_4xx(env, body, status, kind, names):
    g, srv, _ = env
    before = srv.stats.requests
    r = request("POST", g.url + "/v1/prompts/answer/completions", key=g.app_key, body=body)
    assert r.status == status, r.text
    assert r.body["error"]["type"] == kind
    assert names in r.body["error"]["message"] + r.body["error"].get("fix", "")
    assert srv.stats.requests == before  # nothing reached the model
    t = trace(g, r.trace_id)  # traced all the same, with the error
    assert t.status == status and t.error


def test_unknown_prompt_is_404_naming_the_known_ones(env):
    g, _, _ = env
    r = prompt(g, "refund", variables={"question": "q"})
    assert r.status == 404 and r.body["error"]["type"] == "unknown_prompt"
    assert "answer" in r.body["error"]["fix"]


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (b"[1, 2]", "invalid_json"),
        (b'{"messages": "hi"}', "invalid_request"),
        (b'{"messages": []}', "invalid_request"),
        (b'{"messages": [{"role": "wizard", "content": "x"}]}', "invalid_request"),
        (b'{"messages": [{"role": "user", "content": 3}]}', "invalid_request"),
        (
            b'{"messages": [{"role": "user", "content": "x"}], "gonogo": {"promt": "a"}}',
            "invalid_request",
        ),  # fmt: skip
    ],
)
def test_chat_bad_input_is_400_json(env, raw, kind):
    g, _, _ = env
    r = request("POST", g.url + "/v1/chat/completions", key=g.app_key, raw=raw)
    assert r.status == 400, r.text
    assert r.body["error"]["type"] == kind
    assert r.headers["X-Gonogo-Trace-Id"]


def test_oversized_body_is_413(env):
    g, srv, _ = env
    before = srv.stats.requests
    r = chat(g, "x" * 5000)
    assert r.status == 413 and r.body["error"]["type"] == "request_too_large"
    assert srv.stats.requests == before
    big = {"trace_id": "x", "rating": "up", "comment": "y" * 5000}
    r = request("POST", g.url + "/v1/feedback", key=g.app_key, body=big)
    assert r.status == 413 and r.body["error"]["type"] == "request_too_large"


def test_unknown_route_and_method_are_json(env):
    g, _, _ = env
    r = request("GET", g.url + "/v2/nothing")
    assert r.status == 404 and r.body["error"]["type"] == "not_found"
    for path in ("/v1/prompts//completions", "/v1/prompts/a/b/completions", "/v1/prompts/x"):
        r = request("POST", g.url + path, key=g.app_key, body={})
        assert r.status == 404 and r.body["error"]["type"] == "not_found", path
    r = request("GET", g.url + "/v1/chat/completions", key=g.app_key)
    assert r.status == 405 and r.body["error"]["type"] == "method_not_allowed"


def test_chat_stream_proxies_chunks_and_commits_the_trace_before_done(env):
    g, _, _ = env
    words = "one two three four five six seven"
    r = chat(g, f"SAY: {words}", stream=True, stream_options={"include_usage": True})
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/event-stream")
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    chunks = [e for e in events[:-1] if e["choices"]]
    assert len(chunks) >= 3  # the upstream's pieces, forwarded one by one, as they are
    assert all(c["id"].startswith("chatcmpl-fake-") for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == words
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    usage = [e for e in events[:-1] if not e["choices"]]
    assert usage and usage[0]["usage"]["completion_tokens"] > 0
    t = trace(g, r.trace_id)  # committed before [DONE] was sent
    assert t is not None and t.output == words and t.path == "primary"
    assert t.output_tokens and t.cost_usd


def test_chat_stream_without_include_usage_has_no_usage_chunk(env):
    g, _, _ = env
    events = sse_events(chat(g, "SAY: a b c d", stream=True).text)
    assert all(e == "[DONE]" or e["choices"] for e in events)


def test_feature_endpoint_stream(env):
    g, _, _ = env
    r = prompt(g, variables={"question": "SAY: x y z w"}, contexts=["c"], stream=True)
    assert r.status == 200
    events = sse_events(r.text)
    assert events[-1] == "[DONE]"
    final = events[-2]
    assert final["prompt"]["version"] == 1 and final["path"] == "primary"
    deltas = "".join(e["delta"] for e in events[:-2])
    assert deltas == final["output"] == "x y z w"
    assert trace(g, final["id"]).output == "x y z w"


def test_openai_client_works_against_the_gateway(env):
    import openai
    g, _, _ = env

    async def go():
        client = openai.AsyncOpenAI(base_url=g.url + "/v1", api_key=g.app_key, max_retries=0)
        resp = await client.chat.completions.create(
            model="whatever", messages=[{"role": "user", "content": "SAY: hello there"}]
        )
        stream = await client.chat.completions.create(
            model="whatever", messages=[{"role": "user", "content": "SAY: a b c d e"}],
            stream=True,
        )  # fmt: skip
        parts = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        await client.close()
        return resp.choices[0].message.content, "".join(parts)

    text, streamed = asyncio.run(go())
    assert text == "hello there" and streamed == "a b c d e"


def test_feedback_201_only_for_known_traces(env):
    g, _, _ = env
    r = chat(g, "hi")
    ok = request("POST", g.url + "/v1/feedback", key=g.app_key,
                 body={"trace_id": r.trace_id, "rating": "down", "comment": "wrong",
                       "correction": "It is 30 days."})  # fmt: skip
    assert ok.status == 201 and ok.body["id"]
    rows = in_store(g.store_url, lambda s: s.list_feedback())
    fb = next(f for f, t in rows if f.id == ok.body["id"])
    assert fb.rating == 0.0 and fb.trace_id == r.trace_id and fb.api_key_id == g.app_key_id
    missing = request("POST", g.url + "/v1/feedback", key=g.app_key,
                      body={"trace_id": "0" * 32, "rating": "up"})  # fmt: skip
    assert missing.status == 404 and missing.body["error"]["type"] == "unknown_trace"
    for bad in ({"trace_id": r.trace_id, "rating": 7}, {"rating": "up"},
                {"trace_id": r.trace_id, "rating": "up", "stars": 5}):  # fmt: skip
        resp = request("POST", g.url + "/v1/feedback", key=g.app_key, body=bad)
        assert resp.status == 400, (bad, resp.text)


def test_health_openapi_and_metrics(env):
    g, _, _ = env
    chat(g, "hi")
    h = request("GET", g.url + "/healthz")
    assert h.status == 200 and h.body["status"] == "ok" and h.body["registry_revision"]
    doc = request("GET", g.url + "/openapi.json").body
    assert doc["openapi"].startswith("3.")
    assert {"/v1/chat/completions", "/v1/prompts/{name}/completions", "/v1/feedback"} <= set(
        doc["paths"]
    )
    m = request("GET", g.url + "/metrics")
    assert m.status == 200 and m.headers["Content-Type"].startswith("text/plain")
    text = m.text
    for name in ("gonogo_requests_total{endpoint=\"chat\",path=\"primary\",status=\"200\"}",
                 "gonogo_upstream_calls_total{model=\"fake-model\",outcome=\"ok\"}",
                 "gonogo_cost_usd_total{model=\"fake-model\"}",
                 "gonogo_request_duration_seconds_bucket{endpoint=\"chat\",le=\"+Inf\"}",
                 "gonogo_traces_written", "gonogo_budget_spent_usd{budget=\"daily\"}",
                 "gonogo_registry_revision", "gonogo_trace_commit_wait_seconds_count"):  # fmt: skip
        assert name in text, name


def test_admin_registry_api(env):
    g, _, _ = env
    listed = request("GET", g.url + "/v1/admin/prompts", key=g.admin_key)
    assert listed.status == 200 and any(p["name"] == "answer" for p in listed.body["prompts"])
    shown = request("GET", g.url + "/v1/admin/prompts/answer", key=g.admin_key)
    assert shown.status == 200 and shown.body["labels"]["production"] >= 1
    assert shown.body["history"][0]["actor"] == "gonogo serve"  # the seeding move
    nothing = request("GET", g.url + "/v1/admin/prompts/nope", key=g.admin_key)
    assert nothing.status == 404
    bad = request("POST", g.url + "/v1/admin/prompts/answer/labels/production", key=g.admin_key,
                  body={"version": "two"})  # fmt: skip
    assert bad.status == 400
    unknown = request("POST", g.url + "/v1/admin/prompts/answer/labels/production",
                      key=g.admin_key, body={"version": 999})  # fmt: skip
    assert unknown.status == 404
    history = request("GET", g.url + "/v1/admin/prompts/answer/history?label=production",
                      key=g.admin_key)  # fmt: skip
    assert history.status == 200 and history.body["history"]


def test_promote_and_rollback_through_the_admin_api(env):
    g, _, _ = env
    v = request("POST", g.url + "/v1/admin/prompts/answer/versions", key=g.admin_key,
                body={"user": "Rollback test {question}"}).body["version"]  # fmt: skip
    before = prompt(g, variables={"question": "q", "contexts": "c"}).body["prompt"]["version"]
    up = request("POST", g.url + "/v1/admin/prompts/answer/labels/production", key=g.admin_key,
                 body={"version": v, "reason": "ship it"})  # fmt: skip
    assert up.status == 200
    # this replica serves the move at once (no poll wait)
    assert prompt(g, variables={"question": "q"}).body["prompt"]["version"] == v
    back = request("POST", g.url + "/v1/admin/prompts/answer/labels/production/rollback",
                   key=g.admin_key, body={"reason": "bad answers"})  # fmt: skip
    assert back.status == 200 and back.body["to_version"] == before
    r = prompt(g, variables={"question": "q", "contexts": "c"})
    assert r.body["prompt"]["version"] == before
    history = in_store(g.store_url, lambda s: s.label_history("answer", "production"))
    assert [h.reason for h in history[-2:]] == ["ship it", "bad answers"]


def test_registry_changes_made_elsewhere_arrive_within_the_poll(env):
    g, _, _ = env

    async def push_and_move(store):
        pv, _ = await store.push_prompt("other", system=None, user="Other {question}",
                                        model=None, params={}, output_schema=None,
                                        actor="test", message=None)  # fmt: skip
        await store.move_label("other", "production", pv.version, actor="test", reason=None)

    in_store(g.store_url, push_and_move)  # another process's change (the CLI's, say)
    import time

    deadline = time.monotonic() + 3
    while True:
        r = prompt(g, "other", variables={"question": "q"})
        if r.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert r.status == 200 and r.body["output"] == "Answer: Other q"


def test_metrics_count_requests_by_status(env):
    g, _, _ = env
    request("POST", g.url + "/v1/chat/completions", key=g.app_key, raw=b"{bad")
    text = request("GET", g.url + "/metrics").text
    series = 'gonogo_requests_total{endpoint="chat",path="refused",status="400"}'
    line = next(x for x in text.splitlines() if x.startswith(series))
    assert int(line.split()[-1]) >= 1
