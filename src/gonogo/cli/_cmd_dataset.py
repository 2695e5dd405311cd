"""``gonogo dataset add``: reviewed production rows into the PRD's golden dataset."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..spec import DatasetRef, LoadedPRD


@click.group("dataset")
def dataset() -> None:
    """Golden datasets: grow them from what production found."""


@dataset.command("add")
@click.argument("prd", type=click.Path(path_type=Path))
@click.argument("rows", type=click.Path(path_type=Path))
@click.option(
    "--dataset",
    "name",
    default=None,
    help="Which of the PRD's datasets: its name or its path (default: the first).",
)
@click.option("--by", "added_by", default=None, help="Who reviewed them (default: your user name).")
@click.option(
    "--create",
    is_flag=True,
    help="Start the dataset's file when it does not exist yet (otherwise that is an error: "
    "a mistyped path would silently start a new dataset).",
)
def add(prd: Path, rows: Path, name: str | None, added_by: str | None, create: bool) -> None:
    """Append reviewed rows to the PRD's golden dataset, with provenance.

    ROWS is a dataset file, e.g. from `gonogo feedback export` after review. Cases the
    dataset already has (same inputs, contexts and expected answer) are skipped; each new
    row records its trace, who added it and when (metadata.provenance). Only a dataset the
    PRD names is written to, and only an existing file unless --create is given.
    """
    from ..data import load_dataset
    from ..data._append import append_rows
    from ..spec import load_prd

    loaded = load_prd(prd)
    incoming = load_dataset(rows, missing_hint="check the ROWS argument: the file of rows to add")
    ref, target = _target(loaded, name, create)
    raw = [_row(c) for c in incoming.cases]
    result = append_rows(target, raw, added_by=added_by or getpass.getuser(), source=str(rows))
    click.echo(
        f"added {result.added} row(s) to {result.path} ({ref.name}); "
        f"{result.duplicates} already there"
    )


def _target(loaded: LoadedPRD, name: str | None, create: bool) -> tuple[DatasetRef, Path]:
    """The PRD's dataset that ``--dataset`` names (by name or path) and its file.

    Refuses, in one line naming the PRD's datasets, a name or path the PRD does not have, and
    a dataset whose file does not exist unless ``create``.
    """
    from ..errors import UserError

    refs = loaded.prd.eval_plan.datasets
    listed = ", ".join(f"{r.name} ({r.path})" for r in refs)
    ref = refs[0] if name is None else None
    if name is not None:
        by_path = Path(name).resolve()
        ref = next((r for r in refs if r.name == name), None) or next(
            (r for r in refs if loaded.resolve(r.path).resolve() == by_path), None
        )
    if ref is None:
        raise UserError(
            f"{loaded.path} has no dataset {name!r}",
            f"its datasets: {listed} — pass one of them (name or path) to --dataset, or add "
            "the file to eval_plan.datasets first",
        )
    target = loaded.resolve(ref.path)
    if not target.exists() and not create:
        i = refs.index(ref)
        line, _ = loaded.position(("eval_plan", "datasets", i, "path"))
        where = f"{loaded.path}:{line}" if line else str(loaded.path)
        raise UserError(
            f"dataset {ref.name!r} is {target}, which does not exist",
            f"the PRD's datasets: {listed} — fix its `path` ({where}), or pass --create to "
            "start a new dataset file there",
        )
    return ref, target


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
