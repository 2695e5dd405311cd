"""The published JSON Schemas of gonogo's documents, and validation against them.

``results.json``, ``comparison.json``, ``lab.json``, ``redteam.json`` and ``launch.json``
each ship a draft 2020-12 schema beside the code that writes them; each package's
``*_schema()`` / ``validate_*()`` pair is these two functions on its own file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any


@cache
def _text(package: str, filename: str) -> str:
    return resources.files(package).joinpath(filename).read_text(encoding="utf-8")


def load_schema(package: str, filename: str) -> dict[str, Any]:
    """The schema ``filename`` shipped in ``package`` (a fresh dict: callers may change it)."""
    schema: dict[str, Any] = json.loads(_text(package, filename))
    return schema


def schema_problems(schema: Mapping[str, Any], document: Mapping[str, Any]) -> list[str]:
    """Problems that make ``document`` invalid against ``schema``; empty when valid.

    Each is ``json.path: message``, in path order.
    """
    import jsonschema  # only when validating

    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
