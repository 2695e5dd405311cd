"""The Scorer protocol, Score, and the one registration path for built-ins and plug-ins.

A scorer kind is registered with a factory ``(spec, ctx) -> Scorer`` and an optional
pydantic params model (``extra="forbid"``) that validates the PRD's scorer entry.
Third parties register through the ``gonogo.scorers`` entry-point group (name = kind,
value = ``module:factory``) or name ``module:factory`` directly as the kind in the PRD;
built-ins use :func:`register_scorer`, the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..data._case import Case
from ..data._output import TargetOutput

if TYPE_CHECKING:
    from ..models import ModelClient


@dataclass(slots=True)
class Score:
    """One scorer's verdict on one output.

    ``passed`` is None when the scorer could not evaluate (e.g. a rubric with no judge
    configured): reported as *not evaluated*, never as passed. ``value`` is the raw
    score (0..1 for most scorers; the rubric's scale for rubric scores).
    """

    value: float | None
    passed: bool | None
    reason: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "passed": self.passed,
            "reason": self.reason,
            "metadata": self.metadata,
            "error": self.error,
        }


@runtime_checkable
class Scorer(Protocol):
    """One async call: (case, output) -> Score."""

    id: str

    async def score(self, case: Case, output: TargetOutput) -> Score:
        """Score one output of the feature under test for one case."""
        ...


@dataclass
class ScorerContext:
    """What scorers may need besides their own params: the judge and the PRD's dir."""

    judge: ModelClient | None = None
    judge_unavailable: str | None = None  # why the PRD's judge cannot be called, when it can't
    judge_model: str | None = None
    base_dir: str = "."
    output_schema: dict[str, Any] | None = None  # the model spec's JSON Schema, if any


ScorerFactory = Callable[[dict[str, Any], ScorerContext], Scorer]


@dataclass
class ScorerKind:
    name: str
    factory: ScorerFactory
    params_model: type[Any] | None = None  # pydantic model validating the entry
    needs_judge: bool = False
    description: str = ""


_REGISTRY: dict[str, ScorerKind] = {}


def register_scorer(
    name: str,
    *,
    params_model: type[Any] | None = None,
    needs_judge: bool = False,
    description: str = "",
) -> Callable[[ScorerFactory], ScorerFactory]:
    """Decorator: register ``factory(spec, ctx) -> Scorer`` under kind ``name``."""

    def deco(factory: ScorerFactory) -> ScorerFactory:
        _REGISTRY[name] = ScorerKind(name, factory, params_model, needs_judge, description)
        return factory

    return deco
