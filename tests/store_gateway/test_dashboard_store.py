"""The dashboard's part of the gateway store, on SQLite and on a real PostgreSQL.

Trace search with every filter, facets, a trace's feedback and monitor scores; review
items queued once, claimed by one reviewer at a time (leases end), labelled by several
reviewers up to the number wanted, counted per queue and listed for calibration.
"""

import asyncio
import time

import pytest
from helpers_store import run_with, trace

from gonogo.errors import UserError
from gonogo.store.gateway import FeedbackRecord, ReviewItem, ReviewLabel, TraceFilter


def _item(ref, queue="disagree", wanted=1, prd="/p/gonogo.yaml", at=None):
    return ReviewItem(id=f"ri_{queue}_{ref}", queue=queue, prd_key=prd, source="eval", ref=ref,
                      created_at=at if at is not None else time.time(), wanted=wanted,
                      payload={"input": {"q": ref}, "output": "o", "scores": {
                          "judge": {"value": 1, "passed": True, "reason": "ok"}}})  # fmt: skip


def test_trace_search_filters_and_counts(store_url):
    now = time.time()
    acted = [{"name": "pii", "stage": "output", "outcome": "redact"}]
    ts = [
        trace(id="a", started_at=now - 5, prompt_version=1, model="m1", path="primary"),
        trace(id="b", started_at=now - 4, prompt_version=2, model="m2", path="fallback:1",
              guards=acted),
        trace(id="c", started_at=now - 3, prompt_version=2, model="m1", path="primary",
              guards=[{"name": "injection", "stage": "input", "outcome": "block"}]),
        trace(id="d", started_at=now - 2, prompt_name="other", prompt_version=1),
    ]  # fmt: skip

    async def body(s):
        await s.write_traces(ts)
        await s.add_feedback(FeedbackRecord("f1", "a", 0.0, "bad", None, now, None))
        await s.add_feedback(FeedbackRecord("f2", "c", 1.0, None, None, now, None))
        await s.record_monitor("m", "w", [])

        async def ids(**kw):
            rows, total = await s.search_traces(TraceFilter(**kw), limit=10)
            assert total == len(rows)
            return [t.id for t in rows]

        assert await ids() == ["d", "c", "b", "a"]
        assert await ids(prompt_name="answer", prompt_version=2) == ["c", "b"]
        assert await ids(model="m1", path="primary") == ["c", "a"]
        assert await ids(guard="any") == ["c", "b"]
        assert await ids(guard="pii") == ["b"]
        assert await ids(feedback="down") == ["a"]
        assert await ids(feedback="up") == ["c"]
        assert await ids(feedback="any") == ["c", "a"]
        assert await ids(feedback="none") == ["d", "b"]
        assert await ids(since=now - 3.5) == ["d", "c"]
        page, total = await s.search_traces(TraceFilter(), offset=1, limit=2)
        assert [t.id for t in page] == ["c", "b"] and total == 4
        facets = await s.trace_facets()
        assert facets["prompt_name"] == ["answer", "other"]
        assert facets["prompt_version"] == [1, 2] and facets["model"] == ["gpt-x", "m1", "m2"]
        assert [f.id for f in await s.trace_feedback("a")] == ["f1"]
        claimed = await s.claim_traces("m", "w", after=0, lease_s=60, limit=10)
        assert claimed
        await s.record_monitor("m", "w", [("a", "scored", {"grounded": {"passed": False}})])
        assert await s.trace_scores(["a", "b"]) == {"a": {"grounded": {"passed": False}}}

    run_with(store_url, body)


def test_review_items_are_queued_once_and_claimed_by_one_reviewer_at_a_time(store_url):
    async def body(s):
        items = [_item(f"r{i}", at=100.0 + i) for i in range(3)]
        assert await s.add_review_items(items) == 3
        assert await s.add_review_items(items) == 0  # already queued
        a = await s.claim_review_item("/p/gonogo.yaml", "disagree", "ana", lease_s=60)
        b = await s.claim_review_item("/p/gonogo.yaml", "disagree", "bo", lease_s=60)
        assert a.id == "ri_disagree_r0" and b.id == "ri_disagree_r1"  # oldest first, never shared
        assert a.claimed_by == "ana"
        again = await s.claim_review_item("/p/gonogo.yaml", "disagree", "ana", lease_s=60)
        assert again.id == a.id  # your own held item comes back first
        key = "/p/gonogo.yaml"
        got = await asyncio.gather(
            *[s.claim_review_item(key, "disagree", f"x{i}", lease_s=60) for i in range(4)]
        )
        winners = [g.id for g in got if g is not None]
        assert winners == ["ri_disagree_r2"]  # one free item, four reviewers: one wins it
        assert await s.claim_review_item("/p/gonogo.yaml", "other", "ana") is None
        assert (await s.get_review_item(a.id)).payload["input"] == {"q": "r0"}

    run_with(store_url, body)


