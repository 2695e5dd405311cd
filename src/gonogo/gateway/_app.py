"""The Starlette application: routes, lifespan, JSON errors for everything."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError
from ._http import HTTPError
from ._settings import GatewaySettings

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ..spec._loader import LoadedPRD
    from ..spec._prd import PRD

log = logging.getLogger("gonogo.gateway")


def require_gateway_extra() -> None:
    """Raise :class:`MissingDependencyError` when the ``gateway`` extra is not installed."""
    for module, package in (("starlette", "starlette"), ("uvicorn", "uvicorn")):
        try:
            __import__(module)
        except ImportError:
            raise MissingDependencyError("gonogo serve", "gateway", package) from None


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
    from starlette.applications import Starlette
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

    table: list[Any] = [
        Route("/v1/chat/completions", ChatCompletions(gw), methods=["POST"]),
        Route("/v1/prompts/{name}/completions", PromptCompletions(gw), methods=["POST"]),
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

    app = Starlette(
        routes=table,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: unexpected},
    )
    app.state.gateway = gw
    return app
