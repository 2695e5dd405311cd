"""``provoke: lab:<injection>``: the failure lab's injections, their parameters and syntax.

A failure-mode row names how to break the feature on purpose::

    provoke: lab:retrieval-dropout(top=2)
    provoke: lab:plant-instruction + obey-instruction(rate=0.5)
    provoke: lab:my_faults:storm(rate=0.2)        # a plug-in, `module:factory`

One or more injections joined by ``+`` are applied together (composed, in order), each
with optional ``name=value`` parameters (values read as YAML scalars). This module is the
catalog of the built-in injections — what each breaks, its parameters with their ranges,
which targets it can reach — and the parser; ``gonogo.lab`` implements them. Both
`gonogo check` and `gonogo lab` report a bad reference at its line in the PRD.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from ._xref import did_you_mean

LAB_PREFIX = "lab:"
LAYERS = ("retrieval", "prompt", "output", "infra")
TARGET_KINDS = ("model", "callable", "http")


@dataclass(frozen=True)
class Param:
    """One parameter of an injection: its type, default and allowed range."""

    name: str
    type: str  # "float" | "int" | "str" | "bool" | "choice"
    default: Any
    doc: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = False

    def describe(self) -> str:
        """``rate: float 0–1 (default 1)`` for help and messages."""
        if self.type == "choice":
            kind = " | ".join(self.choices)
        elif self.min is not None or self.max is not None:
            lo = (
                ""
                if self.min is None
                else f"{self.min:,g}"
                if self.type == "float"
                else f"{int(self.min):,}"
            )
            hi = (
                ""
                if self.max is None
                else f"{self.max:,g}"
                if self.type == "float"
                else f"{int(self.max):,}"
            )
            kind = f"{self.type} {lo}–{hi}"
        else:
            kind = self.type
        default = "required" if self.required else f"default {self.default!r}"
        return f"{self.name}: {kind} ({default})"


@dataclass(frozen=True)
class InjectionInfo:
    """A built-in injection: its layer, what it breaks, its parameters, who catches it."""

    name: str
    layer: str
    summary: str
    params: tuple[Param, ...] = ()
    catches: tuple[str, ...] = ()  # scorer kinds that would notice it
    targets: tuple[str, ...] = TARGET_KINDS  # target kinds it can reach

    def param(self, name: str) -> Param | None:
        """The parameter called ``name``, if any."""
        return next((p for p in self.params if p.name == name), None)


def _rate(default: float = 1.0) -> Param:
    return Param("rate", "float", default, "share of requests it hits (seeded)", 0.0, 1.0)


def _top(default: int = 2) -> Param:
    return Param("top", "int", default, "how many of the best-ranked passages", 1, 50)


_RETRIEVAL = ("model", "callable")
_RAG_CATCHES = ("context_recall", "context_precision", "answer_correctness")

BUILTIN_INJECTIONS: dict[str, InjectionInfo] = {
    i.name: i
    for i in (
        # -- retrieval: what the feature reads ------------------------------------------
        InjectionInfo("retrieval-dropout", "retrieval",
                      "drop the best-ranked passages (top-k dropout): the answer's evidence "
                      "is gone", (_top(), _rate()), _RAG_CATCHES, _RETRIEVAL),
        InjectionInfo("near-miss", "retrieval",
                      "replace the best-ranked passages with near misses (the next ranks "
                      "below k: similar, but not the evidence)", (_top(), _rate()),
                      _RAG_CATCHES, _RETRIEVAL),
        InjectionInfo("stale-passage", "retrieval",
                      "an outdated copy of the best passages: their numbers and years changed",
                      (_top(1), _rate()), ("answer_correctness", "semantic_similarity"),
                      _RETRIEVAL),
        InjectionInfo("shuffle-ranks", "retrieval", "shuffle the retrieved passages' order",
                      (_rate(),), ("context_precision",), _RETRIEVAL),
        InjectionInfo("truncate-context", "retrieval",
                      "the context window keeps only the first characters of the passages",
                      (Param("max_chars", "int", 300, "characters kept", 0, 1_000_000),
                       _rate()), _RAG_CATCHES, _RETRIEVAL),
        InjectionInfo("contradicting-document", "retrieval",
                      "plant a passage that contradicts the best one (its names and numbers "
                      "swapped) above it", (_rate(),),
                      ("answer_correctness", "groundedness"), _RETRIEVAL),
        InjectionInfo("plant-instruction", "retrieval",
                      "plant an instruction for the assistant in the best passage (indirect "
                      "prompt injection)",
                      (Param("position", "choice", "end", "where in the passage",
                             choices=("start", "middle", "end")),
                       Param("text", "str", None, "the instruction (default: a BIPIA-style "
                             "attack drawn by the seed)"), _rate()),
                      ("regex_absent", "answer_relevancy", "rubric"), _RETRIEVAL),
        InjectionInfo("no-context", "retrieval",
                      "the retriever returns nothing: the model answers from memory",
                      (_rate(),), ("groundedness", "refusal", "context_recall"), _RETRIEVAL),
        # -- prompt / model: what the feature is told and who answers ----------------------
        InjectionInfo("prompt-rollback", "prompt",
                      "serve an older version of the prompt from the registry",
                      (Param("version", "int", None, "the registry version", 1, None,
                             required=True),),
                      ("rubric", "answer_correctness"), ("model",)),
        InjectionInfo("degrade-prompt", "prompt",
                      "drop rules (sentences) from the system prompt",
                      (Param("drop", "int", 1, "sentences dropped (chosen by the seed)", 1, 50),),
                      ("rubric", "refusal", "answer_correctness"), ("model",)),
        InjectionInfo("strip-system-prompt", "prompt", "send no system prompt at all", (),
                      ("rubric", "refusal", "answer_correctness"), ("model",)),
        InjectionInfo("raise-temperature", "prompt", "sample at a higher temperature",
                      (Param("temperature", "float", 1.5, "the temperature", 0.0, 2.0),),
                      ("answer_correctness", "semantic_similarity"), ("model",)),
        InjectionInfo("weaker-model", "prompt", "swap to a weaker / cheaper model",
                      (Param("model", "str", None, "the model name", required=True),),
                      ("answer_correctness", "rubric"), ("model",)),
        # -- output: what the feature says -------------------------------------------------
        InjectionInfo("hallucinate", "output",
                      "rewrite answers with plausible wrong names and numbers that the "
                      "passages do not contain (planted hallucinations)",
                      (_rate(),
                       Param("what", "choice", "both", "what is rewritten",
                             choices=("entities", "numbers", "both")),
                       Param("refusals", "bool", False, "also turn refusals into invented "
                             "answers (answering from memory)")),
                      ("groundedness", "answer_correctness")),
        InjectionInfo("wrong-entity", "output",
                      "answer with another name or number from the same passages: grounded, "
                      "but wrong", (_rate(),), ("answer_correctness", "semantic_similarity")),
        InjectionInfo("corrupt-json", "output", "break the answer's JSON or format",
                      (Param("mode", "choice", "syntax", "how",
                             choices=("syntax", "truncate", "wrap")), _rate()),
                      ("json_valid", "json_schema")),
        InjectionInfo("truncate-answer", "output", "cut answers short",
                      (Param("keep", "float", 0.4, "share of characters kept", 0.0, 1.0),
                       _rate()), ("answer_correctness", "length")),
        InjectionInfo("verbose", "output",
                      "inflate answers with filler (and their tokens and cost)",
                      (Param("factor", "float", 5.0, "how many times longer", 1.0, 100.0),
                       _rate()), ("length", "cost", "answer_relevancy")),
        InjectionInfo("switch-language", "output", "answer in another language",
                      (Param("language", "choice", "fr", "the language",
                             choices=("fr", "de", "es")), _rate()),
                      ("rubric", "answer_relevancy", "semantic_similarity")),
        InjectionInfo("refuse", "output", "refuse to answer", (_rate(),),
                      ("refusal", "answer_correctness")),
        InjectionInfo("answer-anyway", "output",
                      "never say \"I don't know\": a refusal becomes a guess from the first "
                      "passage (or an invented answer without one)", (_rate(),),
                      ("refusal", "groundedness")),
        InjectionInfo("obey-instruction", "output",
                      "do what an instruction planted in a passage says (or, with "
                      "mode=echo, repeat it)",
                      (Param("mode", "choice", "obey", "obey it or echo it",
                             choices=("obey", "echo")), _rate()),
                      ("regex_absent", "answer_relevancy", "answer_correctness")),
        # -- infrastructure: the calls themselves -------------------------------------------
        InjectionInfo("outage", "infra", "the upstream refuses connections", (_rate(),),
                      ("latency",)),
        InjectionInfo("timeouts", "infra", "the upstream answers too late",
                      (_rate(0.3), Param("after_s", "float", None, "delay (default: past "
                                         "the client's timeout)", 0.0, 600.0)), ("latency",)),
        InjectionInfo("rate-limit", "infra", "429 storms with Retry-After",
                      (_rate(0.5), Param("retry_after", "float", 1.0, "Retry-After seconds",
                                         0.0, 600.0)), ("latency",)),
        InjectionInfo("server-errors", "infra", "5xx bursts",
                      (_rate(0.3), Param("status", "choice", "503", "the status",
                                         choices=("500", "502", "503", "504"))), ("latency",)),
        InjectionInfo("latency", "infra", "latency spikes",
                      (_rate(0.2), Param("spike_s", "float", 2.0, "added seconds", 0.0, 600.0)),
                      ("latency",)),
        InjectionInfo("malformed", "infra", "bodies that are not valid JSON",
                      (_rate(0.3),), ("json_valid",)),
    )
}  # fmt: skip
"""The built-in injections by name (``gonogo lab list`` prints them)."""


@dataclass(frozen=True)
class LabCall:
    """One injection of a ``provoke``: its name (or ``module:factory``) and parameters."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def plugin(self) -> bool:
        """True for a user's own injection, ``module:factory``."""
        return ":" in self.name

    def text(self) -> str:
        """The canonical text: ``name(k=v, …)`` with parameters sorted."""
        shown = {k: v for k, v in self.params.items() if v is not None}
        if not shown:
            return self.name
        inner = ", ".join(f"{k}={_show(v)}" for k, v in sorted(shown.items()))
        return f"{self.name}({inner})"


