"""Prompt registry contract: immutable versions, moving labels, recorded moves, rollback."""

import pytest
from helpers_store import PROMPT, opened, run_with

from gonogo.errors import UserError
from gonogo.store.gateway import UnknownPromptError


def test_push_creates_versions_and_dedupes_identical_content(store_url):
    async def body(s):
        rev0 = await s.registry_revision()
        v1, created1 = await s.push_prompt("answer", **PROMPT)
        again, created_again = await s.push_prompt("answer", **{**PROMPT, "message": "noop"})
        rev1 = await s.registry_revision()
        v2, created2 = await s.push_prompt("answer", **{**PROMPT, "user": "Q: {question}"})
        rev2 = await s.registry_revision()
        return rev0, v1, created1, again, created_again, rev1, v2, created2, rev2, s

    rev0, v1, c1, again, c_again, rev1, v2, c2, rev2, _ = run_with(store_url, body)
    assert (v1.version, c1) == (1, True)
    assert (again, c_again) == (v1, False)  # identical content → the latest, not a new one
    assert (v2.version, c2) == (2, True)
    assert rev1 == rev0 + 1 and rev2 == rev1 + 1  # a no-op push does not bump
    assert v1.created_by == "alice" and v1.message == "first"
    assert v1.content_hash != v2.content_hash
    assert v1.params == {"temperature": 0.0} and v1.system == "You answer briefly."


def test_versions_are_immutable_and_listed(store_url):
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}

    async def body(s):
        await s.push_prompt("answer", **PROMPT)
        await s.push_prompt("answer", **{**PROMPT, "output_schema": schema, "system": None})
        await s.push_prompt("other", **PROMPT)
        await s.move_label("answer", "production", 1, actor="bob", reason="ship")
        return (
            await s.get_prompt("answer", 1),
            await s.get_prompt("answer", 2),
            await s.get_prompt("answer", 3),
            await s.get_prompt("nope", 1),
            await s.versions("answer"),
            await s.list_prompts(),
        )

    v1, v2, v3, nope, versions, listing = run_with(store_url, body)
    assert v1.user == "Question: {question}" and v1.output_schema is None
    assert v2.output_schema == schema and v2.system is None
    assert v3 is None and nope is None
    assert [v.version for v in versions] == [1, 2]
    assert listing == [("answer", 2, {"production": 1}), ("other", 1, {})]


def test_label_moves_are_recorded_and_resolved(store_url):
    async def body(s):
        await s.push_prompt("answer", **PROMPT)
        await s.push_prompt("answer", **{**PROMPT, "user": "v2 {question}"})
        r0 = await s.registry_revision()
        m1 = await s.move_label("answer", "production", 1, actor="alice", reason="launch")
        m2 = await s.move_label("answer", "production", 2, actor="bob", reason="better tone")
        same = await s.move_label("answer", "production", 2, actor="bob", reason="again")
        r1 = await s.registry_revision()
        await s.move_label("answer", "staging", 2, actor="carol", reason=None)
        return r0, m1, m2, same, r1, await s.label_history("answer", "production"), s

    r0, m1, m2, same, r1, history, _ = run_with(store_url, body)
    assert (m1.from_version, m1.to_version, m1.actor, m1.reason) == (None, 1, "alice", "launch")
    assert (m2.from_version, m2.to_version, m2.kind) == (1, 2, "move")
    assert same == m2  # moving a label where it already points records nothing
    assert r1 == r0 + 2
    assert history == [m1, m2]
    assert m1.at <= m2.at and m1.id < m2.id

    async def resolve(s):
        return await s.resolve_all(), await s.label_history("answer")

    resolved, all_moves = run_with(store_url, resolve)
    assert resolved[("answer", "production")].version == 2
    assert resolved[("answer", "staging")].version == 2
    assert resolved[("answer", "latest")].version == 2
    assert [m.label for m in all_moves] == ["production", "production", "staging"]


