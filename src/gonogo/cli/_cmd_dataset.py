"""``gonogo dataset add``: reviewed production rows into the PRD's golden dataset."""

from __future__ import annotations

import getpass
from pathlib import Path

import click


@click.group("dataset")
def dataset() -> None:
    """Golden datasets: grow them from what production found."""


@dataset.command("add")
@click.argument("prd", type=click.Path(path_type=Path))
@click.argument("rows", type=click.Path(path_type=Path))
@click.option(
    "--dataset", "name", default=None, help="Which of the PRD's datasets (default: the first)."
)
@click.option("--by", "added_by", default=None, help="Who reviewed them (default: your user name).")
def add(prd: Path, rows: Path, name: str | None, added_by: str | None) -> None:
    """Append reviewed rows to the PRD's golden dataset, with provenance.

    ROWS is a dataset file, e.g. from `gonogo feedback export` after review. Cases the
    dataset already has (same inputs, contexts and expected answer) are skipped; each new
    row records its trace, who added it and when (metadata.provenance).
    """
    from ..data import load_dataset
    from ..data._append import append_rows
    from ..errors import UserError
    from ..spec import load_prd

    loaded = load_prd(prd)
    refs = loaded.prd.eval_plan.datasets
    ref = next((r for r in refs if name is None or r.name == name), None)
    if ref is None:
        raise UserError(
            f"the PRD has no dataset named {name!r}", "datasets: " + ", ".join(r.name for r in refs)
        )
    incoming = load_dataset(rows, missing_hint="check the ROWS argument: the file of rows to add")
    raw = [_row(c) for c in incoming.cases]
    result = append_rows(
        loaded.resolve(ref.path), raw, added_by=added_by or getpass.getuser(), source=str(rows)
    )
    click.echo(
        f"added {result.added} row(s) to {result.path} ({ref.name}); "
        f"{result.duplicates} already there"
    )


def _row(case: object) -> dict[str, object]:
    from ..data import Case

    assert isinstance(case, Case)
    row: dict[str, object] = {
        "id": case.id,
        "input": case.inputs,
        "tags": list(case.tags),
        "metadata": dict(case.metadata),
    }
    if case.expected is not None:
        row["expected"] = case.expected
    if case.contexts:
        row["contexts"] = list(case.contexts)
    return row
