"""Local sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX, offline, loaded once.

A model, not a scorer: the ``semantic_similarity`` and RAG scorers, the reference RAG
app (vector search, the extractive answerer) and ``gonogo compare`` (how alike two
variants' outputs are) all use the one process-wide :func:`get_embedder`. Importing this
package is cheap; numpy, onnxruntime and tokenizers load with the first embedder.
"""

from __future__ import annotations

from ._minilm import (
    DIM,
    MAX_TOKENS,
    MODEL_ID,
    TOKENIZER_PATH,
    Embedder,
    check_available,
    default_model_path,
    get_embedder,
)

__all__ = [
    "DIM",
    "MAX_TOKENS",
    "MODEL_ID",
    "TOKENIZER_PATH",
    "Embedder",
    "check_available",
    "default_model_path",
    "get_embedder",
]
