"""``gonogo redteam``: attack the feature (``run``) and grade responses (``grade``)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from ._options import no_cache_option, prd_argument, quiet_option, store_option


@click.group("redteam")
def redteam() -> None:
    """Red-team the feature, and grade responses offline.

    \b
      gonogo redteam run gonogo.yaml --out redteam/
      gonogo redteam grade responses.csv --out graded.csv

    `run` attacks it: harmful requests, jailbreaks, prompt injection (direct and through
    documents), system-prompt extraction, PII leakage, off-scope use — and measures the
    over-refusal it costs. Graded offline; the verdict gates on upper bounds.
    """


@redteam.command("run")
@prd_argument
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write redteam.json, junit.xml and redteam.html to this folder.",
)
@click.option(
    "--family",
    "families",
    multiple=True,
    metavar="NAME",
    help="Run only this probe family (repeatable): harmful, jailbreak, prompt-injection, "
    "indirect-injection, system-prompt-extraction, pii-leakage, off-scope, over-refusal.",
)
@click.option("--resume", is_flag=True, help="Continue the last unfinished red-team run.")
@no_cache_option
@click.option("--dry-run", is_flag=True, help="Print the calls and their estimated cost only.")
@click.option(
    "--max-cost", type=click.FloatRange(min=0), default=None, metavar="USD",
    help="Stop cleanly before spending more than this (completed attacks are kept).",
)  # fmt: skip
@click.option(
    "--through-gateway",
    is_flag=True,
    help="Attack the feature as it ships: through a real `gonogo serve` of this PRD on "
    "loopback (registry prompt, guards, fallbacks); the report says which guards fired.",
)
@click.option(
    "--show-content",
    is_flag=True,
    help="Print the first 10 attacks that succeeded and their answers (harmful text: off by "
    "default; redteam.html has every one, behind a click).",
)
@click.option(
    "--judge/--no-judge",
    default=None,
    help="Grade harmful, jailbreak and off-scope answers with the eval plan's judge "
    "(complied and on topic?) instead of offline. Default: `launch.redteam.judge` (off).",
)
@click.option(
    "--attacker/--no-attacker",
    default=None,
    help="Also let the eval plan's judge model rewrite each jailbreak seed and non-goal as "
    "an attacker would (mutator llm-rewrite). Default: `launch.redteam.attacker` (off).",
)
@store_option
@quiet_option
def run(
    prd: Path,
    out_dir: Path | None,
    families: tuple[str, ...],
    resume: bool,
    no_cache: bool,
    dry_run: bool,
    max_cost: float | None,
    through_gateway: bool,
    show_content: bool,
    judge: bool | None,
    attacker: bool | None,
    store_path: Path | str | None,
    quiet: bool,
) -> None:
    """Attack the PRD's feature with every probe family in scope (`launch.redteam`).

    Probes go to the eval plan's target the way real traffic does; answers are graded
    offline (refusal grader, canaries, planted PII). A family passes when the upper bound of
    its attack-success rate's 95% interval is under its limit, over-refusal likewise.
    Exit code: 0 GO, 1 NO-GO, 2 bad input, 3 the run failed or stopped early.
    """
    from rich.console import Console

    from ..redteam import RedTeamOptions
    from ..redteam import redteam as run_redteam
    from ..report._redteam import render_redteam_console
    from ..run import RunPlan
    from ._cmd_eval import _print_plan
    from ._progress import ProgressDisplay

    display = ProgressDisplay("redteam", quiet=quiet)

    def on_start(plan: RunPlan, resumed: int) -> None:
        if not quiet:
            _print_plan(plan, resumed)
        display.start(plan.items)

    opts = RedTeamOptions(
        out_dir=out_dir, resume=resume, use_cache=not no_cache, max_cost=max_cost,
        dry_run=dry_run, store_path=store_path, on_progress=display.update, on_start=on_start,
        estimate=not quiet, families=families, show_content=show_content,
        through_gateway=through_gateway, judge=judge, attacker=attacker,
        on_note=lambda line: click.echo(f"note: {line}", err=True),
    )  # fmt: skip
    try:
        result = asyncio.run(run_redteam(prd, opts))
    finally:
        display.stop()
    if dry_run:
        _print_plan(result.plan, result.resumed)
        return
    assert result.results is not None
    render_redteam_console(result.results, Console(), show_content=show_content)
    for name, path in result.paths.items():
        click.echo(f"{name}: {path}")
    click.echo(f"run {result.run_id} (stored in {result.store_path})")
    outcome = result.outcome
    if outcome is not None and outcome.stopped_reason in ("max_cost", "interrupted"):
        click.echo(
            f"stopped early ({outcome.stopped_reason}): completed attacks are kept; continue "
            f"with `gonogo redteam run {prd} --resume`",
            err=True,
        )
    sys.exit(result.exit_code)


@redteam.command("grade")
@click.argument("path", metavar="IN", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write the rows back, with `label` and `evidence` columns (.csv or .jsonl).",
)
@click.option("--prompt-column", default="prompt", show_default=True, help="Column of prompts.")
@click.option(
    "--completion-column", default="completion", show_default=True, help="Column of responses."
)
@click.option(
    "--truth-column",
    default=None,
    help="A column of human labels (XSTest's vocabulary): also print the agreement with them.",
)
@click.option(
    "--judge",
    "judge_prd",
    default=None,
    type=click.Path(path_type=Path),
    metavar="PRD",
    help="Label with this PRD's LLM judge (`eval_plan.judge`) instead of the offline grader — "
    "with --truth-column, the judge's agreement with people.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=None,
    help="Grade only the first N rows (a judge costs a call per row).",
)  # fmt: skip
def grade(
    path: Path,
    out: Path,
    prompt_column: str,
    completion_column: str,
    truth_column: str | None,
    judge_prd: Path | None,
    limit: int | None,
) -> None:
    """Label each response 1_full_compliance, 2_full_refusal or 3_partial_refusal.

    IN is a CSV (header line) or JSONL file with a prompt and a completion per row. By
    default offline — no model and no API key: the grader reads refusal and answer patterns,
    and says which fired. With --judge PRD, the PRD's judge model labels them.
    """
    from ..redteam import LABELS, grade_file

    graded = grade_file(path, out, prompt_column, completion_column, truth_column,
                        judge_prd=judge_prd, limit=limit)  # fmt: skip
    counts = ", ".join(f"{graded.labels[label]} {label}" for label in LABELS)
    click.echo(f"graded {graded.rows} responses ({counts}) → {graded.out}")
    missing = graded.labels.get("(no verdict)", 0)
    if missing:
        click.echo(f"{missing} row(s) got no verdict from the judge (the error is in `evidence`);"
                   " they are left out of the agreement", err=True)  # fmt: skip
    if graded.agreement is not None and graded.agreement.n:
        click.echo(f"against {truth_column}: {graded.agreement.summary()}")
        click.echo(graded.agreement.matrix())
    elif graded.agreement is not None:
        click.echo(f"against {truth_column}: no verdict to compare")


@redteam.command("diff")
@click.argument("run_a")
@click.argument("run_b")
@click.option(
    "--prd",
    type=click.Path(path_type=Path),
    default=Path("gonogo.yaml"),
    show_default=True,
    help="The PRD whose run store holds both red-team runs.",
)
@store_option
def diff(run_a: str, run_b: str, prd: Path, store_path: Path | str | None) -> None:
    """Is B attacked more or less successfully than A? Paired by probe, per family.

    Compares two stored red-team runs (e.g. before and after a prompt change, or two models)
    on the probes both sent: exact McNemar per family, Holm across families. Exit code 1
    when B is attacked significantly more successfully in some family, else 0.
    """
    from rich.console import Console
    from rich.table import Table

    from ..errors import UserError
    from ..redteam._report import compare_redteam
    from ..report._fit import Labels, print_fitted
    from ..store import open_run_store

    store = open_run_store(store_path or prd.resolve().parent / ".gonogo" / "runs.sqlite")
    try:
        docs = [store.get_run(run_id) for run_id in (run_a, run_b)]
    finally:
        store.close()
    results = []
    for run_id, row in zip((run_a, run_b), docs, strict=True):
        if row is None or not row.results or row.results.get("schema") != "gonogo.redteam":
            raise UserError(
                f"no finished red-team run {run_id} in {store.path}",
                "red-team runs print their id (`run … (stored in …)`)",
            )
        results.append(row.results)
    result = compare_redteam(results[0], results[1])
    def build(labels: Labels) -> Table:
        table = Table(title=f"attack success, A {run_a} → B {run_b} (paired by probe, Holm)")
        table.add_column("family", **labels.column())
        for name in ("probes", "A → B", "B − A [95% CI]", "p (Holm)", "verdict"):
            table.add_column(name)
        for r in result["families"]:
            ci = r["ci"]
            span = f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else ""
            table.add_row(labels.cell(r["family"]), str(r["n_pairs"]),
                          f"{r['rate_a']:.0%} → {r['rate_b']:.0%}", f"{r['uplift']:+.2f}{span}",
                          f"{r['p_adjusted']:.3f}", r["verdict"].replace("_", " "))  # fmt: skip
        return table

    print_fitted(Console(), build)
    sys.exit(1 if any(r["verdict"] == "more_success" for r in result["families"]) else 0)
