"""``gonogo ui`` as a real subprocess on a free loopback port, for tests, benchmarks, docs."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from ._gateway_process import _die_with_parent, _gonogo, free_port


class UIProcess:
    """``gonogo ui WHERE --store URL --port PORT`` as a subprocess; ``url`` once healthy.

    A context manager like :class:`GatewayProcess`: starts on a free port, returns once
    ``GET /healthz`` answers, stops on exit. ``extra`` adds options (``["--login"]``),
    ``env`` adds environment variables (``GONOGO_ADMIN_KEY``); the process gets this one's
    environment less the ``GONOGO_*`` variables, writes to ``log`` and dies with its parent.
    """

    def __init__(
        self,
        where: str | Path,
        store_url: str | None = None,
        *,
        port: int | None = None,
        extra: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        log: str | Path | None = None,
    ) -> None:
        self.where, self.store_url = Path(where), store_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra = list(extra)
        self.env = dict(env or {})
        base = self.where if self.where.is_dir() else self.where.parent
        self.log = Path(log) if log is not None else base / f"ui-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """The command line that starts the dashboard."""
        store = ["--store", self.store_url] if self.store_url is not None else []
        return [*_gonogo(), "ui", str(self.where), "--host", "127.0.0.1",
                "--port", str(self.port), *store, *self.extra]  # fmt: skip

    def start(self, timeout_s: float = 30.0) -> UIProcess:
        """Start; returns once healthy (RuntimeError with its output if not)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GONOGO_")}
        env.update(self.env)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         env=env, preexec_fn=_die_with_parent())  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while not self._healthy():
            if self.proc.poll() is not None:
                raise RuntimeError(f"gonogo ui exited {self.proc.returncode}: {self.output()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gonogo ui not healthy in {timeout_s}s: {self.output()}")
            time.sleep(0.1)
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                return bool(r.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def output(self) -> str:
        """The end of what the dashboard wrote."""
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> UIProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
