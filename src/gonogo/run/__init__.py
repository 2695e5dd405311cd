"""The runner: targets, concurrency, repeats, resume, and the eval loop.

Heavy submodules (the runner pulls in scorers, the store and the reports) are imported
on first use (PEP 562), so ``from gonogo.run import TargetOutput`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..data._output import TargetOutput
from ._types import Target

if TYPE_CHECKING:
    from ._check_target import check_target
    from ._evaluate import EvalOptions, EvalResult, evaluate, new_run_meta, update_run_meta
    from ._plan import CallEstimate, RunPlan, plan_run
    from ._runner import Executor, Progress, RunOutcome
    from ._select import CaseSelection
    from ._suite import Suite, compile_suite, load_datasets, state_dir
    from ._targets import CallableTarget, HttpTarget, ModelTarget

_LAZY = {
    "CaseSelection": "_select",
    "check_target": "_check_target",
    "EvalOptions": "_evaluate",
    "EvalResult": "_evaluate",
    "evaluate": "_evaluate",
    "new_run_meta": "_evaluate",
    "update_run_meta": "_evaluate",
    "CallEstimate": "_plan",
    "RunPlan": "_plan",
    "plan_run": "_plan",
    "Executor": "_runner",
    "Progress": "_runner",
    "RunOutcome": "_runner",
    "Suite": "_suite",
    "compile_suite": "_suite",
    "load_datasets": "_suite",
    "state_dir": "_suite",
    "CallableTarget": "_targets",
    "HttpTarget": "_targets",
    "ModelTarget": "_targets",
}

__all__ = [
    "CallEstimate",
    "CallableTarget",
    "CaseSelection",
    "EvalOptions",
    "EvalResult",
    "Executor",
    "HttpTarget",
    "ModelTarget",
    "Progress",
    "RunOutcome",
    "RunPlan",
    "Suite",
    "Target",
    "TargetOutput",
    "check_target",
    "compile_suite",
    "evaluate",
    "load_datasets",
    "new_run_meta",
    "plan_run",
    "state_dir",
    "update_run_meta",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gonogo.run' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
