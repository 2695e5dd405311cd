"""Run the gateway with uvicorn (httptools and uvloop when installed).

One worker (the default) runs in this process: the port is bound first — so a taken
port is a clear error, not a traceback — and the gateway's components start before the
first request is accepted. ``workers > 1`` hands uvicorn an app factory; each worker
process then has its own caches and meters (use ``--redis`` to share budgets).
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import UserError
from ._app import create_app, require_gateway_extra
from ._settings import GatewaySettings

_SPEC_ENV = "GONOGO_SERVE_SPEC"  # how a worker process learns what to serve
log = logging.getLogger("gonogo.gateway")


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; :class:`UserError` when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} on {host} is already in use",
                            f"stop what listens there, or pick another with --port (e.g. "
                            f"--port {port + 1}; --port 0 picks a free one)") from None  # fmt: skip
        raise UserError(
            f"cannot listen on {host}:{port}: {e.strerror}",
            "check --host (an address of this machine, e.g. 127.0.0.1)",
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _uvicorn_options() -> dict[str, Any]:
    # no access log (metrics count requests), no proxy-header rewriting (client addresses
    # are not used), no Server header: less work per request
    opts: dict[str, Any] = {"access_log": False, "log_level": "warning",
                            "timeout_keep_alive": 30, "backlog": 2048,
                            "proxy_headers": False, "server_header": False}  # fmt: skip
    try:
        import httptools  # noqa: F401

        opts["http"] = "httptools"
    except ImportError:
        opts["http"] = "h11"
    try:
        import uvloop  # noqa: F401

        opts["loop"] = "uvloop"
    except ImportError:
        opts["loop"] = "asyncio"
    return opts


def serve(
    prd_path: str | Path,
    settings: GatewaySettings,
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    workers: int = 1,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the PRD at ``prd_path`` until interrupted (SIGINT / SIGTERM).

    ``on_ready(url)`` is called once the port is bound and the gateway started.
    """
    require_gateway_extra()
    from ..spec import load_prd

    loaded = load_prd(prd_path)
    if settings.base_dir is None:
        settings.base_dir = loaded.base_dir
    raise_file_limit()
    if workers > 1:
        _serve_workers(Path(prd_path), settings, host, port, workers, on_ready)
        return
    app = create_app(loaded, settings)  # upstream keys are checked here, before binding
    server = GatewayServer(app, bind_socket(host, port))
    if _uvicorn_options()["loop"] == "uvloop":
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    else:
        runner = asyncio.Runner()
    with runner:
        runner.run(server.run(on_ready))


class GatewayServer:
    """One gateway app served by uvicorn on an already bound socket.

    :meth:`run` starts the gateway's components, serves until :meth:`stop` (or SIGINT /
    SIGTERM when run in the main thread), then flushes traces and closes the store.
    """

    def __init__(self, app: Any, sock: socket.socket) -> None:
        import uvicorn

        from ._protocol import protocol_class

        self.app = app
        self.sock = sock
        self.url = f"http://{_host(sock)}:{sock.getsockname()[1]}"
        opts = {k: v for k, v in _uvicorn_options().items() if k not in ("loop", "backlog")}
        opts["http"] = protocol_class(opts["http"], app.state.gateway.settings.read_timeout_s)
        self.server = uvicorn.Server(uvicorn.Config(app, lifespan="off", **opts))

    async def run(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve until stopped."""
        gw = self.app.state.gateway
        await gw.start()  # store, registry, budgets: before the first request is accepted
        try:
            if on_ready is not None:
                on_ready(self.url)
            await self.server.serve(sockets=[self.sock])
        finally:
            await gw.stop()
            self.sock.close()

    @property
    def started(self) -> bool:
        """True once uvicorn accepts connections."""
        return bool(self.server.started)

    def stop(self) -> None:
        """Ask the server to finish (safe from any thread)."""
        self.server.should_exit = True


def _host(sock: socket.socket) -> str:
    host = str(sock.getsockname()[0])
    return f"[{host}]" if ":" in host else host


def _serve_workers(
    prd_path: Path, settings: GatewaySettings, host: str, port: int, workers: int,
    on_ready: Callable[[str], None] | None,
) -> None:  # fmt: skip
    import uvicorn

    bind_socket(host, port).close()  # a clear error now if the port is taken
    from ..spec import load_prd

    gw = create_app(load_prd(prd_path), settings).state.gateway  # checks upstream keys too

    async def seed() -> None:  # once, here, rather than racing in every worker
        await gw.store.open()
        try:
            await gw.seed_prompt()
        finally:
            await gw.store.close()

    if settings.seed_prompt:
        asyncio.run(seed())
    spec = asdict(settings)
    spec.pop("otel_tracer_provider", None)
    spec["base_dir"] = str(settings.base_dir) if settings.base_dir else None
    spec["prd"] = str(prd_path.resolve())
    os.environ[_SPEC_ENV] = json.dumps(spec)
    if on_ready is not None:
        on_ready(f"http://{host}:{port}")
    from ._protocol import worker_protocol_path

    opts = _uvicorn_options()
    opts["http"] = worker_protocol_path(opts["http"])
    uvicorn.run("gonogo.gateway._serve:worker_app", factory=True, host=host, port=port,
                workers=workers, **opts)  # fmt: skip


def worker_app() -> Any:
    """App factory for uvicorn worker processes (reads the spec ``serve`` left in the env)."""
    from ..spec import load_prd

    spec = json.loads(os.environ[_SPEC_ENV])
    prd = spec.pop("prd")
    base = spec.pop("base_dir")
    settings = GatewaySettings(**spec, base_dir=Path(base) if base else None)
    from ._protocol import set_worker_read_timeout

    set_worker_read_timeout(settings.read_timeout_s)
    return create_app(load_prd(prd), settings)


def raise_file_limit() -> None:
    """Lift this process's open-file limit to its hard limit (each connection holds one).

    A soft limit of 1,024 — common — lets a thousand slow clients starve everyone else;
    the hard limit is usually far higher. Nothing happens where it cannot be raised.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as e:
            log.warning("could not raise the open-file limit from %d: %s", soft, e)
