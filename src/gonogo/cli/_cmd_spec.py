"""PRD commands: ``init``, ``check``, ``schema`` and ``prd``.

Each parses its options, calls :mod:`gonogo.spec`, prints, and lets ``GonogoError``
reach ``cli._main`` (one clear message, exit 2 for the user's mistakes).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ConfigIssue, UserError

_PRD_ARG = click.argument(
    "prd", type=click.Path(path_type=Path, dir_okay=True), default=Path("gonogo.yaml")
)


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e}", "check the path") from None
    click.echo(f"wrote {path}", err=True)


def _print_issues(title: str, issues: list[ConfigIssue]) -> None:
    if issues:
        click.echo(f"{title} ({len(issues)}):")
        for issue in issues:
            click.echo(f"  {issue.format()}")


@click.command("init")
@click.argument("directory", type=click.Path(path_type=Path), default=Path("."))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(directory: Path, force: bool) -> None:
    """Write a commented, working PRD, a golden dataset and the JSON Schema into DIRECTORY.

    The PRD runs offline with no API key (its model is scripted); its comments explain
    every section and how to switch to a real model.
    """
    from ..spec import init_project

    written = init_project(directory, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    prd = written[0]
    click.echo("\nNext:")
    click.echo(f"  gonogo check {prd}    is it complete?")
    click.echo(f"  gonogo eval {prd}     run the eval plan: GO or NO-GO")
    click.echo(f"  gonogo prd {prd} --format html --out prd.html    the PRD as a document")


@click.command("check")
@_PRD_ARG
@click.option("--strict", is_flag=True, help="Fail (exit 2) on warnings too.")
@click.option(
    "--no-datasets", is_flag=True, help="Do not load the golden datasets (schema checks only)."
)
@click.option(
    "--no-import",
    is_flag=True,
    help="Do not import a Python target or lab plug-ins (importing runs their top-level code).",
)
def check(prd: Path, strict: bool, no_datasets: bool, no_import: bool) -> None:
    """Validate PRD (default ./gonogo.yaml) and print a summary, warnings and notes.

    Checks the schema, the golden datasets, the gate (can each threshold pass with this
    many cases?), the failure-mode table and API keys; a Python target is imported and its
    parameters compared with the datasets' fields. Exit 0 when the PRD is valid (even with
    warnings), 2 when it is not.
    """
    from ..errors import SpecError
    from ..spec import check_prd, load_prd

    loaded = load_prd(prd)
    report = check_prd(loaded, datasets=not no_datasets)
    if not no_datasets:
        from ..run._check_target import check_templates

        report.issues[:0] = check_templates(loaded)
    if not no_import:
        from ..lab._plan import check_plugins
        from ..run import check_target

        report.issues[:0] = check_target(loaded, datasets=not no_datasets) + check_plugins(loaded)
    if report.errors:
        _print_issues("warnings", report.warnings)
        raise SpecError(report.errors)
    click.echo(f"{loaded.path}: valid PRD")
    for line in report.summary.lines():
        click.echo(f"  {line}")
    _print_issues("warnings", report.warnings)
    _print_issues("notes", report.notes)
    if strict and report.warnings:
        n = len(report.warnings)
        raise UserError(
            f"{n} warning{'s' if n > 1 else ''} and --strict is set",
            "fix the warnings above, or run without --strict",
        )


@click.command("schema")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
def schema(out: Path | None) -> None:
    """Print the PRD's JSON Schema (for editors and other tools)."""
    import json

    from ..spec import prd_json_schema

    text = json.dumps(prd_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        _write(out, text)


@click.command("prd")
@_PRD_ARG
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html"]),
    default="md",
    show_default=True,
    help="Markdown or a self-contained HTML page.",
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
def prd(prd: Path, fmt: str, out: Path | None) -> None:
    """Render PRD (default ./gonogo.yaml) as the document a PM shares."""
    from ..spec import load_prd, render_html, render_markdown

    loaded = load_prd(prd)
    render = render_html if fmt == "html" else render_markdown
    text = render(loaded.prd, source=loaded.path.name)
    if out is None:
        click.echo(text, nl=False)
    else:
        _write(out, text)
