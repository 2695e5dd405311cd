"""Backends under test: every contract test runs on SQLite and on a real PostgreSQL."""

import pytest

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    """A URL of an empty gateway store on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    return request.getfixturevalue("postgres_db_url")


@pytest.fixture(params=["memory", "redis"])
def counters_url(request):
    """None (in-process counters) or a real Redis URL."""
    if request.param == "memory":
        return None
    return request.getfixturevalue("redis_url")
