"""Refund-policy answers from Acme's help-centre pages (the PRD's `acme_support.rag:answer`).

Built on gonogo's reference RAG app: the pages in ../policy are indexed once (BM25 and local
MiniLM embeddings, in memory) and each question is answered from the top passages — offline
and extractively by default, or by the PRD's model when OPENAI_API_KEY is set and
ACME_ANSWER_WITH_LLM=1. It returns the answer with the retrieved passages, which is what
gonogo's groundedness and context-recall scorers read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gonogo.rag import LLMAnswerer, RagApp, RagIndex

POLICY = Path(__file__).resolve().parents[1] / "policy"
_app: RagApp | None = None


def _load() -> RagApp:
    global _app
    if _app is None:
        index = RagIndex.build([POLICY])
        answerer = None
        if os.environ.get("ACME_ANSWER_WITH_LLM") == "1":
            from gonogo.models import build_client
            from gonogo.spec import ProviderSpec

            spec = ProviderSpec(name="gpt-4o-mini", api_key_env="OPENAI_API_KEY",
                                params={"temperature": 0.2, "max_tokens": 300})  # fmt: skip
            answerer = LLMAnswerer(build_client(spec, {}))
        _app = RagApp(index, answerer, k=5)
    return _app


async def answer(question: str) -> dict[str, Any]:
    """The answer, its contexts, latency and cost, for one golden question."""
    return await _load().answer(question)


async def aclose() -> None:
    """Called by gonogo when the run ends."""
    global _app
    if _app is not None:
        await _app.aclose()
        _app = None
