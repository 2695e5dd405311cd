"""The hybrid index: BM25 (``bm25s``) + MiniLM embeddings, fused by reciprocal rank.

BM25 finds exact names, numbers and rare words; the embeddings find paraphrases. Each
ranks its top candidates and reciprocal-rank fusion (``1 / (60 + rank)`` summed over
the two lists) merges them, so a chunk that both rank well comes first, and a chunk
only one of them finds still gets in.

A query with nothing to retrieve — no words, or no BM25 match and no chunk at least
:data:`DENSE_FLOOR` similar — returns ``[]``: the answerers then say they do not know.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigIssue, UserError
from ..text import terms, tokens
from ._chunking import DEFAULT_CHUNK_SIZE, DEFAULT_OVERLAP, chunk_documents
from ._documents import load_documents
from ._types import Chunk, Document, Retrieved

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..embeddings import Embedder

RRF_K = 60
"""Reciprocal-rank-fusion constant (Cormack et al. 2009)."""
DENSE_FLOOR = 0.2
"""Cosine similarity below which a chunk is not a dense hit (MiniLM: unrelated text ≈ 0–0.15)."""
CANDIDATES = 50
"""Each retriever's list length before fusion (at least 4 × k)."""
EMBED_BATCH = 8
"""Chunks per embedding task while indexing (the embedder runs them 4 at a time: see
:class:`~gonogo.embeddings.Embedder`). At 32 chunks of ~256 tokens a task held ~100 MB of
attention per layer per thread and the demo's first run peaked at 1 GB; at 8 the build
is no slower (5.4–8.8 s vs 11.8 s for the demo corpus on 2 shared cores)."""


@dataclass
class BuildInfo:
    """How an index was built: sizes, parameters and timing."""

    documents: int
    chunks: int
    chunk_size: int
    overlap: int
    sources: list[str] = field(default_factory=list)
    build_s: float = 0.0


class RagIndex:
    """Chunks, their BM25 index and their embeddings; :meth:`search` is hybrid retrieval.

    Build with :meth:`build`, persist with :meth:`save` / :meth:`load`.
    ``warnings`` holds the documents skipped while building (empty after a load).
    """

    def __init__(
        self,
        chunks: list[Chunk],
        embeddings: NDArray[np.float32],
        bm25: Any,
        info: BuildInfo,
        *,
        warnings: list[ConfigIssue] | None = None,
    ) -> None:
        if len(chunks) != embeddings.shape[0]:
            raise ValueError("one embedding row per chunk is required")
        self.chunks = chunks
        self.embeddings = embeddings
        self.bm25 = bm25
        self.info = info
        self.warnings = warnings or []
        self._by_id = {c.id: c for c in chunks}

    def __len__(self) -> int:
        return len(self.chunks)

    def chunk(self, chunk_id: str) -> Chunk:
        """The chunk with this id (KeyError when there is none)."""
        return self._by_id[chunk_id]

    @classmethod
    def build(
        cls,
        documents: Iterable[Document] | Iterable[str | Path],
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        overlap: int = DEFAULT_OVERLAP,
        workers: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> RagIndex:
        """Chunk, index and embed documents — or the files and folders at these paths.

        Skipped files are in the result's ``warnings``; no usable document at all raises
        :class:`~gonogo.errors.UserError`. ``workers`` embedding threads (default: the
        CPU count, at most 4). ``on_progress(done, total)`` is called as chunks are
        embedded (the slow part), so a caller can show progress.
        """
        t0 = time.perf_counter()
        items = list(documents)
        warnings: list[ConfigIssue] = []
        sources: list[str] = []
        if all(isinstance(d, Document) for d in items):
            docs = [d for d in items if isinstance(d, Document)]
        else:
            sources = [str(p) for p in items if isinstance(p, str | Path)]
            docs, warnings = load_documents(sources)
        chunks = chunk_documents(docs, chunk_size=chunk_size, overlap=overlap)
        if not chunks:
            raise UserError("the documents have no text to index", "give documents with text")
        embeddings = embed_texts(
            [c.context for c in chunks], workers=workers, on_progress=on_progress
        )
        bm25 = bm25_index(chunks)
        info = BuildInfo(len(docs), len(chunks), chunk_size, overlap, sources)
        info.build_s = time.perf_counter() - t0
        return cls(chunks, embeddings, bm25, info, warnings=warnings)

    def with_documents(self, documents: Sequence[Document]) -> RagIndex:
        """A new index with ``documents`` added: only they are chunked and embedded.

        The BM25 statistics are rebuilt over every chunk (cheap); this index is unchanged.
        """
        import numpy as np

        info = self.info
        new = chunk_documents(documents, chunk_size=info.chunk_size, overlap=info.overlap)
        chunks = [*self.chunks, *new]
        vectors = embed_texts([c.context for c in new]) if new else self.embeddings[:0]
        embeddings = np.concatenate([self.embeddings, vectors]).astype(np.float32, copy=False)
        grown = BuildInfo(
            info.documents + len(documents), len(chunks), info.chunk_size, info.overlap,
            list(info.sources),
        )  # fmt: skip
        return RagIndex(chunks, embeddings, bm25_index(chunks), grown)

    def save(self, directory: str | Path) -> None:
        """Write the index to ``directory`` (created if needed; an old index is replaced)."""
        from ._store import save_index

        save_index(self, Path(directory))

    @classmethod
    def load(cls, directory: str | Path) -> RagIndex:
        """Read an index :meth:`save` wrote; a missing or stale one raises a UserError."""
        from ._store import load_index

        return load_index(cls, Path(directory))

    def corpus_sha256(self) -> str:
        """Hash of the chunks (ids, heading and text): the index's content version."""
        return corpus_sha256(self.chunks)

    def search(self, query: str, k: int = 5) -> list[Retrieved]:
        """The ``k`` best chunks for ``query``, best first (``[]`` when none is relevant)."""
        import numpy as np

        if k < 1:
            raise UserError(f"k must be at least 1, not {k}", "ask for e.g. k=5")
        if not tokens(query):
            return []
        n = min(len(self.chunks), max(CANDIDATES, 4 * k))
        bm25_scores = self._bm25_scores(query)
        bm25_top = _top(bm25_scores, n, floor=1e-9) if bm25_scores is not None else []
        from ..embeddings import get_embedder

        query_vec = get_embedder().embed([query])[0]
        sims = self.embeddings @ query_vec
        dense_top = _top(sims, n, floor=DENSE_FLOOR)
        fused: dict[int, float] = {}
        for ranking in (bm25_top, dense_top):
            for rank, i in enumerate(ranking, start=1):
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank)
        bm25_rank = {i: r for r, i in enumerate(bm25_top, start=1)}
        dense_rank = {i: r for r, i in enumerate(dense_top, start=1)}
        best = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [
            Retrieved(
                chunk=self.chunks[i],
                score=fused[i],
                bm25_rank=bm25_rank.get(i),
                dense_rank=dense_rank.get(i),
                bm25_score=float(bm25_scores[i]) if bm25_scores is not None else 0.0,
                similarity=float(np.clip(sims[i], -1.0, 1.0)),
            )
            for i in best
        ]

    def _bm25_scores(self, query: str) -> NDArray[np.float32] | None:
        vocab = self.bm25.vocab_dict
        ids = [vocab[t] for t in terms(query) if t in vocab and t]
        if not ids:
            return None
        scores: NDArray[np.float32] = self.bm25.get_scores_from_ids(ids)
        return scores


