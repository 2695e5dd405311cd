"""``gonogo launch``: the launch checklist, verified from gonogo's own evidence."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from ._options import prd_argument


@click.command("launch")
@prd_argument
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write launch.json, launch.md (for a PR) and launch.html to this folder.",
)
@click.option(
    "--run-missing",
    is_flag=True,
    help="First run what is missing or stale: the eval, the red team, and the drills "
    "(fallback, feedback, groundedness guard, rollback) against a real `gonogo serve` on "
    "loopback with a fake upstream.",
)
@click.option("--dry-run", is_flag=True, help="Say what --run-missing would run and its cost.")
@click.option(
    "--verify",
    is_flag=True,
    help="Check the evidence log's hash chain only: exit 1 naming any edited, deleted or "
    "reordered entry.",
)
@click.option(
    "--evidence",
    "evidence_url",
    default=None,
    metavar="URL",
    envvar="GONOGO_EVIDENCE_URL",
    help="The evidence log: a file or postgresql://… (default: .gonogo/evidence.sqlite next "
    "to the PRD; env GONOGO_EVIDENCE_URL).",
)
def launch(
    prd: Path,
    out_dir: Path | None,
    run_missing: bool,
    dry_run: bool,
    verify: bool,
    evidence_url: str | None,
) -> None:
    """Is the feature ready to launch? Every checklist item, from evidence, never by hand.

    Answers each question from what gonogo itself ran for this PRD and prompt version:
    evals GO, red-teamed (fresh), hallucinations detected (a gated groundedness or judge
    scorer, the lab's planted hallucinations caught) and handled (a guard, drilled), a
    fallback that works (drilled), costs within budget, feedback captured (drilled),
    rollback within the objective (drilled), every failure mode covered. Missing, failed,
    stale or other-version evidence is never GO; a waiver in the PRD is shown.

    Exit code: 0 GO, 1 NO-GO (or, with --verify, a broken chain), 2 bad input, 3 a run
    failed.
    """
    from rich.console import Console

    from ..launch import LaunchOptions, render_console, write_launch_reports
    from ..launch import launch as run_launch
    from ..launch import verify as verify_chain

    if verify:
        problems = asyncio.run(verify_chain(prd, evidence_url))
        for p in problems:
            click.echo(f"evidence entry {p['seq']}: {p['problem']}", err=True)
        click.echo("evidence chain intact" if not problems else f"{len(problems)} problem(s)")
        sys.exit(1 if problems else 0)
    opts = LaunchOptions(
        evidence_url=evidence_url,
        run_missing=run_missing,
        dry_run=dry_run,
        on_step=lambda line: click.echo(line, err=True),
    )
    result = asyncio.run(run_launch(prd, opts))
    render_console(result.doc, Console())
    if out_dir is not None:
        for name, path in write_launch_reports(result.doc, out_dir).items():
            click.echo(f"{name}: {path}")
    if dry_run:
        return
    sys.exit(result.exit_code)
