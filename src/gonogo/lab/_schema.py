"""The published JSON Schema of lab.json, and validation against it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any


@cache
def _schema_text() -> str:
    return resources.files("gonogo.lab").joinpath("lab.schema.json").read_text(encoding="utf-8")


def lab_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of lab.json, schema version 1."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


def validate_lab(document: Mapping[str, Any]) -> list[str]:
    """Problems that make ``document`` invalid against the schema (``path: message``)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(lab_schema())
    problems = []
    for err in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in err.absolute_path) or "(root)"
        problems.append(f"{path}: {err.message}")
    return problems
