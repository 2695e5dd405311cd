"""The feature with a stack of injections applied: a target like any other, for the runner.

:class:`InjectedTarget` wraps the eval plan's target. Per call it draws the infra fault
(simulated unless the fault proxy serves it over real HTTP), sets the retrieval hook
(a RAG app) or rewrites the case's ``{contexts}`` (the model spec), calls the feature —
or, for a stack of output injections only, replays the clean run's recorded answer — and
passes the answer through the output injections. What changed goes into the output's
``metadata["lab"]``, which the runner stores with the sample.

:class:`ReuseScorer` gives a sample whose answer and passages are exactly the clean run's
the clean run's score, so an injection that changes a tenth of the answers costs a tenth
of the scoring (latency and cost scorers are always re-run: their input is not the text).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..data import Case, TargetOutput
from ..rag import Chunk, Retrieved, retrieval_hook
from ..scorers import Score
from ..spec._lab import CONTEXT_VARIABLES
from ._infra import describe, first_fault, simulate, with_delay
from ._injection import CallContext, Fault, Injection, Passage, seeded

Record = Mapping[str, Any]
ByCase = Mapping[str, Mapping[int, Record]]


class InjectedTarget:
    """``inner`` with ``stack`` applied; ``kind`` is the target kind (model, callable, http)."""

    def __init__(
        self,
        inner: Any,
        stack: Sequence[Injection],
        *,
        seed: str,
        kind: str,
        clean: ByCase,
        pool: Sequence[str] = (),
        pool_passages: Sequence[str] = (),
        timeout_s: float = 60.0,
        simulate_infra: bool = True,
    ) -> None:
        self.inner = inner
        self.stack = list(stack)
        self.seed = seed
        self.kind = kind
        self.clean = clean
        self.pool = pool
        self.pool_passages = pool_passages
        self.timeout_s = timeout_s
        self.simulate_infra = simulate_infra
        layers = {i.layer for i in self.stack}
        self.replay = layers <= {"output"}
        self.retrieval = [i for i in self.stack if i.layer == "retrieval"]
        self.output_stack = [i for i in self.stack if i.layer == "output"]
        self.name = f"{getattr(inner, 'name', 'target')} + lab"
        self._rank: Any = None

    def _ranker(self) -> Any:
        if self._rank is None:
            from ._mutate import embedding_ranker

            self._rank = embedding_ranker()
        return self._rank

    def _contexts(self, case: Case, sample: int, effects: list[dict[str, Any]]) -> list[Any]:
        out = []
        for i, inj in enumerate(self.stack):
            rng = seeded(f"{self.seed}|{i}|{inj.name}|{case.key}|{sample}")
            ctx = CallContext(rng=rng, case=case, sample=sample, question=case.input_text,
                              pool=self.pool, pool_passages=self.pool_passages,
                              rank=self._ranker(), effects=effects)  # fmt: skip
            out.append(ctx)
        return out

    async def __call__(self, case: Case, sample: int) -> TargetOutput:
        effects: list[dict[str, Any]] = []
        ctxs = self._contexts(case, sample, effects)
        fault: Fault | None = None
        if self.simulate_infra:
            for inj, ctx in zip(self.stack, ctxs, strict=True):
                if inj.layer == "infra":
                    fault = first_fault([inj], ctx)
                    if fault is not None:
                        break
            failed = simulate(fault, self.kind, self.timeout_s) if fault is not None else None
            if failed is not None:
                return self._finish(failed, effects, fault, replayed=False, reached=None)
        reached: list[bool] = []
        replayed = False
        rec = self.clean.get(case.key, {}).get(sample)
        if self.replay and rec is not None:
            out = output_of(rec)
            replayed = True
        elif self.retrieval and self.kind == "model":
            out = await self._with_contexts(case, sample, ctxs)
            reached.append(True)
        elif self.retrieval:
            with retrieval_hook(self._hook(ctxs, reached)):
                out = await self.inner(case, sample)
        else:
            out = await self.inner(case, sample)
        out = with_delay(out, fault)
        for inj, ctx in zip(self.stack, ctxs, strict=True):
            if inj.layer == "output":
                out = inj.output(out, ctx)
        hit = bool(reached) if self.retrieval else None
        return self._finish(out, effects, fault, replayed=replayed, reached=hit)

    def _finish(
        self, out: TargetOutput, effects: list[dict[str, Any]], fault: Fault | None, *,
        replayed: bool, reached: bool | None,
    ) -> TargetOutput:  # fmt: skip
        lab: dict[str, Any] = {"effects": effects, "replayed": replayed}
        if fault is not None:
            lab["fault"] = describe(fault)
            effects.append({"injection": f"lab:{fault.kind}", "detail": "fault served"})
        if reached is not None:
            lab["retrieval_reached"] = reached
        out.metadata = {**out.metadata, "lab": lab}
        return out

    async def _with_contexts(self, case: Case, sample: int, ctxs: list[CallContext]) -> Any:
        passages = [Passage(str(c)) for c in case.contexts or []]
        for inj, ctx in zip(self.stack, ctxs, strict=True):
            if inj.layer == "retrieval":
                ctx.question = case.input_text
                passages = inj.passages(passages, ctx)
        texts = [p.text for p in passages]
        inputs = dict(case.inputs)
        for name in CONTEXT_VARIABLES:
            if name in inputs:
                inputs[name] = texts if isinstance(inputs[name], list) else "\n\n".join(texts)
        seen = dataclasses.replace(case, inputs=inputs, contexts=texts)
        out: TargetOutput = await self.inner(seen, sample)
        if out.contexts is None:
            out.contexts = texts  # the scorers judge what the model was given
        return out

    def _hook(self, ctxs: list[CallContext], reached: list[bool]) -> Any:
        def hook(question: str, retrieved: list[Any], index: Any, k: int) -> list[Any]:
            reached.append(True)
            passages = [Passage(r.chunk.text, r.chunk.id, r) for r in retrieved]
            search = _searcher(index) if index is not None else None
            for inj, ctx in zip(self.stack, ctxs, strict=True):
                if inj.layer == "retrieval":
                    ctx.question, ctx.search, ctx.k = question, search, k
                    passages = inj.passages(passages, ctx)
            return [_retrieved(p, i) for i, p in enumerate(passages)]

        return hook


def _searcher(index: Any) -> Any:
    def search(question: str, n: int) -> list[Passage]:
        return [Passage(r.chunk.text, r.chunk.id, r) for r in index.search(question, n)]

    return search


def _retrieved(p: Passage, rank: int) -> Retrieved:
    src = p.source
    if isinstance(src, Retrieved):
        if src.chunk.text == p.text:
            return src
        return dataclasses.replace(src, chunk=dataclasses.replace(src.chunk, text=p.text))
    chunk = Chunk(id=p.id or f"lab/{rank}", doc_id=p.id or f"lab/{rank}", text=p.text,
                  source="lab", start=0)  # fmt: skip
    return Retrieved(chunk=chunk, score=0.0, bm25_rank=None, dense_rank=None)


def output_of(rec: Record) -> TargetOutput:
    """The clean run's recorded answer as a target output (for a replayed call)."""
    return TargetOutput(
        rec.get("output"),
        contexts=rec.get("contexts"),
        latency_s=float(rec.get("latency_s") or 0.0),
        cost_usd=rec.get("cost_usd"),
        input_tokens=rec.get("input_tokens"),
        output_tokens=rec.get("output_tokens"),
        cached=True,  # nothing was spent again
        error=rec.get("error"),
        error_kind=rec.get("error_kind"),
    )


def _same(rec: Record, out: TargetOutput) -> bool:
    if rec.get("error") or out.error is not None:
        return False
    if rec.get("contexts") != out.contexts:
        return False
    a, b = rec.get("output"), out.output
    if a == b:
        return True
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


NOT_REUSED_KINDS = frozenset({"latency", "cost"})


class ReuseScorer:
    """``inner``, except that an answer identical to the clean run's gets the clean score."""

    def __init__(self, inner: Any, clean: ByCase) -> None:
        self.inner = inner
        self.id = inner.id
        self.clean = clean
        self.reused = 0

    async def score(self, case: Case, output: TargetOutput) -> Score:
        """The clean run's score for an unchanged answer, else the scorer's own."""
        rec = self.clean.get(case.key, {}).get(int(output.metadata.get("sample", 0)))
        if rec is not None and _same(rec, output):
            stored = (rec.get("scores") or {}).get(self.id)
            if isinstance(stored, dict):
                self.reused += 1
                return Score(stored.get("value"), stored.get("passed"), stored.get("reason", ""),
                             dict(stored.get("metadata") or {}), stored.get("error"))  # fmt: skip
        result: Score = await self.inner.score(case, output)
        return result
