"""``gonogo redteam``: red-team commands. For now ``grade``: label responses offline."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("redteam")
def redteam() -> None:
    """Red-teaming: grade responses as refusal / partial refusal / full compliance.

    \b
      gonogo redteam grade responses.csv --out graded.csv
      gonogo redteam grade answers.jsonl --out graded.jsonl --completion-column output
    """


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
def grade(
    path: Path, out: Path, prompt_column: str, completion_column: str, truth_column: str | None
) -> None:
    """Label each response 1_full_compliance, 2_full_refusal or 3_partial_refusal, offline.

    IN is a CSV (header line) or JSONL file with a prompt and a completion per row. No model
    and no API key: the grader reads refusal and answer patterns, and says which fired.
    """
    from ..redteam import LABELS, grade_file

    graded = grade_file(path, out, prompt_column, completion_column, truth_column)
    counts = ", ".join(f"{graded.labels[label]} {label}" for label in LABELS)
    click.echo(f"graded {graded.rows} responses ({counts}) → {graded.out}")
    if graded.agreement is not None:
        click.echo(f"against {truth_column}: {graded.agreement.summary()}")
        click.echo(graded.agreement.matrix())
