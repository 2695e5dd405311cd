"""The gateway's OpenAPI 3.1 document, served at ``GET /openapi.json``.

Written by hand (the endpoints are raw ASGI, not generated from models); the tests
fuzz the API from it, so each schema says what the endpoint accepts.
"""

from __future__ import annotations

from typing import Any

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {
                "type": {"type": "string"},
                "message": {"type": "string"},
                "fix": {"type": "string"},
            },
        }
    },
}
_VARIABLES = {
    "type": "object",
    "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
    "description": "Values for the prompt's {placeholders}.",
}
_CONTEXTS = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Passages the answer may use (groundedness guard; {contexts} variable).",
}
_MESSAGE = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {
        "role": {"enum": ["system", "developer", "user", "assistant", "tool", "function"]},
        "content": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]},
    },
}
_CHAT_REQUEST = {
    "type": "object",
    "required": ["messages"],
    "properties": {
        "model": {"type": "string", "description": "Recorded; the PRD's chain decides."},
        "messages": {"type": "array", "items": _MESSAGE, "minItems": 1},
        "stream": {"type": "boolean"},
        "temperature": {"type": "number"},
        "max_tokens": {"type": "integer"},
        "gonogo": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "prompt": {"type": "string", "minLength": 1},
                "label": {"type": "string", "minLength": 1},
                "version": {"type": "integer", "minimum": 1},
                "variables": _VARIABLES,
                "contexts": _CONTEXTS,
                "question": {"type": "string"},
            },
        },
    },
}
_PROMPT_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "label": {"type": "string", "minLength": 1, "default": "production"},
        "version": {"type": "integer", "minimum": 1},
        "variables": _VARIABLES,
        "contexts": _CONTEXTS,
        "stream": {"type": "boolean"},
    },
}
_PROMPT_RESPONSE = {
    "type": "object",
    "required": ["id", "output", "prompt", "model", "path", "guards"],
    "properties": {
        "id": {"type": "string", "description": "Trace id (for feedback)."},
        "output": {},
        "prompt": {"type": "object"},
        "model": {"type": ["string", "null"]},
        "path": {"type": "string"},
        "usage": {"type": ["object", "null"]},
        "cost_usd": {"type": ["number", "null"]},
        "guards": {"type": "array", "items": {"type": "object"}},
    },
}
_FEEDBACK = {
    "type": "object",
    "required": ["trace_id", "rating"],
    "additionalProperties": False,
    "properties": {
        "trace_id": {"type": "string"},
        "rating": {
            "anyOf": [{"enum": ["up", "down"]}, {"type": "number", "minimum": 0, "maximum": 1}]
        },  # fmt: skip
        "comment": {"type": "string"},
        "correction": {"type": "string"},
    },
}
_BUDGET = {
    "type": ["number", "null"],
    "minimum": 0,
    "description": "USD per UTC day; null: no limit of its own (the PRD's applies).",
}
_KEY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "role", "created_at", "revoked_at", "daily_budget_usd"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "role": {"enum": ["app", "admin"]},
        "created_at": {"type": "number"},
        "revoked_at": {"type": ["number", "null"]},
        "daily_budget_usd": {"type": ["number", "null"]},
    },
}
_NEW_KEY = {
    "type": "object",
    "required": [*_KEY["required"], "secret"],
    "properties": {
        **_KEY["properties"],
        "secret": {"type": "string", "description": "Shown this once only."},
    },
}
_CREATE_KEY = {
    "type": "object",
    "required": ["name", "role"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "role": {"enum": ["app", "admin"]},
        "daily_budget_usd": _BUDGET,
    },
}  # fmt: skip


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


# OpenAPI 3.1 has no stream keyword; tools (schemathesis among them) read an event
# stream's `schema` as the schema of each event: its `data` line is a JSON chunk, or
# `[DONE]` for the last one.
_SSE_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "string", "description": "A JSON chunk, or [DONE] last."}},
}


def _json_or_sse(schema: dict[str, Any]) -> dict[str, Any]:
    """A 200 that is JSON, or server-sent events when the request asked for ``stream: true``."""
    return {"content": {**_json(schema)["content"], "text/event-stream": {"schema": _SSE_EVENT}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "Error", **_json(_ERROR)} for c in codes}


