"""Stores holding outputs, traces and key hashes are readable by their owner only (Info)."""

import asyncio
import os
import stat

from gonogo.models import ResponseCache
from gonogo.store import RunStore
from gonogo.store.gateway import new_api_key, open_gateway_store


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_stores_are_0600_wal_and_shm_included(tmp_path):
    old = os.umask(0o022)  # the usual umask, under which files were created 0644
    try:
        runs = RunStore(tmp_path / "a" / "runs.sqlite")
        runs.create_run("p", "f", {})
        cache = ResponseCache(tmp_path / "a" / "cache.sqlite")
        cache.put("k", {"text": "x"})
        cache.commit()

        async def gateway():
            store = open_gateway_store(f"sqlite:///{tmp_path / 'b' / 'gateway.db'}")
            await store.open()
            await store.add_key(new_api_key("app", "app")[1])
            return store

        store = asyncio.run(gateway())
        files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
        assert {p.name for p in files} >= {"runs.sqlite", "runs.sqlite-wal", "gateway.db-wal"}
        assert {p.name: oct(mode(p)) for p in files} == {p.name: "0o600" for p in files}
        runs.close()
        cache.close()
        asyncio.run(store.close())
    finally:
        os.umask(old)


def test_an_existing_store_keeps_its_mode(tmp_path):
    path = tmp_path / "runs.sqlite"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    RunStore(path).close()
    assert mode(path) == 0o640  # the owner chose it
