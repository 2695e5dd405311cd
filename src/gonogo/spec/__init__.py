"""The AI PRD (``gonogo.yaml``): models, loading, checks, schema, rendering, starter.

Loading reports every problem at once as ``file:line:col: key.path: message — hint``.
"""

import importlib
from typing import TYPE_CHECKING, Any

# Submodules load on first use (PEP 562): loading a PRD needs the models, the loader and
# the cross-reference checks, not `check`, rendering, the schema or the starter.
if TYPE_CHECKING:
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

_LAZY = {
    "CheckReport": "_check",
    "PRDSummary": "_check",
    "check_prd": "_check",
    "summarize": "_check",
    "part_hash": "_fingerprint",
    "prompt_hash": "_fingerprint",
    "init_project": "_init",
    "CircuitBreakerSpec": "_launch",
    "GuardSpec": "_launch",
    "LoadedPRD": "_loader",
    "load_prd": "_loader",
    "load_prd_text": "_loader",
    "prd_key": "_loader",
    "PRD": "_prd",
    "SCHEMA_VERSION": "_prd",
    "Budget": "_prd",
    "DatasetRef": "_prd",
    "EvalPlan": "_prd",
    "FailureMode": "_prd",
    "HttpTargetSpec": "_prd",
    "JudgeSpec": "_prd",
    "Launch": "_prd",
    "ModelSpec": "_prd",
    "Price": "_prd",
    "PromptSpec": "_prd",
    "ProviderSpec": "_prd",
    "StaticFallback": "_prd",
    "SuccessMetric": "_prd",
    "Threshold": "_prd",
    "FAMILIES": "_redteam",
    "HARM_CATEGORIES": "_redteam",
    "MUTATORS": "_redteam",
    "RedTeamSpec": "_redteam",
    "probe_name_problem": "_redteam",
    "render_html": "_render",
    "render_markdown": "_render",
    "prd_json_schema": "_schema",
    "BUILTIN_SCORER_MODELS": "_scorer_params",
    "ContainsScorer": "_scorer_params",
    "CostScorer": "_scorer_params",
    "EqualsScorer": "_scorer_params",
    "JsonScorer": "_scorer_params",
    "LabelScorer": "_scorer_params",
    "LatencyScorer": "_scorer_params",
    "LengthScorer": "_scorer_params",
    "NumericScorer": "_scorer_params",
    "PluginScorer": "_scorer_params",
    "RegexScorer": "_scorer_params",
    "RubricScorer": "_scorer_params",
    "ScorerSpec": "_scorer_params",
    "SimilarityScorer": "_scorer_params",
    "Position": "_yaml",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gonogo.spec' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
