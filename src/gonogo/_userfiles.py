"""User files: PRDs and datasets read within bounds, stores created owner-only.

- :func:`read_bounded` reads a *regular* file of at most ``limit`` bytes: a path that is
  a FIFO (which would block forever), a device such as ``/dev/zero`` (which never ends) or
  a folder is refused before anything is read, and so is a file past the limit.
- :func:`check_yaml_nodes` walks a composed YAML document once, before anything is
  constructed from it: aliases that would expand it past :data:`MAX_YAML_NODES` values
  ("billion laughs"), an alias that contains itself, and tags that build values JSON has
  no place for (``!!binary``, ``!!set``, ``!!omap``, ``!!pairs``) are refused, each
  located by line and column.
- :func:`error_position` and :func:`deep_position` find where in a text a parser gave up,
  for the errors that carry no position of their own.
- :func:`create_private` creates a store's file readable by its owner only (0600): the
  run store, the response cache and the gateway store hold outputs, traces and key
  hashes. SQLite gives the ``-wal`` and ``-shm`` files the database file's mode.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ._safejson import MAX_DEPTH

try:  # the C loader is ~10x faster; same behaviour
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_YAML_NODES = 1_000_000
_UNSUPPORTED_TAGS = {
    "tag:yaml.org,2002:binary": "!!binary",
    "tag:yaml.org,2002:set": "!!set",
    "tag:yaml.org,2002:omap": "!!omap",
    "tag:yaml.org,2002:pairs": "!!pairs",
}


@dataclass
class FileProblem(Exception):
    """Why a user file cannot be read; the caller turns it into its own error."""

    message: str
    hint: str


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (links followed), at most ``limit``."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileProblem("file not found", "check the path") from None
    except IsADirectoryError:
        raise FileProblem("this is a folder, not a file", "name the file itself") from None
    except OSError as e:
        raise FileProblem(f"cannot open it ({e.strerror})", "check its permissions") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise FileProblem(
            f"not a regular file (a {_kind(st.st_mode)})",
            "point at an ordinary file; copy the data into one if it comes from a pipe",
        )
    if st.st_size > limit:
        os.close(fd)
        raise FileProblem(*_too_large(st.st_size, limit))
    chunks: list[bytes] = []
    size = 0
    with os.fdopen(fd, "rb") as f:
        # in chunks: read(limit) would allocate the whole limit up front, whatever the size
        while chunk := f.read(1 << 20):
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise FileProblem(*_too_large(size, limit))
            chunks.append(chunk)
    return b"".join(chunks)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISDIR(mode):
        return "folder"
    return "special file"


def _too_large(size: int, limit: int) -> tuple[str, str]:
    return (
        f"file is {size:,} bytes, more than the {limit:,} allowed",
        "split it, or trim what is not needed",
    )


def create_private(path: str | Path) -> None:
    """Create ``path`` as an empty file with mode 0600, unless it exists already."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


@dataclass
class YamlProblem(Exception):
    """A YAML document gonogo refuses to construct, with where (1-based)."""

    message: str
    hint: str
    line: int
    col: int


def load_yaml(
    text: str, *, duplicates: bool = False, inspect: Callable[[yaml.Node], None] | None = None
) -> tuple[yaml.Node | None, Any]:
    """One YAML document as ``(node, data)``: composed, checked, then constructed.

    Between composing and constructing, :func:`check_yaml_nodes` runs (``duplicates``
    passed on) and then ``inspect`` sees the node graph (e.g. to record positions). Raises
    ``yaml.YAMLError`` for malformed YAML and :class:`YamlProblem` for YAML that parses but
    is refused, nesting too deep to read and integers past 4,300 digits included.
    """
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            line, col = deep_position(text, MAX_DEPTH)
            hint = "flatten it: a few levels are enough"
            raise YamlProblem("the YAML is nested too deeply to read", hint, line, col) from None
        if node is None:
            return None, None
        check_yaml_nodes(node, duplicates=duplicates)
        if inspect is not None:
            inspect(node)
        try:
            return node, loader.construct_document(node)
        except ValueError:  # an integer past 4,300 digits
            line, col = long_int_position(text) or (1, 1)
            raise YamlProblem("an integer longer than 4,300 digits", "quote such a number",
                              line, col) from None  # fmt: skip
    finally:
        loader.dispose()


def check_yaml_nodes(root: yaml.Node, *, duplicates: bool = False) -> None:
    """Raise :class:`YamlProblem` for what the module docstring lists.

    With ``duplicates``, also for a key written twice in one mapping (YAML would silently
    keep only the last).
    """
    sizes: dict[int, int] = {}  # a node's size once expanded (aliases counted each time)
    entered: set[int] = set()
    todo: list[tuple[yaml.Node, bool]] = [(root, False)]
    while todo:
        node, done = todo.pop()
        key = id(node)
        kids = _children(node)
        if done:
            entered.discard(key)
            sizes[key] = 1 + sum(sizes[id(k)] for k in kids)
            if sizes[key] > MAX_YAML_NODES:
                raise _problem(
                    node,
                    f"aliases expand this to more than {MAX_YAML_NODES:,} values",
                    "write the data out instead of repeating it through `*aliases`",
                )
            continue
        if key in sizes:
            continue
        if key in entered:
            raise _problem(node, "an alias refers to a node that contains it",
                           "remove the `*alias` inside its own `&anchor`")  # fmt: skip
        _check_node(node, duplicates)
        entered.add(key)
        todo.append((node, True))
        todo.extend((k, False) for k in kids if id(k) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_node(node: yaml.Node, duplicates: bool) -> None:
    tag = _UNSUPPORTED_TAGS.get(node.tag)
    if tag is not None:
        raise _problem(node, f"the YAML tag {tag} is not supported here",
                       "write the value as plain text (quote it)")  # fmt: skip
    if duplicates and isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                if k.value in seen:
                    raise _problem(
                        k,
                        f"duplicate key '{k.value}' (first set on line {seen[k.value]})",
                        "remove one of them: YAML would silently keep only the last",
                    )
                seen[k.value] = k.start_mark.line + 1


def _problem(node: yaml.Node, message: str, hint: str) -> YamlProblem:
    mark = node.start_mark
    return YamlProblem(message, hint, mark.line + 1, mark.column + 1)


def error_position(err: Exception, text: str) -> tuple[int, int] | None:
    """Line and column (1-based) of a YAML error, or None.

    The reader's errors (a control character) carry a character offset, not a mark.
    """
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is not None:
        return mark.line + 1, mark.column + 1
    position = getattr(err, "position", None)
    if isinstance(position, int):
        return offset_position(text, position)
    return None


def offset_position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (1-based) of character ``offset`` in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_OPEN, _CLOSE = "[{", "]}"


def deep_position(text: str, limit: int) -> tuple[int, int]:
    """Where the brackets in ``text`` first nest deeper than ``limit``.

    Line 1, column 1 when they never do (e.g. YAML nested by indentation).
    """
    depth, quote, escaped = 0, "", False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in _OPEN:
            depth += 1
            if depth > limit:
                return offset_position(text, i)
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
    return 1, 1


_LONG_INT = re.compile(r"(?<![\w.])-?\d{4301,}")


def long_int_position(text: str) -> tuple[int, int] | None:
    """Where an integer too long for Python to read (past 4,300 digits) starts."""
    found = _LONG_INT.search(text)
    return None if found is None else offset_position(text, found.start())
