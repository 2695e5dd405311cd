"""The PRD's JSON Schema, for editors (completion, hover docs) and other tools."""

from __future__ import annotations

from typing import Any

from ._prd import PRD
from ._scorer_params import BUILTIN_SCORER_MODELS

SCHEMA_ID = "urn:gonogo:schema:prd:1"
SCHEMA_FILENAME = "gonogo.schema.json"


def prd_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``gonogo.yaml``.

    A plug-in scorer accepts any keys, so its ``kind`` excludes the built-in kinds:
    every scorer entry then matches exactly one branch of the schema's ``oneOf``, and
    an unknown key in a built-in scorer is an error in the editor too.
    """
    body = PRD.model_json_schema(by_alias=True)
    plugin_kind = body["$defs"]["PluginScorer"]["properties"]["kind"]
    plugin_kind["not"] = {"enum": sorted(BUILTIN_SCORER_MODELS)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **body,
        "title": "gonogo AI PRD (gonogo.yaml)",
    }
