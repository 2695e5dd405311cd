"""A/B comparison of two variants of a feature on the same golden cases.

:func:`compare` runs variant A and variant B — named in the PRD's ``variants`` or given
as ``key=value`` overrides — through the ordinary runner on the same cases and sample
indexes, then tests every scorer case by case (exact McNemar for pass/fail, paired
permutation for scores and repeats), corrects for several scorers with Holm, measures
how much the outputs changed (local MiniLM similarity) and, with a judge, asks which
output is better in both orders. The result is ``comparison.json`` (schema
``gonogo.comparison``, version 1) and an overall verdict with an exit code.
"""

from ..stats import VERDICT_LABELS
from ._compare import (
    DEFAULT_FAIL_ON,
    VERDICTS,
    CompareOptions,
    ComparisonResult,
    compare,
)
from ._diff import RunDiff, diff_runs
from ._document import SCHEMA, SCHEMA_VERSION
from ._preference import PreferenceJudge, combine
from ._schema import comparison_schema, validate_comparison
from ._variants import ResolvedVariant, VariantRef, parse_variant_args, resolve_variant

__all__ = [
    "DEFAULT_FAIL_ON",
    "SCHEMA",
    "SCHEMA_VERSION",
    "VERDICTS",
    "VERDICT_LABELS",
    "CompareOptions",
    "ComparisonResult",
    "PreferenceJudge",
    "ResolvedVariant",
    "RunDiff",
    "VariantRef",
    "combine",
    "compare",
    "comparison_schema",
    "diff_runs",
    "parse_variant_args",
    "resolve_variant",
    "validate_comparison",
]
