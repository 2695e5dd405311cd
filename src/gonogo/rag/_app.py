"""The reference RAG app: retrieve, answer, report what it did.

:meth:`RagApp.answer` returns the dict gonogo's callable targets accept — the answer,
the contexts it was given, latency, cost and tokens, and metadata with the retrieval
scores — so an eval's RAG scorers and traces see everything. Point a PRD at it with
``target: mymodule:app.answer`` where ``app = RagApp.from_directory("index")``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from ._answer import ExtractiveAnswerer
from ._hooks import current_retrieval_hook
from ._types import Answerer, Document

if TYPE_CHECKING:
    from ..models import ModelClient
    from ._index import RagIndex


class RagApp:
    """Hybrid retrieval (``index``) + an answerer (extractive by default), top ``k`` contexts."""

    def __init__(
        self,
        index: RagIndex,
        answerer: Answerer | None = None,
        k: int = 5,
        *,
        owned_client: ModelClient | None = None,
    ) -> None:
        if k < 1:
            raise UserError(f"k must be at least 1, not {k}", "use e.g. k=5")
        self.index = index
        self.answerer: Answerer = answerer or ExtractiveAnswerer()
        self.k = k
        self._owned_client = owned_client
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()

    @property
    def name(self) -> str:
        """``rag:<answerer>``, e.g. ``rag:extractive`` or ``rag:llm:gpt-4o-mini``."""
        return f"rag:{self.answerer.name}"

    @classmethod
    def from_directory(
        cls,
        index_dir: str | Path,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_key_env: str | None = None,
        k: int = 5,
        window_tokens: int | None = None,
    ) -> RagApp:
        """Load the index at ``index_dir``; answer extractively, or with ``model`` when given.

        ``base_url`` is any OpenAI-compatible endpoint (default OpenAI's); the API key is
        read from the environment variable ``api_key_env`` names.
        """
        from ._index import RagIndex

        if model is None and (base_url is not None or api_key_env is not None):
            raise UserError(
                "a base URL or API key variable was given without a model name",
                "add --model NAME (e.g. --model gpt-4o-mini), or drop them to answer offline",
            )
        index = RagIndex.load(Path(index_dir))
        if model is None:
            return cls(index, ExtractiveAnswerer(), k)
        from ..models import build_client
        from ..spec import ProviderSpec
        from ._llm import DEFAULT_WINDOW_TOKENS, LLMAnswerer

        spec = ProviderSpec(
            provider="openai-compatible",
            base_url=base_url,
            api_key_env=api_key_env,
            name=model,
            params={"temperature": 0},
        )
        client = build_client(spec, {})
        answerer = LLMAnswerer(client, window_tokens=window_tokens or DEFAULT_WINDOW_TOKENS)
        return cls(index, answerer, k, owned_client=client)

    def with_documents(self, documents: Sequence[Document]) -> RagApp:
        """The same app (answerer, client) over its index plus ``documents``."""
        return RagApp(
            self.index.with_documents(documents),
            self.answerer,
            self.k,
            owned_client=self._owned_client,
        )

    async def answer(self, question: str) -> dict[str, Any]:
        """Retrieve the top ``k`` contexts for ``question`` and answer from them."""
        if not isinstance(question, str):
            raise UserError(
                f"the question must be text, not {type(question).__name__}",
                "give the app a `question` string",
            )
        t0 = time.perf_counter()
        retrieved = await asyncio.to_thread(self.index.search, question, self.k)
        hook = current_retrieval_hook()  # set only by the failure lab, for this call
        if hook is not None:
            retrieved = await asyncio.to_thread(hook, question, retrieved, self.index, self.k)
        t1 = time.perf_counter()
        draft = await self.answerer.aanswer(question, retrieved)
        t2 = time.perf_counter()
        return {
            "output": draft.text,
            "contexts": [r.chunk.context for r in retrieved],
            "context_ids": [r.chunk.id for r in retrieved],
            "latency_s": t2 - t0,
            "cost_usd": draft.cost_usd,
            "input_tokens": draft.input_tokens,
            "output_tokens": draft.output_tokens,
            "metadata": {
                "app": self.name,
                "answerer": self.answerer.name,
                "k": self.k,
                "refused": draft.refused,
                "evidence_chunk_id": draft.evidence_chunk_id,
                "answer_score": draft.score,
                "cached": draft.cached,
                "retrieval": [r.to_dict() for r in retrieved],
                "retrieval_s": round(t1 - t0, 6),
                "answer_s": round(t2 - t1, 6),
                "answer": draft.metadata,
            },
        }

    def answer_sync(self, question: str) -> dict[str, Any]:
        """:meth:`answer` from synchronous code (scripts, threads); safe to call concurrently.

        Runs on the app's own event-loop thread, so a model client's connections live
        on one loop across calls.
        """
        future: Future[dict[str, Any]] = asyncio.run_coroutine_threadsafe(
            self.answer(question), self._background_loop()
        )
        return future.result()

    def _background_loop(self) -> asyncio.AbstractEventLoop:
        with self._loop_lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="gonogo-rag-app", daemon=True
                ).start()
                self._loop = loop
            return self._loop

    async def aclose(self) -> None:
        """Close the model client this app created (from :meth:`from_directory`)."""
        if self._owned_client is not None:
            await self._owned_client.aclose()

    def close(self) -> None:
        """Close the client and stop the background loop :meth:`answer_sync` started."""
        loop, self._loop = self._loop, None
        if loop is not None:
            asyncio.run_coroutine_threadsafe(self.aclose(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
        elif self._owned_client is not None:
            asyncio.run(self.aclose())
