"""Budgets (soft alert, hard refuse or cheap model, per key, shared via Redis) and API keys."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from gateway_kit import add_key, chat, gateway, in_store, prompt, request, upstream

from gonogo.store.gateway import hash_key

# fake-model costs $1000 / $2000 per 1M tokens: one short request is about $0.01-0.02
REFUSE = """
launch:
  budget: {daily_usd: 0.05, soft_at: 0.5}
"""


def spend_until_refused(g, limit: int = 20, **kw):
    statuses = []
    for _ in range(limit):
        r = chat(g, "Summarize the refund policy in one sentence.", **kw)
        statuses.append(r.status)
        if r.status != 200:
            return r, statuses
    raise AssertionError(f"never refused: {statuses}")


def test_daily_budget_alerts_then_refuses(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="gonogo.gateway")
    with upstream() as (srv, _), gateway(tmp_path, srv.base_url, REFUSE) as g:
        r, statuses = spend_until_refused(g)
        assert statuses[0] == 200 and len(statuses) >= 3
        assert r.status == 429 and r.body["error"]["type"] == "budget_exceeded"
        assert "daily budget" in r.body["error"]["message"] and r.path == "refused"
        assert 0 < int(r.headers["Retry-After"]) <= 86400  # until the next UTC day
        before = srv.stats.requests
        assert chat(g, "again").status == 429 and srv.stats.requests == before
        alerts = [rec.getMessage() for rec in caplog.records if "budget alert" in rec.getMessage()]
        assert len(alerts) == 1 and "daily" in alerts[0]  # once per period, not per request
        metrics = request("GET", g.url + "/metrics").text
        assert 'gonogo_budget_alerts{budget="daily"} 1' in metrics
        assert 'gonogo_budget_refusals_total{budget="daily",action="refuse"}' in metrics
        snap = request("GET", g.url + "/v1/admin/budget", key=g.admin_key).body
        assert snap["daily"]["limit_usd"] == 0.05 and snap["daily"]["spent_usd"] >= 0.05
        assert snap["daily"]["used"] >= 1.0
        trace = in_store(g.store_url, lambda s: s.get_trace(r.trace_id))
        assert trace.status == 429 and trace.path == "refused"


def test_spend_survives_a_restart_through_the_store(tmp_path):
    with upstream() as (srv, _):
        with gateway(tmp_path, srv.base_url, REFUSE) as g:
            spend_until_refused(g)
        with gateway(tmp_path, srv.base_url, REFUSE) as g:  # same store: totals reloaded
            assert chat(g, "hi").status == 429


CHEAP = """
launch:
  budget: {daily_usd: 0.05, on_exceeded: fallback, cheap_model: fake-mini}
"""


def test_hard_budget_switches_to_the_cheap_model(tmp_path):
    with upstream() as (srv, plan), gateway(tmp_path, srv.base_url, CHEAP) as g:
        paths = [chat(g, "Summarize the refund policy.").path for _ in range(8)]
        assert paths[0] == "primary"
        assert paths[-1] == "fallback:budget:fake-mini"
        assert plan.calls["fake-mini"] >= 1
        r = prompt(g, variables={"question": "q", "contexts": "c"})
        assert r.status == 200 and r.body["model"] == "fake-mini"


PER_KEY = """
launch:
  budget: {per_key_daily_usd: 0.04}
