"""``gonogo plan``: how many golden cases an A/B comparison needs to detect a change."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

_EPILOG = """\b
Examples:
  gonogo plan --baseline 0.80 --effect 0.05
      cases needed to detect 80% -> 85% with 80% power at alpha 0.05
  gonogo plan --baseline 0.80 --effect 0.05 --discordance 0.10
      the same, when about 10% of cases change outcome between A and B
      (a previous `gonogo compare` reports it)
  gonogo plan --baseline 0.90 --margin 0.03
      cases needed to show a cheaper B is at most 3 points worse than A
  gonogo plan gonogo.yaml --baseline 0.80
      take the effect, margin, alpha and power from the PRD's `compare`
      section and check the PRD's golden set against the answer
"""


@click.command("plan", epilog=_EPILOG)
@click.argument("prd", type=click.Path(path_type=Path), required=False)
@click.option(
    "--baseline",
    type=float,
    required=True,
    metavar="RATE",
    help="Variant A's pass rate today, between 0 and 1 (e.g. 0.80 from your last eval).",
)
@click.option(
    "--effect",
    type=float,
    default=None,
    metavar="CHANGE",
    help="Smallest change in pass rate worth detecting, e.g. 0.05 = 5 points. "
    "With --margin: the change you expect (default 0, B as good as A). "
    "Default: the PRD's compare.min_effect.",
)
@click.option(
    "--power",
    type=float,
    default=None,
    metavar="P",
    help="Wanted chance of detecting that change. Default 0.8 (or the PRD's).",
)
@click.option(
    "--alpha",
    type=float,
    default=None,
    metavar="A",
    help="False-alarm rate of the test (two-sided). Default 0.05 (or the PRD's).",
)
@click.option(
    "--discordance",
    type=float,
    default=None,
    metavar="SHARE",
    help="Share of cases whose pass/fail differs between A and B. Default: as if A's and "
    "B's outcomes were independent, which overestimates it for most real pairs "
    "(and so asks for more cases).",
)
@click.option(
    "--margin",
    type=float,
    default=None,
    metavar="DELTA",
    help="Non-inferiority: plan to show B is at most DELTA worse than A (e.g. 0.03). "
    "Default: the PRD's compare.margin in non_inferiority mode; else superiority.",
)
@click.option(
    "--repeats",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Samples per case. Repeats only help when outputs vary between runs (see "
    "--icc). Default 1 (or the PRD's eval_plan.repeats).",
)
@click.option(
    "--icc",
    type=float,
    metavar="SHARE",
    default=1.0,
    show_default=True,
    help="With repeats: how much of a case's A-vs-B difference is stable across runs "
    "(1 = repeats always agree, e.g. temperature 0; 0 = pure noise).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(
    prd: Path | None,
    baseline: float,
    effect: float | None,
    power: float | None,
    alpha: float | None,
    discordance: float | None,
    margin: float | None,
    repeats: int | None,
    icc: float,
    as_json: bool,
) -> None:
    """Number of golden cases an A/B comparison needs to detect a change in pass rate.

    Variants A and B run on the same golden cases, so `gonogo compare` tests the
    difference case by case (exact McNemar test). This command answers, before you
    build or grow the golden set: how many cases must both variants answer so that a
    real change of --effect in pass rate is detected with the wanted power? With
    --margin it sizes a non-inferiority comparison instead ("is the cheaper B at most
    DELTA worse?"). Given a PRD, it also says whether the PRD's golden set is big enough.
    """
    from ..errors import UserError
    from ..stats import plan_paired

    settings = _settings_from_prd(prd) if prd is not None else _Defaults()
    margin = margin if margin is not None else settings.margin
    if effect is None:
        effect = 0.0 if margin is not None else settings.min_effect
    if effect is None:
        raise UserError(
            "--effect is needed: the smallest change in pass rate worth detecting",
            "e.g. `--effect 0.05` for 5 points, or give a PRD with `compare.min_effect`",
        )
    try:
        result = plan_paired(
            baseline=baseline,
            effect=effect,
            power=power if power is not None else settings.power,
            alpha=alpha if alpha is not None else settings.alpha,
            discordance=discordance,
            margin=margin,
            repeats=repeats if repeats is not None else settings.repeats,
            icc=icc,
            available=settings.cases,
        )
    except ValueError as e:
        raise UserError(str(e), "see `gonogo plan --help` for what each option means") from None
    if as_json:
        click.echo(json.dumps(_as_dict(result, settings), indent=2))
    else:
        click.echo(_as_text(result, settings))


class _Defaults:
    """Planning settings when no PRD is given; a PRD's `compare` section replaces them."""

    margin: float | None = None
    min_effect: float | None = None
    alpha = 0.05
    power = 0.8
    repeats = 1
    cases: int | None = None
    source: str | None = None


def _settings_from_prd(path: Path) -> _Defaults:
    from ..data import load_dataset
    from ..spec import load_prd

    loaded = load_prd(path)
    out = _Defaults()
    out.source = str(loaded.path)
    compare = getattr(loaded.prd, "compare", None)
    if compare is not None:
        out.min_effect = compare.min_effect
        out.alpha = compare.alpha
        out.power = compare.power
        if compare.mode == "non_inferiority":
            out.margin = compare.margin
    out.repeats = loaded.prd.eval_plan.repeats
    total = 0
    for ref in loaded.prd.eval_plan.datasets:
        resolved = loaded.resolve(ref.path)
        shown = ref.path if os.path.isabs(ref.path) else os.path.relpath(resolved)
        total += len(load_dataset(resolved, limit=ref.limit, display_path=shown).cases)
    out.cases = total
    return out


def _as_dict(p: Any, settings: _Defaults) -> dict[str, Any]:
    return {
        "mode": "superiority" if p.margin is None else "non_inferiority",
        "test": "mcnemar-exact" if p.margin is None else "tango-score-interval",
        "baseline": p.baseline,
        "effect": p.effect,
        "margin": p.margin,
        "power": p.power,
        "alpha": p.alpha,
        "discordance": round(p.discordance, 6),
        "discordance_assumed": p.discordance_assumed,
        "repeats": p.repeats,
        "icc": p.icc,
        "cases_needed": p.cases_needed,
        "samples_per_variant": p.samples_per_variant,
        "prd": settings.source,
        "dataset_cases": p.available,
        "power_with_dataset": p.power_available,
        "enough": p.enough,
    }


def _pts(x: float) -> str:
    return f"{100 * x:+.1f} points" if x else "0 points"


def _as_text(p: Any, settings: _Defaults) -> str:
    lines = []
    if p.margin is None:
        lines.append(
            f"To detect a change of {_pts(p.effect)} from A's {100 * p.baseline:.1f}% pass rate "
            f"(B at {100 * (p.baseline + p.effect):.1f}%) with {100 * p.power:g}% power "
            f"(exact McNemar test, two-sided alpha {p.alpha:g}):"
        )
    else:
        lines.append(
            f"To show B is at most {100 * p.margin:g} points worse than A's "
            f"{100 * p.baseline:.1f}% pass rate, when B's true change is {_pts(p.effect)}, "
            f"with {100 * p.power:g}% power ({100 * (1 - p.alpha):g}% interval):"
        )
    how = (
        "assumed: A's and B's outcomes independent; give --discordance to plan with a "
        "measured value"
        if p.discordance_assumed
        else "given"
    )
    lines.append(
        f"  cases whose outcome differs between A and B: {100 * p.discordance:.1f}% ({how})"
    )
    if p.repeats > 1:
        lines.append(
            f"  {p.repeats} samples per case, icc {p.icc:g}: "
            f"{p.samples_per_variant:,} outputs per variant"
        )
    lines.append(f"golden cases needed: {p.cases_needed:,}")
    if p.available is not None:
        verdict = (
            "enough"
            if p.enough
            else f"too small: {p.cases_needed - p.available:,} more cases needed"
        )
        lines.append(
            f"{settings.source} has {p.available:,} golden cases: {verdict} "
            f"(power with them: {100 * p.power_available:.0f}%)"
        )
    return "\n".join(lines)
