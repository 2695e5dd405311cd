"""The dashboard's Starlette app: routes, sessions and permissions, errors as pages."""

from __future__ import annotations

import contextlib
import getpass
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ..errors import GonogoError, MissingDependencyError, UserError
from ._render import render
from ._security import (
    COOKIE,
    SECURITY_HEADERS,
    Session,
    Sessions,
    SignInThrottle,
    allowed_hosts,
    cookie_header,
    is_loopback,
    same_origin,
)
from ._workspace import Workspace

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from ..gateway._keys import KeyCache
    from ..store.gateway import GatewayStore

log = logging.getLogger("gonogo.ui")
MAX_FORM_BYTES = 256 * 1024
STATIC = Path(__file__).parent / "static"


def require_ui_extra() -> None:
    """Raise :class:`MissingDependencyError` when Starlette or uvicorn is missing."""
    for module in ("starlette", "uvicorn"):
        try:
            __import__(module)
        except ImportError:
            raise MissingDependencyError("gonogo ui", "ui", module) from None


@dataclass
class UISettings:
    """How ``gonogo ui`` runs (see its --help)."""

    root: Path
    store_url: str
    runs_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8790
    login: bool = False  # always on beyond loopback
    admin_key: str | None = None  # GONOGO_ADMIN_KEY: an admin key kept only in memory
    page_size: int = 50
    lease_s: float = 600.0
    local_user: str = field(default_factory=lambda: _user())

    @property
    def needs_login(self) -> bool:
        """Keys are required unless the app listens on loopback only (and --login is off)."""
        return self.login or not is_loopback(self.host)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


class Forbidden(Exception):
    """The session may not do this (HTTP 403)."""


class NotFound(Exception):
    """No such page or object (HTTP 404)."""


def small_int(text: str | None) -> int | None:
    """ASCII digits, at most 9 of them, as an int; anything else None."""
    text = (text or "").strip()
    return int(text) if 0 < len(text) <= 9 and text.isascii() and text.isdigit() else None


@dataclass
class Req:
    """A request with its session and, for POST, its form fields."""

    request: Request
    session: Session
    form: dict[str, str]
    new_cookie: bool = False

    def arg(self, name: str, default: str | None = None) -> str | None:
        """A query parameter (stripped), or ``default``."""
        value = self.request.query_params.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else default

    def int_arg(self, name: str, default: int, lo: int = 0, hi: int = 10**9) -> int:
        """An integer query parameter clamped to ``[lo, hi]`` (junk → default)."""
        raw = self.arg(name)
        try:
            return max(lo, min(hi, int(raw))) if raw is not None else default
        except ValueError:
            return default

    def path(self, name: str) -> str:
        """A path parameter."""
        return str(self.request.path_params[name])


class UI:
    """Everything a page needs: settings, the PRDs, the gateway store, sessions, keys."""

    def __init__(self, settings: UISettings) -> None:
        from ..store.gateway import open_gateway_store

        self.settings = settings
        self.workspace = Workspace(settings.root, runs_url=settings.runs_url)
        self.store: GatewayStore = open_gateway_store(settings.store_url)
        self.sessions = Sessions(
            local_user=None if settings.needs_login else settings.local_user
        )
        self.throttle = SignInThrottle()
        self.keys: KeyCache | None = None
        self.hosts = allowed_hosts(settings.host, settings.port)

    async def start(self) -> None:
        """Open the gateway store (created and migrated if needed); again is a no-op."""
        from ..gateway._keys import KeyCache

        if self.keys is not None:
            return
        await self.store.open()
        self.keys = KeyCache(self.store, bootstrap_admin=self.settings.admin_key)

    async def stop(self) -> None:
        """Close the stores."""
        await self.store.close()
        self.workspace.close()

    def page(self, r: Req, template: str, status: int = 200, **context: Any) -> Response:
        """A rendered page."""
        from starlette.responses import HTMLResponse

        features = self.workspace.features()
        body = render(template, session=r.session, csrf=r.session.csrf, ui=self,
                      nav_features=features, request_path=r.request.url.path,
                      **context)  # fmt: skip
        return self._with_cookie(r, HTMLResponse(body, status_code=status))

    def redirect(self, r: Req, url: str) -> Response:
        """303 to a path of this app."""
        from starlette.responses import RedirectResponse

        if not url.startswith("/") or url[1:2] in ("/", "\\"):  # no //host or /\host
            url = "/"
        return self._with_cookie(r, RedirectResponse(url, status_code=303))

    def _with_cookie(self, r: Req, response: Response) -> Response:
        if r.new_cookie:
            proto = r.request.headers.get("x-forwarded-proto", r.request.url.scheme)
            name, value = cookie_header(r.session, secure=proto.split(",")[0].strip() == "https")
            response.headers.append(name, value)
        return response


