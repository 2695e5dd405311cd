"""Runtime gateway settings of the PRD: guards, the fallback chain's triggers, the breaker.

These classes are used by ``launch`` and ``failure_modes[].guard`` in :mod:`._prd`;
``gonogo serve`` (:mod:`gonogo.gateway`) compiles them into the running service.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .._userregex import compile_error

GuardKind = Literal[
    "prompt_injection", "input_size", "json_schema", "pii", "groundedness", "regex_absent"
]
GuardAction = Literal["block", "replace", "flag", "redact"]
FallbackTrigger = Literal["timeout", "5xx", "429", "connection", "schema", "guard"]

INPUT_GUARDS: frozenset[str] = frozenset({"prompt_injection", "input_size"})
"""Guard kinds checked on the request, before any model call."""
OUTPUT_GUARDS: frozenset[str] = frozenset({"json_schema", "pii", "groundedness", "regex_absent"})
"""Guard kinds checked on the model's answer."""
PII_ENTITIES = ("email", "phone", "card", "iban", "ssn", "ip")
ALL_TRIGGERS: tuple[FallbackTrigger, ...] = ("timeout", "5xx", "429", "connection", "schema",
                                             "guard")  # fmt: skip

_DEFAULT_ACTION: dict[str, GuardAction] = {
    "prompt_injection": "block",
    "input_size": "block",
    "json_schema": "replace",
    "pii": "redact",
    "groundedness": "flag",
    "regex_absent": "replace",
}
_ONLY_FOR: dict[str, tuple[str, ...]] = {
    "max_chars": ("input_size",),
    "max_messages": ("input_size",),
    "pattern": ("regex_absent",),
    "ignore_case": ("regex_absent",),
    "output_schema": ("json_schema",),
    "entities": ("pii",),
    "threshold": ("groundedness", "prompt_injection"),
    "scan_contexts": ("prompt_injection",),
    "undecided": ("groundedness",),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class GuardSpec(_Model):
    """A runtime guard of the gateway: a check on the request or the answer, and its action.

    Input guards (`prompt_injection`, `input_size`) run before the model is called;
    output guards (`json_schema`, `pii`, `groundedness`, `regex_absent`) on its answer.
    """

    kind: GuardKind = Field(
        description=(
            "What is checked: `prompt_injection` (heuristics on the user's text and contexts), "
            "`input_size` (characters and messages), `json_schema` (the answer follows a "
            "schema), `pii` (emails, phone, card numbers, IBANs… in the answer), "
            "`groundedness` (the answer is supported by the contexts the caller passed), "
            "`regex_absent` (a pattern must not appear in the answer)."
        )
    )
    name: str | None = Field(
        None,
        description=("Name in traces and metrics; default: the failure mode's id, else the kind."),
    )
    action: GuardAction | None = Field(
        None,
        description=(
            "What happens when it trips: `block` (refuse with a JSON error: 400 for input "
            "guards, 422 for output guards), `replace` (serve the static graceful answer), "
            "`flag` (serve the answer, mark the trace and count it), `redact` (`pii` and "
            "`regex_absent` only: mask the matches and serve). Default: block for input "
            "guards, redact for pii, flag for groundedness; for json_schema and regex_absent, "
            "replace when there is a graceful answer, else block."
        ),
    )
    answer: str | None = Field(
        None,
        description="The graceful answer `replace` serves; default: the fallback chain's static.",
    )
    max_chars: int | None = Field(
        None, ge=1, description="input_size: most characters of user text (default 20,000)."
    )
    max_messages: int | None = Field(
        None, ge=1, description="input_size: most chat messages in one request."
    )
    pattern: str | None = Field(
        None, description="regex_absent: Python regular expression that must not match."
    )
    ignore_case: bool | None = Field(None, description="regex_absent: match case-insensitively.")
    output_schema: dict[str, Any] | None = Field(
        None,
        alias="schema",
        description="json_schema: the JSON Schema; default: the prompt's or model's output schema.",
    )
    entities: list[Literal["email", "phone", "card", "iban", "ssn", "ip"]] | None = Field(
        None, description="pii: which kinds to find (default: all of email, phone, card, iban, "
        "ssn, ip)."
    )  # fmt: skip
    threshold: float | None = Field(
        None,
        gt=0,
        le=1,
        description=(
            "groundedness: support a claim needs (default: the detector's); "
            "prompt_injection: score at which it trips (default 0.5)."
        ),
    )
    scan_contexts: bool | None = Field(
        None,
        description="prompt_injection: also scan the contexts (indirect injection); default true.",
    )
    undecided: Literal["flag", "pass"] | None = Field(
        None,
        description=(
            "groundedness: what an answer the offline detector cannot decide gets (a claim "
            "whose words are mostly, not all, in the contexts): `flag` (default: served, "
            "marked in the trace and counted) or `pass`. Never blocked nor replaced: the "
            "action applies to `unsupported` answers only."
        ),
    )

    @property
    def stage(self) -> Literal["input", "output"]:
        """``input`` or ``output``, implied by the kind."""
        return "input" if self.kind in INPUT_GUARDS else "output"

    def effective_action(self, has_answer: bool) -> GuardAction:
        """The action, with the kind's default filled in (``has_answer``: a static exists)."""
        if self.action is not None:
            return self.action
        default = _DEFAULT_ACTION[self.kind]
        if default == "replace" and not (has_answer or self.answer):
            return "block"
        return default

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is not None:
            error = compile_error(v)
            if error is not None:
                raise ValueError(f"not a valid regular expression ({error})")
        return v

    @model_validator(mode="after")
    def _fits_kind(self) -> GuardSpec:
        for key, kinds in _ONLY_FOR.items():
            if getattr(self, key) is not None and self.kind not in kinds:
                shown = "schema" if key == "output_schema" else key
                only = " / ".join(kinds)
                raise ValueError(f"`{shown}` applies to {only} guards, not {self.kind}")
        if self.kind == "regex_absent" and not self.pattern:
            raise ValueError("a `regex_absent` guard needs `pattern`")
        if self.action == "redact" and self.kind not in ("pii", "regex_absent"):
            raise ValueError("`redact` applies to pii and regex_absent guards only")
        if self.output_schema is not None:
            from jsonschema import Draft202012Validator
            from jsonschema.exceptions import SchemaError

            try:
                Draft202012Validator.check_schema(self.output_schema)
            except SchemaError as e:
                raise ValueError(f"`schema` is not a valid JSON Schema: {e.message}") from None
        return self


class CircuitBreakerSpec(_Model):
    """Stops calling an upstream that keeps failing, then probes it again after a cool-down."""

    enabled: bool = Field(True, description="Set false to always call every upstream.")
    failures: int = Field(
        5, ge=1, le=10_000, description="Failures within `window_s` that open the breaker."
    )
    window_s: float = Field(30.0, gt=0, description="Window in which failures are counted.")
    cooldown_s: float = Field(
        15.0, gt=0, description="How long it stays open before one probe call is let through."
    )


class BudgetLimits(_Model):
    """Runtime budget fields (mixed into ``launch.budget``)."""

    per_key_daily_usd: float | None = Field(
        None, ge=0, description="USD per day per API key (a key's own limit overrides it)."
    )
    soft_at: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Share of a budget at which the gateway alerts (metric + log line).",
    )
    on_exceeded: Literal["fallback", "refuse"] = Field(
        "refuse",
        description=(
            "At 100% of a budget: `refuse` (HTTP 429 with a JSON error) or `fallback` "
            "(serve from `cheap_model`)."
        ),
    )
    cheap_model: str | None = Field(
        None,
        description="Model used past a hard budget with `on_exceeded: fallback` (same provider).",
    )

    @model_validator(mode="after")
    def _cheap(self) -> BudgetLimits:
        if self.on_exceeded == "fallback" and not self.cheap_model:
            raise ValueError("`on_exceeded: fallback` needs `cheap_model` (the model to switch to)")
        return self


