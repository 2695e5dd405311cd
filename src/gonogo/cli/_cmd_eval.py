"""``gonogo eval`` and ``gonogo report``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from ..run import EvalOptions, EvalResult, RunPlan, evaluate
from ._options import no_cache_option, prd_argument, quiet_option, store_option


def _print_plan(plan: RunPlan, resumed: int) -> None:
    click.echo(
        f"{plan.cases} cases × {plan.repeats} repeats = "
        f"{plan.items + resumed} samples"
        + (f" ({resumed} already done, {plan.items} to run)" if resumed else "")
    )
    for e in plan.estimates:
        fresh = e.calls - e.cached_calls
        cost = (
            "unknown (no price for this model in `prices`)"
            if e.cost_usd is None
            else f"${e.cost_usd:.4f}"
        )
        click.echo(
            f"  {e.role:<6} {e.model}: {e.calls} calls ({e.cached_calls} cached, "
            f"{fresh} new), ~{e.input_tokens:,} in / {e.output_tokens:,} out tokens, "
            f"estimated cost {cost}"
        )
    total = plan.total_cost_usd
    click.echo("  total estimated cost: " + ("unknown" if total is None else f"${total:.4f}"))
    for note in plan.notes:
        click.echo(f"  note: {note}")


@click.command("eval")
@prd_argument
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write results.json, junit.xml and report.html to this folder.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the last unfinished run: completed results are kept, no call is made twice.",
)
@no_cache_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print how many calls the run would make and what they would cost; run nothing.",
)
@click.option(
    "--max-cost",
    type=click.FloatRange(min=0),
    default=None,
    metavar="USD",
    help="Stop cleanly before spending more than this (completed work is kept).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Run only the first N golden cases (after --filter): a quick loop while iterating.",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="KEY=VALUE",
    help="Run only matching cases: tag=billing, id='refund-*', dataset=golden. Repeat it: "
    "the same key means either, different keys all.",
)
@click.option(
    "--show-failures",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    metavar="N",
    help="List up to N failing cases with why they failed (0: none).",
)
@store_option
@quiet_option
def eval_(
    prd: Path,
    out_dir: Path | None,
    resume: bool,
    no_cache: bool,
    dry_run: bool,
    max_cost: float | None,
    limit: int | None,
    filters: tuple[str, ...],
    show_failures: int,
    store_path: Path | str | None,
    quiet: bool,
) -> None:
    """Run the PRD's eval plan and gate GO / NO-GO.

    Every golden case runs through the feature (repeated `eval_plan.repeats` times),
    each output is scored by the rubric, and each threshold is checked against the
    95% interval's lower bound. With --limit / --filter only a subset runs, as its own
    run: its verdict is about those cases only. Exit code: 0 GO, 1 NO-GO, 2 config
    error, 3 the run failed or stopped early.
    """
    from ..run import CaseSelection
    from ._main import startup_done
    from ._progress import ProgressDisplay

    display = ProgressDisplay("eval", quiet=quiet)

    def on_start(plan: RunPlan, resumed: int) -> None:
        from .._preload import preload_soon

        startup_done()
        if not quiet:
            _print_plan(plan, resumed)
        else:  # a cap that cannot hold is said even when quiet
            for note in plan.notes:
                if note.startswith("--max-cost") and "cannot be enforced" in note:
                    click.echo(f"warning: {note}", err=True)
        display.start(plan.items)
        preload_soon(["rich.console", "rich.table", "gonogo.report"])  # the summary's

    opts = EvalOptions(
        out_dir=out_dir,
        resume=resume,
        use_cache=not no_cache,
        max_cost=max_cost,
        dry_run=dry_run,
        store_path=store_path,
        on_progress=display.update,
        on_start=on_start,
        estimate=not quiet,
        selection=CaseSelection.parse(limit, filters),
    )
    try:
        result = asyncio.run(evaluate(prd, opts))
    finally:
        startup_done()  # a dry run, or a run that failed before it started
        display.stop()
    if dry_run:
        _print_plan(result.plan, result.resumed)
        return
    _finish(prd, result, show_failures)


_STOPPED = {
    "max_cost": "stopped at --max-cost",
    "interrupted": "interrupted (Ctrl-C)",
}


def _finish(prd: Path, result: EvalResult, show_failures: int) -> None:
    from rich.console import Console

    from ..report import render_console

    assert result.results is not None
    subset = result.results["run"].get("subset")
    if subset:
        click.echo(
            f"subset: {subset['cases']} of {subset['of']} golden cases ({subset['selection']}); "
            "the verdict is about these cases only"
        )
    render_console(result.results, Console(), show_failures=show_failures)
    for name, path in result.paths.items():
        click.echo(f"{name}: {path}")
    click.echo(
        f"run {result.run_id} (stored in {result.store_path}); "
        f"re-render it with `gonogo report {prd} --run {result.run_id} --out DIR`"
    )
    outcome = result.outcome
    if outcome is not None and outcome.stopped_reason in _STOPPED:
        click.echo(
            f"{_STOPPED[outcome.stopped_reason]}: completed samples are kept "
            f"({outcome.executed} this time); continue with `gonogo eval {prd} --resume`",
            err=True,
        )
    if result.held_interrupt:
        click.echo("Ctrl-C came as the finished run was being written: it was finished first "
                   "(the run, its evidence and reports are complete)", err=True)  # fmt: skip
    sys.exit(result.exit_code)


@click.command("report")
@prd_argument
@click.option("--run", "run_id", default=None, help="Run id (default: the latest run).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder for results.json, junit.xml and report.html.",
)
@store_option
def report(prd: Path, run_id: str | None, out_dir: Path, store_path: Path | str | None) -> None:
    """Re-render the reports of a stored run without running anything."""
    from rich.console import Console

    from ..errors import UserError
    from ..report import render_console, write_reports
    from ..spec import prd_key
    from ..store import is_url, open_run_store

    base = prd.resolve().parent
    location = store_path or base / ".gonogo" / "runs.sqlite"
    if not is_url(location) and not Path(location).exists():  # looking creates nothing
        if store_path is None and not prd.exists():
            how = "name the PRD whose runs to render: gonogo report PATH/gonogo.yaml --out DIR"
            raise UserError(f"PRD file not found: {prd}", how)
        raise UserError(f"no run store at {location}", f"run `gonogo eval {prd}` first")
    store = open_run_store(location)
    try:
        row = store.get_run(run_id) if run_id else store.latest_run(prd_key(prd))
    finally:
        store.close()
    if row is None or row.results is None:
        if run_id:
            raise UserError(f"no finished run with id {run_id} in {location}",
                            f"list the runs with `gonogo runs {prd}`")  # fmt: skip
        raise UserError("no finished run found", f"run `gonogo eval {prd}` first")
    render_console(row.results, Console())
    for name, path in write_reports(row.results, out_dir).items():
        click.echo(f"{name}: {path}")
