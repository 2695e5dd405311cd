"""The evidence log: an append-only hash chain on SQLite and PostgreSQL, tamper-evident."""

import asyncio
import sqlite3

import pytest

from gonogo.store import Evidence, open_evidence_log


def entry(i, kind="eval", verdict="GO"):
    return Evidence(kind=kind, prd_key="/p/gonogo.yaml", prd_hash=f"h{i}", prompt_hash="p",
                    verdict=verdict, figures={"i": i}, link=f"run:{i}")  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def log_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "evidence.sqlite")
    return request.getfixturevalue("postgres_db_url")


def test_append_chains_entries_and_verify_passes(log_url):
    async def go():
        log = open_evidence_log(log_url)
        try:
            sealed = [await log.append(entry(i)) for i in range(4)]
            await log.append(Evidence("eval", "/other/gonogo.yaml", "x", "p", "NO-GO"))
            return sealed, await log.entries("/p/gonogo.yaml"), await log.verify()
        finally:
            await log.close()

    sealed, mine, problems = asyncio.run(go())
    assert [e.seq for e in sealed] == [1, 2, 3, 4]
    assert sealed[0].prev_hash == "0" * 64 and sealed[1].prev_hash == sealed[0].hash
    assert all(e.hash == e.computed_hash() and e.gonogo_version and e.created_at for e in sealed)
    assert [e.figures["i"] for e in mine] == [0, 1, 2, 3]  # only this PRD's, in order
    assert problems == []


def test_concurrent_appends_keep_one_linear_chain(log_url):
    async def go():
        logs = [open_evidence_log(log_url) for _ in range(4)]
        try:
            await asyncio.gather(*(lg.append(entry(i)) for i, lg in enumerate(logs)))
            return await logs[0].entries(), await logs[0].verify()
        finally:
            for lg in logs:
                await lg.close()

    entries, problems = asyncio.run(go())
    assert [e.seq for e in entries] == [1, 2, 3, 4] and problems == []


def _tampered(tmp_path, *statements):
    path = tmp_path / "evidence.sqlite"

    async def fill():
        log = open_evidence_log(path)
        for i in range(5):
            await log.append(entry(i))
        await log.close()

    asyncio.run(fill())
    db = sqlite3.connect(path)
    for sql in statements:
        db.execute(sql)
    db.commit()
    db.close()

    async def check():
        log = open_evidence_log(path)
        try:
            return await log.verify()
        finally:
            await log.close()

    return asyncio.run(check())


def test_an_edited_entry_is_named(tmp_path):
    problems = _tampered(
        tmp_path, "UPDATE evidence SET verdict='GO' , figures='{\"i\": 9}' WHERE seq=3"
    )
    assert [p.seq for p in problems] == [3] and "edited" in problems[0].problem


def test_a_deleted_entry_is_named(tmp_path):
    problems = _tampered(tmp_path, "DELETE FROM evidence WHERE seq=2")
    assert problems and problems[0].seq == 3
    assert "entry 2 is missing" in problems[0].problem


def test_reordered_entries_are_named(tmp_path):
    problems = _tampered(tmp_path, "UPDATE evidence SET seq=100 WHERE seq=2",
                         "UPDATE evidence SET seq=2 WHERE seq=4",
                         "UPDATE evidence SET seq=4 WHERE seq=100")  # fmt: skip
    assert {p.seq for p in problems} >= {2, 4}