def launch_xref(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str, str | None]]:
    """Cross-reference problems of the gateway settings in raw PRD data: (path, message, hint).

    Runs on the raw YAML (which may also have type errors), so it checks defensively.
    """
    out: list[tuple[tuple[str | int, ...], str, str | None]] = []
    launch = data.get("launch")
    launch = launch if isinstance(launch, dict) else {}
    chain = launch.get("fallback")
    chain = chain if isinstance(chain, list) else []
    statics = [i for i, f in enumerate(chain) if isinstance(f, dict) and "static" in f]
    if statics and statics[0] != len(chain) - 1:
        out.append((("launch", "fallback", statics[0]),
                    "the static answer must be the last step of the fallback chain",
                    "move `{static: …}` to the end: models after it are never called"))  # fmt: skip
    model = data.get("model")
    model_schema = isinstance(model, dict) and isinstance(model.get("output"), dict)
    for path, guard in _guards(data, launch):
        kind, action = guard.get("kind"), guard.get("action")
        if action == "replace" and not statics and not guard.get("answer"):
            out.append(((*path, "action"),
                        "`replace` serves the graceful answer, but there is none",
                        "add `{static: …}` at the end of launch.fallback, or `answer:` to this "
                        "guard"))  # fmt: skip
        if kind == "json_schema" and "schema" not in guard and not model_schema:
            hint = "add `schema:` to the guard, or give `model.output` a JSON Schema"
            out.append((path, "a json_schema guard needs a schema", hint))
    return out


def _guards(
    data: dict[str, Any], launch: dict[str, Any]
) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    found: list[tuple[tuple[str | int, ...], dict[str, Any]]] = []
    modes = data.get("failure_modes")
    for i, fm in enumerate(modes if isinstance(modes, list) else []):
        if isinstance(fm, dict) and isinstance(fm.get("guard"), dict):
            found.append((("failure_modes", i, "guard"), fm["guard"]))
    guards = launch.get("guards")
    for i, g in enumerate(guards if isinstance(guards, list) else []):
        if isinstance(g, dict):
            found.append((("launch", "guards", i), g))
    return found
