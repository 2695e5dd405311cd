"""``gonogo ui`` as a real subprocess on a free loopback port, for tests, benchmarks, docs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ._gateway_process import ServerProcess, _gonogo, free_port


class UIProcess(ServerProcess):
    """``gonogo ui WHERE --store URL --port PORT`` as a subprocess; ``url`` once healthy.

    A context manager like :class:`GatewayProcess`: starts on a free port, returns once
    ``GET /healthz`` answers, stops on exit. ``extra`` adds options (``["--login"]``),
    ``env`` adds environment variables (``GONOGO_ADMIN_KEY``); the process gets this one's
    environment less the ``GONOGO_*`` variables, writes to ``log`` and dies with its parent.
    """

    name = "ui"

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
        self.proc = None

    def command(self) -> list[str]:
        """The command line that starts the dashboard."""
        store = ["--store", self.store_url] if self.store_url is not None else []
        return [*_gonogo(), "ui", str(self.where), "--host", "127.0.0.1",
                "--port", str(self.port), *store, *self.extra]  # fmt: skip
