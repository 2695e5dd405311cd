"""The model answerer: a versioned prompt over numbered contexts, through ModelClient.

The prompt tells the model to answer only from the passages, cite them as ``[n]`` and
say "I don't know" when they do not hold the answer. Contexts that would overflow the
model's window (estimated at 4 characters a token) are cut — whole passages kept in
rank order, the one that crosses the limit shortened, the rest dropped — and the
answer's metadata says so. Retries, cache, usage and cost come from
:class:`~gonogo.models.ModelClient`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import UserError
from ._types import REFUSAL, AnswerDraft, Retrieved

if TYPE_CHECKING:
    from ..models import ModelClient

CHARS_PER_TOKEN = 4
DEFAULT_WINDOW_TOKENS = 4096
DEFAULT_ANSWER_TOKENS = 512
MIN_CONTEXT_CHARS = 200  # a passage cut shorter than this is dropped instead


class PromptLike(Protocol):
    """A versioned prompt: :class:`RagPrompt` or the PRD's ``PromptSpec``."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> int | str: ...
    @property
    def system(self) -> str | None: ...
    @property
    def user(self) -> str: ...


@dataclass(frozen=True)
class RagPrompt:
    """A versioned prompt; ``user`` (and ``system``) use ``{contexts}`` and ``{question}``."""

    name: str
    version: int | str
    system: str | None
    user: str


DEFAULT_PROMPT = RagPrompt(
    name="rag-answer",
    version=1,
    system=(
        "You answer questions using only the numbered context passages you are given. "
        "Do not use any other knowledge. Cite the passages you use as [1], [2], and so on. "
        "If the passages do not contain the answer, reply exactly: " + REFUSAL + " "
        "Answer briefly, in one to three sentences."
    ),
    user="Context passages:\n\n{contexts}\n\nQuestion: {question}\nAnswer:",
)
"""``rag-answer`` v1 — bump the version whenever the wording changes."""

_REFUSAL_RE = re.compile(
    r"(?i)\b(i|we) (do not|don't|cannot|can't) (know|answer|tell|find)"
    r"|\b(context|passages?|documents?) (does|do) not (contain|say|mention|provide)"
)
_CITE_RE = re.compile(r"\[(\d{1,3})\]")


class LLMAnswerer:
    """Answers through a model: ``client`` is any provider's :class:`ModelClient`.

    ``window_tokens`` is the model's context window; ``answer_tokens`` is kept free
    for the answer (the request's ``max_tokens`` when it sets one).
    """

    def __init__(
        self,
        client: ModelClient,
        prompt: PromptLike = DEFAULT_PROMPT,
        *,
        window_tokens: int = DEFAULT_WINDOW_TOKENS,
        answer_tokens: int | None = None,
    ) -> None:
        for field_ in ("{contexts}", "{question}"):
            if field_ not in (prompt.system or "") + prompt.user:
                raise UserError(
                    f"prompt '{prompt.name}' v{prompt.version} has no {field_} placeholder",
                    "put {contexts} and {question} in its user (or system) template",
                )
        self.client = client
        self.prompt = prompt
        self.window_tokens = window_tokens
        max_tokens = client.params.get("max_tokens")
        self.answer_tokens = answer_tokens or (
            int(max_tokens) if isinstance(max_tokens, int) else DEFAULT_ANSWER_TOKENS
        )
        self.name = f"llm:{client.model}"

    @property
    def prompt_id(self) -> str:
        """``name v<version>``, recorded with every answer."""
        return f"{self.prompt.name} v{self.prompt.version}"

    def messages(
        self, question: str, retrieved: list[Retrieved]
    ) -> tuple[list[dict[str, str]], dict[str, Any]]:
        """The chat messages for ``question`` and a note on what was truncated."""
        overhead = len(self._render("", question)[-1]["content"]) + len(self.prompt.system or "")
        budget = (self.window_tokens - self.answer_tokens) * CHARS_PER_TOKEN - overhead
        passages, note = fit_contexts([r.chunk.context for r in retrieved], budget)
        contexts = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(passages, start=1))
        if note:
            note["window_tokens"] = self.window_tokens
        return self._render(contexts, question), note

    def _render(self, contexts: str, question: str) -> list[dict[str, str]]:
        values = {"contexts": contexts, "question": question}
        msgs = []
        if self.prompt.system:
            msgs.append({"role": "system", "content": self.prompt.system.format_map(values)})
        msgs.append({"role": "user", "content": self.prompt.user.format_map(values)})
        return msgs

    async def aanswer(self, question: str, retrieved: list[Retrieved]) -> AnswerDraft:
        """Same as :meth:`answer` (the :class:`Answerer` protocol)."""
        return await self.answer(question, retrieved)

    async def answer(self, question: str, retrieved: list[Retrieved]) -> AnswerDraft:
        """Ask the model; with no context at all, refuse without a call."""
        meta: dict[str, Any] = {"prompt": self.prompt_id, "model": self.client.model}
        if not retrieved:
            meta["refusal_reason"] = "no context retrieved"
            return AnswerDraft(REFUSAL, refused=True, cost_usd=0.0, metadata=meta)
        messages, note = self.messages(question, retrieved)
        if note:
            meta["truncation"] = note
        resp = await self.client.complete(messages)
        text = resp.text.strip()
        cited = [int(n) for n in _CITE_RE.findall(text) if 1 <= int(n) <= len(retrieved)]
        meta.update(finish_reason=resp.finish_reason, cited=sorted(set(cited)))
        return AnswerDraft(
            text=text,
            evidence_chunk_id=retrieved[cited[0] - 1].chunk.id if cited else None,
            refused=bool(_REFUSAL_RE.search(text)) or not text,
            cost_usd=resp.cost_usd,
            input_tokens=resp.usage.input_tokens if resp.usage else None,
            output_tokens=resp.usage.output_tokens if resp.usage else None,
            cached=resp.cached,
            metadata=meta,
        )


def fit_contexts(contexts: list[str], budget_chars: int) -> tuple[list[str], dict[str, Any]]:
    """Keep passages in order within ``budget_chars``; cut the one that crosses it.

    Returns the passages and a note (empty when nothing was cut).
    """
    kept: list[str] = []
    used = 0
    cut_chars = 0
    for i, text in enumerate(contexts):
        room = budget_chars - used - 8  # "[n] " and the blank line between passages
        if len(text) <= room:
            kept.append(text)
            used += len(text) + 8
            continue
        if room >= MIN_CONTEXT_CHARS:
            short = _cut(text, room - 6)
            kept.append(short + " […]")
            cut_chars += len(text) - len(short)
        else:
            cut_chars += len(text)
        cut_chars += sum(len(t) for t in contexts[i + 1 :])
        break
    if len(kept) == len(contexts) and not cut_chars:
        return kept, {}
    dropped = len(contexts) - len(kept)
    return kept, {
        "contexts_given": len(contexts),
        "contexts_kept": len(kept),
        "contexts_dropped": dropped,
        "chars_cut": cut_chars,
        "note": (
            f"the contexts exceeded the model window: {cut_chars} characters "
            f"(~{math.ceil(cut_chars / CHARS_PER_TOKEN)} tokens) were cut, "
            f"{dropped} passage(s) dropped"
        ),
    }


def _cut(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` chars, at a sentence end or space if near."""
    head = text[:limit]
    for mark in (". ", "\n", " "):
        at = head.rfind(mark)
        if at >= limit * 0.6:
            return head[: at + 1].rstrip()
    return head
