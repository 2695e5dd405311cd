"""The published JSON Schema of comparison.json, and validation against it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._docschema import load_schema, schema_problems


def comparison_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of comparison.json, schema version 1."""
    return load_schema("gonogo.compare", "comparison.schema.json")


def validate_comparison(document: Mapping[str, Any]) -> list[str]:
    """Problems that make ``document`` invalid against the schema; empty when valid."""
    return schema_problems(comparison_schema(), document)
