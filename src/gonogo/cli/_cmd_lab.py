"""``gonogo lab``: break the feature on purpose and measure which detectors notice."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click

from ._options import no_cache_option, prd_argument, quiet_option, store_option

_SEVERITIES = ("low", "medium", "high", "critical")
_STATUSES = ("undetected", "detected_only_by_others", "not_provoked", "run_failed")


class _LabGroup(click.Group):
    """``gonogo lab PRD …`` runs the lab; ``gonogo lab list|incident|reveal`` the others."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


class _Stages:
    """One progress bar per run of the lab."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.display: Any = None

    def stage(self, label: str, total: int) -> None:
        from ._progress import ProgressDisplay

        self.stop()
        self.display = ProgressDisplay(label, quiet=self.quiet)
        self.display.start(total)

    def update(self, p: Any) -> None:
        if self.display is not None:
            self.display.update(p)

    def stop(self) -> None:
        if self.display is not None:
            self.display.stop()
            self.display = None


def _csv(values: str, allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    from ..errors import UserError

    items = tuple(v.strip() for v in values.split(",") if v.strip())
    if items == ("none",):
        return ()
    bad = [v for v in items if v not in allowed]
    if bad:
        raise UserError(f"{option}: unknown value {', '.join(bad)}", f"use {', '.join(allowed)}")
    return items


@click.group("lab", cls=_LabGroup)
def lab() -> None:
    """The failure lab: inject real failures and prove the evals and guards notice.

    \b
      gonogo lab gonogo.yaml --out lab/        every row's `provoke: lab:…`
      gonogo lab gonogo.yaml --only hallucination --only 'lab:near-miss(top=1)'
      gonogo lab gonogo.yaml --scenario sweep.yaml
      gonogo lab list                          the injections and their parameters
      gonogo lab incident gonogo.yaml --seed 7 practice: find what a hidden injection broke
      gonogo lab reveal gonogo.yaml            …and what it was

    A failure-mode row names how to break the feature (`provoke: lab:hallucinate`). The lab
    runs the eval plan clean and once per injection, on the same cases and samples, and
    tests every detector (each scorer, each runtime guard run offline over the answers) for
    a significant drop: detected, detected only by others, undetected (a hole in the eval
    plan), or not provoked. See docs/lab.md.
    """


@lab.command("run")
@prd_argument
@click.option("--only", "only", multiple=True, metavar="ID|INJECTION",
              help="Run only this failure mode's injection, or this injection "
              "(e.g. 'near-miss(top=1)'); repeatable.")  # fmt: skip
@click.option("--scenario", type=click.Path(path_type=Path), default=None,
              help="A scenario file (YAML): injections and sweeps of their intensity.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of every injection (same seed, same changes).")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Write lab.json, lab.html and junit.xml to this folder.")  # fmt: skip
@click.option("--resume", is_flag=True,
              help="Continue an interrupted lab: finished injected runs are reused.")  # fmt: skip
@click.option("--fresh", is_flag=True,
              help="Run the clean eval again, not reusing the last completed one.")  # fmt: skip
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Use only the first N golden cases.")  # fmt: skip
@click.option("--alpha", type=click.FloatRange(0.001, 0.5), default=0.05, show_default=True,
              help="Significance level of the matrix (Holm across all its cells).")  # fmt: skip
@click.option("--fail-severity", default="high,critical", show_default=True,
              help="Severities whose failing rows exit 1 (comma-separated, or none).")  # fmt: skip
@click.option("--fail-on", default="undetected", show_default=True,
              help="Statuses that fail such a row: " + ", ".join(_STATUSES) + ".")  # fmt: skip
@click.option("--through-gateway", is_flag=True,
              help="Send every call through a real `gonogo serve` of the PRD (its retries, "
              "fallbacks and guards meet the faults); needs the model spec as target.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print lab.json instead of the table.")
@click.option("--dry-run", is_flag=True,
              help="Say which runs the lab would make and their cost; run nothing.")  # fmt: skip
@no_cache_option
@store_option
@quiet_option
def run(prd: Path, only: tuple[str, ...], scenario: Path | None, seed: int,
        out_dir: Path | None, resume: bool, fresh: bool, limit: int | None, alpha: float,
        fail_severity: str, fail_on: str, through_gateway: bool, as_json: bool, dry_run: bool,
        no_cache: bool, store_path: Path | None, quiet: bool) -> None:  # fmt: skip
    """Break the feature on purpose, once per failure mode, and see which detectors notice.

    Runs the eval plan clean (or reuses the last completed `gonogo eval` of this PRD) and
    once per row's `provoke: lab:…`, on the same cases and samples, then prints the
    detection matrix: how each scorer's pass rate — and each runtime guard's firing rate,
    run offline over the answers — changed under each injection, and whether the change
    is significant (paired tests, Holm across the matrix).

    Exit code: 1 when a failure mode of severity high or critical is undetected (see
    --fail-severity, --fail-on), else 0; 2 for bad input (an unknown injection, a
    parameter out of range, an injection that cannot reach this target — each at its
    line); 3 when the clean run itself fails.
    """
    from rich.console import Console

    from ..lab import LabOptions
    from ..lab import lab as run_lab
    from ..report._lab import render_lab_console

    stages = _Stages(quiet or as_json)
    opts = LabOptions(
        only=only, scenario=scenario, seed=seed, out_dir=out_dir, resume=resume, fresh=fresh,
        use_cache=not no_cache, store_path=store_path, alpha=alpha, limit=limit,
        fail_severities=_csv(fail_severity, _SEVERITIES, "--fail-severity"),
        fail_statuses=_csv(fail_on, _STATUSES, "--fail-on"),
        on_stage=stages.stage, on_progress=stages.update, through_gateway=through_gateway,
        dry_run=dry_run,
    )  # fmt: skip
    try:
        result = asyncio.run(run_lab(prd, opts))
    finally:
        stages.stop()
    if dry_run and not as_json:
        _print_dry_run(result.document["dry_run"])
        return
    if as_json:
        click.echo(json.dumps(result.document, indent=2, ensure_ascii=False))
    else:
        render_lab_console(result.document, Console())
        for name, path in result.paths.items():
            click.echo(f"{name}: {path}")
    sys.exit(result.exit_code)


def _print_dry_run(d: dict[str, Any]) -> None:
    """``gonogo lab run --dry-run``: the runs, one run's calls, the total."""
    reused = d["clean_run"]["reused"]
    fresh = "runs the eval plan (no completed eval of this PRD and dataset to reuse)"
    click.echo("clean run: " + (f"reused (run {reused})" if reused else fresh))
    click.echo(f"injected runs: {len(d['injected_runs'])}")
    for e in d["injected_runs"]:
        row = f" (failure mode {e['failure_mode']})" if e["failure_mode"] else ""
        click.echo(f"  {e['id']}: {e['injection']}{row}")
    for fm, why in d["skipped"].items():
        click.echo(f"  not provoked: {fm} — {why}")
    calls = ", ".join(f"{n} {role}" for role, n in d["calls_per_run"].items()) or "no model"
    per = d["cost_per_run_usd"]
    click.echo(f"each run: {d['samples_per_run']} samples, {calls} calls, estimated cost "
               + ("unknown (a model has no price)" if per is None else f"${per:.4f}"))  # fmt: skip
    total = d["total_cost_usd"]
    click.echo(f"total: {d['runs']} runs, estimated cost "
               + ("unknown" if total is None else f"${total:.4f}")
               + " (faults the injections cause may add retries)")  # fmt: skip
    for note in d["notes"]:
        click.echo(f"note: {note}")


