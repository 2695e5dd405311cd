"""The reference: a bare Starlette + aiohttp pass-through with no features at all.

It forwards ``POST /v1/chat/completions`` (and ``/v1/prompts/{name}/completions``,
answered the same way, so the same load can be pointed at it) to the upstream and
returns the upstream's body and status — no auth, no registry, no guards, no cost,
no traces. The gateway's overhead is judged against this and against calling the
upstream directly. Served by uvicorn like ``gonogo serve`` (uvloop and httptools
when installed)::

    python benchmarks/_passthrough.py --port 0 --upstream http://127.0.0.1:PORT/v1

prints ``http://127.0.0.1:<port>`` on stdout's first line once it listens.
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build_app(upstream: str) -> Starlette:
    url = upstream.rstrip("/") + "/chat/completions"
    state: dict[str, aiohttp.ClientSession] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        conn = aiohttp.TCPConnector(limit=1000, ttl_dns_cache=None)
        state["session"] = aiohttp.ClientSession(connector=conn)
        yield
        await state["session"].close()

    async def forward(request: Request) -> Response:
        body = await request.body()
        try:
            async with state["session"].post(
                url, data=body, headers={"Content-Type": "application/json"}
            ) as resp:
                data = await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError) as e:
            return Response(f'{{"error": "{type(e).__name__}"}}', 502)
        return Response(data, status, media_type="application/json")

    routes = [
        Route("/v1/chat/completions", forward, methods=["POST"]),
        Route("/v1/prompts/{name}/completions", forward, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--upstream", required=True, help="base URL ending in /v1")
    args = ap.parse_args()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        build_app(args.upstream), access_log=False, log_level="warning", backlog=2048
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
