"""``gonogo monitor``: the eval plan's reference-free scorers on production traces."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click

from ._cmd_prompt import store_option, store_url
from ._options import prd_argument


@click.command("monitor")
@prd_argument
@store_option
@click.option(
    "--once",
    "mode",
    flag_value="once",
    default=True,
    help="One pass, then exit: 0 no alert, 1 alerts (for cron and CI). The default.",
)
@click.option(
    "--follow",
    "mode",
    flag_value="follow",
    help="Keep watching: a pass every --interval seconds until stopped.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    metavar="S",
    help="Seconds between passes with --follow.",
)
@click.option(
    "--sample",
    "sample_rate",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    metavar="RATE",
    help="Share of traces scored (guard-flagged, errored, fallback-served and "
    "negatively rated ones always are).",
)
@click.option(
    "--window",
    type=click.Choice(["hour", "day"]),
    default="hour",
    show_default=True,
    help="Window size for rates and alerts.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0.0001, 0.5),
    default=0.05,
    show_default=True,
    help="False-alarm budget of the drop alert over 30 days of windows.",
)
@click.option("--judge", is_flag=True, help="Also score rubric scorers with the PRD's judge.")
@click.option(
    "--judge-budget",
    "judge_budget",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    metavar="USD",
    help="With --judge: stop judging for the rest of a pass once its judge calls cost this.",
)
@click.option(
    "--judge-max",
    type=click.IntRange(min=0),
    default=500,
    show_default=True,
    help="With --judge: at most this many traces judged per pass (caps a judge with no price).",
)
@click.option(
    "--webhook",
    default=None,
    metavar="URL",
    envvar="GONOGO_MONITOR_WEBHOOK",
    help="POST alerts as JSON (Slack-compatible `text`) here; env GONOGO_MONITOR_WEBHOOK.",
)
@click.option(
    "--metrics-file",
    type=click.Path(path_type=Path),
    default=None,
    help="Write Prometheus gauges here (node_exporter's textfile collector).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write monitor.json (windows and alerts) to this folder.",
)
@click.option("--worker", default=None, help="This worker's name (default host:pid).")
@click.option(
    "--lease",
    "lease_s",
    type=click.FloatRange(min=1),
    default=120,
    show_default=True,
    metavar="S",
    help="Seconds a claimed trace is held; a worker that died loses its claims after it.",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Traces claimed and recorded per transaction.",
)
def monitor(
    prd: Path,
    store: str | None,
    mode: str,
    interval: float,
    sample_rate: float,
    window: str,
    alpha: float,
    judge: bool,
    judge_budget: float,
    judge_max: int,
    webhook: str | None,
    metrics_file: Path | None,
    out_dir: Path | None,
    worker: str | None,
    lease_s: float,
    batch: int,
) -> None:
    """Score production traffic with the eval plan and alert when it drifts.

    Reads the gateway's traces from its store (SQLite or PostgreSQL) from a durable
    watermark — no trace scored twice, none skipped, several workers share the stream —
    scores them with the eval plan's reference-free scorers (groundedness against the
    recorded contexts, regex, JSON Schema, length, latency, cost; rubrics with --judge),
    and groups them into windows per prompt version and model. Alerts when a window is
    clearly under a threshold, or dropped from the launch baseline (the latest GO eval) by
    more than chance — false alarms held under --alpha over 30 days of windows. Alerts go to
    the exit code, --webhook, --metrics-file and the launch evidence log.
    """
    from ..monitor import MonitorOptions
    from ..monitor import monitor as run_monitor
    from ..spec import load_prd

    loaded = load_prd(prd)
    opts = MonitorOptions(
        store_url=store_url(store, prd),
        sample_rate=sample_rate,
        window=window,
        alpha=alpha,
        judge=judge,
        judge_budget_usd=judge_budget,
        judge_max=judge_max,
        webhook=webhook,
        metrics_file=metrics_file,
        out_dir=out_dir,
        lease_s=lease_s,
        batch=batch,
    )
    if worker:
        opts.worker = worker
    if mode == "once":
        doc = asyncio.run(run_monitor(loaded, opts))
        _print(doc)
        sys.exit(1 if doc["alerts"] else 0)
    stop: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    try:
        while not stop:
            _print(asyncio.run(run_monitor(loaded, opts)))
            deadline = time.monotonic() + interval
            while not stop and time.monotonic() < deadline:
                time.sleep(0.2)
    except KeyboardInterrupt:
        pass


WINDOWS_SHOWN = 8


def window_lines(windows: list[dict[str, Any]], cap: int = WINDOWS_SHOWN) -> list[str]:
    """Every window of the latest period, largest first; the rest counted, not hidden."""
    if not windows:
        return []
    latest = max(w["start"] for w in windows)
    shown = sorted((w for w in windows if w["start"] == latest), key=lambda w: -w["traces"])
    lines = []
    for w in shown[:cap]:
        start = time.strftime("%m-%d %H:%M", time.gmtime(w["start"]))
        rates = ", ".join(
            f"{sid} {'—' if s['rate'] is None else format(s['rate'], '.0%')} ({s['n']})"
            for sid, s in w["scorers"].items()
        )
        prompt = (
            "(no prompt)" if w["prompt_name"] is None
            else f"{w['prompt_name']} v{w['prompt_version']}"
        )  # fmt: skip
        model = w["model"] if w["model"] is not None else "(unknown model)"
        n, errors = w["traces"], w.get("errors") or 0
        said = rates or "nothing scored"
        if errors:
            said += f" ({errors} error{'' if errors == 1 else 's'})"
        lines.append(f"  {start} {prompt} {model}: {n} trace{'' if n == 1 else 's'}; {said}")
    more = len(windows) - len(shown[:cap])
    if more:
        lines.append(f"  … {more} more window(s): all are in monitor.json (--out DIR)")
    return lines


def rejected_line(rejected: dict[str, Any] | None) -> str | None:
    """Requests refused before any model call, counted apart from the windows of quality."""
    if not rejected or not rejected.get("traces"):
        return None
    n = rejected["traces"]
    parts = [f"HTTP {code} ×{k}" for code, k in rejected["by_status"].items()]
    parts += [f"guard {g} ×{k}" for g, k in rejected.get("guards", {}).items()]
    return (f"  rejected: {n} request{'' if n == 1 else 's'} refused before any model call "
            f"({', '.join(parts)}) — nothing to score, in no window")  # fmt: skip


def _print(doc: dict[str, Any]) -> None:
    p = doc["pass"]
    lag = "—" if p["lag_s"] is None else f"{p['lag_s']:.1f} s"
    click.echo(
        f"{time.strftime('%H:%M:%S')} scored {p['handled']['scored']}, skipped "
        f"{p['handled']['skipped']}, rejected {p['handled'].get('rejected', 0)} "
        f"({p['seconds']:.2f} s; newest trace {lag} old)"
    )
    jm = p.get("judge")
    if jm:
        click.echo(
            f"  judge: {jm['judged']} traces judged, ${jm['spent_usd']:.4f}"
            + (f" — stopped: {jm['stopped']}; the rest scored without rubrics" if jm["stopped"]
               else "")
        )  # fmt: skip
    for line in window_lines(doc["windows"]):
        click.echo(line)
    refused = rejected_line(doc.get("rejected"))
    if refused:
        click.echo(refused)
    for a in doc["alerts"]:
        click.echo(f"ALERT {a['kind']}: {a['message']}", err=True)
    if doc.get("webhook"):
        hook = doc["webhook"]
        said = "delivered" if hook["delivered"] else f"NOT delivered ({hook.get('error')})"
        click.echo(f"webhook {said} after {hook['attempts']} attempt(s)", err=True)
