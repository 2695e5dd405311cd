"""The monitor's store under test: SQLite and a real PostgreSQL, as the gateway store's."""

import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    return request.getfixturevalue("postgres_db_url")
