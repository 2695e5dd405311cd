"""``gonogo serve`` as a real subprocess on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self


class ServerProcess:
    """A ``gonogo`` server command as a subprocess on loopback; ``url`` once healthy.

    What :class:`GatewayProcess` and :class:`~gonogo.testing.UIProcess` share: start on
    ``port`` (set by the subclass), wait for ``GET /healthz`` to answer 200, read the end of
    ``log``, stop with SIGTERM then SIGKILL, or :meth:`kill` as a crash does. The process
    gets this one's environment less the ``GONOGO_*`` variables, plus ``env``, and on
    Linux dies with the process that started it. Subclasses give :meth:`command` and
    ``name`` (the subcommand, for messages).
    """

    name = "server"
    port: int
    url: str
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None

    def command(self) -> list[str]:
        """The command line that starts the server."""
        raise NotImplementedError

    def start(self, timeout_s: float = 30.0) -> Self:
        """Start the server; returns once it is healthy (RuntimeError with its output if not)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GONOGO_")}
        env.update(self.env)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         env=env, preexec_fn=_die_with_parent())  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while not self._healthy():
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gonogo {self.name} exited {self.proc.returncode}: {self.output()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"gonogo {self.name} not healthy in {timeout_s}s: {self.output()}"
                )
            time.sleep(0.1)
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                return bool(r.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def output(self) -> str:
        """The end of what the server wrote (its log), for error messages."""
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flush — what a crash or an OOM kill does."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown), then SIGKILL after 15 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class GatewayProcess(ServerProcess):
    """``gonogo serve PRD --store URL`` as a subprocess on loopback; ``url`` once healthy.

    Use it as a context manager — ``with GatewayProcess(prd, store_url) as gw:`` starts
    the server on a free port (or on ``port``), returns once ``GET /healthz`` answers 200
    and stops it on exit — or call :meth:`start` and :meth:`stop` (or :meth:`kill`, what
    a crash does). ``extra`` adds options (``["--poll", "0.1"]``); ``prefix`` runs the
    command under another (``["taskset", "-c", "1"]``). Without ``store_url`` the
    server uses the PRD's default store. The server writes to ``log`` (by default
    ``gateway-PORT.log`` next to the PRD; :meth:`output` reads its end), runs with this
    process's environment less the ``GONOGO_*`` variables, and on Linux dies with the
    process that started it.
    """

    name = "serve"

    def __init__(
        self,
        prd: str | Path,
        store_url: str | None = None,
        *,
        port: int | None = None,
        extra: Sequence[str] = (),
        prefix: Sequence[str] = (),
        log: str | Path | None = None,
    ) -> None:
        self.prd, self.store_url = Path(prd), store_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra, self.prefix = list(extra), list(prefix)
        self.env = {}
        self.log = Path(log) if log is not None else self.prd.parent / f"gateway-{self.port}.log"
        self.proc = None

    def command(self) -> list[str]:
        """The command line that starts the server."""
        store = ["--store", self.store_url] if self.store_url is not None else []
        return [*self.prefix, *_gonogo(), "serve", str(self.prd), "--host", "127.0.0.1",
                "--port", str(self.port), *store, *self.extra]  # fmt: skip


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gonogo() -> list[str]:
    """The ``gonogo`` console script of this interpreter, else ``python -m gonogo``."""
    script = Path(sys.executable).parent / "gonogo"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "gonogo"]


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a pre-exec hook that has the child SIGTERMed when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None

    def hook() -> None:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return hook
