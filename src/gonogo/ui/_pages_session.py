"""Signing in with a gateway API key, and out."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ..gateway._keys import hash_secret

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
    rec = None
    if secret and ui.keys is not None:
        rec = await ui.keys.lookup(hash_secret(secret))
    if rec is None or rec.revoked_at is not None:
        await asyncio.sleep(0.3)  # slows guessing; says nothing about which part was wrong
        return ui.page(r, "login.html.j2", status=401, next=target, failed=True)
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