"""


def test_per_key_budgets(tmp_path):
    with upstream() as (srv, _), gateway(tmp_path, srv.base_url, PER_KEY) as g:
        r, _ = spend_until_refused(g)
        assert r.status == 429 and "key daily budget" in r.body["error"]["message"]
        other, _ = add_key(g.store_url, "app")
        assert chat(g, "hi", key=other).status == 200  # another key has its own budget
        tight, tight_id = add_key(g.store_url, "app", budget=0.0)  # the key's own limit wins
        r = chat(g, "hi", key=tight)
        assert r.status == 429
        snap = request("GET", g.url + "/v1/admin/budget", key=g.admin_key).body
        assert snap["keys"][g.app_key_id] >= 0.04 and tight_id in snap["keys"]


def test_budgets_are_shared_through_redis(tmp_path, redis_url):
    extra = "launch:\n  budget: {daily_usd: 0.05}\n"
    with upstream() as (srv, _):
        with gateway(tmp_path / "a", srv.base_url, extra, redis_url=redis_url,
                     budget_flush_s=0.05) as a:  # fmt: skip
            with gateway(tmp_path / "b", srv.base_url, extra, redis_url=redis_url,
                         budget_flush_s=0.05) as b:  # fmt: skip
                spend_until_refused(a)
                deadline = time.monotonic() + 3
                while chat(b, "hi").status == 200:  # b has no spend of its own in its store
                    assert time.monotonic() < deadline, "replica b never saw a's spend"
                    time.sleep(0.1)
                snap = request("GET", b.url + "/v1/admin/budget", key=b.admin_key).body
                assert snap["shared"] == "redis" and snap["daily"]["spent_usd"] >= 0.05


# -- keys ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with (
        upstream() as (srv, plan),
        gateway(
            tmp_path_factory.mktemp("gw"), srv.base_url, "", admin_key="bootstrap-admin-secret-123"
        ) as g,
    ):
        yield g, srv


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({}, "missing_api_key"),
        ({"Authorization": "Bearer gng_nope_wrong"}, "invalid_api_key"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "invalid_api_key"),
        ({"Authorization": "Bearer "}, "invalid_api_key"),
    ],
)
def test_feature_endpoints_need_a_valid_key(env, headers, kind):
    g, srv = env
    before = srv.stats.requests
    for path in ("/v1/chat/completions", "/v1/prompts/answer/completions", "/v1/feedback"):
        r = request("POST", g.url + path, headers=headers,
                    body={"messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
        assert r.status == 401, (path, r.text)
        assert r.body["error"]["type"] == kind and "keys create" in r.body["error"]["fix"]
    assert srv.stats.requests == before


def test_revoked_keys_stop_working_within_the_cache_ttl(env):
    g, _ = env
    secret, key_id = add_key(g.store_url, "app")
    assert chat(g, "hi", key=secret).status == 200
    in_store(g.store_url, lambda s: s.revoke_key(key_id))
    time.sleep(0.3)  # the gateway caches key lookups for key_ttl_s (0.2 s here)
    r = chat(g, "hi", key=secret)
    assert r.status == 401 and r.body["error"]["type"] == "invalid_api_key"


def test_app_keys_cannot_use_the_admin_api_admin_keys_can_use_everything(env):
    g, _ = env
    rollback = "/v1/admin/prompts/answer/labels/production/rollback"
    for method, path in (("GET", "/v1/admin/prompts"), ("GET", "/v1/admin/budget"),
                         ("POST", rollback)):  # fmt: skip
        r = request(method, g.url + path, key=g.app_key, body={})
        assert r.status == 403 and r.body["error"]["type"] == "forbidden", path
        assert request(method, g.url + path, body={}).status == 401
    assert request("GET", g.url + "/v1/admin/prompts", key=g.admin_key).status == 200
    assert chat(g, "hi", key=g.admin_key).status == 200


def test_bootstrap_admin_key_lives_only_in_memory(env):
    g, _ = env
    r = request("GET", g.url + "/v1/admin/budget", key="bootstrap-admin-secret-123")
    assert r.status == 200
    keys = in_store(g.store_url, lambda s: s.list_keys())
    assert all(k.key_hash != hash_key("bootstrap-admin-secret-123") for k in keys)


def test_no_secret_in_traces_logs_metrics_or_the_database(env, caplog):
    caplog.set_level(logging.DEBUG)
    g, _ = env
    ids = [chat(g, "hi").trace_id, chat(g, "hi", key=g.admin_key).trace_id]
    request("POST", g.url + "/v1/chat/completions", key=g.app_key, raw=b"{oops")
    request("GET", g.url + "/v1/admin/budget", key="bootstrap-admin-secret-123")
    traces = in_store(g.store_url, lambda s: s.list_traces())
    text = repr(traces) + request("GET", g.url + "/metrics").text + caplog.text
    text += repr(request("GET", g.url + "/v1/admin/budget", key=g.admin_key).body)
    db = g.store_url.removeprefix("sqlite:///")
    blob = b"".join(Path(p).read_bytes() for p in (db, db + "-wal") if Path(p).exists())
    for secret in (g.app_key, g.admin_key, "bootstrap-admin-secret-123"):
        assert secret not in text
        assert secret.encode() not in blob
    assert {t.api_key_id for t in traces if t.id in ids} >= {g.app_key_id}


def test_key_lookups_are_cached(env):
    g, _ = env
    calls = []
    keys = g.gw.keys
    original = keys.store.find_key

    async def counting(h):
        calls.append(h)
        return await original(h)

    keys.store.find_key = counting
    keys.ttl_s, ttl = 60.0, keys.ttl_s
    try:
        for _ in range(5):
            assert chat(g, "hi").status == 200
    finally:
        keys.store.find_key, keys.ttl_s = original, ttl
    assert len(calls) <= 1  # at most the first request reads the store
    assert asyncio.iscoroutinefunction(original)


def test_budget_meter_keeps_spend_when_redis_fails_once():
    from gonogo.gateway._budget import BudgetMeter
    from gonogo.spec import Budget
    from gonogo.store.gateway import MemoryCounters

    class FailingOnce(MemoryCounters):  # the real in-process counters, one injected fault
        failed = False

        async def add(self, key, amount, ttl_s):
            if not self.failed:
                self.failed = True
                raise ConnectionError("redis went away")
            return await super().add(key, amount, ttl_s)

    async def go():
        counters = FailingOnce()
        meter = BudgetMeter(Budget(daily_usd=1.0), None, counters, namespace="t")
        meter.add(0.4, None)
        with pytest.raises(ConnectionError):
            await meter._refresh()
        assert meter.total(meter._k_day()) == pytest.approx(0.4)  # still counted locally
        await meter._refresh()
        assert await counters.get(meter._k_day()) == pytest.approx(0.4)  # flushed, once
        meter.add(0.7, None)
        assert meter.check(None).exceeded == "daily"

    asyncio.run(go())
