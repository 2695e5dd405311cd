"""Scorers: the judging rubric of the eval plan.

One protocol — :class:`Scorer`, an async ``score(case, output) -> Score`` — and one
registration path (:func:`register_scorer`) for the built-ins and for plug-ins, which
are named in the PRD as ``package.module:factory`` or installed under the
``gonogo.scorers`` entry-point group. Built-ins: deterministic checks (equals,
contains_any/all, regex/regex_absent, json_valid/json_schema, numeric, length,
latency, cost), ``semantic_similarity`` (local all-MiniLM-L6-v2 embeddings, offline)
and ``rubric`` (an LLM judge). A score that could not be evaluated has
``passed=None`` — never counted as passed.
"""

from __future__ import annotations

from ..embeddings import Embedder, get_embedder
from . import _deterministic, _groundedness, _json, _judge, _label, _rag, _similarity  # noqa: F401
from ._base import Score, Scorer, ScorerContext, ScorerKind, register_scorer
from ._judge import judge_fingerprint
from ._registry import (
    ENTRY_POINT_GROUP,
    ConfiguredScorer,
    build_scorers,
    resolve_kind,
    scorer_kinds,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "ConfiguredScorer",
    "Embedder",
    "Score",
    "Scorer",
    "ScorerContext",
    "ScorerKind",
    "build_scorers",
    "get_embedder",
    "judge_fingerprint",
    "register_scorer",
    "resolve_kind",
    "scorer_kinds",
]
