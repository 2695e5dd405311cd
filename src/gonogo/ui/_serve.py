"""Run the dashboard with uvicorn (one process; sessions live in its memory)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

from ..errors import UserError
from ._app import UISettings, create_app

log = logging.getLogger("gonogo.ui")


def serve(settings: UISettings, *, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; ``on_ready(url)`` once listening."""
    import asyncio

    import uvicorn

    app = create_app(settings)
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((settings.host, settings.port))
    except OSError as e:
        raise UserError(f"cannot listen on {settings.host}:{settings.port}: {e.strerror}",
                        "pick another --port (0 picks a free one) or --host") from None  # fmt: skip
    settings.port = sock.getsockname()[1]
    if app.state.ui.hosts is not None:  # loopback: the Host header must name this port
        from ._security import allowed_hosts

        app.state.ui.hosts = allowed_hosts(settings.host, settings.port)
        app.hosts = app.state.ui.hosts  # type: ignore[attr-defined]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)

    async def main() -> None:
        await app.state.ui.start()  # a store that cannot open is the user's error (exit 2)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started and on_ready is not None:
            host = f"[{settings.host}]" if ":" in settings.host else settings.host
            on_ready(f"http://{host}:{settings.port}")
        await task

    try:
        asyncio.run(main())
    finally:
        sock.close()
