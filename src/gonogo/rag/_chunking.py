"""Cut documents into overlapping chunks on sentence boundaries.

A chunk packs whole sentences up to ``chunk_size`` characters; the next chunk starts
with the last sentences of the previous one, up to ``overlap`` characters, so a fact
that straddles a cut is whole in at least one chunk. The defaults (700 / 200 chars,
about 175 / 50 tokens) keep a chunk well inside MiniLM's 256-token window. Markdown
headings are not chunk text: each chunk carries its heading path instead (a JSONL
document's ``title`` likewise), and chunks never cross a heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import UserError
from ..text import sentences
from ._types import Chunk, Document

DEFAULT_CHUNK_SIZE = 700
DEFAULT_OVERLAP = 200
MIN_CHUNK_SIZE = 50

_HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE_RE = re.compile(r"^[ \t]*(```|~~~)")


def chunk_documents(
    documents: Iterable[Document],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    overlap: int = DEFAULT_OVERLAP,
) -> list[Chunk]:
    """Every document's chunks, in order; ids are ``<doc id>#<n>``."""
    check_chunking(chunk_size, overlap)
    chunks: list[Chunk] = []
    for doc in documents:
        chunks.extend(chunk_document(doc, chunk_size=chunk_size, overlap=overlap))
    return chunks


def check_chunking(chunk_size: int, overlap: int) -> None:
    """Raise :class:`~gonogo.errors.UserError` for sizes that cannot work."""
    if chunk_size < MIN_CHUNK_SIZE:
        raise UserError(
            f"chunk size {chunk_size} is too small",
            f"use at least {MIN_CHUNK_SIZE} characters (default {DEFAULT_CHUNK_SIZE})",
        )
    if not 0 <= overlap < chunk_size:
        raise UserError(
            f"overlap {overlap} must be at least 0 and smaller than the chunk size {chunk_size}",
            f"e.g. --chunk-size {DEFAULT_CHUNK_SIZE} --overlap {DEFAULT_OVERLAP}",
        )


def chunk_document(
    doc: Document, *, chunk_size: int = DEFAULT_CHUNK_SIZE, overlap: int = DEFAULT_OVERLAP
) -> list[Chunk]:
    """One document's chunks."""
    if doc.format == "markdown":
        sections = _markdown_sections(doc.text)
    else:  # a JSONL document's title stands where a Markdown heading would
        sections = [(doc.title or "", 0, len(doc.text))]
    chunks: list[Chunk] = []
    for heading, start, end in sections:
        spans = _pieces(doc.text, start, end, chunk_size, overlap)
        for a, b in _pack(spans, chunk_size, overlap):
            chunks.append(
                Chunk(
                    id=f"{doc.id}#{len(chunks)}",
                    doc_id=doc.id,
                    text=doc.text[a:b],
                    source=doc.source,
                    start=a,
                    heading=heading,
                )
            )
    return chunks


def _pieces(text: str, start: int, end: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``, over-long sentences cut into word windows."""
    out: list[tuple[int, int]] = []
    for a, b in ((s.start, s.end) for s in sentences(text[start:end])):
        a, b = a + start, b + start
        if b - a <= size:
            out.append((a, b))
        else:
            out.extend(_windows(text, a, b, size, overlap))
    return out


def _windows(text: str, a: int, b: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Cut one long span into windows of at most ``size`` chars, at spaces when possible.

    Consecutive windows share about ``overlap`` characters, like chunks do; the packer
    then sees each window as a sentence longer than half a chunk, so it stands alone.
    """
    windows: list[tuple[int, int]] = []
    pos = a
    while pos < b:
        end = min(pos + size, b)
        if end < b:
            space = text.rfind(" ", pos + size // 2, end)
            end = space if space > pos else end
        windows.append((pos, end))
        if end >= b:
            break
        nxt = max(end - overlap, pos + 1)
        space = text.find(" ", nxt, end)
        pos = space + 1 if space != -1 else nxt
    return windows


def _pack(spans: list[tuple[int, int]], size: int, overlap: int) -> list[tuple[int, int]]:
    """Greedy: whole sentences up to ``size``; each chunk re-starts with ~``overlap`` chars."""
    chunks: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    for span in spans:
        if current and span[1] - current[0][0] > size:
            chunks.append((current[0][0], current[-1][1]))
            current = _tail(current, overlap)
            if current and span[1] - current[0][0] > size:
                current = []  # the overlap would not leave room for this sentence
        current.append(span)
    if current:
        last = (current[0][0], current[-1][1])
        if not chunks or last[1] > chunks[-1][1]:
            chunks.append(last)
    return chunks


def _tail(spans: list[tuple[int, int]], overlap: int) -> list[tuple[int, int]]:
    """The last sentences of ``spans`` that fit in ``overlap`` chars (never all of them)."""
    tail: list[tuple[int, int]] = []
    for span in reversed(spans[1:]):
        if spans[-1][1] - span[0] > overlap:
            break
        tail.insert(0, span)
    return tail


def _markdown_sections(text: str) -> list[tuple[str, int, int]]:
    """``(heading path, start, end)`` of the text under each heading (code fences skipped)."""
    sections: list[tuple[str, int, int]] = []
    stack: list[tuple[int, str]] = []
    body_start = 0
    path = ""
    pos = 0
    in_fence = False
    for line in text.splitlines(keepends=True):
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        m = None if in_fence else _HEADING_RE.match(line.rstrip("\r\n"))
        if m is not None:
            sections.append((path, body_start, pos))
            level = len(m.group(1))
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, m.group(2).strip())]
            path = " > ".join(t for _, t in stack)
            body_start = pos + len(line)
        pos += len(line)
    sections.append((path, body_start, len(text)))
    return [s for s in sections if text[s[1] : s[2]].strip()]
