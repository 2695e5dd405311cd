"""``semantic_similarity``: cosine of local sentence embeddings to the expected output.

The output and every acceptable answer are embedded in one batch in a worker thread
(``asyncio.to_thread``), so the event loop never waits on the model; vectors are cached,
so each expected answer is embedded once per run. With several acceptable answers the
closest one counts. The model loads on the first score; a missing package is reported
when the scorer is built.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..data._case import Case
from ..data._output import TargetOutput
from ..embeddings import MODEL_ID, check_available, get_embedder
from ..spec._scorer_params import SimilarityScorer
from ._base import Score, Scorer, ScorerContext, register_scorer
from ._text import as_text, doc, expected_list, not_evaluated_no_expected


class SimilarityCheck:
    """Passes when the output's similarity to the closest expected answer is >= ``min``."""

    def __init__(self, id: str, minimum: float) -> None:
        self.id = id
        self._min = minimum

    async def score(self, case: Case, output: TargetOutput) -> Score:
        answers = [as_text(a) for a in expected_list(case.expected)]
        if not answers:
            return not_evaluated_no_expected()
        text = output.text
        if not text.strip():
            return Score(0.0, False, "output is empty", metadata={"model": MODEL_ID})
        sims = await asyncio.to_thread(_similarities, text, answers)
        best = max(range(len(sims)), key=sims.__getitem__)
        value = sims[best]
        ok = value >= self._min
        reason = f"similarity {value:.3f} {'>=' if ok else '<'} {self._min:g}"
        if len(answers) > 1:
            reason += f" (closest of {len(answers)} answers: #{best + 1})"
        return Score(value, ok, reason, metadata={"model": MODEL_ID, "closest": best})


def _similarities(text: str, answers: list[str]) -> list[float]:
    return get_embedder().similarities(text, answers)


@register_scorer(
    "semantic_similarity", params_model=SimilarityScorer, description=doc(SimilarityScorer)
)
def _similarity(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = SimilarityScorer.model_validate(spec)
    check_available()  # a missing package fails the build, not every sample
    return SimilarityCheck(p.id, p.min)