@lab.command("list")
def list_() -> None:
    """The built-in injections: layer, what each breaks, parameters, who should catch it."""
    from ..spec._lab import BUILTIN_INJECTIONS

    layer = ""
    for info in BUILTIN_INJECTIONS.values():
        if info.layer != layer:
            layer = info.layer
            click.echo(f"\n{layer}:")
        click.echo(f"  {info.name}: {info.summary}")
        for p in info.params:
            click.echo(f"      {p.describe()} — {p.doc}")
        if info.catches:
            click.echo(f"      caught by: {', '.join(info.catches)} scorers")
    click.echo("\nYour own: `provoke: lab:package.module:factory(k=v)`, a factory returning a "
               "gonogo.lab.Injection (docs/lab.md).")  # fmt: skip


@lab.command("incident")
@prd_argument
@click.option("--seed", type=int, required=True, help="Which incident (and its changes).")
@click.option("--difficulty", type=click.Choice(["easy", "medium", "hard"]), default=None,
              help="Draw among incidents of this difficulty only.")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("incident"),
              show_default=True, help="Where the incident run's reports go.")  # fmt: skip
@no_cache_option
@store_option
@quiet_option
def incident(prd: Path, seed: int, difficulty: str | None, out_dir: Path, no_cache: bool,
             store_path: Path | None, quiet: bool) -> None:  # fmt: skip
    """Practice: break the feature with a hidden injection; investigate; then `reveal`.

    Runs the eval plan with an incident drawn by the seed (a retrieval regression after a
    re-index, a rollback that lost a rule, a degraded provider, …) and prints only the
    symptom and where to look. Investigate with the normal tools, then run
    `gonogo lab reveal PRD`.
    """
    from ..lab._incident import incident as run_incident

    stages = _Stages(quiet)
    try:
        call = run_incident(
            prd, seed=seed, difficulty=difficulty, out_dir=out_dir, store_path=store_path,
            use_cache=not no_cache, on_stage=stages.stage, on_progress=stages.update,
        )  # fmt: skip
        info = asyncio.run(call)
    finally:
        stages.stop()
    click.echo(f"\nINCIDENT ({info['difficulty']}, seed {seed}): {info['symptom']}\n")
    if info["run_error"]:
        click.echo(f"the eval could not finish: {info['run_error']}")
    else:
        click.echo(f"the feature today: run {info['incident_run']} ({info['verdict']}); "
                   f"before: run {info['clean_run']}")  # fmt: skip
    click.echo("investigate:")
    if info["reports"].get("html"):
        click.echo(f"  open {info['reports']['html']}")
    store = f" --store {store_path}" if store_path else ""
    click.echo(f"  gonogo diff {info['clean_run']} {info['incident_run']} --prd {prd}{store}")
    click.echo(f"  gonogo report {prd} --run {info['incident_run']} --out DIR{store}")
    click.echo(f"then: gonogo lab reveal {prd}{store}")


