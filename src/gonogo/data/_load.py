"""Loading golden datasets: JSONL, JSON, YAML or CSV, one case a row.

Row format: ``id`` (optional), ``expected``, ``tags``, ``contexts`` and ``metadata`` are
reserved; ``input`` (a string or an object of template variables) if present,
otherwise every other key is a template variable (``question: ...``).
Malformed rows are reported together, each named by ``file:line``.

Reading is bounded: only a regular file of at most :data:`MAX_DATASET_BYTES` is read,
nesting past :data:`~gonogo._safejson.MAX_DEPTH` levels, integers too long to read,
NaN and infinity, strings that are not valid Unicode (a lone surrogate escape), keys
written twice in one object and YAML aliases that would expand past a million values are
refused, each at its ``file:line``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import yaml

from .._safejson import MAX_DEPTH, json_problem
from .._userfiles import (
    FileProblem,
    YamlProblem,
    deep_position,
    error_position,
    load_yaml,
    long_int_position,
    read_bounded,
)
from ..errors import ConfigIssue, DatasetError
from ._case import Case, Dataset

MAX_DATASET_BYTES = 256 * 1024 * 1024

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
    missing_hint: str = "check `eval_plan.datasets[].path` (relative to the PRD)",
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
        raw = read_bounded(p, MAX_DATASET_BYTES)
    except FileProblem as e:
        if e.message == "file not found":
            raise _file_error(
                shown,
                "dataset file not found",
                missing_hint,
            ) from None
        raise _file_error(shown, f"cannot read the dataset: {e.message}", e.hint) from None
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
        problem = _row_problem(row)
        if problem is not None:
            issues.append(ConfigIssue(shown, line, None, "", *problem))
            continue
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


def _row_problem(row: Any) -> tuple[str, str] | None:
    """Why a parsed row cannot be a case: not strict JSON, or a key written twice."""
    problem = json_problem(row)
    if problem == "depth":
        return (
            f"the row nests deeper than {MAX_DEPTH} levels",
            "flatten the row: golden cases need only a few levels",
        )
    if problem == "surrogate":
        return (
            "a string holds a lone surrogate (an escape such as \\ud800 without its pair)",
            "fix the escape, or write the character itself",
        )
    if problem == "nonfinite":
        return (
            "NaN or infinity is not a JSON value (reports could not record it)",
            'write it as text ("NaN"), or leave the key out',
        )
    key = _duplicated_key(row)
    if key is not None:
        return f"duplicate key '{key}' in this row", "remove one of them: only one value counts"
    return None


class _Duplicated(dict[str, Any]):
    """A JSON object in which a key appeared twice (``json`` would silently keep the last)."""

    key = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    flagged = _Duplicated(out)
    seen: set[str] = set()
    for k, _ in pairs:
        if k in seen:
            flagged.key = k
            break
        seen.add(k)
    return flagged


def _duplicated_key(value: Any) -> str | None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, _Duplicated):
            return v.key
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return None


def _parse_json(text: str) -> Any:
    """``json.loads`` with duplicate keys flagged; ValueError/RecursionError pass through."""
    return json.loads(text, object_pairs_hook=_pairs)


def _json_issue(
    e: Exception, text: str, shown: str, hint: str, line_offset: int = 0
) -> ConfigIssue:
    """An issue for a JSON text that did not parse, located as well as the error allows."""
    if isinstance(e, json.JSONDecodeError):
        line, col = e.lineno, e.colno
        message = f"invalid JSON ({e.msg})"
    elif isinstance(e, RecursionError):
        line, col = deep_position(text, MAX_DEPTH)
        message = "invalid JSON (nested too deeply to read)"
        hint = "flatten the data: golden cases need only a few levels"
    else:  # ValueError: an integer past 4,300 digits
        line, col = long_int_position(text) or (1, 1)
        message = "invalid JSON (an integer longer than 4,300 digits)"
        hint = "write such a number as a string"
    return ConfigIssue(shown, line + line_offset, col, "", message, hint)


def _read_jsonl(text: str, shown: str) -> tuple[list[tuple[int, Any]], list[ConfigIssue]]:
    rows: list[tuple[int, Any]] = []
    issues: list[ConfigIssue] = []
    # only "\n" ends a record: U+2028, U+2029, U+0085 (which str.splitlines() also splits
    # at) may stand raw inside a JSON string
    for i, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            rows.append((i, _parse_json(line)))
        except (ValueError, RecursionError) as e:
            issues.append(
                _json_issue(e, line, shown, "each line must be one complete JSON object", i - 1)
            )
    return rows, issues


def _read_json(text: str, shown: str) -> tuple[list[tuple[int, Any]], list[ConfigIssue]]:
    try:
        data = _parse_json(text)
    except (ValueError, RecursionError) as e:
        return [], [_json_issue(e, text, shown, "the file must be a JSON array of case objects")]
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
    try:
        node, data = load_yaml(text, duplicates=True)
    except YamlProblem as e:
        return [], [ConfigIssue(shown, e.line, e.col, "", e.message, e.hint)]
    except yaml.YAMLError as e:
        line, col = error_position(e, text) or (None, None)
        problem = getattr(e, "problem", None) or getattr(e, "reason", None) or e
        issue = ConfigIssue(
            shown,
            line,
            col,
            "",
            f"invalid YAML ({problem})",
            "fix the YAML syntax at this position",
        )
        return [], [issue]
    if isinstance(data, dict) and isinstance(data.get("cases"), list) and node is not None:
        data = data["cases"]
        node = next(v for k, v in node.value if k.value == "cases")
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
    # newline="": the csv module itself finds line ends, so a quoted field keeps its own
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[tuple[int, Any]] = []
    issues: list[ConfigIssue] = []
    start = 1
    try:
        names = reader.fieldnames or []
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            return [], [
                ConfigIssue(
                    shown,
                    1,
                    None,
                    "",
                    f"duplicate column '{repeated[0]}' in the header",
                    "give every column a unique name",
                )  # fmt: skip
            ]
        start = reader.line_num + 1
        for row in reader:
            row = {k: v for k, v in row.items() if k is not None}
            if isinstance(row.get("tags"), str):
                row["tags"] = [t.strip() for t in row["tags"].split(",") if t.strip()]
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as e:
        issues.append(
            ConfigIssue(
                shown,
                start,
                None,
                "",
                f"invalid CSV ({e})",
                "check the quotes of this row: a field may not exceed 128 KiB, and an "
                'open " runs on to the next quote',
            )  # fmt: skip
        )
    return rows, issues


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
