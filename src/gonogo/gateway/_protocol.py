"""A read deadline for uvicorn's HTTP protocols: slow or stalled clients are cut off.

uvicorn times out idle keep-alive connections, but not a request that is being sent:
a client that sends half its headers (or announces a body and never sends it) holds a
socket — and a file descriptor — for as long as it likes, and a few thousand such
clients exhaust the process's descriptors, so new requests (``/healthz`` included) fail.

Here every request must arrive whole — headers and body — within ``read_timeout_s`` of
its first byte (or of the connection's start). Past it the client gets ``408`` (when
its headers never completed) or the connection is closed (a body that stalls: the
endpoint sees the client go away). The clock stops as soon as the request is complete:
how long the gateway takes to answer is not the client's fault. Works with uvicorn's
``httptools`` and ``h11`` protocols alike (both keep the request in ``self.cycle``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from ._http import HTTPError, dumps

DEFAULT_READ_TIMEOUT_S = 10.0


class ReadDeadline:
    """Mixin for a uvicorn HTTP protocol class; see the module docstring."""

    read_timeout_s = DEFAULT_READ_TIMEOUT_S
    _deadline: asyncio.TimerHandle | None = None
    # provided by the uvicorn protocol it is mixed into
    cycle: Any
    transport: Any
    loop: asyncio.AbstractEventLoop

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        if self._receiving():
            if self._deadline is None:
                self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def _receiving(self) -> bool:
        """A request has started arriving and is not complete yet."""
        cycle = self.cycle
        return cycle is None or cycle.response_complete or cycle.more_body

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.read_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        transport = self.transport
        if transport is None or transport.is_closing() or not self._receiving():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete:  # the headers never completed: say so
            err = HTTPError(408, "request_timeout",
                            f"the request did not arrive within {self.read_timeout_s:g}s",
                            "send the whole request at once")  # fmt: skip
            body = dumps(err.body())
            transport.write(
                b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                b"connection: close\r\ncontent-length: " + str(len(body)).encode()
                + b"\r\n\r\n" + body
            )  # fmt: skip
        transport.close()


def protocol_class(http: str, read_timeout_s: float = DEFAULT_READ_TIMEOUT_S) -> type[Any]:
    """The uvicorn protocol class for ``http`` (``httptools`` or ``h11``), with the deadline."""
    if http == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
    else:
        from uvicorn.protocols.http.h11_impl import H11Protocol as base  # type: ignore[assignment]
    name = f"Deadline{base.__name__}"
    return type(name, (ReadDeadline, base), {"read_timeout_s": read_timeout_s})


_WORKER_CLASSES: dict[str, type[Any]] = {}


def worker_protocol_path(http: str) -> str:
    """An import path uvicorn's worker processes load the protocol class from."""
    return f"{__name__}:{'Deadline' + ('HttpTools' if http == 'httptools' else 'H11')}"


def set_worker_read_timeout(read_timeout_s: float) -> None:
    """In a worker process: the read timeout of the classes :func:`worker_protocol_path` names."""
    for http in ("httptools", "h11"):
        _worker_class(http).read_timeout_s = read_timeout_s


def _worker_class(http: str) -> type[Any]:
    if http not in _WORKER_CLASSES:
        _WORKER_CLASSES[http] = protocol_class(http)
    return _WORKER_CLASSES[http]


def __getattr__(name: str) -> type[Any]:
    # uvicorn imports the class by name in each worker; built on first use (lazily, as
    # uvicorn itself is an optional dependency)
    if name == "DeadlineHttpTools":
        return _worker_class("httptools")
    if name == "DeadlineH11":
        return _worker_class("h11")
    raise AttributeError(name)
