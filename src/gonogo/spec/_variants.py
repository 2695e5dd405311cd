"""The PRD's A/B sections: ``variants`` (what to compare) and ``compare`` (how to decide).

A variant is the PRD as written plus a few overrides — another prompt version, model,
provider or parameters for a ``model`` target; another function, or extra arguments, for
a callable or HTTP target. ``gonogo compare`` runs two variants on the same cases and
sample indexes and tests the differences case by case (:mod:`gonogo.compare`).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PRD_VARIANT = "prd"
"""The reserved variant name of the PRD as written, without overrides."""
PREFERENCE = "preference"
"""The id of the judge's pairwise preference in ``compare.primary`` and in results."""
MODEL_OVERRIDES = ("model", "provider", "base_url", "api_key_env", "params", "prompt", "script")
"""Variant keys that change the model spec (so they need a ``model`` target)."""

_CALLABLE = re.compile(r"[\w.]+:[\w.]+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class PromptOverride(_Model):
    """Overrides of ``model.prompt``: only the keys given change."""

    name: str | None = Field(None, description="Prompt name in the registry.")
    version: int | str | None = Field(None, description="The prompt version this variant uses.")
    system: str | None = Field(None, description="System message template.")
    user: str | None = Field(None, description="User message template, e.g. `Q: {question}`.")


class Variant(_Model):
    """A variant of the feature: the PRD as written, with these overrides applied."""

    description: str | None = Field(None, description="What this variant is, for reports.")
    model: str | None = Field(
        None, description="Model name sent to the provider (overrides `model.name`)."
    )
    provider: Literal["openai-compatible", "anthropic", "scripted"] | None = Field(
        None, description="Provider kind (overrides `model.provider`)."
    )
    base_url: str | None = Field(None, description="API base URL (overrides `model.base_url`).")
    api_key_env: str | None = Field(
        None, description="Name of the environment variable holding this variant's API key."
    )
    params: dict[str, Any] | None = Field(
        None,
        description=(
            "Sampling parameters merged over `model.params` (e.g. `{temperature: 0}`); "
            "a parameter set to null is removed."
        ),
    )
    prompt: PromptOverride | None = Field(
        None, description="Prompt overrides merged over `model.prompt` (version, system, user)."
    )
    script: list[Any] | dict[str, Any] | None = Field(
        None, description="Canned answers, for a `scripted` provider (tests and examples)."
    )
    target: str | dict[str, Any] | None = Field(
        None,
        description=(
            "What is under test for this variant, instead of `eval_plan.target`: `model`, "
            "a callable `package.module:function`, or `{url: …}`."
        ),
    )
    target_args: dict[str, Any] | None = Field(
        None,
        description=(
            "Extra inputs sent with every case: keyword arguments of a callable target "
            "(e.g. `{k: 3}`), extra JSON fields for an HTTP target, extra template variables "
            "for a model target. Scorers still see the case as written."
        ),
    )

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        if v is not None and not _ENV_NAME.fullmatch(v):
            raise ValueError(
                "`api_key_env` is the *name* of an environment variable, e.g. OPENAI_API_KEY; "
                "never put the key itself in the PRD"
            )
        return v

    @field_validator("target")
    @classmethod
    def _target_form(cls, v: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
        if isinstance(v, str) and v != "model" and not _CALLABLE.fullmatch(v):
            if v.startswith(("http://", "https://")):
                raise ValueError("write an HTTP target as `{url: " + v + "}`")
            raise ValueError("must be `model`, `package.module:function`, or `{url: …}`")
        if isinstance(v, dict):
            from pydantic import ValidationError

            from ._prd import HttpTargetSpec  # imported late: _prd imports this module

            try:
                HttpTargetSpec.model_validate(v)
            except ValidationError as e:
                first = e.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "target"
                raise ValueError(f"not a valid HTTP target ({where}: {first['msg']})") from None
        return v

    def overrides(self) -> dict[str, Any]:
        """The keys this variant sets (``description`` excluded), as plain data."""
        return self.model_dump(exclude_none=True, exclude={"description"})


class CompareSpec(_Model):
    """How `gonogo compare` decides between two variants (A = baseline, B = candidate)."""

    baseline: str = Field(
        PRD_VARIANT,
        description="Variant A, the one in production today (`prd` = the PRD as written).",
    )
    candidate: str | None = Field(
        None, description="Variant B, the proposed change. `gonogo compare --b` overrides it."
    )
    mode: Literal["superiority", "non_inferiority"] = Field(
        "superiority",
        description=(
            "`superiority`: is B better, worse, or not detectably different? "
            "`non_inferiority`: is B no worse than A by more than `margin` "
            "(e.g. a cheaper model)?"
        ),
    )
    margin: float | None = Field(
        None,
        gt=0,
        lt=1,
        description=(
            "Non-inferiority margin δ: the largest drop in pass rate (e.g. 0.05 = 5 points) "
            "that still counts as not worse. Only with `mode: non_inferiority`."
        ),
    )
    min_effect: float = Field(
        0.1,
        gt=0,
        lt=1,
        description=(
            "The smallest change in pass rate worth detecting (e.g. 0.1 = 10 points): "
            "compare says when the golden set is too small to detect it; `gonogo plan` "
            "sizes the golden set for it."
        ),
    )
    alpha: float = Field(
        0.05, gt=0, lt=0.5, description="Significance level (false-alarm rate), e.g. 0.05."
    )
    power: float = Field(
        0.8, gt=0.5, lt=1, description="Wanted chance of detecting a change of `min_effect`."
    )
    primary: list[str] | None = Field(
        None,
        description=(
            "Scorer ids whose verdicts make the overall verdict (`preference` for the "
            "judge's pairwise preference). Default: the scorers with thresholds, else all."
        ),
    )
    preference: bool | None = Field(
        None,
        description=(
            "Ask the judge which output is better, in both orders. "
            "Default: on when `eval_plan.judge` is set."
        ),
    )
    preference_criteria: str | None = Field(
        None,
        description="What makes an answer better, for the pairwise judge (default: generic).",
    )
