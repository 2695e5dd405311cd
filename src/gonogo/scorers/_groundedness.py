"""``groundedness``: checks that every claim of the answer is supported by the context.

Wraps the detectors of :mod:`gonogo.rag` (offline, LLM judge, NLI cross-encoder). The
answer-level verdict is the weakest claim's; the unsupported claims and their spans go
into the score's metadata so reports (and the runtime guard) can point at them.

The offline detector has three verdicts (issue #13): ``supported`` passes,
``unsupported`` fails, and ``undecided`` — words alone cannot tell a paraphrase from an
invention — is *not evaluated* by the offline method. With ``mode: auto`` and a judge in
the eval plan, an undecided answer goes to the judge, whose verdict counts; without one
it stays not evaluated, and the report says how many were left to a judge.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..data._case import Case
from ..data._output import TargetOutput
from ..errors import ProviderError
from ..spec._scorer_params import GroundednessScorer
from ..text import is_refusal
from ._base import Score, Scorer, ScorerContext, register_scorer
from ._text import as_text, doc

UNDECIDED = (
    "not evaluated by the offline method: undecided (its words are mostly, not all, in the "
    "context: a paraphrase or an invention); a judge would decide these — give the eval "
    "plan a judge (groundedness mode: auto)"
)
"""The one not-evaluated reason of an undecided answer, so the report counts them together."""


def _result_metadata(result: Any) -> dict[str, Any]:
    claims = [
        {
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "score": round(c.score, 4),
            "supported": c.supported,
            "verdict": c.verdict,
            "probability": None if c.probability is None else round(c.probability, 4),
            "reasons": list(c.reasons),
        }
        for c in result.claims
    ]
    return {
        "method": result.method,
        "verdict": result.verdict,
        "probability": None if result.probability is None else round(result.probability, 4),
        "threshold": result.threshold,
        "claims": claims,
        "unsupported": [c for c in claims if c["verdict"] == "unsupported"],
        "undecided": [c for c in claims if c["verdict"] == "undecided"],
    }


class Groundedness:
    """Scores support of the output by the contexts the target retrieved.

    ``judge``: the detector is the LLM judge. ``fallback``: a judge that decides the
    answers the (offline) detector leaves undecided.
    """

    def __init__(
        self,
        id: str,
        detector: Any,
        *,
        use_case_contexts: bool,
        judge: bool,
        threaded: bool = False,
        fallback: Any = None,
    ) -> None:
        self.id = id
        self._threaded = threaded
        self._detector = detector
        self._use_case_contexts = use_case_contexts
        self._judge = judge
        self._fallback = fallback

    def _contexts(self, case: Case, output: TargetOutput) -> list[str] | None:
        if output.contexts is not None:
            return [as_text(c) for c in output.contexts]
        if self._use_case_contexts and case.contexts is not None:
            return list(case.contexts)
        return None

    async def score(self, case: Case, output: TargetOutput) -> Score:
        contexts = self._contexts(case, output)
        if contexts is None:
            return Score(
                None,
                None,
                "not evaluated: no contexts (the target returned none and the case has none)",
            )
        text = output.text
        if not text.strip():
            return Score(None, None, "not evaluated: empty output")
        if is_refusal(text):
            return Score(
                1.0,
                True,
                "declined to answer: no claims to check",
                metadata={"claims": [], "unsupported": [], "verdict": "supported"},
            )
        sample = int(output.metadata.get("sample", 0))
        if self._judge:
            return await self._ask_judge(self._detector, text, contexts, case, sample)
        if self._threaded:
            result = await asyncio.to_thread(self._detector.check, text, contexts, case.input_text)
        else:  # the offline detector is pure Python and fast (~0.5 ms): no thread hop
            result = self._detector.check(text, contexts, case.input_text)
        if result.verdict == "undecided":
            if self._fallback is not None:
                routed = await self._ask_judge(self._fallback, text, contexts, case, sample)
                routed.metadata["offline"] = _result_metadata(result)
                routed.metadata["routed_to_judge"] = "the offline detector was undecided"
                return routed
            meta = _result_metadata(result)
            meta["undecided_reason"] = result.reason
            return Score(None, None, UNDECIDED, metadata=meta)
        return _score(result, text)

    async def _ask_judge(
        self, checker: Any, text: str, contexts: list[str], case: Case, sample: int
    ) -> Score:
        try:
            result = await checker.check(text, contexts, case.input_text, sample=sample)
        except ProviderError as e:  # the judge failing is not the feature failing
            return Score(None, None, "not evaluated: the judge failed", error=str(e))
        return _score(result, text)


def _score(result: Any, text: str) -> Score:
    meta = _result_metadata(result)
    meta.update(getattr(result, "metadata", {}) or {})
    bad = meta["unsupported"]
    if result.supported:
        reason = f"grounded: {len(meta['claims'])} claim(s) supported (score {result.score:.2f})"
    else:
        first = bad[0]["text"] if bad else text
        reason = (
            f"not grounded: {len(bad)} of {len(meta['claims'])} claim(s) unsupported, "
            f"e.g. {first[:120]!r} (score {result.score:.2f})"
        )
    return Score(result.score, bool(result.supported), reason, metadata=meta)


@register_scorer(
    "groundedness", params_model=GroundednessScorer, description=doc(GroundednessScorer)
)
def _groundedness(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    from ..errors import UserError

    p = GroundednessScorer.model_validate(spec)
    mode = p.mode
    if mode == "auto" and p.nli_model:
        mode = "nli"
    from .. import rag

    if mode == "nli":
        if not p.nli_model:
            raise UserError(
                f"scorer '{p.id}': mode `nli` needs `nli_model` (a folder)",
                "set nli_model: path/to/model (with model.onnx + tokenizer.json)",
            )
        from pathlib import Path

        path = Path(p.nli_model)
        if not path.is_absolute():
            path = Path(ctx.base_dir) / path
        detector: Any = rag.NLIGroundednessDetector(
            path, threshold=0.5 if p.threshold is None else p.threshold
        )
        return Groundedness(
            p.id, detector, use_case_contexts=p.use_case_contexts, judge=False, threaded=True
        )
    if mode == "judge":
        if ctx.judge is None:
            return _NoJudge(p.id)
        detector = rag.JudgeGroundednessChecker(
            ctx.judge, threshold=0.5 if p.threshold is None else p.threshold
        )
        return Groundedness(p.id, detector, use_case_contexts=p.use_case_contexts, judge=True)
    detector = rag.GroundednessDetector(threshold=p.threshold)
    fallback = (
        rag.JudgeGroundednessChecker(ctx.judge)
        if mode == "auto" and ctx.judge is not None
        else None
    )
    return Groundedness(
        p.id, detector, use_case_contexts=p.use_case_contexts, judge=False, fallback=fallback
    )


class _NoJudge:
    def __init__(self, id: str) -> None:
        self.id = id

    async def score(self, case: Case, output: TargetOutput) -> Score:
        return Score(None, None, "not evaluated: groundedness mode `judge` but no judge configured")
