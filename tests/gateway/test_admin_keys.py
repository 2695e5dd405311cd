"""The keys admin API: create, list, revoke, budget — admin key only, secrets shown once."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from gateway_kit import add_key, chat, gateway, in_store, request, upstream

from gonogo.store.gateway import hash_key

KEYS = "/v1/admin/keys"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with upstream() as (srv, _), gateway(tmp_path_factory.mktemp("gw"), srv.base_url) as g:
        yield g


def create(g, **body):
    return request("POST", g.url + KEYS, key=g.admin_key, body=body)


def test_create_list_budget_revoke_through_the_api(env):
    g = env
    r = create(g, name="checkout-web", role="app", daily_budget_usd=2.5)
    assert r.status == 201 and r.headers["Cache-Control"] == "no-store"
    new, key_id = r.body["secret"], r.body["id"]
    assert r.body["role"] == "app" and r.body["daily_budget_usd"] == 2.5
    assert r.body["revoked_at"] is None and new.startswith("gng_")
    stored = in_store(g.store_url, lambda s: s.find_key(hash_key(new)))
    assert stored.id == key_id and stored.name == "checkout-web"  # what the CLI would see
    assert chat(g, "hi", key=new).status == 200

    listing = request("GET", g.url + KEYS, key=g.admin_key)
    assert listing.status == 200
    mine = [k for k in listing.body["keys"] if k["id"] == key_id]
    assert mine == [{k: v for k, v in r.body.items() if k != "secret"}]
    assert new not in listing.text and stored.key_hash not in listing.text
    assert all(set(k) == set(mine[0]) for k in listing.body["keys"])  # no hash, no secret

    # a budget change made here applies on this replica at once (its key cache is dropped)
    r = request("PUT", f"{g.url}{KEYS}/{key_id}/budget", key=g.admin_key,
                body={"daily_budget_usd": 0})  # fmt: skip
    assert r.status == 200 and r.body["daily_budget_usd"] == 0.0 and r.body["id"] == key_id
    refused = chat(g, "hi", key=new)
    assert refused.status == 429 and "key daily budget" in refused.body["error"]["message"]
    r = request("PUT", f"{g.url}{KEYS}/{key_id}/budget", key=g.admin_key,
                body={"daily_budget_usd": None})  # fmt: skip
    assert r.status == 200 and r.body["daily_budget_usd"] is None
    assert chat(g, "hi", key=new).status == 200  # no limit of its own, none in the PRD

    r = request("DELETE", f"{g.url}{KEYS}/{key_id}", key=g.admin_key)
    assert r.status == 200 and r.body["revoked_at"] is not None
    assert chat(g, "hi", key=new).status == 401  # at once on this replica
    assert request("DELETE", f"{g.url}{KEYS}/{key_id}", key=g.admin_key).status == 200  # no-op
    assert in_store(g.store_url, lambda s: s.find_key(hash_key(new))).revoked_at is not None


def test_admin_keys_created_through_the_api_can_use_the_admin_api(env):
    g = env
    r = create(g, name="ops", role="admin")
    assert r.status == 201 and r.body["daily_budget_usd"] is None
    assert request("GET", g.url + KEYS, key=r.body["secret"]).status == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", KEYS, None),
        ("POST", KEYS, {"name": "x", "role": "app"}),
        ("DELETE", KEYS + "/gk_00000000", None),
        ("PUT", KEYS + "/gk_00000000/budget", {"daily_budget_usd": 1}),
    ],
)
def test_the_keys_api_needs_an_admin_key(env, method, path, body):
    g = env
    r = request(method, g.url + path, key=g.app_key, body=body)
    assert r.status == 403 and r.body["error"]["type"] == "forbidden"
    r = request(method, g.url + path, body=body)
    assert r.status == 401 and r.body["error"]["type"] == "missing_api_key"
    assert len(in_store(g.store_url, lambda s: s.list_keys())) >= 2  # nothing was created


def test_unknown_ids_are_404(env):
    g = env
    calls = [("DELETE", KEYS + "/gk_nope", None),
             ("PUT", KEYS + "/gk_nope/budget", {"daily_budget_usd": 1})]  # fmt: skip
    for method, path, body in calls:
        r = request(method, g.url + path, key=g.admin_key, body=body)
        assert r.status == 404, r.text
        assert r.body["error"]["type"] == "unknown_key" and "gk_nope" in r.body["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"daily_budget_usd": -1},
        {"daily_budget_usd": "5"},
        {"daily_budget_usd": True},
        {"daily_budget_usd": [1]},
        {},
        {"daily_budget_usd": 1, "extra": 1},
        b'{"daily_budget_usd": 1e400}',
        b'{"daily_budget_usd": 1' + b"0" * 400 + b"}",
        b"[1]",
        b"{oops",
    ],
)
def test_bad_budgets_are_400_and_change_nothing(env, body):
    g = env
    _, key_id = add_key(g.store_url, "app", budget=3.0)
    kw = {"raw": body} if isinstance(body, bytes) else {"body": body}
    r = request("PUT", f"{g.url}{KEYS}/{key_id}/budget", key=g.admin_key, **kw)
    assert r.status == 400, r.text
    assert r.body["error"]["type"] in ("invalid_request", "invalid_json")
    keys = in_store(g.store_url, lambda s: s.list_keys())
    assert [k.daily_budget_usd for k in keys if k.id == key_id] == [3.0]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "role": "root"},
        {"name": "x"},
        {"role": "app"},
        {"name": "  ", "role": "app"},
        {"name": "a\x00b", "role": "app"},
        {"name": "x" * 201, "role": "app"},
        {"name": 5, "role": "app"},
        {"name": "x", "role": "app", "daily_budget_usd": -0.5},
        {"name": "x", "role": "app", "daily_budget_usd": "lots"},
        {"name": "x", "role": "app", "secret": "mine"},
    ],
)
def test_bad_new_keys_are_400_and_create_nothing(env, body):
    g = env
    before = len(in_store(g.store_url, lambda s: s.list_keys()))
    r = create(g, **body)
    assert r.status == 400 and r.body["error"]["type"] == "invalid_request", r.text
    assert len(in_store(g.store_url, lambda s: s.list_keys())) == before


def test_changes_made_elsewhere_apply_within_the_key_cache_ttl(env):
    # another replica (or `gonogo keys budget`) changes the store: this gateway's cached
    # record is used until key_ttl_s (0.2 s here) has passed, then re-read
    g = env
    secret, key_id = add_key(g.store_url, "app")
    assert chat(g, "hi", key=secret).status == 200  # cached now
    in_store(g.store_url, lambda s: s.set_key_budget(key_id, 0.0))
    time.sleep(0.3)
    r = chat(g, "hi", key=secret)
    assert r.status == 429 and "key daily budget" in r.body["error"]["message"]
    in_store(g.store_url, lambda s: s.set_key_budget(key_id, None))
    time.sleep(0.3)
    assert chat(g, "hi", key=secret).status == 200


def test_a_revoke_through_one_replica_reaches_another_within_its_ttl(tmp_path):
    with upstream() as (srv, _), gateway(tmp_path, srv.base_url) as a:
        store = a.store_url
        with gateway(tmp_path / "b", srv.base_url, store_url=store) as b:
            r = create(a, name="shared", role="app")
            secret = r.body["secret"]
            assert chat(b, "hi", key=secret).status == 200  # b caches it
            assert request("DELETE", f"{a.url}{KEYS}/{r.body['id']}", key=a.admin_key).status == 200
            time.sleep(0.3)  # b's key_ttl_s is 0.2 s
            assert chat(b, "hi", key=secret).status == 401


def test_new_secrets_are_never_logged_traced_or_stored(env, caplog):
    caplog.set_level(logging.DEBUG)
    g = env
    r = create(g, name="logged?", role="app", daily_budget_usd=1)
    secret = r.body["secret"]
    trace_id = chat(g, "hi", key=secret).trace_id
    request("PUT", f"{g.url}{KEYS}/{r.body['id']}/budget", key=g.admin_key,
            body={"daily_budget_usd": 2})  # fmt: skip
    request("DELETE", f"{g.url}{KEYS}/{r.body['id']}", key=g.admin_key)
    chat(g, "hi", key=secret)  # revoked: 401, logged as such
    traces = in_store(g.store_url, lambda s: s.list_traces())
    text = repr(traces) + caplog.text + request("GET", g.url + "/metrics").text
    text += request("GET", g.url + KEYS, key=g.admin_key).text
    db = g.store_url.removeprefix("sqlite:///")
    blob = b"".join(Path(p).read_bytes() for p in (db, db + "-wal") if Path(p).exists())
    assert secret not in text and secret.encode() not in blob
    assert secret[4:20] not in text  # nor a recognisable part of it
    assert [t.api_key_id for t in traces if t.id == trace_id] == [r.body["id"]]


def test_a_reviewer_key_is_refused_everywhere_on_the_gateway(env):
    """Reviewer keys belong to the dashboard (gonogo ui): no model call, no admin call."""
    g = env
    secret, _ = add_key(g.store_url, role="reviewer")
    r = chat(g, "hi", key=secret)
    assert r.status == 403 and "dashboard" in r.body["error"]["message"]
    assert request("GET", g.url + KEYS, key=secret).status == 403
    made = create(g, name="ana", role="reviewer")
    assert made.status == 400  # the admin API makes gateway keys only (app, admin)
