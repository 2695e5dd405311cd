"""YAML reading with positions: every key and value gets its 1-based line and column.

PyYAML builds plain data and forgets where it came from, so the document is composed
into nodes first, walked once to record positions (and to catch duplicate keys, which
PyYAML would silently overwrite), then constructed into plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .._userfiles import error_position, load_yaml
from ..errors import ConfigIssue

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a node is: its key (for mapping entries) and its value, 1-based."""

    line: int
    col: int
    key_line: int | None = None
    key_col: int | None = None

    @property
    def key(self) -> tuple[int, int]:
        """Position of the key when there is one, else of the value."""
        if self.key_line is not None and self.key_col is not None:
            return (self.key_line, self.key_col)
        return (self.line, self.col)


@dataclass
class ParsedYaml:
    data: Any
    positions: dict[KeyPath, Position]
    issues: list[ConfigIssue]


def format_path(path: KeyPath) -> str:
    """``('eval_plan', 'scorers', 2, 'min')`` → ``eval_plan.scorers[2].min``."""
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out += f".{seg}" if out else str(seg)
    return out


def parse_yaml(text: str, file: str) -> ParsedYaml:
    """Parse one YAML document into plain data, a position map and duplicate-key issues.

    Raises ``yaml.YAMLError`` on malformed YAML (the caller turns it into an issue) and
    :class:`~gonogo._userfiles.YamlProblem` for YAML that parses but is refused: aliases
    expanding past a million values, an alias inside its own anchor, ``!!binary`` and
    the like, nesting too deep to read, an integer past 4,300 digits.
    """
    positions: dict[KeyPath, Position] = {}
    issues: list[ConfigIssue] = []

    def walk(node: yaml.Node) -> None:
        positions[()] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
        _walk(node, (), positions, issues, file, set())

    _, data = load_yaml(text, inspect=walk)
    return ParsedYaml(data, positions, issues)


def _walk(
    node: yaml.Node,
    path: KeyPath,
    positions: dict[KeyPath, Position],
    issues: list[ConfigIssue],
    file: str,
    seen: set[int],
) -> None:
    if id(node) in seen:  # an alias to a node already walked (or a recursive one)
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            positions[(*path, i)] = _pos(item)
            _walk(item, (*path, i), positions, issues, file, seen)
    elif isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = _key_text(key_node)
            line = key_node.start_mark.line + 1
            if key in first_seen:
                issues.append(
                    ConfigIssue(
                        file,
                        line,
                        key_node.start_mark.column + 1,
                        format_path((*path, key)),
                        f"duplicate key '{key}' (first set on line {first_seen[key]})",
                        "remove one of them: YAML would silently keep only the last",
                    )
                )
                continue
            first_seen[key] = line
            positions[(*path, key)] = _pos(value_node, key_node)
            _walk(value_node, (*path, key), positions, issues, file, seen)


def _key_text(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return "<a list>" if isinstance(node, yaml.SequenceNode) else "<a mapping>"


def _pos(value: yaml.Node, key: yaml.Node | None = None) -> Position:
    if key is None:
        return Position(value.start_mark.line + 1, value.start_mark.column + 1)
    return Position(
        value.start_mark.line + 1,
        value.start_mark.column + 1,
        key.start_mark.line + 1,
        key.start_mark.column + 1,
    )


_HINTS = (
    (
        "mapping values are not allowed",
        "quote a value that contains ': ', or fix this line's indentation",
    ),
    (
        "could not find expected ':'",
        "each line of a mapping is `key: value`; check indentation, or quote the text",
    ),
    (
        "did not find expected key",
        "this line's indentation does not line up with the keys above it",
    ),
    (
        "did not find expected '-' indicator",
        "a list item and a `key: value` are mixed at the same indentation",
    ),
    ("expected <block end>", "this line's indentation does not line up with the lines above it"),
    ("did not find expected ',' or ']'", "a `[` list is not closed with `]`"),
    ("did not find expected ',' or '}'", "a `{` mapping is not closed with `}`"),
    ("found unexpected end of stream", "a quote or bracket is opened and never closed"),
    ("found undefined alias", "this `*alias` has no `&anchor` above it"),
    ("but found another document", "keep one document per file: remove the `---` line"),
    ("could not determine a constructor", "remove the `!tag`, or quote the value"),
)


def yaml_error_issue(err: yaml.YAMLError, text: str, file: str) -> ConfigIssue:
    """A YAML syntax error as one located issue with a hint on how to fix it."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or _reader_problem(err) or str(err).splitlines()[0]
    context = getattr(err, "context", None)
    line, col = error_position(err, text) or (None, None)
    hint = "check the YAML syntax on this line"
    for needle, h in _HINTS:
        if needle in problem:
            hint = h
            break
    if mark is not None and _has_tab(text, mark.line, mark.column):
        problem, hint = "tab character in indentation", "YAML indents with spaces, never tabs"
    context_mark = getattr(err, "context_mark", None)
    if context and context_mark is not None and mark is not None:
        if context_mark.line != mark.line:
            context += f" that starts on line {context_mark.line + 1}"
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return ConfigIssue(file, line, col, "", message, hint)


def _reader_problem(err: yaml.YAMLError) -> str | None:
    # the reader's errors (a control character) have no `problem`, and a str() that
    # names the stream "<unicode string>" instead of the file
    reason, char = getattr(err, "reason", None), getattr(err, "character", None)
    if reason is None:
        return None
    code = ord(char) if isinstance(char, str) else char
    if isinstance(code, int):
        return f"{reason} (U+{code:04X})"
    return str(reason)


def _has_tab(text: str, line: int, col: int) -> bool:
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return False
    row = lines[line]
    indent = row[: len(row) - len(row.lstrip(" \t"))]
    return "\t" in indent or row[col : col + 1] == "\t"
