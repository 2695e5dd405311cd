"""The AI PRD (``gonogo.yaml``): models, loading, checks, schema, rendering, starter.

Loading reports every problem at once as ``file:line:col: key.path: message — hint``.
"""

from ._check import CheckReport, PRDSummary, check_prd, summarize
from ._fingerprint import part_hash, prompt_hash
from ._init import init_project
from ._launch import CircuitBreakerSpec, GuardSpec
from ._loader import LoadedPRD, load_prd, load_prd_text, prd_key
from ._prd import (
    PRD,
    SCHEMA_VERSION,
    Budget,
    DatasetRef,
    EvalPlan,
    FailureMode,
    HttpTargetSpec,
    JudgeSpec,
    Launch,
    ModelSpec,
    Price,
    PromptSpec,
    ProviderSpec,
    StaticFallback,
    SuccessMetric,
    Threshold,
)
from ._redteam import FAMILIES, HARM_CATEGORIES, MUTATORS, RedTeamSpec, probe_name_problem
from ._render import render_html, render_markdown
from ._schema import prd_json_schema
from ._scorer_params import (
    BUILTIN_SCORER_MODELS,
    ContainsScorer,
    CostScorer,
    EqualsScorer,
    JsonScorer,
    LabelScorer,
    LatencyScorer,
    LengthScorer,
    NumericScorer,
    PluginScorer,
    RegexScorer,
    RubricScorer,
    ScorerSpec,
    SimilarityScorer,
)
from ._yaml import Position

__all__ = [
    "part_hash",
    "prompt_hash",
    "FAMILIES",
    "HARM_CATEGORIES",
    "MUTATORS",
    "RedTeamSpec",
    "probe_name_problem",
    "BUILTIN_SCORER_MODELS",
    "PRD",
    "SCHEMA_VERSION",
    "Budget",
    "CheckReport",
    "CircuitBreakerSpec",
    "ContainsScorer",
    "CostScorer",
    "DatasetRef",
    "EqualsScorer",
    "LabelScorer",
    "EvalPlan",
    "FailureMode",
    "GuardSpec",
    "HttpTargetSpec",
    "JsonScorer",
    "JudgeSpec",
    "LatencyScorer",
    "Launch",
    "LengthScorer",
    "LoadedPRD",
    "ModelSpec",
    "NumericScorer",
    "PRDSummary",
    "PluginScorer",
    "Position",
    "Price",
    "PromptSpec",
    "ProviderSpec",
    "RegexScorer",
    "RubricScorer",
    "ScorerSpec",
    "SimilarityScorer",
    "StaticFallback",
    "SuccessMetric",
    "Threshold",
    "check_prd",
    "init_project",
    "load_prd",
    "load_prd_text",
    "prd_json_schema",
    "prd_key",
    "render_html",
    "render_markdown",
    "summarize",
]
