"""Who is asking, and what they may do: sessions, keys, CSRF, the security headers.

- **Loopback** (the default, ``--host 127.0.0.1``): no login — whoever can reach the port
  is the local user, with every permission. The ``Host`` header must name the loopback
  address the app listens on, so a web page on another site cannot reach it through DNS
  rebinding.
- **Beyond loopback** (or ``--login``): every page needs a session, opened on ``/login``
  with a gateway API key (``gonogo keys create … --role admin|reviewer|app``). Only the
  key's hash is looked up, cached 10 s (a revoked key stops working within that); the
  secret is never stored, logged or put in a page. ``admin`` may do everything,
  ``reviewer`` may label review items, ``app`` may only look.
- **CSRF**: every session (the local one too) has a random token that every form carries
  and every POST must echo; the session cookie is ``HttpOnly`` and ``SameSite=Strict``,
  and a POST whose ``Origin`` is another site is refused.
- **Headers** on every response: a strict Content-Security-Policy (scripts and styles
  only from this app, no inline script, no framing), ``nosniff``, referrers only to this
  app (forms then carry their ``Origin``).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # no-referrer would make forms send `Origin: null`
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
COOKIE = "gonogo_ui"
SESSION_IDLE_S = 12 * 3600
PERMISSIONS = {
    "local": {"view", "label", "admin"},
    "admin": {"view", "label", "admin"},
    "reviewer": {"view", "label"},
    "app": {"view"},
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Session:
    """One browser's session: who (once logged in) and its CSRF token."""

    id: str
    csrf: str
    role: str | None = None  # local | admin | reviewer | app; None: not logged in
    name: str = ""
    key_id: str | None = None
    key_hash: str | None = None
    seen: float = field(default_factory=time.monotonic)

    @property
    def actor(self) -> str:
        """Who is recorded as acting: the key's name and id, or the local user."""
        if self.key_id is None:
            return self.name
        return f"{self.name} ({self.key_id})"

    def may(self, permission: str) -> bool:
        """Whether this session's role grants ``permission`` (view, label, admin)."""
        return self.role is not None and permission in PERMISSIONS.get(self.role, set())

    def check_csrf(self, token: Any) -> bool:
        """Constant-time comparison of a form's token with the session's."""
        return isinstance(token, str) and hmac.compare_digest(token, self.csrf)


class Sessions:
    """Sessions in memory (a restart signs everyone out), bounded in number."""

    def __init__(self, *, local_user: str | None, max_sessions: int = 10_000) -> None:
        self.local_user = local_user  # set: loopback, no login
        self._by_id: dict[str, Session] = {}
        self._max = max_sessions

    def get(self, sid: str | None) -> Session | None:
        """The live session with this id, if any."""
        if not sid:
            return None
        s = self._by_id.get(sid)
        if s is None:
            return None
        now = time.monotonic()
        if now - s.seen > SESSION_IDLE_S:
            del self._by_id[sid]
            return None
        s.seen = now
        return s

    def new(self) -> Session:
        """A fresh session (the local user's when no login is needed).

        At the cap, the least recently seen tenth of the sessions *not signed in with a key*
        is dropped: anyone can open anonymous sessions by the thousand (every request
        without a cookie does), and that must never sign out the people who logged in.
        Signed-in sessions have their own cap, reached only with valid keys.
        """
        self._make_room(signed_in=False)
        s = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32))
        if self.local_user is not None:
            s.role, s.name = "local", self.local_user
        self._by_id[s.id] = s
        return s

    def _make_room(self, *, signed_in: bool) -> None:
        if len(self._by_id) < self._max:
            return
        pool = [s for s in self._by_id.values() if (s.key_id is not None) == signed_in]
        if len(pool) >= self._max:
            for old in sorted(pool, key=lambda s: s.seen)[: max(1, self._max // 10)]:
                del self._by_id[old.id]

    def login(self, old: Session, *, role: str, name: str, key_id: str, key_hash: str) -> Session:
        """A new session for a key (the old id is dropped: no session fixation)."""
        self._by_id.pop(old.id, None)
        self._make_room(signed_in=True)
        s = self.new()
        s.role, s.name, s.key_id, s.key_hash = role, name, key_id, key_hash
        return s

    def logout(self, s: Session) -> None:
        """Forget a session."""
        self._by_id.pop(s.id, None)


def cookie_header(session: Session, *, secure: bool = False) -> tuple[str, str]:
    """``Set-Cookie`` for a session: HttpOnly, SameSite=Strict, whole site.

    ``Secure`` when the dashboard is reached over HTTPS (a TLS proxy sets
    ``X-Forwarded-Proto``).
    """
    flags = "; Secure" if secure else ""
    return ("set-cookie", f"{COOKIE}={session.id}; HttpOnly; SameSite=Strict; Path=/{flags}")


class SignInThrottle:
    """Failed sign-ins per client address: after ``limit`` in ``window_s``, refused.

    Against guessing a weak ``GONOGO_ADMIN_KEY`` with many parallel requests (the 0.3 s
    pause alone slows only one request at a time).
    """

    def __init__(
        self, limit: int = 10, window_s: float = 60.0, max_clients: int = 10_000
    ) -> None:
        self.limit, self.window_s, self._max = limit, window_s, max_clients
        self._fails: dict[str, list[float]] = {}

    def blocked(self, client: str) -> bool:
        """Whether this address has used up its failures for now."""
        now = time.monotonic()
        recent = [t for t in self._fails.get(client, []) if now - t < self.window_s]
        if recent:
            self._fails[client] = recent
        else:
            self._fails.pop(client, None)
        return len(recent) >= self.limit

    def failed(self, client: str) -> None:
        """Count one failed sign-in."""
        if len(self._fails) >= self._max and client not in self._fails:
            self._fails.pop(next(iter(self._fails)))
        self._fails.setdefault(client, []).append(time.monotonic())


def allowed_hosts(host: str, port: int) -> set[str] | None:
    """The ``Host`` values a loopback app answers (None: any, beyond loopback)."""
    if not is_loopback(host):
        return None
    names = {"127.0.0.1", "localhost", "[::1]", host if ":" not in host else f"[{host}]"}
    return {f"{n}:{port}" for n in names} | ({*names} if port == 80 else set())


def same_origin(origin: str | None, host: str | None) -> bool:
    """Whether a request's ``Origin`` (when sent) is this app's own."""
    if origin is None or origin == "":
        return True
    if host is None:
        return False
    return origin in (f"http://{host}", f"https://{host}")
