"""A hook between retrieval and answering, set per call: how the failure lab reaches in.

``gonogo lab`` breaks the retrieval of a RAG feature on purpose (drop the evidence, plant a
near miss, an instruction, a stale copy…). It sets a hook in a :mod:`contextvars` variable
around each call of the feature, so only that call sees it — other calls running at the
same time, and every call outside the lab, are untouched. :meth:`RagApp.answer` applies
the current hook to what it retrieved before the answerer reads it; an app with its own
retriever calls :func:`apply_retrieval_hook` the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._types import Retrieved

RetrievalHook = Callable[[str, list["Retrieved"], Any, int], list["Retrieved"]]
"""``hook(question, retrieved, index, k) -> retrieved``; ``index`` may be None."""

_HOOK: ContextVar[RetrievalHook | None] = ContextVar("gonogo_retrieval_hook", default=None)


def current_retrieval_hook() -> RetrievalHook | None:
    """The hook set for this call, or None (the normal case)."""
    return _HOOK.get()


@contextmanager
def retrieval_hook(hook: RetrievalHook | None) -> Iterator[None]:
    """Set ``hook`` for the calls made inside the ``with`` block (and tasks it starts)."""
    token = _HOOK.set(hook)
    try:
        yield
    finally:
        _HOOK.reset(token)


def apply_retrieval_hook(
    question: str, retrieved: list[Retrieved], index: Any = None, k: int | None = None
) -> list[Retrieved]:
    """``retrieved`` as the current hook changes it (unchanged when none is set)."""
    hook = _HOOK.get()
    if hook is None:
        return retrieved
    return hook(question, list(retrieved), index, k if k is not None else len(retrieved))
