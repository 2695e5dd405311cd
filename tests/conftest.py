import pytest

from gonogo_testkit import run_cli


@pytest.fixture
def cli():
    return run_cli
