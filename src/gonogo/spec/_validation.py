"""pydantic validation errors → located, friendly config issues.

pydantic reports locations that mix data keys with union branch labels
(``RubricScorer``, ``str``, ``literal['text']``…) and reports one error per branch of
a union. Here the labels are dropped, each union collapses to the branch the input
was meant for (or one "expected A or B" issue), and each error is worded for a PM.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ConfigIssue
from . import _types_walk as tw
from ._scorer_params import BUILTIN_SCORER_MODELS, SCORER_TAGS
from ._yaml import KeyPath, Position, format_path

_BASIC_BRANCHES = {"str", "int", "float", "bool", "none", "dict", "list", "any"}

# error type -> what was expected, in words
_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping (`key: value` lines)",
    "model_type": "a mapping (`key: value` lines)",
    "model_attributes_type": "a mapping (`key: value` lines)",
    "list_type": "a list",
    "none_required": "nothing",
}
_SHAPE_ERRORS = set(_EXPECTED) | {"literal_error"}

_BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}

_HINT_OVERRIDES = {
    ("PluginScorer", "kind"): "the scorer's kind: "
    + ", ".join(sorted(BUILTIN_SCORER_MODELS))
    + ", or a plug-in `package.module:factory`",
}


@dataclass
class _Err:
    path: KeyPath  # data path, branch labels removed
    branches: list[tuple[int, str]]  # (length of path at the union, branch label)
    field_loc: tuple[str | int, ...]  # raw loc of the field (trailing branch labels removed)
    type: str
    msg: str
    input: Any
    ctx: dict[str, Any] = field(default_factory=dict)
    expected: list[str] = field(default_factory=list)  # set on collapsed unions


class _Translator:
    def __init__(
        self, root: type[BaseModel], data: Any, positions: dict[KeyPath, Position], file: str
    ) -> None:
        self.root = root
        self.data = data
        self.positions = positions
        self.file = file
        self.labels = tw.model_names(root) | SCORER_TAGS

    # -- locations ---------------------------------------------------------------------

    def _is_label(self, seg: str) -> bool:
        return (
            seg in self.labels
            or seg in _BASIC_BRANCHES
            or "[" in seg
            or seg.startswith(("function-", "lax-", "nullable", "tagged-union"))
        )

    def clean(self, err: Any) -> _Err:
        raw: tuple[str | int, ...] = tuple(err["loc"])
        node: Any = self.data
        path: list[str | int] = []
        branches: list[tuple[int, str]] = []
        last_real = 0
        for i, seg in enumerate(raw):
            if isinstance(node, dict) and seg in node:
                node = node[seg]
            elif isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node):
                node = node[seg]
            elif isinstance(seg, str) and self._is_label(seg):
                branches.append((len(path), seg))
                continue
            else:
                node = None
            path.append(seg)
            last_real = i + 1
        return _Err(
            path=tuple(path),
            branches=branches,
            field_loc=raw[:last_real],
            type=err["type"],
            msg=err["msg"],
            input=err.get("input"),
            ctx=dict(err.get("ctx") or {}),
        )

    def position(self, path: KeyPath, *, key: bool = False) -> tuple[int | None, int | None]:
        for n in range(len(path), -1, -1):
            pos = self.positions.get(path[:n])
            if pos is not None:
                return pos.key if key and n == len(path) else (pos.line, pos.col)
        return (None, None)

    # -- unions ------------------------------------------------------------------------

    def resolve_unions(self, errs: list[_Err]) -> list[_Err]:
        out = [e for e in errs if not e.branches]
        groups: dict[KeyPath, list[_Err]] = {}
        for e in errs:
            if e.branches:
                groups.setdefault(e.path[: e.branches[0][0]], []).append(e)
        for point, members in groups.items():
            by_branch: dict[str, list[_Err]] = {}
            for e in members:
                by_branch.setdefault(e.branches[0][1], []).append(e)
            fits = [
                es
                for es in by_branch.values()
                if not any(e.type in _SHAPE_ERRORS and e.path == point for e in es)
            ]
            if fits:
                best = min(fits, key=len)
                for e in best:
                    e.branches = e.branches[1:]
                out.extend(self.resolve_unions(best))
            else:
                out.append(_collapse(point, members))
        return out

    # -- wording -----------------------------------------------------------------------

    def issue(self, e: _Err) -> ConfigIssue:
        if e.type == "missing":
            return self._missing(e)
        if e.type == "extra_forbidden":
            return self._unknown_key(e)
        message, hint = self._describe(e)
        path = e.path
        if e.type in ("value_error", "assertion_error") and self._is_mapping(path):
            path = self._named_key(path, message)
        line, col = self.position(path, key=self._is_mapping(path))
        return ConfigIssue(self.file, line, col, format_path(path), message, hint)

    def _is_mapping(self, path: KeyPath) -> bool:
        """A whole section is pointed at by its key (``model:``), not its first line."""
        node = self.data
        for seg in path:
            try:
                node = node[seg]
            except (KeyError, IndexError, TypeError):
                return False
        return isinstance(node, dict)

    def _missing(self, e: _Err) -> ConfigIssue:
        key = str(e.path[-1]) if e.path else "?"
        parent = e.path[:-1]
        line, col = self.position(parent, key=True)
        hint = f"add `{key}: …`"
        desc = self._description(e.field_loc)
        if desc:
            hint += f" ({desc.rstrip('.')})"
        return ConfigIssue(
            self.file, line, col, format_path(parent), f"missing required key '{key}'", hint
        )

    def _unknown_key(self, e: _Err) -> ConfigIssue:
        key = str(e.path[-1])
        line, col = self.position(e.path, key=True)
        owner = tw.type_at(self.root, e.field_loc[:-1])
        hint = None
        if tw.is_model(owner):
            allowed = tw.allowed_keys(owner)
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            homes = tw.homes_of(owner, key)
            if close:
                hint = f"did you mean '{close[0]}'? "
            elif homes:
                hint = f"'{key}' belongs under '{homes[0]}' (indent it there); "
            else:
                hint = ""
            hint += "allowed keys here: " + ", ".join(allowed)
        return ConfigIssue(self.file, line, col, format_path(e.path), f"unknown key '{key}'", hint)

    def _description(self, field_loc: tuple[str | int, ...]) -> str | None:
        if not field_loc or not isinstance(field_loc[-1], str):
            return None
        owner = tw.type_at(self.root, field_loc[:-1])
        if not tw.is_model(owner):
            return None
        override = _HINT_OVERRIDES.get((owner.__name__, field_loc[-1]))
        if override:
            return override
        f = tw.field_of(owner, field_loc[-1])
        return f.description if f is not None else None

    def _describe(self, e: _Err) -> tuple[str, str | None]:
        desc = self._description(e.field_loc)
        got = describe_value(e.input)
        if e.expected:
            return f"expected {' or '.join(dict.fromkeys(e.expected))}, got {got}", desc
        if e.type == "literal_error":
            options = _literal_options(e.ctx.get("expected", ""))
            hint = _did_you_mean(e.input, options)
            return f"must be one of: {', '.join(options)}; got {got}", hint or desc
        if e.type in _EXPECTED:
            hint = desc
            if e.type == "string_type" and isinstance(e.input, int | float | bool | dt.date):
                hint = "put the value in quotes to make it text"
            return f"expected {_EXPECTED[e.type]}, got {got}", hint
        if e.type in _BOUNDS:
            name, words = _BOUNDS[e.type]
            return f"must be {words} {_number(e.ctx.get(name))}, got {got}", desc
        if e.type in ("too_short", "too_long"):
            n = e.ctx.get("min_length" if e.type == "too_short" else "max_length")
            word = "at least" if e.type == "too_short" else "at most"
            return f"needs {word} {n} item{'s' if n != 1 else ''}", desc
        if e.type == "string_pattern_mismatch":
            if e.field_loc and e.field_loc[-1] == "id":
                return f"{got} is not a valid id", "use letters, digits, _ . - (no spaces)"
            return f"{got} does not have the expected form", desc
        if e.type in ("value_error", "assertion_error"):
            return re.sub(r"^(Value error|Assertion failed), ", "", e.msg), None
        return f"{e.msg[:1].lower()}{e.msg[1:]}, got {got}", desc

    def _named_key(self, path: KeyPath, message: str) -> KeyPath:
        """A whole-section error names the key it is about in backticks: point there."""
        for ref in re.findall(r"`([A-Za-z_][\w.]*)`", message):
            parts: KeyPath = tuple(ref.split("."))
            if (*path, *parts) in self.positions:
                return (*path, *parts)
            if not path:
                for n in range(len(parts), 0, -1):
                    if parts[:n] in self.positions:
                        return parts[:n]
        return path


def _collapse(point: KeyPath, members: list[_Err]) -> _Err:
    first = members[0]
    expected: list[str] = []
    for e in members:
        if e.type == "literal_error":
            expected.append(" or ".join(_literal_options(e.ctx.get("expected", ""))))
        else:
            expected.append(_EXPECTED.get(e.type, e.msg))
    return _Err(point, [], first.field_loc, "union", "", first.input, {}, expected)


def _number(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _literal_options(expected: str) -> list[str]:
    found = re.findall(r"'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)", expected)
    return [a or b for a, b in found]


def _did_you_mean(value: Any, options: list[str]) -> str | None:
    if not isinstance(value, str):
        return None
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else None


def describe_value(value: Any) -> str:
    """A short, readable rendering of a YAML value for error messages."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    return str(value)


def validation_issues(
    err: ValidationError,
    root: type[BaseModel],
    data: Any,
    positions: dict[KeyPath, Position],
    file: str,
) -> list[ConfigIssue]:
    """Every pydantic error as one located issue, union branches collapsed."""
    t = _Translator(root, data, positions, file)
    cleaned = [t.clean(e) for e in err.errors(include_url=False)]
    return [t.issue(e) for e in t.resolve_unions(cleaned)]