def test_unknown_prompt_version_and_label_raise_user_errors(store_url):
    async def body(s):
        await s.push_prompt("answer", **PROMPT)
        errors = []
        for call in (
            lambda: s.move_label("missing", "production", 1, actor="a", reason=None),
            lambda: s.move_label("answer", "production", 7, actor="a", reason=None),
            lambda: s.rollback_label("answer", "production", actor="a", reason=None),
        ):
            with pytest.raises(UnknownPromptError) as e:
                await call()
            errors.append(e.value)
        with pytest.raises(UserError, match="latest"):
            await s.move_label("answer", "latest", 1, actor="a", reason=None)
        with pytest.raises(UserError, match="invalid label"):
            await s.move_label("answer", "bad label!", 1, actor="a", reason=None)
        with pytest.raises(UserError, match="invalid prompt name"):
            await s.push_prompt("", **PROMPT)
        return errors, await s.label_history("answer")

    errors, history = run_with(store_url, body)
    assert "unknown prompt 'missing'" in str(errors[0])
    assert "no version 7" in str(errors[1])
    assert "no label 'production'" in str(errors[2])
    assert all(e.exit_code == 2 and e.hint for e in errors)
    assert history == []  # nothing half-written


def test_rollback_walks_back_through_promotions(store_url):
    async def body(s):
        for i in range(1, 4):
            await s.push_prompt("answer", **{**PROMPT, "user": f"v{i} {{question}}"})
            await s.move_label("answer", "production", i, actor="alice", reason=f"ship v{i}")
        back1 = await s.rollback_label("answer", "production", actor="oncall", reason="bad")
        back2 = await s.rollback_label("answer", "production", actor="oncall", reason="worse")
        with pytest.raises(UserError, match="nothing to roll back to"):
            await s.rollback_label("answer", "production", actor="oncall", reason=None)
        explicit = await s.rollback_label(
            "answer", "production", actor="oncall", reason="pin", to_version=3
        )
        with pytest.raises(UserError, match="already points at version 3"):
            await s.rollback_label("answer", "production", actor="x", reason=None, to_version=3)
        return back1, back2, explicit, (await s.resolve_all())[("answer", "production")]

    back1, back2, explicit, current = run_with(store_url, body)
    assert (back1.from_version, back1.to_version, back1.kind) == (3, 2, "rollback")
    assert (back2.from_version, back2.to_version) == (2, 1)
    assert back1.actor == "oncall" and back1.reason == "bad"
    assert (explicit.from_version, explicit.to_version) == (1, 3)
    assert current.version == 3


def test_two_store_instances_see_each_others_label_moves(store_url):
    """The basis of multi-replica rollback: replica B sees A's move via registry_revision."""

    async def main():
        async with opened(store_url) as a, opened(store_url) as b:
            await a.push_prompt("answer", **PROMPT)
            await a.push_prompt("answer", **{**PROMPT, "user": "v2 {question}"})
            await a.move_label("answer", "production", 1, actor="alice", reason="launch")
            await a.move_label("answer", "production", 2, actor="alice", reason="ship")
            seen = await b.registry_revision()
            assert (await b.resolve_all())[("answer", "production")].version == 2
            await b.rollback_label("answer", "production", actor="oncall", reason="incident")
            assert await a.registry_revision() > seen
            assert (await a.resolve_all())[("answer", "production")].version == 1
            history = await a.label_history("answer", "production")
            assert [(m.actor, m.kind) for m in history] == [
                ("alice", "move"),
                ("alice", "move"),
                ("oncall", "rollback"),
            ]

    import asyncio

    asyncio.run(main())


def test_concurrent_pushes_and_moves_get_distinct_versions(store_url):
    """Two writers racing (two instances, many tasks) never reuse a version number."""

    async def main():
        async with opened(store_url) as a, opened(store_url) as b:
            import asyncio

            pushes = [
                (a if i % 2 else b).push_prompt("race", **{**PROMPT, "user": f"u{i} {{x}}"})
                for i in range(20)
            ]
            results = await asyncio.gather(*pushes)
            assert sorted(v.version for v, _ in results) == list(range(1, 21))
            moves = [
                (a if i % 2 else b).move_label("race", "production", i, actor="x", reason=None)
                for i in range(1, 21)
            ]
            done = await asyncio.gather(*moves)
            history = await a.label_history("race", "production")
            assert len(history) == 20 and {m.id for m in done} == {m.id for m in history}
            # every move's from_version is the previous move's to_version: no interleaving
            for prev, nxt in zip(history, history[1:], strict=False):
                assert nxt.from_version == prev.to_version

    import asyncio

    asyncio.run(main())
