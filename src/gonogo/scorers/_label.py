"""The ``label`` scorer: classification outputs against the expected label.

Each score records the label the feature gave and the one expected (in ``metadata``), so
results.json can build the confusion matrix and per-label precision and recall from the
stored records alone.
"""

from __future__ import annotations

from typing import Any

from ..data._case import Case
from ..data._output import TargetOutput
from ..spec._scorer_params import LabelScorer
from ._base import Score, Scorer, ScorerContext, register_scorer
from ._text import as_text, doc, not_evaluated_no_expected, quote

OTHER = "(other)"  # an answer outside the PRD's labels


class LabelCheck:
    """Output (or its ``field``) is the expected label."""

    def __init__(self, p: LabelScorer) -> None:
        self.id = p.id
        self._field = p.field
        self._case_sensitive = p.case_sensitive
        self._labels = None if p.labels is None else {self._key(x): x for x in p.labels}

    def _key(self, label: str) -> str:
        label = label.strip()
        return label if self._case_sensitive else label.casefold()

    def _canonical(self, label: str) -> str:
        """The label as the PRD spells it (or as given, without a label list)."""
        if self._labels is None:
            return label.strip() if self._case_sensitive else label.strip().casefold()
        return self._labels.get(self._key(label), OTHER)

    async def score(self, case: Case, output: TargetOutput) -> Score:
        if case.expected is None or case.expected == "":
            return not_evaluated_no_expected()
        expected = self._canonical(as_text(case.expected))
        raw = output.output
        if self._field is not None:
            raw = raw.get(self._field) if isinstance(raw, dict) else None
            if raw is None:
                return Score(
                    0.0,
                    False,
                    f"output has no '{self._field}' field",
                    metadata={"label": OTHER, "expected_label": expected},
                )
        got = self._canonical(as_text(raw) if raw is not None else "")
        ok = got == expected and got != OTHER
        shown = quote(as_text(raw) if raw is not None else "")
        reason = (
            f"label {quote(got)}"
            if ok
            else f"got {shown}" + (" (not one of the labels)" if got == OTHER else "")
            + f", expected {quote(expected)}"
        )
        return Score(
            1.0 if ok else 0.0, ok, reason, metadata={"label": got, "expected_label": expected}
        )


@register_scorer("label", params_model=LabelScorer, description=doc(LabelScorer))
def _label(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    return LabelCheck(LabelScorer.model_validate(spec))
