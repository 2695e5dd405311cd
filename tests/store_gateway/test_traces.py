"""Traces, feedback, keys and spend: the contract on every backend."""

import asyncio
import time
import uuid

import pytest
from helpers_store import run_with, trace

from gonogo.errors import UserError
from gonogo.store.gateway import (
    FeedbackRecord,
    StoreError,
    UnknownKeyError,
    UnknownTraceError,
    hash_key,
    new_api_key,
)


def test_trace_batch_round_trips_every_field(store_url):
    batch = [
        trace(),
        trace(
            output=None,
            error="upstream 503",
            status=502,
            cost_usd=None,
            input_tokens=None,
            output_tokens=None,
            prompt_name=None,
            prompt_version=None,
            prompt_label=None,
            endpoint="chat",
            inputs={"messages": [{"role": "user", "content": "hi"}]},
            contexts=[],
            path="static",
        ),
    ]

    async def body(s):
        await s.write_traces(batch)
        await s.write_traces([])  # an empty batch is a no-op
        return (
            [await s.get_trace(t.id) for t in batch],
            await s.get_trace("missing"),
            (await s.count_traces()),
        )

    got, missing, count = run_with(store_url, body)
    assert got == batch
    assert missing is None and count == 2


def test_rewriting_a_trace_id_is_idempotent(store_url):
    t = trace()

    async def body(s):
        await s.write_traces([t])
        await s.write_traces([trace(id=t.id, output="different")])
        return await s.get_trace(t.id), await s.count_traces()

    got, count = run_with(store_url, body)
    assert got.output == t.output and count == 1


def test_a_batch_is_one_transaction(store_url):
    good = trace()
    bad = trace(status=None)  # violates NOT NULL: the whole batch must roll back

    async def body(s):
        with pytest.raises(StoreError):
            await s.write_traces([good, bad])
        return await s.count_traces(), await s.get_trace(good.id)

    count, got = run_with(store_url, body)
    assert count == 0 and got is None


def test_list_traces_filters_and_orders_newest_first(store_url):
    t0 = 1_700_000_000.0
    rows = [trace(started_at=t0 + i, prompt_name="a" if i % 2 else "b") for i in range(10)]

    async def body(s):
        await s.write_traces(rows)
        return (
            await s.list_traces(),
            await s.list_traces(since=t0 + 5),
            await s.list_traces(since=t0 + 2, until=t0 + 6, prompt_name="a"),
            await s.list_traces(limit=3),
        )

    every, recent, window, top = run_with(store_url, body)
    assert [t.started_at for t in every] == [t0 + i for i in range(9, -1, -1)]
    assert [t.started_at for t in recent] == [t0 + i for i in (9, 8, 7, 6, 5)]
    assert [t.started_at for t in window] == [t0 + 5, t0 + 3]
    assert [t.started_at for t in top] == [t0 + 9, t0 + 8, t0 + 7]


def test_feedback_needs_a_known_trace_and_joins_it(store_url):
    t1, t2 = trace(prompt_name="a"), trace(prompt_name="b")
    now = time.time()

    def fb(trace_id, rating, at, correction=None):
        return FeedbackRecord(uuid.uuid4().hex, trace_id, rating, "c", correction, at, "gk_1")

    async def body(s):
        await s.write_traces([t1, t2])
        with pytest.raises(UnknownTraceError) as e:
            await s.add_feedback(fb("nope", 1.0, now))
        with pytest.raises(UserError, match="outside"):
            await s.add_feedback(fb(t1.id, 1.5, now))
        f1 = fb(t1.id, 0.0, now, correction="The right answer")
        f2 = fb(t2.id, 1.0, now + 1)
        await s.add_feedback(f1)
        await s.add_feedback(f2)
        return (
            e.value,
            f1,
            f2,
            await s.list_feedback(),
            await s.list_feedback(prompt_name="a"),
            await s.list_feedback(since=now + 0.5),
        )

    err, f1, f2, every, only_a, recent = run_with(store_url, body)
    assert err.exit_code == 2 and "nope" in str(err)
    assert every == [(f2, t2), (f1, t1)]
    assert only_a == [(f1, t1)]
    assert recent == [(f2, t2)]


def test_keys_are_stored_hashed_and_revocable(store_url):
    secret, rec = new_api_key("checkout-app", "app", daily_budget_usd=5.0)
    _, admin = new_api_key("ops", "admin")

    async def body(s):
        await s.add_key(rec)
        await s.add_key(admin)
        found = await s.find_key(hash_key(secret))
        wrong = await s.find_key(hash_key(secret + "x"))
        await s.revoke_key(rec.id)
        await s.revoke_key(rec.id)  # again: no-op
        with pytest.raises(UnknownKeyError):
            await s.revoke_key("gk_missing")
        return found, wrong, await s.list_keys(), await s.find_key(rec.key_hash)

    found, wrong, listing, revoked = run_with(store_url, body)
    assert secret.startswith("gng_" + rec.id[3:] + "_") and len(secret) > 40
    assert rec.key_hash == hash_key(secret) and secret not in repr(rec)
    assert found == rec and wrong is None
    assert [k.id for k in listing] == [rec.id, admin.id]
    assert revoked.revoked_at is not None and listing[0].daily_budget_usd == 5.0
    with pytest.raises(UserError, match="role"):
        new_api_key("x", "root")


