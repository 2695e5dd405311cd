"""The other endpoints: health, metrics, OpenAPI, feedback and the admin API.

These are off the hot path, so they use Starlette's ``Request``; errors are the same
JSON shape as everywhere. Admin calls need an admin key; a registry change made here
is served by this replica at once (others follow within their poll period).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from ..errors import UserError
from ..store.gateway import UnknownKeyError, check_key_name, new_api_key
from ._http import JSON_BACKEND, HTTPError, dumps, parse_json_object, read_body
from ._openapi import openapi_document
from ._store import FeedbackRecord, UnknownPromptError, UnknownTraceError

if TYPE_CHECKING:
    from ._runtime import Gateway
    from ._store import ApiKeyRecord, LabelMove, PromptVersion

Handler = Callable[[Request], Awaitable[Response]]


class _Json(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def error_response(err: HTTPError) -> Response:
    """An :class:`HTTPError` as a JSON response."""
    return _Json(err.body(), status_code=err.status, headers=err.headers)


def _guarded(gw: Gateway, role: str | None, fn: Callable[..., Awaitable[Response]]) -> Handler:
    """Wrap ``fn(request[, key])`` with key checks and JSON errors."""

    async def handler(request: Request) -> Response:
        try:
            if role is None:
                return await fn(request)
            key = await gw.keys.authenticate(request.scope, role)
            return await fn(request, key)
        except HTTPError as e:
            if e.status in (401, 403):
                gw.metrics.auth[(e.type,)] += 1
            return error_response(e)
        except UnknownPromptError as e:
            return error_response(HTTPError(404, "unknown_prompt", e.message, e.hint))
        except UnknownTraceError as e:
            return error_response(HTTPError(404, "unknown_trace", e.message, e.hint))
        except UnknownKeyError as e:
            return error_response(HTTPError(404, "unknown_key", e.message, e.hint))
        except UserError as e:
            return error_response(HTTPError(400, "invalid_request", e.message, e.hint))

    return handler


async def _body(request: Request, gw: Gateway, *, optional: bool = False) -> dict[str, Any]:
    """The JSON object body, read no further than the size limit (413 beyond)."""
    raw = await read_body(request.receive, gw.settings.max_body_bytes)
    if optional and not raw.strip():
        return {}
    return parse_json_object(raw)


def _str(d: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    v = d.get(key)
    if v is None:
        if required:
            raise HTTPError(400, "invalid_request", f"`{key}` is required")
        return None
    if not isinstance(v, str) or (required and not v.strip()):
        raise HTTPError(400, "invalid_request", f"`{key}` must be text")
    return v


def _only(d: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(d) - allowed
    if unknown:
        raise HTTPError(400, "invalid_request", f"unknown key(s): {', '.join(sorted(unknown))}",
                        "allowed: " + ", ".join(sorted(allowed)))  # fmt: skip


def _rating(value: Any) -> float:
    if value in ("up", "down"):
        return 1.0 if value == "up" else 0.0
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    raise HTTPError(400, "invalid_request", '`rating` must be "up", "down" or a number 0..1')


def _version(v: PromptVersion) -> dict[str, Any]:
    return {"name": v.name, "version": v.version, "system": v.system, "user": v.user,
            "model": v.model, "params": v.params, "output_schema": v.output_schema,
            "content_hash": v.content_hash, "created_at": v.created_at,
            "created_by": v.created_by, "message": v.message}  # fmt: skip


def _move(m: LabelMove) -> dict[str, Any]:
    return {"id": m.id, "name": m.name, "label": m.label, "from_version": m.from_version,
            "to_version": m.to_version, "actor": m.actor, "reason": m.reason,
            "at": m.at}  # fmt: skip


def routes(gw: Gateway) -> list[tuple[str, str, Handler]]:
    """(method, path, handler) of every endpoint here."""
    return _public(gw) + _registry(gw) + _keys(gw)


def _public(gw: Gateway) -> list[tuple[str, str, Handler]]:
    store = gw.store

    async def healthz(request: Request) -> Response:
        return _Json({"status": "ok", "feature": gw.cfg.feature,
                      "registry_revision": gw.registry.revision,
                      "uptime_s": round(time.time() - gw.started_at, 1),
                      "json": JSON_BACKEND})  # fmt: skip

    async def metrics(request: Request) -> Response:
        return PlainTextResponse(
            gw.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(gw.cfg.feature))

    async def feedback(request: Request, key: ApiKeyRecord) -> Response:
        d = await _body(request, gw)
        _only(d, {"trace_id", "rating", "comment", "correction"})
        trace_id = _str(d, "trace_id", required=True)
        assert trace_id is not None
        fb = FeedbackRecord(id=uuid.uuid4().hex, trace_id=trace_id, rating=_rating(d.get("rating")),
                            comment=_str(d, "comment"), correction=_str(d, "correction"),
                            created_at=time.time(), api_key_id=key.id)  # fmt: skip
        await store.add_feedback(fb)  # durable on return; UnknownTraceError → 404
        return _Json({"id": fb.id, "trace_id": trace_id}, status_code=201)

    async def budget(request: Request, key: ApiKeyRecord) -> Response:
        return _Json(gw.budget.snapshot())

    return [
        ("GET", "/healthz", _guarded(gw, None, healthz)),
        ("GET", "/metrics", _guarded(gw, None, metrics)),
        ("GET", "/openapi.json", _guarded(gw, None, openapi)),
        ("POST", "/v1/feedback", _guarded(gw, "app", feedback)),
        ("GET", "/v1/admin/budget", _guarded(gw, "admin", budget)),
    ]


def _registry(gw: Gateway) -> list[tuple[str, str, Handler]]:
    store = gw.store

    async def list_prompts(request: Request, key: ApiKeyRecord) -> Response:
        rows = await store.list_prompts()
        return _Json({"prompts": [{"name": n, "latest": latest, "labels": labels}
                                  for n, latest, labels in rows]})  # fmt: skip

    async def show_prompt(request: Request, key: ApiKeyRecord) -> Response:
        name = request.path_params["name"]
        versions = await store.versions(name)
        if not versions:
            raise HTTPError(404, "unknown_prompt", f"no prompt named '{name}' in the registry")
        labels = {lb: v for (n, lb), v in gw.registry.labels().items() if n == name}
        history = await store.label_history(name)
        return _Json({"name": name, "versions": [_version(v) for v in versions],
                      "labels": labels, "history": [_move(m) for m in history]})  # fmt: skip

    async def push(request: Request, key: ApiKeyRecord) -> Response:
        name = request.path_params["name"]
        d = await _body(request, gw)
        _only(d, {"system", "user", "model", "params", "output_schema", "message"})
        params, schema = d.get("params") or {}, d.get("output_schema")
        if not isinstance(params, dict) or (schema is not None and not isinstance(schema, dict)):
            raise HTTPError(400, "invalid_request", "`params` and `output_schema` are objects")
        version, created = await store.push_prompt(
            name, system=_str(d, "system"), user=_str(d, "user", required=True) or "",
            model=_str(d, "model"), params=params, output_schema=schema, actor=key.id,
            message=_str(d, "message"),
        )  # fmt: skip
        await gw.registry.refresh()
        return _Json(
            {"name": name, "version": version.version, "created": created},
            status_code=201 if created else 200,
        )

    async def promote(request: Request, key: ApiKeyRecord) -> Response:
        name, label = request.path_params["name"], request.path_params["label"]
        d = await _body(request, gw)
        _only(d, {"version", "reason"})
        version = d.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise HTTPError(400, "invalid_request", "`version` must be a version number ≥ 1")
        move = await store.move_label(name, label, version, actor=key.id,
                                      reason=_str(d, "reason"))  # fmt: skip
        await gw.registry.refresh()
        return _Json(_move(move))

    async def rollback(request: Request, key: ApiKeyRecord) -> Response:
        name, label = request.path_params["name"], request.path_params["label"]
        d = await _body(request, gw, optional=True)
        _only(d, {"to_version", "reason"})
        to = d.get("to_version")
        if to is not None and (not isinstance(to, int) or isinstance(to, bool) or to < 1):
            raise HTTPError(400, "invalid_request", "`to_version` must be a version number ≥ 1")
        move = await store.rollback_label(name, label, actor=key.id, reason=_str(d, "reason"),
                                          to_version=to)  # fmt: skip
        await gw.registry.refresh()
        return _Json(_move(move))

    async def history(request: Request, key: ApiKeyRecord) -> Response:
        label = request.query_params.get("label")
        moves = await store.label_history(request.path_params["name"], label)
        return _Json({"history": [_move(m) for m in moves]})

    return [
        ("GET", "/v1/admin/prompts", _guarded(gw, "admin", list_prompts)),
        ("GET", "/v1/admin/prompts/{name}", _guarded(gw, "admin", show_prompt)),
        ("POST", "/v1/admin/prompts/{name}/versions", _guarded(gw, "admin", push)),
        ("POST", "/v1/admin/prompts/{name}/labels/{label}", _guarded(gw, "admin", promote)),
        (
            "POST",
            "/v1/admin/prompts/{name}/labels/{label}/rollback",
            _guarded(gw, "admin", rollback),
        ),  # fmt: skip
        ("GET", "/v1/admin/prompts/{name}/history", _guarded(gw, "admin", history)),
    ]


def _key(k: ApiKeyRecord) -> dict[str, Any]:
    """A key as the admin API shows it: never its secret, nor the secret's hash."""
    return {"id": k.id, "name": k.name, "role": k.role, "created_at": k.created_at,
            "revoked_at": k.revoked_at, "daily_budget_usd": k.daily_budget_usd}  # fmt: skip


