"""The published JSON Schema of lab.json, and validation against it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._docschema import load_schema, schema_problems


def lab_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of lab.json, schema version 1."""
    return load_schema("gonogo.lab", "lab.schema.json")


def validate_lab(document: Mapping[str, Any]) -> list[str]:
    """Problems that make ``document`` invalid against the schema; empty when valid."""
    return schema_problems(lab_schema(), document)
