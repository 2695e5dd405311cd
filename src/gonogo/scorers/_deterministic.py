"""Deterministic built-in scorers: equality, containment, regex, numbers, length, latency, cost.

Each is registered with :func:`register_scorer` — the same path plug-ins use — and its
params model from :mod:`gonogo.spec._scorer_params`. Work that depends only on the
params (regexes, folded search strings) is done once at build time, so scoring one
output costs microseconds. Value is 1.0 (pass) or 0.0 (fail); a case without the
expected output a scorer needs is *not evaluated* (``passed=None``), never passed.
JSON scorers live in :mod:`._json`.
"""

from __future__ import annotations

import math
from typing import Any

from .._userregex import SCORER_TIMEOUT_S, RegexTimeout, UserRegex
from ..data._case import Case
from ..data._output import TargetOutput
from ..errors import UserError
from ..spec._scorer_params import (
    ContainsScorer,
    CostScorer,
    EqualsScorer,
    LatencyScorer,
    LengthScorer,
    NumericScorer,
    RegexScorer,
)
from ._base import Score, Scorer, ScorerContext, register_scorer
from ._text import (
    as_number,
    as_text,
    doc,
    expected_list,
    fold,
    normalize,
    not_evaluated_no_expected,
    quote,
)


def _verdict(ok: bool, reason: str, **metadata: Any) -> Score:
    return Score(value=1.0 if ok else 0.0, passed=ok, reason=reason, metadata=metadata)


class EqualsCheck:
    """Output equals the expected output (or one of a list of acceptable answers)."""

    def __init__(self, id: str, normalized: bool) -> None:
        self.id = id
        self._norm = normalize if normalized else (lambda s: s)

    async def score(self, case: Case, output: TargetOutput) -> Score:
        answers = expected_list(case.expected)
        if not answers:
            return not_evaluated_no_expected()
        if not isinstance(output.output, str) and output.output is not None:
            if output.output == case.expected or output.output in answers:
                return _verdict(True, "structured output equals the expected value")
        got = self._norm(output.text)
        for answer in answers:
            if got == self._norm(as_text(answer)):
                return _verdict(True, f"equals expected {quote(as_text(answer))}")
        want = quote(as_text(answers[0])) if len(answers) == 1 else f"any of {len(answers)}"
        return _verdict(False, f"got {quote(output.text)}, expected {want}")


