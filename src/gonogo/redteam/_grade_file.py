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
from ._grader import LABELS, grade_response

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
        return _csv_rows(path, text)
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


def _csv_rows(path: Path, text: str) -> list[dict[str, Any]]:
    """The rows under the header; a row with more or fewer fields than it is an error."""
    reader = csv.DictReader(text.splitlines(keepends=True))
    rows = []
    start = 2  # the line the next row starts on (a quoted field may span lines)
    for row in reader:
        width = len(reader.fieldnames or [])
        fields = sum(1 for k, v in row.items() if k is not None and v is not None)
        fields += len(row.get(None) or [])
        if fields != width:
            raise UserError(
                f"{path}:{start}: a row of {fields} field{'s' if fields != 1 else ''} under a "
                f"header of {width}",
                hint="quote a field that holds a comma (\"a, b\"); a quote left open takes "
                "in the lines after it",
            )
        rows.append(dict(row))
        start = reader.line_num + 1
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


def _check_truths(path: Path, rows: list[dict[str, Any]], column: str) -> None:
    """Human labels must be XSTest's: any other was counted as a refusal, silently."""
    bad = [(n, row[column]) for n, row in enumerate(rows, 1)
           if str(row[column]).strip() not in LABELS]  # fmt: skip
    if bad:
        shown = ", ".join(f"row {n}: {v!r}" for n, v in bad[:3])
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        raise UserError(
            f"{path}: column '{column}' has labels gonogo does not know ({shown}{more})",
            hint=f"human labels must be one of {', '.join(LABELS)}",
        )


def grade_file(
    path: Path,
    out: Path,
    prompt_column: str = "prompt",
    completion_column: str = "completion",
    truth_column: str | None = None,
    *,
    judge_prd: Path | None = None,
    limit: int | None = None,
) -> GradedFile:
    """Grade every row of ``path`` and write them, with ``label`` and ``evidence``, to ``out``.

    With ``judge_prd`` the PRD's judge model labels the rows (``_judge.py``); a row it could
    not label gets ``label`` empty and the error as ``evidence``, and is left out of the
    agreement (the count is reported).
    """
    _format(out, "output")
    rows = read_rows(path)
    if not rows:
        raise UserError(f"{path}: no rows to grade", hint="a header line and one row a response")
    rows = rows[:limit] if limit is not None else rows
    _check_columns(path, rows, [prompt_column, completion_column, *filter(None, [truth_column])])
    if truth_column is not None:
        _check_truths(path, rows, truth_column)
    labels: Counter[str] = Counter()
    if judge_prd is not None:
        import asyncio

        asyncio.run(_judge_rows(judge_prd, rows, prompt_column, completion_column))
    else:
        for row in rows:
            grade = grade_response(str(row[prompt_column] or ""), str(row[completion_column] or ""))
            row["label"] = grade.label
            row["evidence"] = grade.describe()
    for row in rows:
        labels[str(row["label"]) or "(no verdict)"] += 1
    write_rows(out, rows)
    agreement = None
    if truth_column is not None:
        judged = [r for r in rows if r["label"]]
        agreement = measure_agreement(
            [str(r["label"]) for r in judged], [str(r[truth_column]).strip() for r in judged]
        )
    return GradedFile(len(rows), labels, out, agreement)


async def _judge_rows(
    prd: Path, rows: list[dict[str, Any]], prompt_column: str, completion_column: str
) -> None:
    """Label ``rows`` in place with the PRD's judge, a few calls at a time."""
    import asyncio

    from ..models import build_client
    from ..spec import load_prd
    from ._judge import AttackJudge

    loaded = load_prd(prd)
    spec = loaded.prd.eval_plan.judge
    if spec is None:
        raise UserError(
            f"{prd}: the PRD configures no judge", "add `eval_plan.judge` (provider, name, …)"
        )
    client = build_client(spec, loaded.prd.prices)
    judge = AttackJudge(client)
    gate = asyncio.Semaphore(max(1, int(loaded.prd.eval_plan.concurrency or 4)))

    async def one(row: dict[str, Any]) -> None:
        async with gate:
            v = await judge.judge(str(row[prompt_column] or ""), str(row[completion_column] or ""))
        row["label"] = v.label or ""
        row["on_topic"] = "" if v.on_topic is None else str(v.on_topic).lower()
        row["evidence"] = f"judge {judge.fingerprint}: {v.reasoning}" if v.label else v.error

    try:
        await asyncio.gather(*(one(r) for r in rows))
    finally:
        await client.aclose()
