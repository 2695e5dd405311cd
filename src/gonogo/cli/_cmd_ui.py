"""``gonogo ui``: the team's dashboard and the human review queue."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click


@click.command("ui")
@click.argument("where", type=click.Path(path_type=Path), default=".", metavar="[PRD_OR_FOLDER]")
@click.option(
    "--store", envvar="GONOGO_STORE_URL", default=None, metavar="URL",
    help="The gateway store (prompt registry, traces, feedback, keys) — review queues and "
    "labels are kept there too: sqlite:///path.db or postgresql://USER:PW@HOST/DB. Default: "
    "$GONOGO_STORE_URL, else .gonogo/gateway.db next to the PRD (or in the folder).",
)  # fmt: skip
@click.option(
    "--runs", "runs_url", default=None, metavar="URL",
    help="One run store for every PRD: the file or postgresql:// URL that `gonogo eval "
    "--store` wrote to. Default: each PRD's .gonogo/runs.sqlite.",
)  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback requires signing in with "
              "a key.")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8790, show_default=True,
              help="Port to listen on (0 picks a free one).")  # fmt: skip
@click.option("--login", is_flag=True,
              help="Require signing in with a key even on loopback.")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True, help="Log errors of every request.")
def ui(
    where: Path, store: str | None, runs_url: str | None, host: str, port: int, login: bool,
    verbose: bool,
) -> None:  # fmt: skip
    """The team's dashboard: features, runs, trends, production, prompts and human review.

    Point it at a PRD or at a folder: every PRD under the folder (gonogo.yaml, or any YAML
    with an eval_plan) is shown with its latest verdict, launch checklist and trend; each
    run with its thresholds, failure modes and cases; the gateway's traces, feedback and
    monitor alerts; the prompt registry (promote and roll back with a reason); and review
    queues where people label what the scorers cannot judge, with how far each scorer
    agrees with them (Cohen's kappa).

    \b
    On 127.0.0.1 (the default) nobody signs in: whoever reaches the port acts as you.
    Listening anywhere else needs keys from the gateway store:
      gonogo keys create ana --role reviewer --prd gonogo.yaml   labels review items
      gonogo keys create lead --role admin --prd gonogo.yaml     also promotes prompts
    (or start with GONOGO_ADMIN_KEY=<secret> for an admin key kept only in memory).

    \b
    Examples:
      gonogo ui                                  every PRD under this folder
      gonogo ui my-feature/gonogo.yaml --port 8790
      gonogo ui . --host 0.0.0.0 --store postgresql://gonogo@db/gonogo \\
                  --runs postgresql://gonogo@db/gonogo     a team server (CI writes runs there)
    """
    from ..errors import UserError
    from ..store.gateway import redact_url
    from ..ui import UISettings
    from ..ui import serve as run_ui
    from ..ui._app import require_ui_extra
    from ..ui._security import is_loopback

    require_ui_extra()
    if not where.exists():
        raise UserError(f"{where}: no such file or folder",
                        "give a PRD (gonogo.yaml) or a folder holding PRDs")  # fmt: skip
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
    url, others = _gateway_store(where, store)
    settings = UISettings(
        root=where, store_url=url, runs_url=runs_url, host=host, port=port, login=login,
        admin_key=os.environ.get("GONOGO_ADMIN_KEY") or None,
    )  # fmt: skip

    def ready(address: str) -> None:
        click.echo(f"gonogo ui: {address}  (PRDs under {settings.root.resolve()})")
        click.echo(f"  store: {redact_url(url)}" + (f", runs: {redact_url(runs_url)}"
                                                     if runs_url else ""))  # fmt: skip
        if others:
            click.echo(f"  other gateway stores under {where} (one at a time; pick with --store): "
                       + ", ".join(others))  # fmt: skip
        if settings.needs_login:
            why = "--login" if is_loopback(host) else f"listening on {host}"
            click.echo(f"  sign in with a key ({why}): gonogo keys create NAME --role reviewer"
                       f" --store {redact_url(url)}")  # fmt: skip
        else:
            click.echo("  loopback only: no sign-in (use --host with keys to share it)")
        click.echo("  stop with Ctrl-C")
        sys.stdout.flush()

    run_ui(settings, on_ready=ready)


def _gateway_store(where: Path, store: str | None) -> tuple[str, list[str]]:
    """The gateway store the dashboard reads, and the other ones found beside PRDs.

    ``--store`` or ``$GONOGO_STORE_URL`` when given; else the ``.gonogo/gateway.db`` that
    ``gonogo serve`` writes beside a PRD: the folder's own when it has one, else the first
    PRD's that exists (a folder whose PRD lives one level down shows that PRD's traces and
    prompts, not an empty store of the working folder). With none, the folder's (or the
    PRD's folder's) default.
    """
    from ..store.gateway import default_store_url
    from ..ui._workspace import find_prds

    if store or os.environ.get("GONOGO_STORE_URL"):
        return store or default_store_url(), []
    base = where if where.is_dir() else where.resolve().parent
    candidates = [base.resolve()] + [p.resolve().parent for p in find_prds(where)]
    found: list[Path] = []
    for folder in candidates:
        db = folder / ".gonogo" / "gateway.db"
        if db.is_file() and db not in found:
            found.append(db)
    if not found:
        return default_store_url(base), []
    return "sqlite:///" + str(found[0]), [str(p) for p in found[1:]]
