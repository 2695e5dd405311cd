"""What is under test: the Target protocol (its output, :class:`TargetOutput`, lives in data)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..data._case import Case
from ..data._output import TargetOutput


@runtime_checkable
class Target(Protocol):
    """The feature under test: the PRD's model spec, a Python callable or an HTTP endpoint."""

    name: str

    async def __call__(self, case: Case, sample: int) -> TargetOutput:
        """Run one case (sample index ``sample``); never raises for feature failures."""
        ...
