"""``gonogo check`` for the target: a Python callable imports and takes the cases' fields.

The model spec's prompt must find its variables in every case.

Importing the module runs its top-level code, as ``gonogo eval`` would; the function is
not called. Problems are reported as issues at the PRD's ``eval_plan.target`` line, with
the dataset row that does not fit.
"""

from __future__ import annotations

import inspect
import os

from ..data import load_dataset
from ..errors import ConfigIssue, DatasetError, UserError
from ..spec import LoadedPRD
from ._targets import SETUP_HINT, load_callable, signature_mismatch

_PATH = ("eval_plan", "target")
_MAX_ROWS_REPORTED = 3


def check_templates(loaded: LoadedPRD) -> list[ConfigIssue]:
    """With the model spec as the target: every dataset row fills its prompt's variables.

    What ``gonogo eval`` refuses before its first call, found without running anything.
    """
    from ._suite import template_issues

    if loaded.prd.eval_plan.target != "model" or loaded.prd.model is None:
        return []
    issues: list[ConfigIssue] = []
    for ref in loaded.prd.eval_plan.datasets:
        path = loaded.resolve(ref.path)
        shown = ref.path if os.path.isabs(ref.path) else os.path.relpath(path)
        try:
            cases = load_dataset(path, name=ref.name, limit=ref.limit, display_path=shown).cases
        except DatasetError:
            continue  # reported by the dataset check
        issues += template_issues(loaded.prd, cases)
    return issues[:20]


def check_target(loaded: LoadedPRD, *, datasets: bool = True) -> list[ConfigIssue]:
    """Import a Python target and check its parameters against every dataset row.

    With ``datasets=False`` only the import is checked.
    """
    target = loaded.prd.eval_plan.target
    if not isinstance(target, str) or target == "model":
        return []
    try:
        fn = load_callable(target, loaded.base_dir)
    except UserError as e:
        return [loaded.issue(_PATH, e.message, e.hint)]
    except Exception as e:  # the module's own code failed while importing
        return [
            loaded.issue(
                _PATH,
                f"importing the target '{target}' failed: {type(e).__name__}: {e}",
                "fix the error in the module (run `python -c 'import MODULE'` from the PRD's "
                "folder to see the traceback)",
            )
        ]
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return []  # a builtin or C function: nothing to compare
    if "case" in signature.parameters or not datasets:
        return []
    return _mismatches(loaded, target, signature)


def _mismatches(loaded: LoadedPRD, target: str, signature: inspect.Signature) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    seen: set[tuple[str, ...]] = set()
    for ref in loaded.prd.eval_plan.datasets:
        try:
            cases = load_dataset(loaded.resolve(ref.path), name=ref.name, limit=ref.limit).cases
        except DatasetError:
            continue  # reported by the dataset check
        for case in cases:
            fields = tuple(case.inputs)
            if fields in seen:
                continue
            seen.add(fields)
            problem = signature_mismatch(target, signature, dict(case.inputs))
            if problem is not None and len(issues) < _MAX_ROWS_REPORTED:
                where = case.source or f"{ref.name}/{case.id}"
                issues.append(loaded.issue(_PATH, f"{problem} (first at {where})", SETUP_HINT))
    return issues
