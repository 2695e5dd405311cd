"""A small browser-like HTTP client (cookies, CSRF tokens) for the dashboard's HTTP tests."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    text: str
    url: str

    def csrf(self) -> str:
        m = re.search(r'name="csrf" value="([^"]+)"', self.text)
        assert m, "no CSRF token on the page"
        return m.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


class Client:
    """Keeps the session cookie like a browser; does not follow redirects by itself."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> Page:  # fmt: skip
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers=headers or {})  # fmt: skip
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=30) as r:
                return Page(r.status, {k.lower(): v for k, v in r.headers.items()},
                            r.read().decode("utf-8", "replace"), path)  # fmt: skip
        except urllib.error.HTTPError as e:
            return Page(e.code, {k.lower(): v for k, v in e.headers.items()},
                        e.read().decode("utf-8", "replace"), path)  # fmt: skip

    def get(self, path: str, **kw) -> Page:  # noqa: ANN003
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict[str, str], **kw) -> Page:  # noqa: ANN003
        return self.request("POST", path, form, **kw)

    def follow(self, page: Page) -> Page:
        """GET where a 303 points."""
        assert page.status in (302, 303), (page.status, page.text[:300])
        return self.get(page.headers["location"])

    def submit(self, path: str, form: dict[str, str], token_from: str | None = None) -> Page:
        """POST a form with the CSRF token read from a page (``token_from``, else ``path``)."""
        token = self.get(token_from or path).csrf()
        return self.post(path, {**form, "csrf": token})
