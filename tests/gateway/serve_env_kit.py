"""How the hardening tests (issue #11) start `gonogo serve` in a harsher environment.

Both tweaks act on this process while a server starts, and the subprocess inherits them —
so they work with any way of starting it:

- :func:`without_orjson`: ``import orjson`` fails in subprocesses (a module of that name
  on ``PYTHONPATH`` raises ImportError), as on a machine with only ``gonogo[gateway]``
  installed: the gateway then really runs its standard-library JSON code;
- :func:`open_file_limit`: subprocesses start with a low soft limit of open files.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

try:  # where the subprocess helper lives once the test kit moved into the package
    from gonogo.testing import GatewayProcess  # type: ignore[attr-defined]
except ImportError:
    from gateway_ops_kit import GatewayProcess

__all__ = ["GatewayProcess", "open_file_limit", "without_orjson"]


@contextmanager
def without_orjson(folder: Path) -> Iterator[None]:
    """Subprocesses started inside the block cannot import orjson."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orjson.py").write_text('raise ImportError("orjson is blocked for this test")\n')
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", path)
        yield


@contextmanager
def open_file_limit(soft: int) -> Iterator[None]:
    """Subprocesses started inside the block get a soft open-file limit of ``soft``."""
    old = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, old)
