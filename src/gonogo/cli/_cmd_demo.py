"""``gonogo demo``: the bundled example PRD, end to end, offline."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("gonogo-demo"),
    show_default=True,
    help="Where to write the example project and its reports.",
)
@click.option("--fresh", is_flag=True, help="Rewrite the example project even if it exists.")
def demo(directory: Path, fresh: bool) -> None:
    """Run the bundled example end to end: PRD → evals → GO / NO-GO → reports.

    Writes a working example project (the same one `gonogo init` writes), runs its
    eval plan offline with no API key, prints the verdict and writes report.html,
    results.json and junit.xml under DIR/report/. Exits 0 whatever the verdict
    (use `gonogo eval` in CI to fail on NO-GO).
    """
    from rich.console import Console

    from ..report import render_console
    from ..run import EvalOptions, RunPlan, evaluate
    from ..spec import init_project
    from ._progress import ProgressDisplay

    prd = directory / "gonogo.yaml"
    if fresh or not prd.exists():
        init_project(directory, force=fresh)
        click.echo(f"wrote the example project to {directory}/")
    display = ProgressDisplay("demo eval")

    def on_start(plan: RunPlan, resumed: int) -> None:
        click.echo(
            f"running {plan.items} samples ({plan.cases} cases × {plan.repeats} repeats) "
            f"through the feature and its scorers…"
        )
        display.start(plan.items)

    opts = EvalOptions(out_dir=directory / "report", on_progress=display.update, on_start=on_start)
    try:
        result = asyncio.run(evaluate(prd, opts))
    finally:
        display.stop()
    assert result.results is not None
    render_console(result.results, Console())
    for name, path in result.paths.items():
        click.echo(f"{name}: {path}")
    click.echo(
        f"\nNext: open {directory / 'report' / 'report.html'}, edit {prd}, and run "
        f"`gonogo eval {prd}`."
    )