def _op(summary: str, *, body: dict[str, Any] | None = None, ok: dict[str, Any] | None = None,
        ok_code: int = 200, errors: tuple[int, ...] = (400, 401, 413, 502), auth: bool = True,
        params: list[dict[str, Any]] | None = None, also_ok: tuple[int, ...] = (),
        stream: bool = False) -> dict[str, Any]:  # fmt: skip
    ok_body = (_json_or_sse(ok) if stream else _json(ok)) if ok else {}
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            str(ok_code): {"description": "OK", **ok_body},
            **{str(c): {"description": "OK", **ok_body} for c in also_ok},
            **_errors(*errors),
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    if not auth:
        op["security"] = []
    if params:
        op["parameters"] = params
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def openapi_document(feature: str) -> dict[str, Any]:
    """The OpenAPI document for a gateway serving ``feature``."""
    name, label, key_id = _path_param("name"), _path_param("label"), _path_param("id")
    obj = {"type": "object"}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"gonogo gateway — {feature}", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/v1/chat/completions": {"post": _op(
                "OpenAI-compatible chat completion (stream: true for SSE)", body=_CHAT_REQUEST,
                ok=obj, stream=True, errors=(400, 401, 404, 413, 422, 429, 502, 503, 504))},
            "/v1/prompts/{name}/completions": {"post": _op(
                "Render a registry prompt by label or version and complete it",
                body=_PROMPT_REQUEST, ok=_PROMPT_RESPONSE, params=[name], stream=True,
                errors=(400, 401, 404, 413, 422, 429, 502, 503, 504))},
            "/v1/feedback": {"post": _op("Rate a traced answer", body=_FEEDBACK, ok=obj,
                                         ok_code=201, errors=(400, 401, 404, 413))},
            "/healthz": {"get": _op("Liveness", ok=obj, errors=(), auth=False)},
            "/metrics": {"get": {"summary": "Prometheus metrics", "security": [],
                                 "responses": {"200": {"description": "text/plain"}}}},
            "/openapi.json": {"get": _op("This document", ok=obj, errors=(), auth=False)},
            "/v1/admin/prompts": {"get": _op("List prompts (admin)", ok=obj, errors=(401, 403))},
            "/v1/admin/prompts/{name}": {"get": _op(
                "Versions, labels and history of a prompt (admin)", ok=obj, params=[name],
                errors=(401, 403, 404))},
            "/v1/admin/prompts/{name}/versions": {"post": _op(
                "Push a version (admin); 200 when identical to the latest", params=[name],
                ok=obj, ok_code=201, also_ok=(200,),
                errors=(400, 401, 403, 413), body={
                    "type": "object", "required": ["user"], "additionalProperties": False,
                    "properties": {"system": {"type": "string"}, "user": {"type": "string"},
                                   "model": {"type": "string"}, "params": obj,
                                   "output_schema": obj, "message": {"type": "string"}}})},
            "/v1/admin/prompts/{name}/labels/{label}": {"post": _op(
                "Point a label at a version: promote (admin)", params=[name, label], ok=obj,
                errors=(400, 401, 403, 404), body={
                    "type": "object", "required": ["version"], "additionalProperties": False,
                    "properties": {"version": {"type": "integer", "minimum": 1},
                                   "reason": {"type": "string"}}})},
            "/v1/admin/prompts/{name}/labels/{label}/rollback": {"post": _op(
                "Move a label back to its previous version (admin)", params=[name, label],
                ok=obj, errors=(400, 401, 403, 404), body={
                    "type": "object", "additionalProperties": False,
                    "properties": {"to_version": {"type": "integer", "minimum": 1},
                                   "reason": {"type": "string"}}})},
            "/v1/admin/prompts/{name}/history": {"get": _op(
                "Label moves of a prompt (admin)", params=[name], ok=obj,
                errors=(401, 403))},
            "/v1/admin/budget": {"get": _op("Budget limits and spend (admin)", ok=obj,
                                            errors=(401, 403))},
            "/v1/admin/keys": {
                "get": _op("API keys, never their secrets (admin)", errors=(401, 403),
                           ok={"type": "object", "required": ["keys"],
                               "properties": {"keys": {"type": "array", "items": _KEY}}}),
                "post": _op("Create a key; its secret is in this response only (admin)",
                            body=_CREATE_KEY, ok=_NEW_KEY, ok_code=201,
                            errors=(400, 401, 403, 413))},
            "/v1/admin/keys/{id}": {"delete": _op(
                "Revoke a key (admin); again is a no-op", params=[key_id], ok=_KEY,
                errors=(401, 403, 404))},
            "/v1/admin/keys/{id}/budget": {"put": _op(
                "Set or drop a key's own daily budget (admin)", params=[key_id], ok=_KEY,
                errors=(400, 401, 403, 404, 413), body={
                    "type": "object", "required": ["daily_budget_usd"],
                    "additionalProperties": False,
                    "properties": {"daily_budget_usd": _BUDGET}})},
        },
    }  # fmt: skip
