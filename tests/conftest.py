import importlib.util
import sys
from pathlib import Path

import pytest

from gonogo_testkit import run_cli


def _load_services():
    """tests/gateway/services.py under a unique module name (test servers + fixtures)."""
    path = Path(__file__).parent / "gateway" / "services.py"
    spec = importlib.util.spec_from_file_location("gonogo_test_services", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # importable by benchmarks and other tests
    spec.loader.exec_module(module)
    return module


_services = _load_services()
# real PostgreSQL / Redis on loopback, started once per session (see tests/gateway/services.py)
postgres_server = _services.postgres_server
postgres_db_url = _services.postgres_db_url
redis_server = _services.redis_server
redis_url = _services.redis_url


@pytest.fixture
def cli():
    return run_cli
