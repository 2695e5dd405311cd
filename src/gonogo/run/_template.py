"""Prompt templates: ``{name}`` placeholders filled from a case's variables."""

from __future__ import annotations

import string
from typing import Any

from ..data._case import Case

_FORMATTER = string.Formatter()


def template_fields(template: str) -> set[str]:
    """Top-level variable names a template uses (``{question}`` → ``question``)."""
    names: set[str] = set()
    for _, field, _, _ in _FORMATTER.parse(template):
        if field:
            names.add(field.split(".")[0].split("[")[0])
    return names


def case_variables(case: Case) -> dict[str, Any]:
    """The variables a template may use for this case.

    Besides the case's own inputs: ``input`` (its main text), ``expected`` and
    ``contexts`` (reference passages joined as a numbered list).
    """
    variables: dict[str, Any] = {"input": case.input_text}
    if case.contexts is not None:
        variables["contexts"] = "\n\n".join(f"[{i + 1}] {c}" for i, c in enumerate(case.contexts))
    variables.update(case.inputs)
    return variables


def render(template: str, variables: dict[str, Any]) -> str:
    """Fill a template; values that are not strings are rendered as text."""
    return template.format_map(variables)
