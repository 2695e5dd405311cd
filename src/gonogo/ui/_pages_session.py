"""Signing in with a gateway API key, and out."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from ..gateway._keys import hash_secret

log = logging.getLogger("gonogo.ui")

if TYPE_CHECKING:
    from starlette.responses import Response

    from ._app import UI, Req


async def login_form(ui: UI, r: Req) -> Response:
    if r.session.role is not None:
        return ui.redirect(r, "/")
    return ui.page(r, "login.html.j2", next=r.arg("next", "/"), failed=False)


async def login(ui: UI, r: Req) -> Response:
    secret = (r.form.get("key") or "").strip()
    target = r.form.get("next") or "/"
    client = r.request.client.host if r.request.client else "?"
    if ui.throttle.blocked(client):
        log.warning("sign-in refused for %s: too many failed attempts in the last minute", client)
        return ui.page(r, "login.html.j2", status=429, next=target, failed=True,
                       why="Too many failed sign-ins from here: wait a minute.")  # fmt: skip
    rec = None
    if secret and ui.keys is not None:
        rec = await ui.keys.lookup(hash_secret(secret))
    if rec is None or rec.revoked_at is not None:
        ui.throttle.failed(client)
        log.warning("failed sign-in from %s", client)  # never the key itself
        await asyncio.sleep(0.3)  # slows guessing; says nothing about which part was wrong
        return ui.page(r, "login.html.j2", status=401, next=target, failed=True)
    if rec.role == "app":  # app keys live on application servers: not a way into the data
        log.warning("sign-in with app key %s refused", rec.id)
        return ui.page(r, "login.html.j2", status=403, next=target, failed=True,
                       why="App keys call the feature endpoints; they cannot sign in here. "
                       "Ask an admin for a reviewer key: gonogo keys create NAME "
                       "--role reviewer.")  # fmt: skip
    r.session = ui.sessions.login(r.session, role=rec.role, name=rec.name, key_id=rec.id,
                                  key_hash=rec.key_hash)  # fmt: skip
    r.new_cookie = True
    return ui.redirect(r, target)


async def logout(ui: UI, r: Req) -> Response:
    ui.sessions.logout(r.session)
    r.session, r.new_cookie = ui.sessions.new(), True
    return ui.redirect(r, "/login" if ui.settings.needs_login else "/")


ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/login", login_form, "none"),
    ("POST", "/login", login, "none"),
    ("POST", "/logout", logout, "none"),
]