def test_an_ended_lease_frees_the_item(store_url):
    async def body(s):
        await s.add_review_items([_item("r0")])
        held = await s.claim_review_item("/p/gonogo.yaml", "disagree", "ana", lease_s=0.05)
        assert await s.claim_review_item("/p/gonogo.yaml", "disagree", "bo") is None
        await asyncio.sleep(0.1)
        taken = await s.claim_review_item("/p/gonogo.yaml", "disagree", "bo")
        assert taken is not None and taken.id == held.id and taken.claimed_by == "bo"

    run_with(store_url, body)


def test_several_reviewers_label_an_item_up_to_the_number_wanted(store_url):
    async def body(s):
        await s.add_review_items([_item("r0", wanted=2), _item("r1", wanted=1)])
        key = "/p/gonogo.yaml"
        it = await s.claim_review_item(key, "disagree", "ana")
        await s.label_review_item(ReviewLabel(it.id, "ana", "fail", 2, "wrong <b>", 1.0))
        assert (await s.get_review_item(it.id)).claimed_by is None  # released
        nxt = await s.claim_review_item(key, "disagree", "ana")
        assert nxt.id == "ri_disagree_r1"  # never the one ana labelled
        await s.label_review_item(ReviewLabel(nxt.id, "ana", "skip", None, None, 2.0))
        assert await s.claim_review_item(key, "disagree", "ana") is None  # skipped: not again
        bo = await s.claim_review_item(key, "disagree", "bo")
        assert bo.id == it.id  # a second reviewer wanted
        await s.label_review_item(ReviewLabel(bo.id, "bo", "pass", None, None, 3.0))
        await s.label_review_item(ReviewLabel(bo.id, "bo", "fail", 1, "changed my mind", 4.0))
        r1 = await s.claim_review_item(key, "disagree", "bo")
        assert r1.id == "ri_disagree_r1"  # ana's skip leaves it wanted
        counts = await s.review_queues(key)
        assert counts == [{"queue": "disagree", "items": 2, "done": 1, "labels": 2}]
        labelled = await s.review_labels(key)
        by_item = {i.id: [(lb.reviewer, lb.verdict, lb.grade, lb.comment) for lb in ls]
                   for i, ls in labelled}  # fmt: skip
        assert by_item[it.id] == [
            ("ana", "fail", 2, "wrong <b>"), ("bo", "fail", 1, "changed my mind")]
        assert by_item["ri_disagree_r1"] == [("ana", "skip", None, None)]
        assert [i.id for i, _ in await s.review_labels(key, "flaky")] == []

    run_with(store_url, body)


def test_bad_labels_are_refused_with_a_reason(store_url):
    async def body(s):
        await s.add_review_items([_item("r0")])
        with pytest.raises(UserError, match="unknown review verdict"):
            await s.label_review_item(ReviewLabel("ri_disagree_r0", "ana", "maybe", None, None, 1))
        with pytest.raises(UserError, match="no review item"):
            await s.label_review_item(ReviewLabel("ri_nope", "ana", "pass", None, None, 1))
        with pytest.raises(UserError, match="limited to"):
            await s.label_review_item(ReviewLabel("ri_disagree_r0", "ana", "pass", None,
                                                  "x" * 10_001, 1))  # fmt: skip
        await s.label_review_item(ReviewLabel("ri_disagree_r0", "ana", "pass", None, "a\x00b", 1))
        (_, labels), = await s.review_labels("/p/gonogo.yaml")
        assert labels[0].comment == "a\ufffdb"  # NUL replaced (PostgreSQL refuses it)

    run_with(store_url, body)
