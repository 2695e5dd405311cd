"""Progress display for long runs: a rich bar on a terminal, periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any

from ..run import Progress


class ProgressDisplay:
    """Shows done/total, rate and ETA; cheap per update (redraws at most ~4×/s)."""

    def __init__(self, label: str = "eval", *, quiet: bool = False) -> None:
        self.label = label
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None
        self._t0 = time.perf_counter()
        self._last = 0.0
        self._total = 0

    def start(self, total: int) -> None:
        self._total = total
        self._t0 = time.perf_counter()
        if self.quiet or total == 0:
            return
        if self.tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>7} /s"),
                TextColumn("errors {task.fields[errors]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                refresh_per_second=4,
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=total, rate="-", errors=0)

    def update(self, p: Progress) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if now - self._last < 0.25 and p.done < p.total:
            return
        self._last = now
        elapsed = max(now - self._t0, 1e-9)
        rate = p.done / elapsed
        if self._bar is not None:
            self._bar.update(
                self._task, completed=p.done, rate=f"{rate:.1f}", errors=p.target_errors
            )
        elif now - getattr(self, "_last_line", 0.0) >= 2.0 or p.done == p.total:
            self._last_line = now
            eta = f"{(p.total - p.done) / rate:.0f}s" if rate > 0 else "unknown yet"
            print(
                f"{self.label}: {p.done}/{p.total} ({rate:.1f}/s, ETA {eta}, "
                f"errors {p.target_errors})",
                file=sys.stderr,
                flush=True,
            )

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
