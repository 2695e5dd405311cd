"""The launch checklist, verified by machine: ``gonogo launch``.

:func:`launch` answers every checklist question — evals GO, red-teamed, hallucinations
detected and handled, fallback, costs within budget, feedback captured, rollback within
the objective, failure modes covered — from the evidence log gonogo's own runs and drills
append to (an append-only hash chain, :func:`verify`), tied to this PRD and prompt
version; it refuses GO when evidence is missing, failed, stale or of another version.
"""

from ._checklist import (
    SCHEMA,
    SCHEMA_VERSION,
    LaunchOptions,
    LaunchResult,
    checklist,
    launch,
    pareto,
    verify,
)
from ._drills import DRILLS
from ._items import CHECKS, TITLES
from ._report import (
    launch_schema,
    markdown,
    render_console,
    validate_launch,
    write_launch_reports,
)

__all__ = [
    "CHECKS",
    "DRILLS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "TITLES",
    "LaunchOptions",
    "LaunchResult",
    "checklist",
    "launch",
    "launch_schema",
    "markdown",
    "pareto",
    "render_console",
    "validate_launch",
    "verify",
    "write_launch_reports",
]
