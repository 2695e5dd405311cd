"""Persist a :class:`RagIndex` to a folder, and read it back with checks.

Layout: ``manifest.json`` (format version, embedding model, tokenizer, corpus hash,
build parameters), ``chunks.jsonl``, ``embeddings.npy`` (float32, one unit row per
chunk) and ``bm25/`` (``bm25s``'s own files). The manifest is written last, so a
half-written folder reads as "no index" rather than as a broken one.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .. import __version__
from ..errors import UserError
from ..text import TOKENIZER_ID
from ._index import BuildInfo, corpus_sha256
from ._types import Chunk

if TYPE_CHECKING:
    from ._index import RagIndex

FORMAT = "gonogo.rag-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
EMBEDDINGS = "embeddings.npy"
BM25_DIR = "bm25"

IndexT = TypeVar("IndexT", bound="RagIndex")


def save_index(index: RagIndex, directory: Path) -> None:
    """Write ``index`` under ``directory``, replacing an index already there."""
    import numpy as np

    from ..embeddings import DIM, MODEL_ID

    if directory.exists() and not directory.is_dir():
        raise UserError(f"{directory} is a file, not a folder", "give --index a folder path")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MANIFEST).unlink(missing_ok=True)
        with open(directory / CHUNKS, "w", encoding="utf-8") as f:
            for c in index.chunks:
                f.write(json.dumps(_chunk_row(c), ensure_ascii=False) + "\n")
        np.save(directory / EMBEDDINGS, index.embeddings, allow_pickle=False)
        shutil.rmtree(directory / BM25_DIR, ignore_errors=True)
        index.bm25.save(str(directory / BM25_DIR), show_progress=False)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "gonogo_version": __version__,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "embedding_model": MODEL_ID,
            "embedding_dim": DIM,
            "tokenizer": TOKENIZER_ID,
            "corpus_sha256": index.corpus_sha256(),
            **asdict(index.info),
        }
        (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    except OSError as e:
        raise UserError(
            f"cannot write the index to {directory}: {e.strerror or e}",
            "check the folder is writable and the disk has room",
        ) from None


def load_index(cls: type[IndexT], directory: Path) -> IndexT:
    """Read the index under ``directory``; anything missing or stale is a UserError."""
    manifest = _read_manifest(directory)
    hint = _rebuild_hint(directory, manifest.get("sources"))
    _check_manifest(directory, manifest, hint)
    try:
        chunks = _read_chunks(directory / CHUNKS)
        embeddings = _read_embeddings(directory / EMBEDDINGS)
        bm25 = _read_bm25(directory / BM25_DIR)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UserError(f"the index at {directory} is damaged ({e})", hint) from None
    if corpus_sha256(chunks) != manifest.get("corpus_sha256"):
        raise UserError(f"{directory / CHUNKS} changed after the index was built", hint)
    if embeddings.shape != (len(chunks), manifest.get("embedding_dim")):
        raise UserError(
            f"the index at {directory} is damaged: {embeddings.shape[0]} embeddings "
            f"for {len(chunks)} chunks",
            hint,
        )
    info = BuildInfo(
        documents=int(manifest.get("documents", 0)),
        chunks=len(chunks),
        chunk_size=int(manifest.get("chunk_size", 0)),
        overlap=int(manifest.get("overlap", 0)),
        sources=[str(s) for s in manifest.get("sources") or []],
        build_s=float(manifest.get("build_s", 0.0)),
    )
    return cls(chunks, embeddings, bm25, info)


def _read_manifest(directory: Path) -> dict[str, Any]:
    hint = _rebuild_hint(directory, None)
    if not directory.is_dir():
        raise UserError(f"no RAG index at {directory}", hint.replace("rebuild", "build"))
    path = directory / MANIFEST
    if not path.is_file():
        raise UserError(f"{directory} holds no RAG index (no {MANIFEST})", hint)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"cannot read {path} ({e})", hint) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UserError(f"{path} is not a gonogo RAG index manifest", hint)
    return manifest


def _check_manifest(directory: Path, manifest: dict[str, Any], hint: str) -> None:
    from ..embeddings import MODEL_ID

    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise UserError(
            f"the index at {directory} has format version {version}; this gonogo reads "
            f"version {FORMAT_VERSION}",
            hint,
        )
    if manifest.get("embedding_model") != MODEL_ID:
        raise UserError(
            f"the index at {directory} was embedded with {manifest.get('embedding_model')}; "
            f"this gonogo embeds queries with {MODEL_ID}",
            hint,
        )
    if manifest.get("tokenizer") != TOKENIZER_ID:
        raise UserError(
            f"the index at {directory} was built with tokenizer {manifest.get('tokenizer')}; "
            f"this gonogo uses {TOKENIZER_ID}",
            hint,
        )


def _rebuild_hint(directory: Path, sources: Any) -> str:
    paths = " ".join(str(s) for s in sources) if isinstance(sources, list) and sources else None
    return f"rebuild it: gonogo rag ingest {paths or 'PATHS...'} --index {directory}"


def _chunk_row(c: Chunk) -> dict[str, Any]:
    row: dict[str, Any] = {"id": c.id, "doc_id": c.doc_id, "source": c.source, "start": c.start}
    if c.heading:
        row["heading"] = c.heading
    row["text"] = c.text
    return row


def _read_chunks(path: Path) -> list[Chunk]:
    chunks = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            chunks.append(
                Chunk(
                    id=str(row["id"]),
                    doc_id=str(row["doc_id"]),
                    text=str(row["text"]),
                    source=str(row["source"]),
                    start=int(row["start"]),
                    heading=str(row.get("heading", "")),
                )
            )
    return chunks


def _read_embeddings(path: Path) -> Any:
    import numpy as np

    return np.load(path, allow_pickle=False).astype(np.float32, copy=False)


def _read_bm25(path: Path) -> Any:
    import bm25s

    if not path.is_dir():
        raise FileNotFoundError(f"{path} is missing")
    return bm25s.BM25.load(str(path), show_progress=False)
