"""Loading golden datasets: JSONL, JSON, YAML or CSV, one case a row.

Row format: ``id`` (optional), ``expected``, ``tags``, ``contexts`` and ``metadata`` are
reserved; ``input`` (a string or an object of template variables) if present,
otherwise every other key is a template variable (``question: ...``).
Malformed rows are reported together, each named by ``file:line``.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import ConfigIssue, DatasetError
from ._case import Case, Dataset

RESERVED = ("id", "expected", "tags", "contexts", "metadata", "input")
_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
}


def load_dataset(
    path: str | Path,
    *,
    name: str | None = None,
    limit: int | None = None,
    display_path: str | None = None,
) -> Dataset:
    """Load one dataset file; raise DatasetError listing every malformed row."""
    p = Path(path)
    shown = display_path or str(path)
    fmt = _FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise _file_error(
            shown,
            f"unsupported dataset format '{p.suffix}'",
            "use .jsonl (one JSON object a line), .json, .yaml or .csv",
        )
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise _file_error(
            shown,
            "dataset file not found",
            "check `eval_plan.datasets[].path` (relative to the PRD)",
        ) from None
    except OSError as e:
        raise _file_error(
            shown, f"cannot read dataset ({e.strerror})", "check the file's permissions"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise _file_error(
            shown, "file is not UTF-8", "re-save the file as UTF-8", line=line
        ) from None
    rows, issues = _ROW_READERS[fmt](text, shown)
    ds_name = name or p.stem
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        case = _to_case(row, line, shown, ds_name, len(cases), issues)
        if case is None:
            continue
        if case.id in seen:
            issues.append(
                ConfigIssue(
                    shown,
                    line,
                    None,
                    "id",
                    f"duplicate case id '{case.id}' (first on line {seen[case.id]})",
                    "give every case a unique id",
                )
            )
            continue
        seen[case.id] = line
        cases.append(case)
        if limit is not None and len(cases) >= limit:
            break
    if not issues and not cases:
        issues.append(
            ConfigIssue(
                shown,
                None,
                None,
                "",
                "dataset has no cases",
                'add one case a line, e.g. {"question": "…", "expected": "…"}',
            )
        )
    if issues:
        raise DatasetError(issues)
    return Dataset(ds_name, shown, cases, hashlib.sha256(raw).hexdigest())


def _file_error(shown: str, message: str, hint: str, *, line: int | None = None) -> DatasetError:
    """An error about the dataset file as a whole (or one line of it)."""
    return DatasetError([ConfigIssue(shown, line, None, "", message, hint)])


def _read_jsonl(text: str, shown: str) -> tuple[list[tuple[int, Any]], list[ConfigIssue]]:
    rows: list[tuple[int, Any]] = []
    issues: list[ConfigIssue] = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            rows.append((i, json.loads(line)))
        except json.JSONDecodeError as e:
            issues.append(
                ConfigIssue(
                    shown,
                    i,
                    e.colno,
                    "",
                    f"invalid JSON ({e.msg})",
                    "each line must be one complete JSON object",
                )
            )
    return rows, issues


def _read_json(text: str, shown: str) -> tuple[list[tuple[int, Any]], list[ConfigIssue]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return [], [
            ConfigIssue(
                shown,
                e.lineno,
                e.colno,
                "",
                f"invalid JSON ({e.msg})",
                "the file must be a JSON array of case objects",
            )
        ]
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        data = data["cases"]
    if not isinstance(data, list):
        return [], [
            ConfigIssue(
                shown,
                1,
                1,
                "",
                "expected a JSON array of cases",
                'wrap the cases in [ … ] or use {"cases": [ … ]}',
            )
        ]
    return _locate_rows(text, data), []


def _read_yaml(text: str, shown: str) -> tuple[list[tuple[int, Any]], list[ConfigIssue]]:
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        return [], [
            ConfigIssue(
                shown,
                mark.line + 1 if mark else None,
                mark.column + 1 if mark else None,
                "",
                f"invalid YAML ({getattr(e, 'problem', e)})",
                "fix the YAML syntax at this position",
            )
        ]
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        data = data["cases"]
        node = next(v for k, v in node.value if k.value == "cases")  # type: ignore[union-attr]
    if not isinstance(data, list) or node is None:
        return [], [
            ConfigIssue(
                shown,
                1,
                1,
                "",
                "expected a YAML list of cases",
                "write one `- question: …` item per case",
            )
        ]
    lines = [n.start_mark.line + 1 for n in node.value]
    return list(zip(lines, data, strict=True)), []


def _read_csv(text: str, shown: str) -> tuple[list[tuple[int, Any]], list[ConfigIssue]]:
    reader = csv.DictReader(text.splitlines())
    rows: list[tuple[int, Any]] = []
    for row in reader:
        row = {k: v for k, v in row.items() if k is not None}
        if isinstance(row.get("tags"), str):
            row["tags"] = [t.strip() for t in row["tags"].split(",") if t.strip()]
        rows.append((reader.line_num, row))
    return rows, []


def _locate_rows(text: str, data: list[Any]) -> list[tuple[int, Any]]:
    # Approximate the line of each top-level array element for error messages.
    decoder = json.JSONDecoder()
    out: list[tuple[int, Any]] = []
    pos = text.index("[") + 1 if "[" in text else 0
    for item in data:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        line = text.count("\n", 0, pos) + 1
        try:
            _, end = decoder.raw_decode(text, pos)
            pos = end
        except json.JSONDecodeError:
            pass
        out.append((line, item))
    return out


_ROW_READERS = {"jsonl": _read_jsonl, "json": _read_json, "yaml": _read_yaml, "csv": _read_csv}


def _to_case(
    row: Any, line: int, shown: str, ds: str, index: int, issues: list[ConfigIssue]
) -> Case | None:
    def bad(key: str, msg: str, hint: str) -> None:
        issues.append(ConfigIssue(shown, line, None, key, msg, hint))

    if not isinstance(row, dict):
        bad(
            "",
            f"a case must be an object, got {type(row).__name__}",
            'write each case as {"question": "…", "expected": "…"}',
        )
        return None
    case_id = row.get("id", f"{index + 1}")
    if not isinstance(case_id, str | int) or isinstance(case_id, bool) or str(case_id) == "":
        bad("id", "`id` must be a non-empty string or number", "give the case a short unique id")
        return None
    tags = row.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        bad("tags", "`tags` must be a list of strings", 'write tags as ["refunds", "edge-case"]')
        return None
    contexts = row.get("contexts")
    if contexts is not None and (
        not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts)
    ):
        bad(
            "contexts",
            "`contexts` must be a list of strings",
            "list the reference passages as strings",
        )
        return None
    metadata = row.get("metadata", {})
    if not isinstance(metadata, dict):
        bad("metadata", "`metadata` must be an object", 'use {"key": "value"}')
        return None
    if "input" in row:
        inp = row["input"]
        if isinstance(inp, str):
            inputs: dict[str, Any] = {"input": inp}
        elif isinstance(inp, dict):
            inputs = dict(inp)
        else:
            bad(
                "input",
                "`input` must be a string or an object of template variables",
                'write "input": "…" or "input": {"question": "…"}',
            )
            return None
    else:
        inputs = {k: v for k, v in row.items() if k not in RESERVED}
    if not inputs:
        bad("", "case has no input", "add `input` or the template variables (e.g. `question`)")
        return None
    return Case(
        id=str(case_id),
        inputs=inputs,
        expected=row.get("expected"),
        tags=list(tags),
        contexts=contexts,
        metadata=metadata,
        dataset=ds,
        source=f"{shown}:{line}",
    )
