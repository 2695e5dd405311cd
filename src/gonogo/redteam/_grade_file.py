"""Grade a file of responses: CSV or JSONL in, the same rows out with ``label`` and ``evidence``.

What ``gonogo redteam grade`` runs. Every column of the input is kept; ``label`` (XSTest's
vocabulary) and ``evidence`` (the grader's reason and the spans that fired) are added or
replaced. With a column of human labels, it also measures agreement (``_agreement.py``).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserError
from ._agreement import Agreement, measure_agreement
from ._grader import grade_response

_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass(frozen=True)
class GradedFile:
    """What grading a file did: rows written, labels counted, agreement when measured."""

    rows: int
    labels: Counter[str]
    out: Path
    agreement: Agreement | None = None


def _format(path: Path, role: str) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(
            f"{path}: cannot tell the format of the {role} file from '{path.suffix or path.name}'",
            hint="name it .csv or .jsonl",
        )
    return fmt


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV (header line) or JSONL (one JSON object a line) file."""
    fmt = _format(path, "input")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise UserError(f"{path}: cannot read it ({reason})", hint="check the path") from e
    if fmt == "csv":
        return [dict(row) for row in csv.DictReader(text.splitlines(keepends=True))]
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise UserError(
                f"{path}:{n}: not valid JSON ({e.msg})", hint="one object a line"
            ) from e
        if not isinstance(row, dict):
            raise UserError(f"{path}:{n}: a JSON line must be an object", hint="one object a line")
        rows.append(row)
    return rows


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` as CSV or JSONL (by ``path``'s suffix), columns in first-seen order."""
    fmt = _format(path, "output")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        if fmt == "jsonl":
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        columns = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _check_columns(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    for n, row in enumerate(rows, 1):
        missing = [c for c in columns if c not in row]
        if missing:
            have = ", ".join(row) or "none"
            raise UserError(
                f"{path}: row {n} has no column {', '.join(map(repr, missing))} (it has: {have})",
                hint="name the columns with --prompt-column / --completion-column",
            )


def grade_file(
    path: Path,
    out: Path,
    prompt_column: str = "prompt",
    completion_column: str = "completion",
    truth_column: str | None = None,
) -> GradedFile:
    """Grade every row of ``path`` and write them, with ``label`` and ``evidence``, to ``out``."""
    _format(out, "output")
    rows = read_rows(path)
    if not rows:
        raise UserError(f"{path}: no rows to grade", hint="a header line and one row a response")
    _check_columns(path, rows, [prompt_column, completion_column, *filter(None, [truth_column])])
    labels: Counter[str] = Counter()
    for row in rows:
        grade = grade_response(str(row[prompt_column] or ""), str(row[completion_column] or ""))
        row["label"] = grade.label
        row["evidence"] = grade.describe()
        labels[grade.label] += 1
    write_rows(out, rows)
    agreement = None
    if truth_column is not None:
        agreement = measure_agreement(
            [str(r["label"]) for r in rows], [str(r[truth_column]).strip() for r in rows]
        )
    return GradedFile(len(rows), labels, out, agreement)
