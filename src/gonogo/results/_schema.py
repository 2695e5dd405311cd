"""The published JSON Schema of results.json, and validation against it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._docschema import load_schema, schema_problems


def results_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of results.json, schema version 1."""
    return load_schema("gonogo.results", "results.schema.json")


def validate_results(results: Mapping[str, Any]) -> list[str]:
    """Problems that make ``results`` invalid against the schema; empty when valid."""
    return schema_problems(results_schema(), results)
