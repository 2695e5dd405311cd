"""``gonogo prompt drill``: a rollback drill against running gateway replicas.

The ``prompt`` command group (``_cmd_prompt``) adds the ``drill`` command from here.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import UserError

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """``"5s"``, ``"1.5m"``, ``"1h"``, ``"2d"`` or a bare number of seconds → seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if m is None:
        raise UserError(f"invalid duration {text!r}", "write it like 5s, 30s, 15m or 1h")
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]


def _variables(pairs: tuple[str, ...]) -> dict[str, str] | None:
    if not pairs:
        return None
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"invalid --var {pair!r}", "write it as --var name=value")
        out[key] = value
    return out


@click.command("drill")
@click.argument("prd", type=click.Path(path_type=Path), default="gonogo.yaml")
@click.option(
    "--gateway",
    "gateways",
    multiple=True,
    required=True,
    metavar="URL",
    help="A gateway replica's base URL, e.g. http://10.0.0.5:8787. Repeat for each replica.",
)
@click.option("--name", default=None, help="Prompt name. Default: the PRD's model.prompt.name.")
@click.option("--label", default="production", show_default=True, help="The label to drill.")
@click.option(
    "--to-version",
    type=click.IntRange(min=1),
    default=None,
    help="Roll back to this version. Default: the label's previous version.",
)
@click.option(
    "--keep", is_flag=True, help="Leave the label rolled back (default: restore it after)."
)
@click.option(
    "--within",
    default=None,
    metavar="DURATION",
    help="Bound on time to effect per replica, e.g. 5s. Default: 5s (a replica's registry "
    "cache lives at most 5 s), or the PRD's launch.rollback_within when that is shorter.",
)
@click.option(
    "--store",
    "store_url",
    envvar="GONOGO_STORE_URL",
    default=None,
    help="The store the replicas share (env GONOGO_STORE_URL). Default: "
    ".gonogo/gateway.db next to the PRD.",
)
@click.option(
    "--app-key",
    envvar="GONOGO_APP_KEY",
    required=True,
    help="App key the probe requests use (env GONOGO_APP_KEY).",
)
@click.option(
    "--admin-key",
    envvar="GONOGO_ADMIN_KEY",
    default=None,
    help="Move the label through the first --gateway's admin API with this admin key "
    "(env GONOGO_ADMIN_KEY) instead of writing to --store.",
)
@click.option(
    "--var",
    "var_pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="A template variable for the probe requests (default: a placeholder for each).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def drill(
    prd: Path,
    gateways: tuple[str, ...],
    name: str | None,
    label: str,
    to_version: int | None,
    keep: bool,
    within: str | None,
    store_url: str | None,
    app_key: str,
    admin_key: str | None,
    var_pairs: tuple[str, ...],
    as_json: bool,
) -> None:
    """Roll a prompt label back and time how fast every gateway replica follows.

    Reads which version NAME@LABEL points at, checks every --gateway serves it, moves the
    label to the previous version (recorded in the label history, reason "rollback
    drill"; through the store, or with --admin-key a gateway's admin API), then sends
    probe requests to each replica's feature endpoint until it answers with the old
    version (header X-Gonogo-Prompt-Version). Then it moves the label back to where it
    was (unless --keep) and times that too. Probes are real requests: the model is called
    a few times per replica.

    \b
      gonogo prompt drill gonogo.yaml --gateway http://gw-1:8787 --gateway http://gw-2:8787

    Exit codes: 0 every replica followed within the bound, 1 one did not, 2 usage or
    config error, 3 the drill could not run (e.g. a replica unreachable).
    """
    from ..gateway._drill import DEFAULT_BOUND_S, AdminLabels, StoreLabels, run_drill
    from ..spec import load_prd
    from ..store.gateway import default_store_url, open_gateway_store

    loaded = load_prd(prd)
    launch = loaded.prd.launch
    objective = launch.rollback_within if launch is not None else None
    bound = (
        DEFAULT_BOUND_S if objective is None else min(DEFAULT_BOUND_S, parse_duration(objective))
    )
    if within is not None:
        bound = parse_duration(within)
    if name is None:
        prompt = loaded.prd.model.prompt if loaded.prd.model is not None else None
        if prompt is None:
            raise UserError("which prompt?", "pass --name, or give the PRD a model.prompt")
        name = prompt.name
    options: dict[str, Any] = {
        "name": name,
        "app_key": app_key,
        "label": label,
        "to_version": to_version,
        "keep": keep,
        "bound_s": bound,
        "variables": _variables(var_pairs),
    }

    async def go() -> Any:
        if admin_key:
            return await run_drill(AdminLabels(gateways[0], admin_key), gateways, **options)
        store = open_gateway_store(
            store_url or default_store_url(loaded.base_dir), base_dir=loaded.base_dir
        )
        await store.open()
        try:
            return await run_drill(StoreLabels(store), gateways, **options)
        finally:
            await store.close()

    report = asyncio.run(go())
    _record(loaded, report)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print(report)
    sys.exit(0 if report.passed else 1)


def _record(loaded: Any, report: Any) -> None:
    """The drill is launch evidence: the checklist's rollback item reads it."""
    from ..run._evidence import record

    figures = {"worst_s": report.rollback.worst_s, "bound_s": report.bound_s,
               "report": report.to_dict()}  # fmt: skip
    verdict = "pass" if report.passed else "fail"
    asyncio.run(record(loaded, "drill:rollback", verdict, figures, "gonogo prompt drill"))


def _print(report: Any) -> None:
    click.echo(
        f"{report.prompt}@{report.label}: version {report.original_version} → "
        f"{report.target_version} (bound {report.bound_s:g} s per replica; labels moved "
        f"through {report.via})"
    )
    phases = [report.rollback] + ([report.restore] if report.restore is not None else [])
    for phase in phases:
        click.echo(f"  {phase.action}: v{phase.from_version} → v{phase.to_version}")
        for r in phase.replicas:
            took = "never" if r.seconds is None else f"{r.seconds:.2f} s"
            mark = "ok " if r.seconds is not None and r.seconds <= report.bound_s else "SLOW"
            extra = f", {r.errors} failed probes" if r.errors else ""
            click.echo(f"    {mark} {r.gateway}: {took} ({r.probes} probes{extra})")
            if r.seconds is None and r.last_error:
                click.echo(f"         last error: {r.last_error}")
    if report.restore is None and report.restore_error is None:
        click.echo(f"  kept: {report.label} stays on version {report.target_version}")
    if report.restore_error is not None:
        click.echo(
            f"  restore FAILED: {report.restore_error} — move the label back with "
            f"`gonogo prompt promote`",
            err=True,
        )
    click.echo("PASS" if report.passed else "FAIL: a replica did not follow within the bound")