def _show(v: Any) -> str:
    if isinstance(v, str):
        return v if re.fullmatch(r"[\w.\-/]+", v) else repr(v)
    return repr(v) if not isinstance(v, bool) else str(v).lower()


class ProvokeError(ValueError):
    """A ``lab:`` reference that cannot be used: the message and a fix-it hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_NAME = re.compile(r"\s*([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.]*)?)\s*")


def parse_lab(text: str) -> list[LabCall]:
    """Parse ``lab:a(k=v) + b``; raises :class:`ProvokeError` on a syntax problem.

    Names and parameters are not checked against the catalog here: see :func:`check_calls`.
    """
    if not text.startswith(LAB_PREFIX):
        raise ProvokeError(f"'{text}' is not a lab reference", "write `lab:<injection>`")
    rest = text[len(LAB_PREFIX) :]
    calls: list[LabCall] = []
    pos = 0
    while True:
        m = _NAME.match(rest, pos)
        if m is None:
            raise ProvokeError(
                f"expected an injection name at '{rest[pos : pos + 20] or '(end)'}'",
                "write `lab:<injection>` or `lab:<injection>(name=value, …)`; "
                "`gonogo lab list` shows the injections",
            )
        name, pos = m.group(1), m.end()
        params: dict[str, Any] = {}
        if pos < len(rest) and rest[pos] == "(":
            end = _closing(rest, pos)
            params = _params(rest[pos + 1 : end], name)
            pos = end + 1
        calls.append(LabCall(name, params))
        while pos < len(rest) and rest[pos].isspace():
            pos += 1
        if pos >= len(rest):
            return calls
        if rest[pos] != "+":
            raise ProvokeError(
                f"unexpected '{rest[pos : pos + 20]}' after {name}",
                "join several injections with `+`: `lab:a + b(k=1)`",
            )
        pos += 1


def _closing(text: str, start: int) -> int:
    quote: str | None = None
    for i in range(start + 1, len(text)):
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ")":
            return i
    raise ProvokeError("unclosed '(' in the injection's parameters", "close it with `)`")


_PARAM = re.compile(r"\s*([A-Za-z_]\w*)\s*=\s*('[^']*'|\"[^\"]*\"|[^,]*)\s*(?:,|$)")


def _params(inner: str, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pos = 0
    inner = inner.strip()
    while pos < len(inner):
        m = _PARAM.match(inner, pos)
        if m is None or m.end() == pos:
            raise ProvokeError(
                f"cannot read the parameters of {name}: '{inner[pos : pos + 30]}'",
                "write them as `name=value`, separated by commas",
            )
        key, raw = m.group(1), m.group(2).strip()
        if key in out:
            raise ProvokeError(f"parameter '{key}' of {name} is given twice")
        out[key] = _scalar(raw)
        pos = m.end()
    return out


def _scalar(raw: str) -> Any:
    if raw[:1] in "'\"" and raw[-1:] == raw[:1] and len(raw) >= 2:
        return raw[1:-1]
    try:
        value = yaml.safe_load(raw) if raw else ""
    except yaml.YAMLError:
        return raw
    return value if isinstance(value, str | int | float | bool) else raw


def check_calls(
    calls: list[LabCall], target_kind: str, *, has_contexts: bool = True
) -> list[LabCall]:
    """Each built-in call validated and completed with its defaults.

    ``target_kind`` is ``model`` (the PRD's model spec), ``callable`` or ``http``;
    ``has_contexts`` is False for a model spec whose prompt has no ``{contexts}``. Raises
    :class:`ProvokeError` for an unknown injection, an unknown parameter, a value of the
    wrong type or out of range, and an injection that cannot reach this kind of target.
    Plug-ins (``module:factory``) pass through: they are checked when imported.
    """
    out = []
    for call in calls:
        if call.plugin:
            out.append(call)
            continue
        info = BUILTIN_INJECTIONS.get(call.name)
        if info is None:
            raise ProvokeError(
                f"unknown injection '{call.name}'",
                did_you_mean(call.name, list(BUILTIN_INJECTIONS))
                or "`gonogo lab list` shows the built-in injections; your own is "
                "`lab:package.module:factory`",
            )
        if target_kind not in info.targets:
            raise ProvokeError(
                f"injection '{call.name}' ({info.layer}) cannot reach {_kind(target_kind)}",
                _why_not(info, target_kind),
            )
        if info.layer == "retrieval" and target_kind == "model" and not has_contexts:
            raise ProvokeError(
                f"injection '{call.name}' changes the passages, and the model spec's prompt "
                "takes none",
                "give model.prompt a {contexts} variable (filled from each case's contexts), "
                "or provoke with an output injection",
            )
        out.append(LabCall(call.name, _checked_params(info, call.params)))
    return out


def _kind(target_kind: str) -> str:
    return {"model": "a model-spec target", "callable": "a Python callable target",
            "http": "an HTTP endpoint target"}[target_kind]  # fmt: skip


def _why_not(info: InjectionInfo, target_kind: str) -> str:
    if info.layer == "prompt":
        return (
            "prompt and model injections need the PRD's model spec as the target "
            "(`eval_plan.target: model`); output and infra injections reach any target"
        )
    return (
        "retrieval injections reach the model spec's {contexts} or a Python app that "
        "retrieves through gonogo.rag (RagApp, or apply_retrieval_hook() in its own "
        "retriever); an HTTP endpoint's retriever is out of reach — use an output injection"
    )


def _checked_params(info: InjectionInfo, given: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in given.items():
        p = info.param(key)
        if p is None:
            known = ", ".join(x.name for x in info.params) or "none"
            raise ProvokeError(
                f"injection '{info.name}' has no parameter '{key}'",
                did_you_mean(key, [x.name for x in info.params]) or f"its parameters: {known}",
            )
        values[key] = _coerce(info, p, value)
    for p in info.params:
        if p.name not in values:
            if p.required:
                raise ProvokeError(
                    f"injection '{info.name}' needs the parameter '{p.name}'",
                    f"write `lab:{info.name}({p.name}=…)`; {p.describe()}",
                )
            values[p.name] = p.default
    return values


def _coerce(info: InjectionInfo, p: Param, value: Any) -> Any:
    where = f"parameter '{p.name}' of {info.name}"
    if p.type == "bool":
        if not isinstance(value, bool):
            raise ProvokeError(f"{where} must be true or false, not {value!r}", p.describe())
        return value
    if p.type == "str":
        return str(value)
    if p.type == "choice":
        if str(value) not in p.choices:
            raise ProvokeError(
                f"{where} must be one of {', '.join(p.choices)}, not {value!r}",
                did_you_mean(str(value), list(p.choices)) or p.describe(),
            )
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProvokeError(f"{where} must be a number, not {value!r}", p.describe())
    if p.type == "int" and float(value) != int(value):
        raise ProvokeError(f"{where} must be a whole number, not {value!r}", p.describe())
    number = int(value) if p.type == "int" else float(value)
    if (p.min is not None and number < p.min) or (p.max is not None and number > p.max):
        raise ProvokeError(f"{where} is out of range: {value!r}", p.describe())
    return number


def target_kind_of(prd: Any) -> str:
    """``model``, ``callable`` or ``http``: the kind of the PRD's eval target."""
    target = prd.eval_plan.target
    if target == "model":
        return "model"
    return "callable" if isinstance(target, str) else "http"


CONTEXT_VARIABLES = ("contexts", "context", "documents")


def prompt_takes_contexts(prd: Any) -> bool:
    """True when the model spec's prompt has a ``{contexts}`` (or context/documents) slot."""
    import string

    model = prd.model
    if model is None:
        return False
    names = set()
    for template in (model.prompt.user, model.prompt.system or ""):
        for _, name, _, _ in string.Formatter().parse(template):
            if name:
                names.add(name.split(".")[0].split("[")[0])
    return bool(names & set(CONTEXT_VARIABLES))


def provoke_problem(text: str, prd: Any) -> tuple[str, str | None] | None:
    """Why ``provoke: lab:…`` cannot be used on this PRD (message, hint), or None."""
    try:
        kind = target_kind_of(prd)
        check_calls(
            parse_lab(text), kind, has_contexts=kind != "model" or prompt_takes_contexts(prd)
        )
    except ProvokeError as e:
        return e.message, e.hint
    return None