def test_key_budgets_can_be_set_and_dropped(store_url):
    _, rec = new_api_key("checkout-app", "app")
    _, other = new_api_key("ops", "admin", daily_budget_usd=3.0)

    async def body(s):
        await s.add_key(rec)
        await s.add_key(other)
        seen = []
        for value in (2.5, 0, None, 7):
            await s.set_key_budget(rec.id, value)
            seen.append((await s.find_key(rec.key_hash)).daily_budget_usd)
        with pytest.raises(UnknownKeyError, match="gk_missing") as missing:
            await s.set_key_budget("gk_missing", 1.0)
        bad = []
        for value in (-0.01, float("nan"), float("inf"), "5", True):
            with pytest.raises(UserError, match="daily budget") as e:
                await s.set_key_budget(rec.id, value)
            bad.append(e.value)
        await s.revoke_key(rec.id)
        await s.set_key_budget(rec.id, 1.5)  # a revoked key keeps its record; still settable
        return seen, missing.value, bad, {k.id: k for k in await s.list_keys()}

    seen, missing, bad, keys = run_with(store_url, body)
    assert seen == [2.5, 0.0, None, 7.0]
    assert missing.exit_code == 2 and "keys list" in missing.hint
    assert all(e.exit_code == 2 for e in bad)
    assert keys[rec.id].daily_budget_usd == 1.5 and keys[rec.id].revoked_at is not None
    assert keys[other.id].daily_budget_usd == 3.0  # only the named key changed
    assert keys[rec.id].key_hash == rec.key_hash and keys[rec.id].role == "app"


def test_spend_since_sums_cost_overall_and_per_key(store_url):
    t0 = 1_700_000_000.0
    rows = [
        trace(started_at=t0, cost_usd=1.0, api_key_id="gk_a"),
        trace(started_at=t0 + 10, cost_usd=0.25, api_key_id="gk_a"),
        trace(started_at=t0 + 20, cost_usd=0.5, api_key_id="gk_b"),
        trace(started_at=t0 + 30, cost_usd=None, api_key_id="gk_b"),
    ]

    async def body(s):
        await s.write_traces(rows)
        return (
            await s.spend_since(t0),
            await s.spend_since(t0 + 5),
            await s.spend_since(t0, "gk_a"),
            await s.spend_since(t0 + 100),
        )

    assert run_with(store_url, body) == (1.75, 0.75, 1.25, 0.0)


def test_spend_since_counts_traces_written_after_an_earlier_ask(store_url):
    """The budget asks the same ``since`` again and again (SQLite keeps a running sum):
    traces written in between count — also one that started before the last ask and was
    committed after it — and traces that started before ``since`` never do."""
    t0 = 1_700_000_000.0

    async def body(s):
        await s.write_traces([trace(started_at=t0 + 1, cost_usd=1.0, api_key_id="gk_a")])
        first = (await s.spend_since(t0), await s.spend_since(t0, "gk_a"))
        await s.write_traces([
            trace(started_at=t0 + 0.5, cost_usd=0.25, api_key_id="gk_a"),  # started earlier
            trace(started_at=t0 + 2, cost_usd=0.5, api_key_id="gk_b"),
            trace(started_at=t0 - 1, cost_usd=8.0, api_key_id="gk_a"),  # before since
        ])  # fmt: skip
        second = (await s.spend_since(t0), await s.spend_since(t0, "gk_a"))
        third = (await s.spend_since(t0), await s.spend_since(t0 + 1.5))  # nothing new
        return first, second, third

    assert run_with(store_url, body) == ((1.0, 1.0), (1.75, 1.25), (1.75, 0.5))


def test_concurrent_batches_from_many_tasks(store_url):
    async def body(s):
        batches = [[trace() for _ in range(25)] for _ in range(20)]
        await asyncio.gather(*(s.write_traces(b) for b in batches))
        return await s.count_traces()

    assert run_with(store_url, body) == 500


def test_hostile_values_are_stored_on_every_backend(store_url):
    # what a stdlib-json gateway or an upstream may hand the store: nothing may fail a batch
    hostile = trace(
        output="answer \ud800 with a NUL \x00 inside",
        error="boom \udfff",
        inputs={"messages": [{"role": "user", "content": "hi \ud800\x00"}], "n": float("nan")},
        params={"top_p": float("inf"), "big": 10**5000},
        contexts=["ctx \x00"],
    )
    normal = trace()

    async def body(s):
        await s.write_traces([normal, hostile])
        return await s.get_trace(hostile.id), await s.count_traces()

    got, count = run_with(store_url, body)
    assert count == 2
    assert got.output == "answer \ufffd with a NUL \ufffd inside" and got.error == "boom \ufffd"
    assert got.inputs == {"messages": [{"role": "user", "content": "hi \ufffd\ufffd"}], "n": None}
    assert got.params == {"top_p": None, "big": "<integer of 5001 digits>"}
    assert got.contexts == ["ctx \ufffd"]


def test_exported_traces_stay_one_row_a_line_and_load_back(tmp_path):
    # a production request whose text holds Unicode line separators (M4)
    from gonogo.data import load_dataset
    from gonogo.store.gateway import export_traces

    text = "first\u2028second\u2029third\x85fourth"
    t = trace(inputs={"messages": [{"role": "user", "content": text}]}, output=text)
    out = tmp_path / "golden.jsonl"

    async def body(s):
        await s.write_traces([t, trace()])
        return await export_traces(s, out)

    assert run_with(f"sqlite:///{tmp_path / 'g.db'}", body) == 2
    raw = out.read_text(encoding="utf-8")
    assert len(raw.splitlines()) == 2 and "\u2028" not in raw  # escaped, not raw
    cases = load_dataset(out).cases
    assert cases[0].inputs == {"input": text} and cases[0].metadata["output"] == text
