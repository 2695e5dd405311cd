"""SQLite specifics: URLs, WAL durability under SIGKILL, schema versions, threads."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers_store import run_with, trace

from gonogo.errors import UserError
from gonogo.store.gateway import (
    SQLiteGatewayStore,
    default_store_url,
    open_gateway_store,
    redact_url,
    sqlite_path,
)
from gonogo.store.gateway._sql import MIGRATIONS


def test_urls_pick_backend_and_resolve_relative_paths(tmp_path):
    assert sqlite_path("sqlite:///.gonogo/gateway.db", tmp_path) == tmp_path / ".gonogo/gateway.db"
    assert sqlite_path("sqlite:////abs/gw.db", tmp_path) == Path("/abs/gw.db")
    assert sqlite_path("plain/file.db", tmp_path) == tmp_path / "plain/file.db"
    assert sqlite_path("postgresql://u@h/db") is None
    store = open_gateway_store("sqlite:///gw.db", base_dir=tmp_path)
    assert isinstance(store, SQLiteGatewayStore) and store.path == tmp_path / "gw.db"
    assert store.url == f"sqlite:///{tmp_path / 'gw.db'}"
    for bad in ("mysql://u@h/db", "sqlite://relative.db", "", "sqlite:///"):
        with pytest.raises(UserError) as e:
            open_gateway_store(bad)
        assert e.value.hint and "sqlite:///" in e.value.hint
    assert redact_url("postgresql://bob:s3cret@db:5432/gw") == "postgresql://bob:***@db:5432/gw"
    assert redact_url("redis://localhost:6379/0") == "redis://localhost:6379/0"


def test_default_url_is_next_to_the_prd_unless_env_says(tmp_path, monkeypatch):
    monkeypatch.delenv("GONOGO_STORE_URL", raising=False)
    assert default_store_url(tmp_path) == f"sqlite:///{tmp_path.resolve()}/.gonogo/gateway.db"
    monkeypatch.setenv("GONOGO_STORE_URL", "postgresql://x@y/z")
    assert default_store_url(tmp_path) == "postgresql://x@y/z"


def test_store_is_wal_and_reopens_with_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    t = trace()

    async def write(s):
        await s.write_traces([t])

    async def read(s):
        return await s.get_trace(t.id)

    run_with(url, write)
    assert run_with(url, read) == t
    db = sqlite3.connect(tmp_path / "gw.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_a_newer_schema_is_refused_with_a_fix(tmp_path):
    path = tmp_path / "gw.db"
    sqlite3.connect(path).execute("PRAGMA user_version=99")

    with pytest.raises(UserError, match="newer gonogo") as e:
        run_with(f"sqlite:///{path}", lambda s: asyncio.sleep(0))
    assert "upgrade gonogo" in e.value.hint


def test_a_file_that_is_not_a_database_is_a_user_error(tmp_path):
    path = tmp_path / "gw.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UserError, match="cannot open the gateway store"):
        run_with(f"sqlite:///{path}", lambda s: asyncio.sleep(0))


def test_disk_work_runs_off_the_event_loop_thread(tmp_path):
    loop_thread = threading.get_ident()
    seen = []
    real = SQLiteGatewayStore._tx

    def spy(self, fn, args):
        seen.append(threading.get_ident())
        return real(self, fn, args)

    SQLiteGatewayStore._tx = spy
    try:
        run_with(f"sqlite:///{tmp_path / 'gw.db'}", lambda s: s.write_traces([trace()]))
    finally:
        SQLiteGatewayStore._tx = real
    assert seen and loop_thread not in seen


_WRITER = """
import asyncio, sys, time, uuid
sys.path.insert(0, {tests!r})
from helpers_store import trace
from gonogo.store.gateway import FeedbackRecord, open_gateway_store

async def main():
    s = open_gateway_store({url!r})
    await s.open()
    n = 0
    while True:
        batch = [trace() for _ in range(50)]
        await s.write_traces(batch)
        await s.add_feedback(FeedbackRecord(uuid.uuid4().hex, batch[0].id, 1.0, None, None,
                                            time.time(), None))
        n += 1
        print(n, flush=True)  # acknowledged: batch n is committed

asyncio.run(main())
"""


def test_acknowledged_writes_survive_sigkill(tmp_path):
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    code = _WRITER.format(tests=str(Path(__file__).parent), url=url)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    acked = 0
    deadline = time.monotonic() + 60
    while acked < 20 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acked = int(line)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert acked >= 20, "the writer did not get going"

    async def read(s):
        return await s.count_traces(), len(await s.list_feedback())

    traces, feedback = run_with(url, read)
    assert traces >= acked * 50 and feedback >= acked


def _wal_pages(path):
    wal = Path(f"{path}-wal")
    return (wal.stat().st_size - 32) // (4096 + 24) if wal.exists() else 0


def test_checkpoints_run_off_the_commit_and_keep_the_wal_small(tmp_path, monkeypatch):
    from gonogo.store.gateway import _sqlite

    monkeypatch.setattr(_sqlite, "_CHECKPOINT_S", 0.02)
    path = tmp_path / "gw.db"

    async def body(s):
        # the writer's own COMMITs never checkpoint (SQLite's automatic one is off there)
        auto = await s._write(lambda db: db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        for _ in range(600):  # one commit each, ~7 WAL pages each: ~4,000 pages unchecked
            await s.write_traces([trace()])
        await asyncio.sleep(0.2)
        return auto, s._checkpointer.checkpoints, await s.count_traces()

    auto, checkpoints, count = run_with(f"sqlite:///{path}", body)
    assert auto == 0 and checkpoints > 0 and count == 600
    assert _wal_pages(path) < 1500  # the WAL restarted from the top: it stays far smaller


def test_the_writer_finishes_a_checkpoint_that_cannot_catch_up(tmp_path, monkeypatch):
    from gonogo.store.gateway import _sqlite

    monkeypatch.setattr(_sqlite, "_CHECKPOINT_S", 0.02)
    monkeypatch.setattr(_sqlite, "_CHECKPOINT_ROUNDS", 1)  # one pass never proves it caught up
    monkeypatch.setattr(_sqlite, "_WAL_LIMIT", 50)
    finished = []
    real = SQLiteGatewayStore._finish_checkpoint

    def spy(self):
        finished.append(threading.get_ident())
        real(self)

    monkeypatch.setattr(SQLiteGatewayStore, "_finish_checkpoint", spy)

    async def body(s):
        writer = await s._write(lambda db: threading.get_ident())
        for _ in range(300):
            await s.write_traces([trace()])
        await asyncio.sleep(0.1)
        return writer

    writer = run_with(f"sqlite:///{tmp_path / 'gw.db'}", body)
    assert finished and set(finished) == {writer}  # on the writer thread, between commits