def _top(scores: NDArray[np.float32], n: int, *, floor: float) -> list[int]:
    """Indices of the ``n`` highest scores at or above ``floor``, highest first."""
    import numpy as np

    if n < len(scores):
        cand = np.argpartition(-scores, n - 1)[:n]
    else:
        cand = np.arange(len(scores))
    cand = cand[scores[cand] >= floor]
    order = np.lexsort((cand, -scores[cand]))  # by score, ties by position: deterministic
    return [int(i) for i in cand[order]]


def embed_texts(
    texts: Sequence[str],
    *,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> NDArray[np.float32]:
    """Unit vectors for many texts, in batches spread over threads.

    ``on_progress(done, total)`` is called after each batch, in order.
    """
    import numpy as np

    from ..embeddings import get_embedder

    embedder = get_embedder()
    batches = [list(texts[i : i + EMBED_BATCH]) for i in range(0, len(texts), EMBED_BATCH)]
    n = workers if workers is not None else min(4, os.cpu_count() or 1)
    parts = []
    done = 0
    if on_progress is not None:
        on_progress(0, len(texts))
    with ThreadPoolExecutor(max(1, n), thread_name_prefix="gonogo-embed") as pool:
        if n <= 1 or len(batches) <= 1:
            results: Iterable[NDArray[np.float32]] = (_embed_uncached(embedder, b) for b in batches)
        else:
            results = pool.map(lambda b: _embed_uncached(embedder, b), batches)
        for part in results:
            parts.append(part)
            done += len(part)
            if on_progress is not None:
                on_progress(done, len(texts))
    if not parts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)


def _embed_uncached(embedder: Embedder, texts: list[str]) -> NDArray[np.float32]:
    # Corpus chunks are embedded once; keeping them out of the query cache leaves it
    # for what repeats (questions, answer sentences).
    encode = getattr(embedder, "_encode", None)
    result: NDArray[np.float32] = encode(texts) if encode is not None else embedder.embed(texts)
    return result


def bm25_index(chunks: Sequence[Chunk]) -> Any:
    """A ``bm25s.BM25`` over the chunks' index terms."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([terms(c.context) for c in chunks], show_progress=False)
    return retriever


def corpus_sha256(chunks: Iterable[Chunk]) -> str:
    """Hash of the chunks (ids, heading and text): changes when any chunk changes."""
    h = hashlib.sha256()
    for c in chunks:
        h.update(json.dumps([c.id, c.heading, c.text], ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()