@register_scorer("equals", params_model=EqualsScorer, description=doc(EqualsScorer))
def _equals(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = EqualsScorer.model_validate(spec)
    return EqualsCheck(p.id, p.normalize)


class ContainsCheck:
    """Output contains any (or all) of some strings: fixed ``values`` or the case's expected."""

    def __init__(
        self, id: str, values: list[str] | None, *, require_all: bool, case_sensitive: bool
    ) -> None:
        self.id = id
        self._all = require_all
        self._fold = (lambda s: s) if case_sensitive else fold
        self._fixed = None if values is None else [(v, self._fold(v)) for v in values]

    async def score(self, case: Case, output: TargetOutput) -> Score:
        needles = self._fixed
        if needles is None:
            wanted = [as_text(v) for v in expected_list(case.expected)]
            if not wanted:
                return not_evaluated_no_expected()
            needles = [(v, self._fold(v)) for v in wanted]
        hay = self._fold(output.text)
        found = [orig for orig, folded in needles if folded in hay]
        missing = [orig for orig, folded in needles if folded not in hay]
        meta = {"found": found, "missing": missing}
        if self._all:
            if missing:
                return _verdict(False, "missing " + ", ".join(map(quote, missing)), **meta)
            return _verdict(True, f"contains all {len(needles)} strings", **meta)
        if found:
            return _verdict(True, f"contains {quote(found[0])}", **meta)
        return _verdict(False, "contains none of " + ", ".join(map(quote, missing)), **meta)


@register_scorer(
    "contains_any", params_model=ContainsScorer, description="Output contains any of the strings."
)
@register_scorer(
    "contains_all", params_model=ContainsScorer, description="Output contains all of the strings."
)
def _contains(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = ContainsScorer.model_validate(spec)
    return ContainsCheck(
        p.id, p.values, require_all=p.kind == "contains_all", case_sensitive=p.case_sensitive
    )


class RegexCheck:
    """Output matches a pattern (``regex``) or must not match it (``regex_absent``)."""

    def __init__(self, id: str, pattern: UserRegex, *, absent: bool) -> None:
        self.id = id
        self._pattern = pattern
        self._absent = absent

    async def score(self, case: Case, output: TargetOutput) -> Score:
        try:
            m = self._pattern.search(output.text)
        except RegexTimeout as e:  # catastrophic backtracking: not evaluated, never a hang
            return Score(None, None, f"not evaluated: {e}", error=str(e))
        if m is None:
            ok = self._absent
            return _verdict(ok, f"no match for /{self._pattern.pattern}/", match=None)
        where = {"match": m.group(), "start": m.start()}
        if self._absent:
            return _verdict(False, f"forbidden match {quote(m.group())} at {m.start()}", **where)
        return _verdict(True, f"matched {quote(m.group())} at {m.start()}", **where)


@register_scorer(
    "regex", params_model=RegexScorer, description="Output matches a regular expression."
)
@register_scorer(
    "regex_absent",
    params_model=RegexScorer,
    description="Output never matches a regular expression.",
)
def _regex(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = RegexScorer.model_validate(spec)
    compiled = UserRegex(p.pattern, ignore_case=p.ignore_case, timeout_s=SCORER_TIMEOUT_S)
    return RegexCheck(p.id, compiled, absent=p.kind == "regex_absent")


class NumericCheck:
    """The first number in the output is within tolerance of the expected number."""

    def __init__(self, id: str, abs_tol: float, rel_tol: float) -> None:
        self.id = id
        self._abs = abs_tol
        self._rel = rel_tol

    async def score(self, case: Case, output: TargetOutput) -> Score:
        answers = expected_list(case.expected)
        if not answers:
            return not_evaluated_no_expected()
        targets: list[float] = []
        for answer in answers:
            t = as_number(answer)
            if t is None:
                why = f"expected value {quote(as_text(answer))} is not a number"
                return Score(None, None, f"not evaluated: {why}", error=why)
            targets.append(t)
        got = as_number(output.output if output.output is not None else "")
        if got is None:
            return _verdict(False, f"no number in the output {quote(output.text)}", found=None)
        for t in targets:
            if math.isclose(got, t, rel_tol=self._rel, abs_tol=self._abs):
                return _verdict(True, f"{got:g} matches {t:g}", found=got, expected=t)
        nearest = min(targets, key=lambda t: abs(t - got))
        return _verdict(
            False,
            f"{got:g} is not within tolerance of {nearest:g}",
            found=got,
            expected=nearest,
        )


@register_scorer("numeric", params_model=NumericScorer, description=doc(NumericScorer))
def _numeric(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = NumericScorer.model_validate(spec)
    return NumericCheck(p.id, p.abs_tol, p.rel_tol)


class LengthCheck:
    """Output length in characters and/or words is within bounds."""

    def __init__(self, id: str, bounds: dict[str, int | None]) -> None:
        self.id = id
        self._bounds = [(k, v) for k, v in bounds.items() if v is not None]

    async def score(self, case: Case, output: TargetOutput) -> Score:
        text = output.text
        size = {"chars": len(text), "words": len(text.split())}
        broken = []
        for key, limit in self._bounds:
            bound, unit = key.split("_")
            n = size[unit]
            if (bound == "min" and n < limit) or (bound == "max" and n > limit):
                broken.append(f"{n} {unit} ({'<' if bound == 'min' else '>'} {key} {limit})")
        if broken:
            return _verdict(False, "; ".join(broken), **size)
        return _verdict(True, f"{size['chars']} chars, {size['words']} words", **size)


@register_scorer("length", params_model=LengthScorer, description=doc(LengthScorer))
def _length(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = LengthScorer.model_validate(spec)
    bounds = p.model_dump(include={"min_chars", "max_chars", "min_words", "max_words"})
    if all(v is None for v in bounds.values()):
        raise UserError(
            f"scorer '{p.id}' (length) has no bounds",
            "give at least one of min_chars, max_chars, min_words, max_words",
        )
    for unit in ("chars", "words"):
        lo, hi = bounds[f"min_{unit}"], bounds[f"max_{unit}"]
        if lo is not None and hi is not None and lo > hi:
            raise UserError(
                f"scorer '{p.id}' (length): min_{unit} {lo} is above max_{unit} {hi}",
                f"make min_{unit} at most max_{unit}",
            )
    return LengthCheck(p.id, bounds)


class LatencyCheck:
    """The target answered within ``max_s`` seconds."""

    def __init__(self, id: str, max_s: float) -> None:
        self.id = id
        self._max = max_s

    async def score(self, case: Case, output: TargetOutput) -> Score:
        s = output.latency_s
        ok = s <= self._max
        return _verdict(ok, f"{s:.3f}s {'<=' if ok else '>'} {self._max:g}s", latency_s=s)


@register_scorer("latency", params_model=LatencyScorer, description=doc(LatencyScorer))
def _latency(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = LatencyScorer.model_validate(spec)
    return LatencyCheck(p.id, p.max_s)


class CostCheck:
    """One answer cost at most ``max_usd``; an unknown cost is not evaluated."""

    def __init__(self, id: str, max_usd: float) -> None:
        self.id = id
        self._max = max_usd

    async def score(self, case: Case, output: TargetOutput) -> Score:
        c = output.cost_usd
        if c is None:
            return Score(
                None, None, "not evaluated: cost unknown (no price for the model in `prices`)"
            )
        ok = c <= self._max
        return _verdict(ok, f"${c:.6f} {'<=' if ok else '>'} ${self._max:g}", cost_usd=c)


@register_scorer("cost", params_model=CostScorer, description=doc(CostScorer))
def _cost(spec: dict[str, Any], ctx: ScorerContext) -> Scorer:
    p = CostScorer.model_validate(spec)
    return CostCheck(p.id, p.max_usd)
