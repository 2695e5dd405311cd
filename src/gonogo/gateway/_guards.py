"""Runtime guards compiled from the PRD: checks on the request and on the model's answer.

Input guards (``input_size``, ``prompt_injection``) see the user's text and contexts
before any model call; output guards (``json_schema``, ``pii``, ``regex_absent``,
``groundedness``) see the answer. Each returns a :class:`GuardResult` whose outcome is
``pass``, or the guard's action when it tripped: ``block``, ``replace``, ``flag`` or
``redact`` (the answer is served with the matches masked). The groundedness detector is
CPU-heavy pure Python: it runs in a worker thread, and only when the caller passed
contexts (without them there is nothing to be grounded in: the result is ``skip``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._userregex import GUARD_TIMEOUT_S, RegexTimeout, UserRegex
from ._http import loads
from ._injection import injection_score
from ._pii import PII_KINDS, find_pii, redact

if TYPE_CHECKING:
    from ..spec._launch import GuardSpec

DEFAULT_MAX_CHARS = 20_000


@dataclass(slots=True)
class GuardResult:
    """One guard's verdict on one request: recorded in the trace, counted in metrics."""

    name: str
    stage: str
    outcome: str  # pass | skip | flag | block | replace | redact
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The trace form."""
        return {"name": self.name, "stage": self.stage, "outcome": self.outcome,
                "detail": self.detail}  # fmt: skip


@dataclass(slots=True)
class OutputCheck:
    """What the output guards made of an answer: the text to serve and who tripped."""

    text: str
    results: list[GuardResult]
    trip: Guard | None  # the first guard whose action is block or replace
    trip_kind: str | None = None  # "schema" for a json_schema guard, else "guard"


class Guard:
    """One compiled guard. ``action`` is the effective action (defaults filled in)."""

    stage = "output"

    def __init__(self, spec: GuardSpec, name: str, action: str, answer: str | None) -> None:
        self.kind = spec.kind
        self.name = name
        self.action = action
        self.answer = answer  # what `replace` serves; None: the chain's static answer
        self.spec = spec

    @property
    def stops(self) -> bool:
        """True when a trip stops the answer from being served as is (block or replace)."""
        return self.action in ("block", "replace")


class InputSizeGuard(Guard):
    stage = "input"

    def __init__(self, spec: GuardSpec, name: str, action: str, answer: str | None,
                 default_chars: int | None) -> None:  # fmt: skip
        super().__init__(spec, name, action, answer)
        self.max_chars = spec.max_chars or default_chars or DEFAULT_MAX_CHARS
        self.max_messages = spec.max_messages

    def check(self, texts: list[str], contexts: list[str], messages: int) -> str | None:
        size = sum(len(t) for t in texts)
        if size > self.max_chars:
            return f"{size:,} characters of user text, more than {self.max_chars:,}"
        if self.max_messages is not None and messages > self.max_messages:
            return f"{messages} messages, more than {self.max_messages}"
        return None


class InjectionGuard(Guard):
    stage = "input"

    def __init__(self, spec: GuardSpec, name: str, action: str, answer: str | None) -> None:
        super().__init__(spec, name, action, answer)
        self.threshold = 0.5 if spec.threshold is None else spec.threshold
        self.scan_contexts = spec.scan_contexts is not False

    def check(self, texts: list[str], contexts: list[str], messages: int) -> str | None:
        scored = injection_score(texts, contexts if self.scan_contexts else ())
        if scored.score >= self.threshold:
            return f"injection score {scored.score:.2f} ({', '.join(scored.matched)})"
        return None


class SchemaGuard(Guard):
    def __init__(self, spec: GuardSpec, name: str, action: str, answer: str | None,
                 default_schema: dict[str, Any] | None) -> None:  # fmt: skip
        super().__init__(spec, name, action, answer)
        self.schema = spec.output_schema or default_schema
        self._validators: dict[int, tuple[dict[str, Any], Any]] = {}

    def validator(self, schema: dict[str, Any]) -> Any:
        """A cached validator for ``schema`` (prompt versions bring their own)."""
        hit = self._validators.get(id(schema))
        if hit is None or hit[0] is not schema:
            from jsonschema import Draft202012Validator

            hit = (schema, Draft202012Validator(schema))
            if len(self._validators) > 256:
                self._validators.clear()
            self._validators[id(schema)] = hit
        return hit[1]

    def check(self, text: str, schema: dict[str, Any] | None) -> str | None:
        schema = self.schema if self.spec.output_schema is not None else schema or self.schema
        if schema is None:
            return None
        try:
            value = loads(text)
        except ValueError:
            return "the answer is not valid JSON"
        error = next(iter(self.validator(schema).iter_errors(value)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        return f"the answer does not follow the schema at {where}: {error.message[:160]}"


class PiiGuard(Guard):
    def __init__(self, spec: GuardSpec, name: str, action: str, answer: str | None) -> None:
        super().__init__(spec, name, action, answer)
        self.kinds = tuple(spec.entities or PII_KINDS)

    def find(self, text: str) -> tuple[str | None, str]:
        matches = find_pii(text, self.kinds)
        if not matches:
            return None, text
        kinds = sorted({m.kind for m in matches})
        return f"{len(matches)} finding(s): {', '.join(kinds)}", redact(text, matches)


class RegexAbsentGuard(Guard):
    """The PRD's forbidden pattern, searched with a time limit.

    It runs on the event loop: past the limit it fails closed (as if it matched) rather
    than stall every other request.
    """

    def __init__(self, spec: GuardSpec, name: str, action: str, answer: str | None) -> None:
        super().__init__(spec, name, action, answer)
        assert spec.pattern is not None
        self.rx = UserRegex(
            spec.pattern, ignore_case=bool(spec.ignore_case), timeout_s=GUARD_TIMEOUT_S
        )

    def find(self, text: str) -> tuple[str | None, str]:
        try:
            hits = sum(1 for _ in self.rx.finditer(text))
            if not hits:
                return None, text
            return f"{hits} match(es) of the forbidden pattern", self.rx.sub("[REDACTED]", text)
        except RegexTimeout as e:
            return f"{e}: treated as a match", "[REDACTED]"


class GroundednessGuard(Guard):
    """The offline groundedness detector on the answer and the caller's contexts.

    Its action (block, replace, flag) applies to an ``unsupported`` answer only. An
    ``undecided`` one (words alone cannot tell a paraphrase from an invention) is never
    blocked nor replaced: it is flagged, or passed with ``undecided: pass``.
    """

    def __init__(self, spec: GuardSpec, name: str, action: str, answer: str | None) -> None:
        super().__init__(spec, name, action, answer)
        from ..rag import GroundednessDetector  # imported at start-up, not per request

        self.detector = GroundednessDetector(threshold=spec.threshold)
        self.on_undecided = spec.undecided or "flag"

    async def check(
        self, text: str, contexts: list[str], question: str | None
    ) -> tuple[str, str | None]:
        """``(verdict, detail)``: the answer's verdict and, unless supported, why."""
        result = await asyncio.to_thread(self.detector.check, text, contexts, question)
        if result.verdict == "supported":
            return "supported", None
        if result.verdict == "undecided":
            first = result.undecided[0].text[:120] if result.undecided else text[:120]
            return "undecided", (f"undecided: {len(result.undecided)} of {len(result.claims)} "
                                 f"claim(s) cannot be told from a paraphrase by their words, "
                                 f"e.g. {first!r}")  # fmt: skip
        bad = result.unsupported
        first = bad[0].text[:120] if bad else text[:120]
        return "unsupported", (f"{len(bad)} of {len(result.claims)} claim(s) unsupported "
                               f"(score {result.score:.2f}), e.g. {first!r}")  # fmt: skip


InputGuard = InputSizeGuard | InjectionGuard


def build_guard(
    spec: GuardSpec, name: str, *, has_static: bool, default_chars: int | None,
    default_schema: dict[str, Any] | None,
) -> Guard:  # fmt: skip
    """Compile one guard spec."""
    action = spec.effective_action(has_static)
    if spec.kind == "input_size":
        return InputSizeGuard(spec, name, action, spec.answer, default_chars)
    if spec.kind == "prompt_injection":
        return InjectionGuard(spec, name, action, spec.answer)
    if spec.kind == "json_schema":
        return SchemaGuard(spec, name, action, spec.answer, default_schema)
    if spec.kind == "pii":
        return PiiGuard(spec, name, action, spec.answer)
    if spec.kind == "regex_absent":
        return RegexAbsentGuard(spec, name, action, spec.answer)
    return GroundednessGuard(spec, name, action, spec.answer)
