"""Arguments and options that several commands share, defined once so they read the same."""

from __future__ import annotations

from pathlib import Path

import click

prd_argument = click.argument("prd", type=click.Path(path_type=Path), default="gonogo.yaml")

def _file_or_url(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> Path | str | None:
    """A path stays a Path; a URL (postgresql://…) stays text."""
    if value is None:
        return None
    return value if "://" in value else Path(value)


store_option = click.option(
    "--store",
    "store_path",
    default=None,
    metavar="FILE_OR_URL",
    callback=_file_or_url,
    help="Run store: a SQLite file, or postgresql://USER:PW@HOST/DB where CI jobs on many "
    "machines write to one database (`gonogo ui --runs URL` reads it). "
    "Default: .gonogo/runs.sqlite next to the PRD.",
)

no_cache_option = click.option(
    "--no-cache", is_flag=True, help="Call the models even when a cached answer exists."
)

quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
