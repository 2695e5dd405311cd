"""The PRD's guards as one set: input checks before the model, output checks after."""

from __future__ import annotations

from typing import Any

from ._guards import (
    GroundednessGuard,
    Guard,
    GuardResult,
    InjectionGuard,
    InputSizeGuard,
    OutputCheck,
    PiiGuard,
    RegexAbsentGuard,
    SchemaGuard,
)

# Output guards run in this order: the schema and groundedness see the model's own
# words, before any redaction rewrites them.
_ORDER = {"json_schema": 0, "groundedness": 1, "regex_absent": 2, "pii": 3}


class GuardSet:
    """Every guard of the PRD, split by stage."""

    def __init__(self, guards: list[Guard]) -> None:
        self.all = guards
        self.input: list[InputSizeGuard | InjectionGuard] = [
            g for g in guards if isinstance(g, InputSizeGuard | InjectionGuard)
        ]
        self.output = sorted(
            (g for g in guards if g.stage == "output"), key=lambda g: _ORDER.get(g.kind, 9)
        )
        self.has_groundedness = any(isinstance(g, GroundednessGuard) for g in self.output)
        # A stream must be buffered when an output guard may change or stop the answer.
        self.output_may_change = any(g.action != "flag" for g in self.output)

    def check_input(
        self, texts: list[str], contexts: list[str], messages: int
    ) -> tuple[list[GuardResult], Guard | None]:
        """Run the input guards; the second item is the first that must stop the request."""
        results: list[GuardResult] = []
        trip: Guard | None = None
        for g in self.input:
            detail = g.check(texts, contexts, messages)
            if detail is None:
                results.append(GuardResult(g.name, "input", "pass"))
                continue
            results.append(GuardResult(g.name, "input", g.action, detail))
            if trip is None and g.stops:
                trip = g
        return results, trip

    async def check_output(
        self,
        text: str,
        *,
        contexts: list[str],
        question: str | None,
        schema: dict[str, Any] | None,
    ) -> OutputCheck:
        """Run the output guards on one answer; redactions apply in order."""
        results: list[GuardResult] = []
        trip: Guard | None = None
        trip_kind: str | None = None
        for g in self.output:
            new = text
            if isinstance(g, SchemaGuard):
                detail = g.check(text, schema)
            elif isinstance(g, PiiGuard | RegexAbsentGuard):
                detail, new = g.find(text)
            elif isinstance(g, GroundednessGuard):
                if not contexts:
                    results.append(GuardResult(g.name, "output", "skip", "no contexts given"))
                    continue
                if trip is not None:  # the answer is not served anyway: save the CPU
                    results.append(GuardResult(g.name, "output", "skip", "answer already stopped"))
                    continue
                verdict, detail = await g.check(text, contexts, question)
                if verdict == "undecided":  # never blocked nor replaced
                    results.append(GuardResult(g.name, "output", g.on_undecided, detail))
                    continue
            else:  # pragma: no cover - every output kind is handled above
                continue
            if detail is None:
                results.append(GuardResult(g.name, "output", "pass"))
                continue
            results.append(GuardResult(g.name, "output", g.action, detail))
            if g.action == "redact":
                text = new
            elif trip is None and g.stops:
                trip = g
                trip_kind = "schema" if isinstance(g, SchemaGuard) else "guard"
        return OutputCheck(text, results, trip, trip_kind)