@lab.command("reveal")
@prd_argument
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the reveal as JSON.")
def reveal(prd: Path, store_path: Path | None, as_json: bool) -> None:
    """What the last practice incident broke, and which evidence pointed to it."""
    from ..lab._incident import reveal as do_reveal

    out = do_reveal(prd, store_path=store_path)
    if as_json:
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    click.echo(f"incident {out['name']} ({out['difficulty']}, seed {out['seed']}): "
               f"{out['inject']}")  # fmt: skip
    if out.get("story"):
        click.echo(f"\nwhat happened: {out['story']}")
    if out.get("clue"):
        click.echo(f"where the evidence was: {out['clue']}")
    if out["evidence"]:
        click.echo("\nscorers that moved (paired on the same cases, Holm):")
        for e in out["evidence"]:
            click.echo(f"  {e['scorer']}: {e['clean']:.0%} → {e['incident']:.0%} "
                       f"({e['verdict']}, p {e['p_adjusted']:.3g})")  # fmt: skip
    changed = out.get("changed") or {}
    if changed:
        click.echo(f"\nsamples that changed: {changed['passages']} with other passages, "
                   f"{changed['answers_only']} with the same passages but another answer, "
                   f"{changed['errors']} now failing with an error")  # fmt: skip
        for ex in changed.get("examples") or []:
            what = f"  [{'; '.join(map(str, ex['what']))}]" if ex["what"] else ""
            before, after = str(ex["before"])[:70], str(ex["after"])[:70]
            click.echo(f"  {ex['case']}: {before!r} → {after!r}{what}")
