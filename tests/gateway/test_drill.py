"""The rollback drill (`gonogo prompt drill`) against real `gonogo serve` replicas.

The headline: two replicas sharing one real PostgreSQL; the drill rolls the production
label back and both serve the old version within 5 s (the measured times are recorded
in the test report), then it restores the label. The rest cover the command's other
outcomes on a SQLite-backed replica: --keep, a replica slower than the bound (exit 1,
label still restored), and mistakes that must move nothing (wrong key, unknown label,
a replica on another store).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gateway_ops_kit import make_key, write_prd

from gonogo.store.gateway import open_gateway_store
from gonogo.testing import FakeOpenAIServer, GatewayProcess
from gonogo_testkit import run_cli

pytestmark = pytest.mark.slow


def in_store(url: str, fn: Any) -> Any:
    async def go() -> Any:
        store = open_gateway_store(url)
        await store.open()
        try:
            return await fn(store)
        finally:
            await store.close()

    return asyncio.run(go())


def set_production_v2(url: str) -> None:
    """Push a second version of the PRD's prompt and point `production` at it."""

    async def go(store: Any) -> None:
        v2, _ = await store.push_prompt(
            "answer",
            system="Be brief.",
            user="Q: {question}",
            model=None,
            params={},
            output_schema=None,
            actor="test",
            message="v2",
        )
        await store.move_label("answer", "production", v2.version, actor="test", reason="v2")

    in_store(url, go)


def production(url: str) -> int:
    resolved = in_store(url, lambda s: s.resolve_all())
    return int(resolved[("answer", "production")].version)


def history(url: str) -> list[tuple[int | None, int, str | None]]:
    moves = in_store(url, lambda s: s.label_history("answer", "production"))
    return [(m.from_version, m.to_version, m.reason) for m in moves]


def drill(prd: Path, key: str, store: str, *gateways: str, args: tuple[str, ...] = ()) -> Any:
    gw_args = [a for g in gateways for a in ("--gateway", g)]
    env = {"GONOGO_APP_KEY": key, "GONOGO_ADMIN_KEY": ""}
    return run_cli("prompt", "drill", prd, *gw_args, "--store", store, *args, env=env)


# -- two replicas on PostgreSQL -----------------------------------------------------------------
def test_rollback_reaches_two_postgres_replicas_within_5s(
    tmp_path, postgres_db_url, record_property
):
    url = postgres_db_url
    with FakeOpenAIServer(latency_s=0.01) as upstream:
        prd = write_prd(tmp_path, upstream.base_url)
        key = make_key(url)
        with GatewayProcess(prd, url) as a, GatewayProcess(prd, url) as b:  # default poll: 1 s
            set_production_v2(url)
            r = drill(prd, key, url, a.url, b.url, args=("--json",))
            assert r.returncode == 0, r.stdout + r.stderr
            report = json.loads(r.stdout)
            assert production(url) == 2  # restored

    assert report["passed"] is True
    assert (report["original_version"], report["target_version"]) == (2, 1)
    for phase, versions in (("rollback", (2, 1)), ("restore", (1, 2))):
        p = report[phase]
        assert (p["from_version"], p["to_version"]) == versions
        assert [r["gateway"] for r in p["replicas"]] == [a.url, b.url]
        for replica in p["replicas"]:
            assert replica["seconds"] is not None and 0 < replica["seconds"] <= 5.0, replica
            assert replica["last_version"] == versions[1]
        record_property(f"{phase}_worst_s", round(p["worst_s"], 3))
        print(f"{phase}: " + ", ".join(f"{r['seconds']:.2f} s" for r in p["replicas"]))
    assert history(url)[-2:] == [(2, 1, "rollback drill"), (1, 2, "rollback drill: restore")]


# -- one SQLite replica: the command's other outcomes ---------------------------------------
@pytest.fixture(scope="module")
def replica(tmp_path_factory) -> Iterator[tuple[Path, str, str, str]]:
    """(PRD, store URL, app key, gateway URL) of one replica polling every 0.1 s."""
    root = tmp_path_factory.mktemp("drill")
    with FakeOpenAIServer(latency_s=0.005) as upstream:
        prd = write_prd(root, upstream.base_url)
        url = f"sqlite:///{root / 'gateway.db'}"
        key = make_key(url)
        with GatewayProcess(prd, url, extra=["--poll", "0.1"]) as gw:
            set_production_v2(url)
            yield prd, url, key, gw.url


def test_keep_leaves_the_label_rolled_back(replica):
    prd, url, key, gw = replica
    set_production_v2(url)
    r = drill(prd, key, url, gw, args=("--keep",))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "rollback: v2 → v1" in r.stdout and "PASS" in r.stdout
    assert "kept: production stays on version 1" in r.stdout
    assert production(url) == 1
    assert history(url)[-1] == (2, 1, "rollback drill")


