"""The fault proxy: a real HTTP hop between an OpenAI-compatible client and its upstream.

It forwards every request to the upstream unchanged, except those an infrastructure
injection picks: those get a 429 with ``Retry-After``, a 5xx, a dropped connection, a
stall, a latency spike or a body that is not JSON. Which request gets which fault is
decided from the seed, the request body and how many times that body was sent — not from
arrival order — so a concurrent run makes the same decisions every time, and a client's
retry of a failed request is a new draw (as with a real flaky upstream).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from .._background import BackgroundLoop
from ._infra import fault_for_request
from ._injection import Injection

_HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "accept-encoding"}


class FaultProxy:
    """Serve ``http://127.0.0.1:<port>/up`` → ``upstream``, with the stack's faults."""

    def __init__(
        self, upstream: str, stack: Sequence[Injection], seed: str, *, stall_s: float = 60.0
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.stack = list(stack)
        self.seed = seed
        self.stall_s = stall_s  # how long a "timeout" fault holds the request by default
        self.port = 0
        self.faults: Counter[str] = Counter()
        self.requests = 0
        self._attempts: Counter[bytes] = Counter()
        self._session: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._background = BackgroundLoop("gonogo-lab-proxy")

    @property
    def base_url(self) -> str:
        """What the client's ``base_url`` becomes."""
        return f"http://127.0.0.1:{self.port}/up"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests += 1
        self._attempts[body] += 1
        fault = fault_for_request(self.stack, self.seed, body, self._attempts[body])
        if fault is not None:
            self.faults[fault.kind] += 1
            if fault.kind == "outage":
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=503)
            if fault.kind in ("429", "5xx"):
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                err = {"error": {"message": f"lab fault {fault.kind}", "type": "server_error"}}
                return web.json_response(err, status=fault.status or 503, headers=headers)
            if fault.kind == "malformed":
                return web.Response(text="<html>upstream error</html>",
                                    content_type="application/json")  # fmt: skip
            delay = self.stall_s if fault.delay_s < 0 else fault.delay_s
            await asyncio.sleep(delay)  # a stall or a latency spike, then the real answer
        return await self._forward(request, body)

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        if self._session is None:
            self._session = ClientSession(timeout=ClientTimeout(total=600))
        tail = request.path[len("/up") :]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        async with self._session.request(
            request.method, self.upstream + tail, data=body, headers=headers,
            params=request.query,
        ) as resp:  # fmt: skip
            data = await resp.read()
            kept = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP_HEADERS}
            kept.pop("Content-Encoding", None)
            return web.Response(body=data, status=resp.status, headers=kept)

    async def _setup(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/up/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                                     shutdown_timeout=0.5)  # fmt: skip
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets: Any = getattr(site._server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1])

    async def _teardown(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def start(self) -> FaultProxy:
        """Serve from a background thread; returns once bound."""
        self._background.start(self._setup, self._teardown)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._background.stop()
