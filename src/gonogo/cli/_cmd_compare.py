"""``gonogo compare``: A/B of two variants on the same golden cases, with paired statistics."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from ._options import no_cache_option, prd_argument, quiet_option, store_option

_VERDICTS = (
    "better",
    "no_difference",
    "worse",
    "non_inferior",
    "inferior",
    "inconclusive",
    "too_small",
    "not_evaluated",
)
_DEFAULT_FAIL_ON = "worse,inferior,inconclusive,too_small,not_evaluated"
# a change in pass rate: strictly between 0 and 1 (0.05 = 5 points)
_SHARE = click.FloatRange(min=0, max=1, min_open=True, max_open=True)


def _fail_on(ctx: click.Context, param: click.Parameter, value: str) -> frozenset[str]:
    names = {v.strip().replace("-", "_") for v in value.split(",") if v.strip()}
    unknown = sorted(names - set(_VERDICTS) - {"none"})
    if unknown:
        raise click.BadParameter(
            f"unknown verdict(s) {', '.join(unknown)}; choose from {', '.join(_VERDICTS)} (or none)"
        )
    return frozenset(names - {"none"})


@click.command("compare")
@prd_argument
@click.option(
    "--a",
    "a_args",
    multiple=True,
    metavar="VARIANT|KEY=VALUE",
    help="Variant A (baseline): a name from the PRD's `variants` (`prd` = the PRD as "
    "written), and/or overrides such as model=gpt-4o, prompt.version=3, "
    "params.temperature=0, target_args.k=3. Repeat for several. "
    "Default: compare.baseline, else the PRD as written.",
)
@click.option(
    "--b",
    "b_args",
    multiple=True,
    metavar="VARIANT|KEY=VALUE",
    help="Variant B (candidate), like --a. Default: compare.candidate.",
)
@click.option(
    "--mode",
    type=click.Choice(["superiority", "non_inferiority"]),
    default=None,
    help="superiority: is B better or worse? non_inferiority: is B no worse than A by more "
    "than --margin? Default: compare.mode, else superiority.",
)
@click.option(
    "--margin",
    type=_SHARE,
    default=None,
    help="Non-inferiority margin: the largest drop in pass rate that still passes (0.05 = 5 "
    "points).",
)
@click.option(
    "--min-effect",
    type=_SHARE,
    default=None,
    help="Smallest change in pass rate worth detecting; compare says when the golden set is "
    "too small for it. Default: compare.min_effect, else 0.1.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(min=0, max=0.5, min_open=True, max_open=True),
    default=None,
    help="Significance level (default: compare.alpha, else 0.05).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write comparison.json and the side-by-side comparison.html to this folder.",
)
@click.option("--repeats", type=click.IntRange(min=1, max=100), default=None,
              help="Samples per case (default: eval_plan.repeats).")  # fmt: skip
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Use only the first N golden cases.")  # fmt: skip
@no_cache_option
@click.option(
    "--resume",
    is_flag=True,
    help="Reuse each variant's last run with the same settings: continue it if it was cut "
    "short, take its results if it completed.",
)
@store_option
@click.option(
    "--preference/--no-preference",
    default=None,
    help="Ask the judge which output is better, in both orders (default: on when the eval "
    "plan has a judge).",
)
@click.option(
    "--fail-on",
    default=_DEFAULT_FAIL_ON,
    show_default=True,
    callback=_fail_on,
    metavar="VERDICTS",
    help="Overall verdicts that exit 1 (comma-separated; `none` never fails). E.g. "
    "`worse,inferior` fails only on a detected regression; add no_difference to require "
    "an improvement.",
)
@quiet_option
def compare(
    prd: Path,
    a_args: tuple[str, ...],
    b_args: tuple[str, ...],
    mode: str | None,
    margin: float | None,
    min_effect: float | None,
    alpha: float | None,
    out_dir: Path | None,
    repeats: int | None,
    limit: int | None,
    no_cache: bool,
    resume: bool,
    store_path: Path | str | None,
    preference: bool | None,
    fail_on: frozenset[str],
    quiet: bool,
) -> None:
    """Compare variant B with variant A on the same golden cases, case by case.

    Both variants run on the same cases and sample indexes (a paired comparison). Per
    scorer: A's and B's pass rate (or mean), the difference with its 95% interval, the
    p-value (exact McNemar for pass/fail, paired permutation for scores and repeats),
    Holm-corrected across scorers, and B-wins / ties / A-wins. Also: how much the outputs
    changed (local embeddings), the judge's preference asked in both orders, cost and
    latency per 1k requests.

    \b
    Examples:
      gonogo compare gonogo.yaml --b mini                  # a variant of the PRD
      gonogo compare gonogo.yaml --b model=gpt-4o-mini --mode non_inferiority --margin 0.05
      gonogo compare gonogo.yaml --a prompt.version=3 --b prompt.version=4 --out cmp/

    \b
    Exit codes:
      0  B better, no detectable difference, or B non-inferior
      1  a verdict in --fail-on: by default B worse or inferior, and also when the
         comparison cannot tell (inconclusive, too small, not evaluated)
      2  bad input (unknown variant, bad override, invalid PRD)
      3  a run failed (provider unreachable)
    """
    from ..compare import CompareOptions, parse_variant_args
    from ..compare import compare as run_compare
    from ._progress import ProgressDisplay

    displays: list[ProgressDisplay] = []

    def on_start(stage: str, total: int) -> None:
        for d in displays:
            d.stop()
        label = "compare A+B" if stage == "run" else "judge preference"
        display = ProgressDisplay(label, quiet=quiet)
        displays.append(display)
        display.start(total)

    opts = CompareOptions(
        mode=mode,
        margin=margin,
        min_effect=min_effect,
        alpha=alpha,
        out_dir=out_dir,
        repeats=repeats,
        limit=limit,
        use_cache=not no_cache,
        resume=resume,
        store_path=store_path,
        preference=preference,
        on_start=on_start,
        on_progress=lambda p: displays[-1].update(p) if displays else None,
    )
    a = parse_variant_args(a_args) if a_args else None
    b = parse_variant_args(b_args) if b_args else None
    try:
        result = asyncio.run(run_compare(prd, a, b, opts))
    finally:
        for d in displays:
            d.stop()
    from rich.console import Console

    from ..report import render_comparison_console

    render_comparison_console(result.document, Console())
    for name, path in result.paths.items():
        click.echo(f"{name}: {path}")
    sys.exit(result.exit_code(fail_on))
