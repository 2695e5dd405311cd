"""The Starlette application: routes, lifespan, JSON errors for everything."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError
from ._http import HTTPError, header, send_error, too_large
from ._settings import GatewaySettings

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..spec._loader import LoadedPRD
    from ..spec._prd import PRD

log = logging.getLogger("gonogo.gateway")


def require_gateway_extra(feature: str = "gonogo serve") -> None:
    """Raise :class:`MissingDependencyError` when the ``gateway`` extra is not installed."""
    for module, package in (("starlette", "starlette"), ("uvicorn", "uvicorn")):
        try:
            __import__(module)
        except ImportError:
            raise MissingDependencyError(feature, "gateway", package) from None


def create_app(
    prd: PRD | LoadedPRD,
    settings: GatewaySettings | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> Starlette:
    """The gateway for ``prd`` as a Starlette app (serve it with uvicorn).

    ``prd`` may be a :class:`~gonogo.spec.LoadedPRD` (its folder is then the default
    store's home). Upstream API keys are read from ``env`` (default ``os.environ``) now,
    so a missing one fails here, before serving. The store opens in the app's lifespan.
    """
    require_gateway_extra()
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from ..spec._loader import LoadedPRD
    from ._admin import error_response, routes
    from ._handlers import ChatCompletions, PromptCompletions
    from ._runtime import Gateway

    settings = settings or GatewaySettings()
    if isinstance(prd, LoadedPRD):
        if settings.base_dir is None:
            settings.base_dir = prd.base_dir
        prd = prd.prd
    gw = Gateway(prd, settings, env=env)

    chat, feature = ChatCompletions(gw), PromptCompletions(gw)
    table: list[Any] = [
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/v1/prompts/{name}/completions", feature, methods=["POST"]),
    ]
    table += [Route(path, fn, methods=[method]) for method, path, fn in routes(gw)]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await gw.start()
        try:
            yield
        finally:
            await gw.stop()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = {404: f"no endpoint at {request.url.path}",
                   405: f"{request.method} is not allowed on {request.url.path}"}.get(
            exc.status_code, str(exc.detail))  # fmt: skip
        return error_response(HTTPError(exc.status_code, kind, message,
                                        "see GET /openapi.json for the endpoints"))  # fmt: skip

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        return error_response(HTTPError(503, "internal_error",
                                        "the gateway could not handle this request",
                                        "retry; the gateway's log has the details"))  # fmt: skip

    app: Starlette = _gateway_app_class()(
        routes=table,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: unexpected},
    )
    app.fast = {"/v1/chat/completions": chat}  # type: ignore[attr-defined]
    app.feature = feature  # type: ignore[attr-defined]
    app.state.gateway = gw
    return app


@functools.cache
def _gateway_app_class() -> type[Starlette]:
    from starlette.applications import Starlette

    class GatewayApp(Starlette):
        """Starlette, with the two feature endpoints dispatched before its middleware.

        They catch every error themselves, so the error middleware and the router (a few
        percent of a request's CPU) are skipped for them; everything else — and any odd
        method or path — goes through Starlette as usual.
        """

        fast: dict[str, Any] = {}
        feature: Any = None

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
                limit = self.state.gateway.settings.max_body_bytes
                declared = header(scope, b"content-length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    # refused before a byte of the body is read, not after a wait for it
                    await send_error(send, too_large(limit), [(b"connection", b"close")])
                    return
            if scope["type"] == "http" and scope["method"] == "POST":
                path: str = scope["path"]
                endpoint = self.fast.get(path)
                if endpoint is not None:
                    await endpoint(scope, receive, send)
                    return
                name = _feature_name(path)
                if name is not None and self.feature is not None:
                    scope["path_params"] = {"name": name}
                    await self.feature(scope, receive, send)
                    return
            await super().__call__(scope, receive, send)

    return GatewayApp


def _feature_name(path: str) -> str | None:
    """``NAME`` of ``/v1/prompts/NAME/completions`` (one non-empty segment), else None."""
    if path.startswith("/v1/prompts/") and path.endswith("/completions"):
        name = path[12:-12]
        if name and "/" not in name:
            return name
    return None
