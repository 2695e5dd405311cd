"""The RAG app's data: documents, chunks, retrieval hits, answer drafts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

REFUSAL = "I don't know based on the provided documents."
"""What the answerers say when the retrieved context does not support an answer."""


@dataclass(frozen=True, slots=True)
class Document:
    """One source document: a text or Markdown file, or one line of a JSONL file.

    ``source`` says where it came from (``path`` or ``path:line``); ``id`` is stable
    across re-ingests of the same files. ``format`` is ``"text"`` or ``"markdown"``
    (whose headings become the chunks' heading paths).
    """

    id: str
    text: str
    source: str
    title: str | None = None
    format: str = "text"


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable piece of a document, cut on sentence boundaries.

    ``start`` is the character offset of ``text`` in the document; ``heading`` the
    Markdown heading path above it (``"Setup > Install"``), empty when there is none.
    """

    id: str
    doc_id: str
    text: str
    source: str
    start: int
    heading: str = ""

    @property
    def context(self) -> str:
        """The text given to answerers and scorers: the heading path, then the text."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


@dataclass(frozen=True, slots=True)
class Retrieved:
    """One search hit.

    ``score`` is the reciprocal-rank-fusion score; ``bm25_rank`` / ``dense_rank`` are
    the chunk's 1-based ranks in each retriever's list (None when it was not in it);
    ``bm25_score`` and ``similarity`` (cosine, -1..1) are the raw retriever scores.
    """

    chunk: Chunk
    score: float
    bm25_rank: int | None
    dense_rank: int | None
    bm25_score: float = 0.0
    similarity: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The hit without its text, for metadata and JSON output."""
        return {
            "id": self.chunk.id,
            "doc_id": self.chunk.doc_id,
            "source": self.chunk.source,
            "score": round(self.score, 6),
            "bm25_rank": self.bm25_rank,
            "dense_rank": self.dense_rank,
            "bm25_score": round(self.bm25_score, 4),
            "similarity": round(self.similarity, 4),
        }


@dataclass(slots=True)
class AnswerDraft:
    """An answerer's answer.

    ``evidence_chunk_id`` is the chunk the answer was taken from (extractive) or None;
    ``score`` is the answerer's support for it (0..1; None when it has no such notion);
    cost and tokens are None when no model was called.
    """

    text: str
    evidence_chunk_id: str | None = None
    score: float | None = None
    refused: bool = False
    cost_usd: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Answerer(Protocol):
    """Turns a question and its retrieved contexts into an answer."""

    name: str

    async def aanswer(self, question: str, retrieved: list[Retrieved]) -> AnswerDraft:
        """Answer ``question`` from ``retrieved`` only."""
        ...
