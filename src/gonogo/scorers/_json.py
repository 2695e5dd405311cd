"""JSON built-in scorers: ``json_valid`` (parses) and ``json_schema`` (follows a schema).

A string output is parsed strictly (code fences make it invalid: a program reading the
output would fail too); structured output from a callable target is taken as is.
``json_valid`` checks a schema only when its own ``schema`` is given; ``json_schema``
uses its ``schema`` or else the model spec's output schema, and needs one of them.
The schema is checked and its validator built once, at build time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .._safejson import loads
from ..data._case import Case
from ..data._output import TargetOutput
from ..errors import UserError
from ..spec._scorer_params import JsonScorer
from ._base import Score, Scorer, ScorerContext, register_scorer


def json_path(parts: Iterable[str | int]) -> str:
    """``$.items[0].name`` for the path ``["items", 0, "name"]``."""
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def parse_output(output: TargetOutput) -> tuple[Any, str | None]:
    """The output as a JSON value, or an error saying why it is not JSON."""
    value = output.output
    if value is None:
        return None, "output is empty"
    if not isinstance(value, str):
        return value, None
    try:
        return loads(value), None
    except json.JSONDecodeError as e:
        return None, f"not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"


class JsonCheck:
    """Output is valid JSON and, with a validator, follows its schema."""

    def __init__(self, id: str, validator: Any | None) -> None:
        self.id = id
        self._validator = validator

    async def score(self, case: Case, output: TargetOutput) -> Score:
        value, problem = parse_output(output)
        if problem is not None:
            return Score(0.0, False, problem)
        if self._validator is None:
            return Score(1.0, True, "valid JSON")
        errors = list(self._validator.iter_errors(value))
        if not errors:
            return Score(1.0, True, "valid JSON, follows the schema")
        from jsonschema.exceptions import best_match

        first = best_match(errors)
        assert first is not None  # errors is not empty
        where = json_path(first.absolute_path)
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        return Score(
            0.0,
            False,
            f"schema violation at {where}: {first.message}{more}",
            metadata={"path": where, "violations": len(errors)},
        )


def build_validator(schema: dict[str, Any], scorer_id: str) -> Any:
    """A jsonschema validator for ``schema`` (its draft from ``$schema``); UserError if bad."""
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    cls = validator_for(schema)
    try:
        cls.check_schema(schema)
    except SchemaError as e:
        raise UserError(
            f"scorer '{scorer_id}': the JSON Schema is invalid at "
            f"{json_path(e.absolute_path)}: {e.message}",
            "fix the schema (see https://json-schema.org/understanding-json-schema/)",
        ) from None
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@register_scorer("json_valid", params_model=JsonScorer, description="Output is valid JSON.")
@register_scorer(
    "json_schema", params_model=JsonScorer, description="Output is JSON following a JSON Schema."
)
def _json(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = JsonScorer.model_validate(spec)
    schema = p.json_schema
    if schema is None and p.kind == "json_schema":
        schema = ctx.output_schema
        if schema is None:
            raise UserError(
                f"scorer '{p.id}' (json_schema) has no schema",
                "add `schema:` to the scorer, or give the model spec an `output:` JSON Schema",
            )
    return JsonCheck(p.id, None if schema is None else build_validator(schema, p.id))
