"""PostgreSQL specifics: replicas migrating at once, bad URLs, a missing driver."""

import asyncio
import subprocess
import sys

import pytest
from helpers_store import PROMPT, opened

from gonogo.errors import UserError
from gonogo.store.gateway import open_gateway_store


def test_replicas_opening_an_empty_database_together_migrate_once(postgres_db_url):
    async def main():
        stores = [open_gateway_store(postgres_db_url) for _ in range(4)]
        await asyncio.gather(*(s.open() for s in stores))
        try:
            await stores[0].push_prompt("answer", **PROMPT)
            return [await s.registry_revision() for s in stores]
        finally:
            await asyncio.gather(*(s.close() for s in stores))

    assert asyncio.run(main()) == [1, 1, 1, 1]


def test_url_password_is_redacted_and_scheme_aliases_work(postgres_db_url):
    store = open_gateway_store("postgresql://bob:s3cret@127.0.0.1:1/db")
    assert store.url == "postgresql://bob:***@127.0.0.1:1/db"
    alias = postgres_db_url.replace("postgresql://", "postgres://", 1)

    async def main():
        async with opened(alias) as s:
            return await s.count_traces()

    assert asyncio.run(main()) == 0


def test_unreachable_server_is_a_user_error_with_a_fix():
    async def main():
        await open_gateway_store("postgresql://u:pw@127.0.0.1:1/nothing").open()

    with pytest.raises(UserError) as e:
        asyncio.run(main())
    assert "cannot connect" in str(e.value) and "pw" not in e.value.message
    assert "postgresql://USER:PASSWORD@HOST:PORT/DB" in e.value.hint


def test_missing_driver_names_the_extra():
    code = (
        "import sys, asyncio; sys.modules['asyncpg'] = None\n"
        "from gonogo.store.gateway import open_gateway_store\n"
        "try:\n"
        "    asyncio.run(open_gateway_store('postgresql://u@h/d').open())\n"
        "except Exception as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.startswith("MissingDependencyError")
    assert "pip install 'gonogo[postgres]'" in out
