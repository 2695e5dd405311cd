"""The reference RAG app, and offline groundedness detection for RAG answers.

Ingest text, Markdown and JSONL documents (:func:`load_documents`), cut them into
overlapping chunks, index them for hybrid retrieval — BM25 plus local MiniLM
embeddings, fused by reciprocal rank (:class:`RagIndex`) — and answer from the top
contexts, offline (:class:`ExtractiveAnswerer`) or through any model provider
(:class:`LLMAnswerer`). :class:`RagApp` puts it together and returns what gonogo's
callable targets accept. From the shell: ``gonogo rag ingest`` / ``gonogo rag ask``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._answer import ExtractiveAnswerer
from ._app import RagApp
from ._chunking import DEFAULT_CHUNK_SIZE, DEFAULT_OVERLAP, chunk_document, chunk_documents
from ._documents import load_documents
from ._hooks import RetrievalHook, apply_retrieval_hook, current_retrieval_hook, retrieval_hook
from ._index import RagIndex
from ._llm import DEFAULT_PROMPT, LLMAnswerer, RagPrompt, fit_contexts
from ._types import REFUSAL, AnswerDraft, Answerer, Chunk, Document, Retrieved

# Groundedness detection lives in ._grounding*; its names are loaded on first use
# (PEP 562), so the RAG app does not pay for the detectors (nor they for the app).
if TYPE_CHECKING:
    from ._grounding import GroundednessDetector
    from ._grounding_judge import JudgeGroundednessChecker
    from ._grounding_nli import NLIGroundednessDetector
    from ._grounding_result import ClaimVerdict, GroundingResult

_GROUNDING_NAMES = {
    "ClaimVerdict": "._grounding_result",
    "GroundingResult": "._grounding_result",
    "GroundednessDetector": "._grounding",
    "JudgeGroundednessChecker": "._grounding_judge",
    "NLIGroundednessDetector": "._grounding_nli",
}


def __getattr__(name: str) -> Any:
    module = _GROUNDING_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'gonogo.rag' has no attribute '{name}'")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # resolve once
    return value


__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_OVERLAP",
    "DEFAULT_PROMPT",
    "REFUSAL",
    "AnswerDraft",
    "Answerer",
    "Chunk",
    "ClaimVerdict",
    "Document",
    "ExtractiveAnswerer",
    "GroundednessDetector",
    "GroundingResult",
    "JudgeGroundednessChecker",
    "LLMAnswerer",
    "NLIGroundednessDetector",
    "RagApp",
    "RagIndex",
    "RagPrompt",
    "Retrieved",
    "RetrievalHook",
    "apply_retrieval_hook",
    "chunk_document",
    "chunk_documents",
    "current_retrieval_hook",
    "fit_contexts",
    "load_documents",
    "retrieval_hook",
]
