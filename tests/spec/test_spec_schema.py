import json

import jsonschema
import pytest
import yaml
from spec_helpers import VALID

from gonogo.spec import prd_json_schema
from gonogo_testkit import REFUND_BOT


@pytest.fixture(scope="module")
def validator():
    schema = prd_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_header():
    schema = prd_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    assert "gonogo" in schema["title"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"feature", "eval_plan"}


def test_refund_bot_example_validates(validator):
    data = yaml.safe_load(REFUND_BOT.read_text())
    assert list(validator.iter_errors(data)) == []


def test_valid_prd_validates_and_each_scorer_matches_one_branch(validator):
    data = yaml.safe_load(VALID)
    assert list(validator.iter_errors(data)) == []


def test_unknown_key_in_a_builtin_scorer_is_rejected(validator):
    data = yaml.safe_load(VALID)
    data["eval_plan"]["scorers"][0]["minimum"] = 0.5
    errors = list(validator.iter_errors(data))
    assert [list(e.path) for e in errors] == [["eval_plan", "scorers", 0]]


def test_plugin_scorers_accept_their_own_keys(validator):
    data = yaml.safe_load(VALID)
    data["eval_plan"]["scorers"].append({"id": "tone", "kind": "pkg.mod:tone", "strict": True})
    assert list(validator.iter_errors(data)) == []


def test_descriptions_document_fields():
    defs = prd_json_schema()["$defs"]
    assert "relative to the PRD" in defs["DatasetRef"]["properties"]["path"]["description"]
    assert all("description" in p for p in defs["FailureMode"]["properties"].values())


def test_schema_command_prints_json(cli, tmp_path):
    result = cli("schema")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == prd_json_schema()
    out = tmp_path / "s.json"
    result = cli("schema", "--out", out)
    assert result.returncode == 0
    assert json.loads(out.read_text()) == prd_json_schema()
