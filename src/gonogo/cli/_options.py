"""Arguments and options that several commands share, defined once so they read the same."""

from __future__ import annotations

from pathlib import Path

import click

prd_argument = click.argument("prd", type=click.Path(path_type=Path), default="gonogo.yaml")

store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Run store (SQLite file). Default: .gonogo/runs.sqlite next to the PRD.",
)

no_cache_option = click.option(
    "--no-cache", is_flag=True, help="Call the models even when a cached answer exists."
)

quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
