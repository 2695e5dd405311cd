"""Load documents to index: text and Markdown files, JSONL files, folders of them.

Bad input never stops the load: an empty, unreadable or non-UTF-8 file (or JSONL line)
becomes a warning naming it — ``file:line`` where a line applies — and is skipped. Only
when nothing usable is left does :func:`load_documents` raise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ConfigIssue, UserError
from ._types import Document

TEXT_SUFFIXES = frozenset({".txt", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | JSONL_SUFFIXES
TEXT_FIELDS = ("text", "context")


def load_documents(
    paths: Iterable[str | Path],
) -> tuple[list[Document], list[ConfigIssue]]:
    """Documents from files and folders (walked recursively), plus a warning per skip.

    ``.txt`` and ``.md`` files are one document each; a ``.jsonl`` file is one document
    per line, read from ``text`` (or ``context``) with optional ``id``, ``title`` and
    ``source``. Raises :class:`~gonogo.errors.UserError` when no document is usable.
    """
    loader = _Loader()
    given = [Path(p) for p in paths]
    for path in given:
        loader.load_path(path)
    if not loader.documents:
        raise _nothing_usable(given, loader.issues)
    return loader.documents, loader.issues


class _Loader:
    def __init__(self) -> None:
        self.documents: list[Document] = []
        self.issues: list[ConfigIssue] = []
        self._ids: set[str] = set()

    def warn(
        self, file: Path | str, message: str, *, line: int | None = None, hint: str = ""
    ) -> None:
        self.issues.append(
            ConfigIssue(str(file), line, None, "", message, hint or None, severity="warning")
        )

    def load_path(self, path: Path) -> None:
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                self.warn(path, "no .txt, .md or .jsonl files in this folder")
            for f in files:
                self.load_file(f, f.relative_to(path).as_posix())
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                self.warn(
                    path,
                    f"unsupported file type '{path.suffix or '(none)'}', skipped",
                    hint="give .txt, .md or .jsonl files",
                )
                return
            self.load_file(path, path.name)
        else:
            self.warn(path, "no such file or folder", hint="check the path")

    def load_file(self, path: Path, doc_id: str) -> None:
        try:
            data = path.read_bytes()
        except OSError as e:
            self.warn(path, f"cannot read the file ({e.strerror or e}), skipped")
            return
        if not data.strip():
            self.warn(path, "empty file, skipped")
            return
        if path.suffix.lower() in JSONL_SUFFIXES:
            self.load_jsonl(path, data, doc_id)
            return
        if b"\x00" in data[:8192]:
            self.warn(path, "looks like a binary file, skipped", hint="give text files")
            return
        text = self.decode(path, data)
        if text is None:
            return
        markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
        title = _markdown_title(text) if markdown else None
        fmt = "markdown" if markdown else "text"
        self.add(Document(self.unique(doc_id, path), text, str(path), title, fmt))

    def decode(self, path: Path, data: bytes, line: int | None = None) -> str | None:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            where = line if line is not None else data[: e.start].count(b"\n") + 1
            self.warn(
                path,
                f"not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}), skipped",
                line=where,
                hint=f"convert it, e.g. iconv -f latin1 -t utf-8 '{path}' > '{path}.utf8'",
            )
            return None

    def load_jsonl(self, path: Path, data: bytes, file_id: str) -> None:
        before = len(self.documents)
        for number, raw in enumerate(data.split(b"\n"), start=1):
            if not raw.strip():
                continue
            text = self.decode(path, raw, number)
            if text is not None:
                self.load_jsonl_line(path, number, text, file_id)
        if len(self.documents) == before:
            self.warn(path, "no usable lines in this JSONL file")

    def load_jsonl_line(self, path: Path, number: int, line: str, file_id: str) -> None:
        try:
            row: Any = json.loads(line)
        except json.JSONDecodeError as e:
            self.warn(path, f"not valid JSON ({e.msg}), skipped", line=number)
            return
        if not isinstance(row, dict):
            self.warn(path, "a line must be a JSON object, skipped", line=number)
            return
        text = _row_text(row)
        if text is None:
            self.warn(
                path,
                "no `text` or `context` field with text, skipped",
                line=number,
                hint='write {"id": "...", "text": "..."}',
            )
            return
        raw_id = row.get("id")
        doc_id = str(raw_id) if isinstance(raw_id, str | int) else f"{file_id}:{number}"
        title = row.get("title") if isinstance(row.get("title"), str) else None
        source = row.get("source") if isinstance(row.get("source"), str) else None
        where = f"{path}:{number}"
        self.add(Document(self.unique(doc_id, where), text, source or where, title))

    def unique(self, doc_id: str, where: Path | str) -> str:
        if doc_id not in self._ids:
            return doc_id
        n = 2
        while f"{doc_id}~{n}" in self._ids:
            n += 1
        self.warn(where, f"duplicate document id '{doc_id}', renamed '{doc_id}~{n}'")
        return f"{doc_id}~{n}"

    def add(self, doc: Document) -> None:
        self._ids.add(doc.id)
        self.documents.append(doc)


def _row_text(row: dict[str, Any]) -> str | None:
    for name in TEXT_FIELDS:
        value = row.get(name)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n\n".join(value)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _markdown_title(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip() or None
    return None


def _nothing_usable(given: list[Path], issues: list[ConfigIssue]) -> UserError:
    shown = "\n".join("  " + i.format() for i in issues[:10])
    more = f"\n  … and {len(issues) - 10} more" if len(issues) > 10 else ""
    names = ", ".join(str(p) for p in given) or "(no paths given)"
    return UserError(
        f"no usable documents in {names}" + (f":\n{shown}{more}" if shown else ""),
        "give .txt, .md or .jsonl files (JSONL lines with a `text` field), UTF-8 encoded",
    )
