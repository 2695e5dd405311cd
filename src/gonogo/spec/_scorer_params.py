"""The PRD entries for the built-in scorer kinds (the judging rubric).

Each built-in kind has a params model here so the JSON Schema documents it and the
loader reports unknown keys with their line. Plug-in kinds (``module:factory`` or an
entry-point name) are validated by the plug-in's own params model at compile time.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from .._userregex import compile_error


def _valid_pattern(pattern: str) -> str:
    error = compile_error(pattern)
    if error is not None:
        raise ValueError(f"not a valid regular expression ({error})")
    return pattern


class _ScorerBase(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str = Field(
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
        description="Name of this scorer; thresholds and failure modes refer to it.",
    )
    description: str | None = Field(None, description="What this scorer checks, for the report.")


class EqualsScorer(_ScorerBase):
    """Output equals the expected output after normalisation."""

    kind: Literal["equals"]
    normalize: bool = Field(
        True, description="Compare case-insensitively, ignoring punctuation and extra spaces."
    )


class LabelScorer(_ScorerBase):
    """Classification: the output is one label, compared with the case's expected label.

    The report adds a confusion matrix and each label's precision and recall.
    """

    kind: Literal["label"]
    labels: list[str] | None = Field(
        None,
        min_length=1,
        description="The labels the feature may answer; an output outside them is wrong and "
        "shown as `(other)` in the confusion matrix. Omit to accept any label.",
    )
    field: str | None = Field(
        None,
        description="For structured (JSON) outputs: the key that holds the label, e.g. `category`.",
    )
    case_sensitive: bool = Field(
        False, description="Compare labels exactly; by default case and outer spaces are ignored."
    )


class ContainsScorer(_ScorerBase):
    """Output contains any / all of the given strings (default: the case's expected value)."""

    kind: Literal["contains_any", "contains_all"]
    values: list[str] | None = Field(
        None, description="Strings to look for; omit to use the case's `expected` (string or list)."
    )
    case_sensitive: bool = Field(False, description="Match case exactly.")


class RegexScorer(_ScorerBase):
    """Output matches (``regex``) or must not match (``regex_absent``) a pattern."""

    kind: Literal["regex", "regex_absent"]
    pattern: str = Field(description="Python regular expression, searched anywhere in the output.")
    ignore_case: bool = Field(False, description="Match case-insensitively.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        return _valid_pattern(v)


class JsonScorer(_ScorerBase):
    """Output is valid JSON and, when a schema is given (or the model spec has one), follows it."""

    kind: Literal["json_valid", "json_schema"]
    json_schema: dict[str, Any] | None = Field(
        None,
        alias="schema",
        description="JSON Schema the output must follow; default: the model spec's output schema.",
    )


class NumericScorer(_ScorerBase):
    """The first number in the output is within tolerance of the expected number."""

    kind: Literal["numeric"]
    abs_tol: float = Field(0.0, ge=0, description="Absolute tolerance.")
    rel_tol: float = Field(0.0, ge=0, description="Relative tolerance (0.01 = 1%).")


class LengthScorer(_ScorerBase):
    """Output length is within bounds."""

    kind: Literal["length"]
    min_chars: int | None = Field(None, ge=0, description="Fewest characters allowed.")
    max_chars: int | None = Field(None, ge=0, description="Most characters allowed.")
    min_words: int | None = Field(None, ge=0, description="Fewest words allowed.")
    max_words: int | None = Field(None, ge=0, description="Most words allowed.")


class LatencyScorer(_ScorerBase):
    """The target answered within ``max_s`` seconds."""

    kind: Literal["latency"]
    max_s: float = Field(gt=0, description="Slowest acceptable answer, in seconds.")


class CostScorer(_ScorerBase):
    """One answer cost at most ``max_usd`` (unknown cost is not evaluated, never passed)."""

    kind: Literal["cost"]
    max_usd: float = Field(ge=0, description="Most an answer may cost, in US dollars.")


class SimilarityScorer(_ScorerBase):
    """Cosine similarity of local sentence embeddings (all-MiniLM-L6-v2) to the expected output."""

    kind: Literal["semantic_similarity"]
    min: float = Field(
        0.8, ge=-1, le=1, description="Similarity at or above which the case passes."
    )


class RubricScorer(_ScorerBase):
    """An LLM judge grades the output against criteria on a scale.

    Without a judge in the eval plan the criteria are reported as not evaluated.
    """

    kind: Literal["rubric"]
    criteria: str = Field(description="What a good answer does, in plain words, for the judge.")
    scale: str = Field(
        "1-5", pattern=r"^\s*\d+\s*-\s*\d+\s*$", description="Integer scale, e.g. `1-5`."
    )
    pass_at: int | None = Field(
        None, description="Lowest passing grade; default: the top of the scale's upper half."
    )
    include_expected: bool = Field(
        True, description="Show the judge the case's expected output as a reference."
    )


class GroundednessScorer(_ScorerBase):
    """Checks that every claim of the answer is supported by the retrieved context.

    ``offline`` needs no model: claims, names, numbers, negations and dates are checked
    against the passages that match them, read with the question; an answer it cannot
    decide from words alone is ``undecided`` (not evaluated). ``auto`` (default) sends
    those to the eval plan's judge when there is one. ``judge`` asks the judge for every
    answer; ``nli`` runs a local NLI cross-encoder.
    """

    kind: Literal["groundedness"]
    mode: Literal["auto", "offline", "judge", "nli"] = Field(
        "auto",
        description=(
            "`auto`: `nli` when `nli_model` is set, else `offline` with the answers it leaves "
            "undecided sent to the eval plan's judge (not evaluated without one). `offline`: "
            "never a judge. `judge` uses the eval plan's judge (not evaluated without one)."
        ),
    )
    threshold: float | None = Field(
        None, ge=0, le=1, description="Support score below which a claim is unsupported."
    )
    nli_model: str | None = Field(
        None, description="Folder with an NLI cross-encoder (model.onnx + tokenizer.json)."
    )
    use_case_contexts: bool = Field(
        True,
        description="When the target returns no contexts, check against the case's `contexts`.",
    )


class ContextRecallScorer(_ScorerBase):
    """Share of the expected answer's facts found in the retrieved contexts."""

    kind: Literal["context_recall"]
    min: float = Field(0.8, ge=0, le=1, description="Recall at or above which the case passes.")


class ContextPrecisionScorer(_ScorerBase):
    """Are the relevant chunks ranked high? Average precision over the retrieved contexts."""

    kind: Literal["context_precision"]
    min: float = Field(0.5, ge=0, le=1, description="Score at or above which the case passes.")


class AnswerCorrectnessScorer(_ScorerBase):
    """Answer vs expected: semantic similarity and token F1, weighted."""

    kind: Literal["answer_correctness"]
    min: float = Field(0.6, ge=0, le=1, description="Score at or above which the case passes.")
    similarity_weight: float = Field(
        0.5, ge=0, le=1, description="Weight of semantic similarity; token F1 gets the rest."
    )


class AnswerRelevancyScorer(_ScorerBase):
    """Is the answer about the question? Embedding similarity of question and answer."""

    kind: Literal["answer_relevancy"]
    min: float = Field(0.3, ge=-1, le=1, description="Similarity at or above which it passes.")


class RefusalScorer(_ScorerBase):
    """Declining ("I don't know") is right for unanswerable questions, wrong otherwise.

    A case is unanswerable when it has no `expected`, carries the tag `unanswerable`, or
    its metadata says `answerable: false`.
    """

    kind: Literal["refusal"]
    patterns: list[str] | None = Field(
        None, description="Extra regular expressions that mark a refusal."
    )

    @field_validator("patterns")
    @classmethod
    def _compile(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else [_valid_pattern(p) for p in v]


class PluginScorer(BaseModel):
    """A scorer from a plug-in: ``kind`` is ``module:factory`` or an entry-point name.

    Its own params are validated by the plug-in.
    """

    model_config = ConfigDict(extra="allow", defer_build=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", description="Name of this scorer.")
    kind: str = Field(description="`package.module:factory` or a `gonogo.scorers` entry point.")
    description: str | None = None


BUILTIN_SCORER_MODELS: dict[str, type[BaseModel]] = {}
for _m in (
    EqualsScorer,
    LabelScorer,
    ContainsScorer,
    RegexScorer,
    JsonScorer,
    NumericScorer,
    LengthScorer,
    LatencyScorer,
    CostScorer,
    SimilarityScorer,
    RubricScorer,
    GroundednessScorer,
    ContextRecallScorer,
    ContextPrecisionScorer,
    AnswerCorrectnessScorer,
    AnswerRelevancyScorer,
    RefusalScorer,
):
    _ann = _m.model_fields["kind"].annotation
    for _k in getattr(_ann, "__args__", ()):
        BUILTIN_SCORER_MODELS[_k] = _m


def _scorer_tag(v: Any) -> str:
    kind = v.get("kind") if isinstance(v, dict) else getattr(v, "kind", None)
    if isinstance(kind, str) and kind in BUILTIN_SCORER_MODELS:
        return BUILTIN_SCORER_MODELS[kind].__name__
    return "PluginScorer"


ScorerSpec = Annotated[
    Annotated[EqualsScorer, Tag("EqualsScorer")]
    | Annotated[LabelScorer, Tag("LabelScorer")]
    | Annotated[ContainsScorer, Tag("ContainsScorer")]
    | Annotated[RegexScorer, Tag("RegexScorer")]
    | Annotated[JsonScorer, Tag("JsonScorer")]
    | Annotated[NumericScorer, Tag("NumericScorer")]
    | Annotated[LengthScorer, Tag("LengthScorer")]
    | Annotated[LatencyScorer, Tag("LatencyScorer")]
    | Annotated[CostScorer, Tag("CostScorer")]
    | Annotated[SimilarityScorer, Tag("SimilarityScorer")]
    | Annotated[RubricScorer, Tag("RubricScorer")]
    | Annotated[GroundednessScorer, Tag("GroundednessScorer")]
    | Annotated[ContextRecallScorer, Tag("ContextRecallScorer")]
    | Annotated[ContextPrecisionScorer, Tag("ContextPrecisionScorer")]
    | Annotated[AnswerCorrectnessScorer, Tag("AnswerCorrectnessScorer")]
    | Annotated[AnswerRelevancyScorer, Tag("AnswerRelevancyScorer")]
    | Annotated[RefusalScorer, Tag("RefusalScorer")]
    | Annotated[PluginScorer, Tag("PluginScorer")],
    Discriminator(_scorer_tag),
]
"""One entry of ``eval_plan.scorers``: a built-in kind or a plug-in."""

SCORER_TAGS = {m.__name__ for m in BUILTIN_SCORER_MODELS.values()} | {"PluginScorer"}
