"""Store URLs: which backend a URL means, where a relative SQLite path lives."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ...errors import UserError
from ._types import GatewayStore

DEFAULT_STORE = "sqlite:///.gonogo/gateway.db"
_URL_HELP = (
    "use sqlite:///relative/path.db, sqlite:////absolute/path.db, a plain file path, "
    "or postgresql://USER:PASSWORD@HOST:PORT/DB"
)


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe to print and log)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.query:  # libpq also takes ?password=… (and sslpassword=…)
        query = "&".join(
            f"{k}=***" if k.lower() in _SECRET_PARAMS else (f"{k}={v}" if sep else k)
            for k, sep, v in (item.partition("=") for item in parts.query.split("&"))
        )
        parts = parts._replace(query=query)
    if parts.password is None:
        return urlunsplit(parts) if parts.query else url
    netloc = parts.netloc.rsplit("@", 1)
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[-1]}"))


_SECRET_PARAMS = frozenset({"password", "sslpassword", "pass", "pwd", "passwd", "secret",
                            "token", "api_key", "apikey"})  # fmt: skip


def sqlite_path(url: str, base_dir: str | Path | None = None) -> Path | None:
    """The file a SQLite URL (or plain path) names, or None for a non-SQLite URL.

    ``sqlite:///rel.db`` is relative (to ``base_dir``, else the working directory) and
    ``sqlite:////abs.db`` absolute, as in SQLAlchemy; a string without a scheme is a path.
    """
    if url.startswith("sqlite:"):
        rest = url[len("sqlite:") :]
        if not rest.startswith("///") or len(rest) == 3:
            raise UserError(f"invalid SQLite store URL {url!r}", _URL_HELP)
        path = Path(rest[3:])
    elif "://" in url:
        return None
    else:
        path = Path(url)
    path = path.expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return path


def default_store_url(base_dir: str | Path | None = None) -> str:
    """``$GONOGO_STORE_URL`` if set, else ``sqlite:///<base_dir>/.gonogo/gateway.db``."""
    env = os.environ.get("GONOGO_STORE_URL")
    if env:
        return env
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    return "sqlite:///" + str(base.resolve() / ".gonogo" / "gateway.db")


def open_gateway_store(url: str, *, base_dir: str | Path | None = None) -> GatewayStore:
    """The store a URL names (not yet opened: ``await store.open()``).

    ``sqlite:///path.db`` or a plain path → SQLite (relative paths resolve against
    ``base_dir``, default the working directory); ``postgresql://…`` → PostgreSQL (needs
    ``pip install 'gonogo[postgres]'``).
    """
    if not isinstance(url, str) or not url.strip():
        raise UserError("empty store URL", _URL_HELP)
    url = url.strip()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("postgresql", "postgres", "postgresql+asyncpg"):
        from ._postgres import PostgresGatewayStore

        return PostgresGatewayStore(url)
    path = sqlite_path(url, base_dir)
    if path is None:
        raise UserError(f"unsupported store URL scheme '{scheme}' in {redact_url(url)}", _URL_HELP)
    from ._sqlite import SQLiteGatewayStore

    return SQLiteGatewayStore(path, f"sqlite:///{path}" if path.is_absolute() else url)