def _key_name(d: dict[str, Any]) -> str:
    name = _str(d, "name", required=True) or ""
    check_key_name(name)  # the same rule as `gonogo keys create` (UserError → 400)
    return name


def _keys(gw: Gateway) -> list[tuple[str, str, Handler]]:
    """Create, list, revoke and budget API keys.

    A change made here applies on this replica at once (its key cache is dropped); other
    replicas see it within their key TTL (``key_ttl_s``, 10 s by default).
    """
    store = gw.store

    async def list_keys(request: Request, key: ApiKeyRecord) -> Response:
        return _Json({"keys": [_key(k) for k in await store.list_keys()]})

    async def create(request: Request, key: ApiKeyRecord) -> Response:
        d = await _body(request, gw)
        _only(d, {"name", "role", "daily_budget_usd"})
        role = d.get("role")
        if role not in ("app", "admin"):
            raise HTTPError(400, "invalid_request", '`role` must be "app" or "admin"')
        secret, rec = new_api_key(_key_name(d), role, d.get("daily_budget_usd"))
        await store.add_key(rec)
        # the secret is in this response only: never logged, traced or stored
        return _Json({**_key(rec), "secret": secret}, status_code=201,
                     headers={"Cache-Control": "no-store"})  # fmt: skip

    async def revoke(request: Request, key: ApiKeyRecord) -> Response:
        key_id = request.path_params["id"]
        await store.revoke_key(key_id)  # UnknownKeyError → 404
        gw.keys.forget()
        return _Json(await _find(key_id))

    async def set_budget(request: Request, key: ApiKeyRecord) -> Response:
        key_id = request.path_params["id"]
        d = await _body(request, gw)
        _only(d, {"daily_budget_usd"})
        if "daily_budget_usd" not in d:
            raise HTTPError(400, "invalid_request", "`daily_budget_usd` is required",
                            "a USD amount ≥ 0, or null to drop the key's own limit")  # fmt: skip
        await store.set_key_budget(key_id, d["daily_budget_usd"])  # 404 / 400 (UserError)
        gw.keys.forget()
        return _Json(await _find(key_id))

    async def _find(key_id: str) -> dict[str, Any]:
        for k in await store.list_keys():
            if k.id == key_id:
                return _key(k)
        raise UnknownKeyError(f"no API key with id '{key_id}'", "see GET /v1/admin/keys")

    return [
        ("GET", "/v1/admin/keys", _guarded(gw, "admin", list_keys)),
        ("POST", "/v1/admin/keys", _guarded(gw, "admin", create)),
        ("DELETE", "/v1/admin/keys/{id}", _guarded(gw, "admin", revoke)),
        ("PUT", "/v1/admin/keys/{id}/budget", _guarded(gw, "admin", set_budget)),
    ]