Handler = Callable[[UI, Req], Awaitable["Response"]]


def _error_page(ui: UI, r: Req, status: int, title: str, message: str, hint: str = "") -> Response:
    return ui.page(r, "error.html.j2", status=status, title=title, message=message, hint=hint)


def wrap(ui: UI, fn: Handler, need: str) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint: session, login and permission checks, CSRF, errors as pages."""

    async def endpoint(request: Request) -> Response:
        sid = request.cookies.get(COOKIE)
        session = ui.sessions.get(sid)
        new = session is None
        if session is None:
            session = ui.sessions.new()
        r = Req(request, session, {}, new)
        try:
            if request.method == "POST":
                if not same_origin(request.headers.get("origin"), request.headers.get("host")):
                    raise Forbidden("this form was sent from another site")
                r.form = await _form(request)
                if not session.check_csrf(r.form.get("csrf")):
                    raise Forbidden("the form's security token is missing or old: reload the "
                                    "page and send it again")  # fmt: skip
            if need != "none":
                if session.role is None:
                    return ui.redirect(r, "/login?next=" + _quote(request.url.path))
                if not await _key_still_valid(ui, session):
                    ui.sessions.logout(session)
                    r.session, r.new_cookie = ui.sessions.new(), True
                    return ui.redirect(r, "/login")
                if not session.may(need):
                    raise Forbidden(_NEEDS.get(need, "you may not do this"))
            return await fn(ui, r)
        except Forbidden as e:
            return _error_page(ui, r, 403, "Not allowed", str(e))
        except NotFound as e:
            return _error_page(ui, r, 404, "Not found", str(e))
        except UserError as e:
            return _error_page(ui, r, 400, "Cannot do that", e.message, e.hint or "")
        except GonogoError as e:
            log.warning("%s: %s", request.url.path, e)
            return _error_page(ui, r, 503, "The store failed", str(e))

    return endpoint


_NEEDS = {
    "label": "reviewing needs a reviewer or admin key",
    "admin": "this needs an admin key (promoting and rolling back prompts, building queues)",
}


async def _key_still_valid(ui: UI, s: Session) -> bool:
    if s.key_hash is None or ui.keys is None:
        return True
    rec = await ui.keys.lookup(s.key_hash)
    return rec is not None and rec.revoked_at is None


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


async def _form(request: Request) -> dict[str, str]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() \
            and int(declared) > MAX_FORM_BYTES:
        raise UserError("the form is too large", f"send at most {MAX_FORM_BYTES} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise UserError("the form is too large", f"send at most {MAX_FORM_BYTES} bytes")
    ctype = request.headers.get("content-type", "")
    if body and not ctype.startswith("application/x-www-form-urlencoded"):
        raise UserError("forms must be sent as application/x-www-form-urlencoded")
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in parsed.items()}


def create_app(settings: UISettings) -> Starlette:
    """The dashboard as a Starlette app (serve it with uvicorn; the store opens at start)."""
    require_ui_extra()
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from . import (
        _pages_compare,
        _pages_eval,
        _pages_lab,
        _pages_prod,
        _pages_registry,
        _pages_review,
        _pages_session,
    )

    ui = UI(settings)
    table: list[Any] = []
    modules = (_pages_session, _pages_eval, _pages_lab, _pages_compare, _pages_prod,
               _pages_registry, _pages_review)  # fmt: skip
    for module in modules:
        for method, path, fn, need in module.ROUTES:
            table.append(Route(path, wrap(ui, fn, need), methods=[method]))

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    table.append(Route("/healthz", healthz, methods=["GET"]))
    table.append(Route("/favicon.ico", favicon, methods=["GET"]))
    table.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await ui.start()
        try:
            yield
        finally:
            await ui.stop()

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        text = {404: "no page here", 405: "method not allowed"}.get(exc.status_code, "error")
        return PlainTextResponse(text, status_code=exc.status_code)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        return PlainTextResponse("the dashboard could not show this page; its log has the "
                                 "details", status_code=500)  # fmt: skip

    handlers = {HTTPException: http_error, Exception: unexpected}
    inner = Starlette(routes=table, lifespan=lifespan, exception_handlers=handlers)
    inner.state.ui = ui
    return _Guard(inner, ui.hosts)  # type: ignore[return-value]


class _Guard:
    """Outermost ASGI layer: refuses unknown Host headers, adds the security headers."""

    def __init__(self, app: Any, hosts: set[str] | None) -> None:
        self.app = app
        self.hosts = hosts
        self.state = app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.hosts is not None:
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if host not in self.hosts:
                body = b"unknown Host header: open the dashboard at the address it printed"
                headers = [(b"content-type", b"text/plain"), *SECURITY_HEADERS]
                await send({"type": "http.response.start", "status": 421, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)
