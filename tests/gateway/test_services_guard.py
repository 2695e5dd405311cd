"""The PostgreSQL test-server helper never copies a folder that is not a PostgreSQL install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


def test_a_mistyped_bin_folder_is_refused_not_copied(tmp_path: Path) -> None:
    services = sys.modules["gonogo_test_services"]  # loaded by tests/conftest.py
    bogus = tmp_path / "no-such-install" / "bin"
    with pytest.raises(services.ServiceError, match="not a PostgreSQL bin folder"):
        services._runnable_copy(bogus)
