"""A server's event loop in a daemon thread: start it, wait until it is bound, stop it.

The failure lab's fault proxy and ``gonogo.testing.FakeOpenAIServer`` both serve aiohttp
from a background thread so a synchronous caller (a test, the lab's runner) can use them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable


class BackgroundLoop:
    """Runs ``setup`` then, once :meth:`stop` is called, ``teardown`` on its own loop."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    def start(
        self,
        setup: Callable[[], Awaitable[None]],
        teardown: Callable[[], Awaitable[None]],
        *,
        timeout_s: float = 10.0,
    ) -> None:
        """Start the thread; return once ``setup`` is done. Its exception is raised here."""
        ready = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            self._stop = asyncio.Event()
            try:
                await setup()
            except BaseException as e:  # a bind failure: raised in the caller's thread
                failure.append(e)
                ready.set()
                return
            ready.set()
            await self._stop.wait()
            await teardown()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(serve())
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        ready.wait(timeout_s)
        if failure:
            self._thread.join(timeout_s)
            self._thread = None
            raise failure[0]

    def stop(self, timeout_s: float = 10.0) -> None:
        """Run ``teardown`` and wait for the thread (a no-op when not started)."""
        if self._thread is None or self._loop is None or self._stop is None:
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout_s)
        self._thread = None
