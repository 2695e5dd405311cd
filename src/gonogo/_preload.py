"""Import, while a run waits on the network, the modules its end will need.

A run's end (aggregation, the reports, the console summary) imports ~90 modules that its
start does not need: ~40 ms on 2 cores, added to every run after its last call returned.
:func:`preload_soon` imports them on the running event loop's turns instead, one module
a turn, while the calls are in flight. Nothing changes but when the import happens: a
module that fails to import is left to fail where it is really imported.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import sys
from collections.abc import Iterable

_DELAY_S = 0.002  # after the first calls went out


def preload_soon(names: Iterable[str]) -> None:
    """Import ``names`` one per event-loop turn, starting shortly (needs a running loop)."""
    pending = [n for n in names if n not in sys.modules]
    if not pending:
        return
    loop = asyncio.get_running_loop()

    def step() -> None:
        name = pending.pop(0)
        if name not in sys.modules:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        if pending:
            loop.call_soon(step)

    loop.call_later(_DELAY_S, step)
