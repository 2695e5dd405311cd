"""comparison.json: a valid, fully documented, closed schema in the results family."""

from pathlib import Path
from typing import Any

import jsonschema

from gonogo.compare import comparison_schema, validate_comparison
from gonogo.results import results_schema

DOC = Path(__file__).parents[2] / "docs" / "results-schema.md"


def walk_props(node: Any, out: dict[str, Any]) -> None:
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            out.setdefault(name, sub)
        for sub in node.values():
            walk_props(sub, out)
    elif isinstance(node, list):
        for sub in node:
            walk_props(sub, out)


def test_schema_is_valid_and_in_the_results_family():
    schema = comparison_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema"]["const"] == "gonogo.comparison"
    assert schema["properties"]["schema_version"]["const"] == 1
    # results.json v1 is untouched
    assert results_schema()["properties"]["schema"]["const"] == "gonogo.results"


def test_every_field_has_a_description_and_is_documented():
    props: dict[str, Any] = {}
    walk_props(comparison_schema(), props)
    assert [n for n, p in props.items() if not p.get("description")] == []
    section = DOC.read_text().split("## comparison.json", 1)[1]
    assert sorted(n for n in props if f"`{n}`" not in section) == []


def test_drift_is_caught():
    doc = {"schema": "gonogo.comparison", "schema_version": 1, "surprise": 1}
    problems = validate_comparison(doc)
    assert any("surprise" in p for p in problems)
    assert any("'verdict' is a required property" in p for p in problems)
