from typing import Any

import jsonschema
from report_kit import RUN_META, make_cases, make_prd, make_records, record, score

from gonogo.results import aggregate, results_schema, validate_results

RunData = tuple[Any, list[Any], list[dict[str, Any]]]


def test_schema_is_a_valid_json_schema() -> None:
    schema = results_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {
        "const": 1,
        "description": "Bumped on any incompatible change.",
    }


def test_every_field_is_documented() -> None:
    missing: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and not sub.get("description") and "$ref" not in sub:
                    missing.append(f"{path}.{name}")
            for key, sub in node.items():
                walk(sub, f"{path}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{path}[{i}]")

    walk(results_schema(), "$")
    assert missing == []


def test_results_validate(run_data: RunData) -> None:
    assert validate_results(aggregate(*run_data, RUN_META)) == []


def test_variants_validate() -> None:
    prd = make_prd(judge={"name": "judge"}, thresholds=[])
    cases = make_cases(5)
    recs = make_records(cases[:3])
    recs[0]["scores"]["polite"] = score(True, value=5.0, judge_fingerprint="fp")
    recs.append(record(cases[0], 9, {}, cost_usd=None, input_tokens=None, cached=True))
    meta = {**RUN_META, "status": "partial", "stopped_reason": "interrupted", "extra": 1}
    res = aggregate(prd, cases, recs, meta)
    assert validate_results(res) == []


def test_schema_catches_drift(run_data: RunData) -> None:
    res = aggregate(*run_data, RUN_META)
    res["scorers"][0]["surprise"] = 1
    res["verdict"] = "MAYBE"
    del res["totals"]["cost_usd"]
    problems = validate_results(res)
    assert any(p.startswith("scorers.0:") and "surprise" in p for p in problems)
    assert any(p.startswith("verdict:") for p in problems)
    assert any(p.startswith("totals:") and "cost_usd" in p for p in problems)


def test_docs_describe_every_field() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "results-schema.md").read_text()
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            names.update((node.get("properties") or {}).keys())
            for sub in node.values():
                walk(sub)
        elif isinstance(node, list):
            for sub in node:
                walk(sub)

    walk(results_schema())
    assert sorted(n for n in names if f"`{n}`" not in doc) == []
