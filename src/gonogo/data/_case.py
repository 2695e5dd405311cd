"""A golden case and a loaded dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Case:
    """One golden case.

    ``inputs`` are the template variables (``{question}``); a row whose ``input`` is a
    plain string gets ``{"input": ...}``. ``contexts`` are reference passages the case
    carries (RAG goldens), ``source`` is ``file:line`` for error messages.
    """

    id: str
    inputs: dict[str, Any]
    expected: Any = None
    tags: list[str] = field(default_factory=list)
    contexts: list[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    dataset: str = "default"
    source: str = ""

    @property
    def key(self) -> str:
        """Unique within a run: ``dataset/id``."""
        return f"{self.dataset}/{self.id}"

    @property
    def input_text(self) -> str:
        """The case's main input as text (``input``/``question``/``query`` or all vars)."""
        for name in ("input", "question", "query", "prompt"):
            v = self.inputs.get(name)
            if isinstance(v, str):
                return v
        return "\n".join(f"{k}: {v}" for k, v in self.inputs.items())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dataset": self.dataset,
            "inputs": self.inputs,
            "expected": self.expected,
            "tags": self.tags,
            "contexts": self.contexts,
            "metadata": self.metadata,
            "source": self.source,
        }


@dataclass(slots=True)
class Dataset:
    """A named list of cases with a content hash that versions it."""

    name: str
    path: str
    cases: list[Case]
    sha256: str
