"""Append reviewed rows to a golden dataset, with provenance and without duplicates.

Production finds the cases the golden set lacks (`gonogo traces export`, `gonogo feedback
export`); once someone has reviewed them, :func:`append_rows` adds them to the PRD's JSONL
dataset: a row whose case (inputs, contexts, expected answer) is already there is skipped,
ids stay unique, and each new row records where it came from, who added it and when
(``metadata.provenance``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._safejson import dumps
from ..errors import UserError
from ._load import load_dataset


def case_key(inputs: Any, contexts: Any, expected: Any) -> str:
    """What makes two rows the same case (the hash traces export writes too)."""
    case = {"inputs": inputs, "contexts": contexts or None, "expected": expected}
    blob = json.dumps(case, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Appended:
    """What an append did."""

    added: int
    duplicates: int
    path: Path


def _inputs_of(row: Mapping[str, Any]) -> Any:
    reserved = {"id", "expected", "tags", "contexts", "metadata"}
    if "input" in row:
        value = row["input"]
        return value if isinstance(value, dict) else {"input": value}
    return {k: v for k, v in row.items() if k not in reserved}


def append_rows(
    dataset: str | Path, rows: Iterable[Mapping[str, Any]], *, added_by: str, source: str
) -> Appended:
    """Append ``rows`` to the JSONL ``dataset``; duplicates of its cases are skipped."""
    path = Path(dataset)
    if path.suffix.lower() != ".jsonl":
        raise UserError(f"{path}: only JSONL datasets can be appended to",
                        "keep the reviewed rows in a .jsonl dataset of the eval plan")  # fmt: skip
    existing = load_dataset(path).cases if path.exists() else []
    seen = {case_key(c.inputs, c.contexts, c.expected) for c in existing}
    ids = {c.id for c in existing}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    lines, dupes = [], 0
    for row in rows:
        key = case_key(_inputs_of(row), row.get("contexts"), row.get("expected"))
        if key in seen:
            dupes += 1
            continue
        seen.add(key)
        new = dict(row)
        rid = str(new.get("id") or f"row-{key}")
        while rid in ids:
            rid = f"{rid}-{key[:6]}"
        ids.add(rid)
        meta = dict(new.get("metadata") or {})
        meta["provenance"] = {"trace_id": meta.get("trace_id"), "added_by": added_by,
                              "added_at": now, "source": source}  # fmt: skip
        new.update(id=rid, metadata=meta)
        lines.append(dumps(new, one_line=True))
    if lines:
        needs_newline = (
            path.exists() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
        )
        with open(path, "a", encoding="utf-8") as f:
            f.write(("\n" if needs_newline else "") + "\n".join(lines) + "\n")
    return Appended(len(lines), dupes, path)