def test_to_version_then_restore_leaves_the_rollback_target_unchanged(replica):
    prd, url, key, gw = replica
    set_production_v2(url)
    before = production(url)
    r = drill(prd, key, url, gw, args=("--to-version", "1", "--json"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["target_version"] == 1
    assert production(url) == before
    # the drill left the label's rollback stack as it was: a real rollback goes where it
    # would have gone before the drill
    moves = in_store(
        url, lambda s: s.rollback_label("answer", "production", actor="t", reason="check")
    )
    assert moves.from_version == before and moves.to_version != before


def test_a_replica_slower_than_the_bound_fails_the_drill_and_the_label_is_restored(replica):
    prd, url, key, gw = replica
    set_production_v2(url)
    # a probe takes at least the upstream's 5 ms, so a 1 ms bound is missed for sure
    r = drill(prd, key, url, gw, args=("--within", "0.001s"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "SLOW" in r.stdout and "FAIL" in r.stdout
    assert production(url) == 2
    assert history(url)[-1] == (1, 2, "rollback drill: restore")


def test_through_the_admin_api(replica):
    prd, url, key, gw = replica
    set_production_v2(url)
    admin = make_key(url, "admin")
    # no usable --store: the label moves only through the gateway's admin API
    r = drill(
        prd, key, "sqlite:////nonexistent/dir/x.db", gw, args=("--admin-key", admin, "--json")
    )
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["passed"] and report["via"] == f"{gw} admin API"
    moves = in_store(url, lambda s: s.label_history("answer", "production"))
    assert [(m.from_version, m.to_version, m.reason) for m in moves[-2:]] == [
        (2, 1, "rollback drill"),
        (1, 2, "rollback drill: restore"),
    ]
    assert all(m.actor.startswith("gk_") for m in moves[-2:])  # the admin key's public id


def test_wrong_admin_key_moves_nothing(replica):
    prd, url, key, gw = replica
    set_production_v2(url)
    before = history(url)
    r = drill(prd, key, url, gw, args=("--admin-key", key))  # an app key, not an admin key
    assert r.returncode == 2, r.stdout + r.stderr
    assert "HTTP 403" in r.stderr and "admin key" in r.stderr
    assert history(url) == before


def test_wrong_app_key_moves_nothing(replica):
    prd, url, _key, gw = replica
    set_production_v2(url)
    before = history(url)
    r = drill(prd, "gng_not_a_key", url, gw)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "refused the probe: HTTP 401" in r.stderr and "--app-key" in r.stderr
    assert "Traceback" not in r.stderr
    assert history(url) == before


def test_unknown_label_is_a_clear_error(replica):
    prd, url, key, gw = replica
    r = drill(prd, key, url, gw, args=("--label", "canary"))
    assert r.returncode == 2
    assert "prompt 'answer' has no label 'canary'" in r.stderr
    assert "answer@production" in r.stderr


def test_a_replica_on_another_store_stops_the_drill_before_anything_moves(replica, tmp_path):
    prd, url, key, gw = replica
    set_production_v2(url)
    before = history(url)
    # the same PRD served from a different store: there `production` is still version 1
    other = f"sqlite:///{tmp_path / 'other.db'}"
    in_store(other, lambda s: s.add_key(_same_key(key)))
    with GatewayProcess(prd, other, extra=["--poll", "0.1"]) as stray:
        r = drill(prd, key, url, gw, stray.url, args=("--within", "0.5s"))
    assert r.returncode == 3, r.stdout + r.stderr
    assert f"{stray.url} serves version 1" in r.stderr
    assert history(url) == before


def _same_key(secret: str) -> Any:
    """The app key's record, so the stray replica accepts the drill's probes too."""
    import time

    from gonogo.store.gateway import ApiKeyRecord, hash_key

    return ApiKeyRecord(
        id="gk_same",
        name="same",
        role="app",
        key_hash=hash_key(secret),
        created_at=time.time(),
        revoked_at=None,
        daily_budget_usd=None,
    )


def test_bad_duration_is_a_usage_error(tmp_path):
    prd = write_prd(tmp_path, "http://127.0.0.1:9/v1")
    r = drill(
        prd,
        "gng_x",
        f"sqlite:///{tmp_path / 'g.db'}",
        "http://127.0.0.1:9",
        args=("--within", "soon"),
    )
    assert r.returncode == 2
    assert "invalid duration 'soon'" in r.stderr and "5s" in r.stderr
    assert "Traceback" not in r.stderr


def test_parse_duration():
    from gonogo.cli._cmd_prompt_drill import parse_duration

    assert parse_duration("5s") == 5.0
    assert parse_duration("1.5m") == 90.0
    assert parse_duration("1h") == 3600.0
    assert parse_duration("2") == 2.0
