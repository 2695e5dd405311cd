"""The PRD's runtime guards, run offline over a run's stored answers.

The gateway's guards (the failure-mode rows' ``guard:`` and ``launch.guards``) are
compiled exactly as ``gonogo serve`` compiles them and applied to each sample as the
gateway would see it: the question and passages go through the input guards, the answer
through the output guards. A guard *fires* when its outcome is its action (block,
replace, redact, flag). Results are memoised on the (question, passages, answer) triple:
the many answers an injection leaves unchanged are checked once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

FIRED = frozenset({"block", "replace", "redact", "flag"})


class OfflineGuards:
    """Every guard of the PRD; ``available`` is False (with ``why``) when none can run."""

    def __init__(self, prd: Any) -> None:
        self.names: list[str] = []
        self.kinds: dict[str, str] = {}
        self.why: str | None = None
        self._set: Any = None
        self._schema = prd.model.output_schema if prd.model else None
        self._memo: dict[str, dict[str, str]] = {}
        try:
            from ..gateway import compile_guards
        except ImportError as e:  # the gateway extra is not installed
            self.why = f"the gateway's guards need `pip install 'gonogo[gateway]'` ({e})"
            return
        guards = compile_guards(prd)
        if not guards.all:
            self.why = "the PRD has no runtime guards (`guard:` in a failure-mode row)"
            return
        self._set = guards
        self.names = [g.name for g in guards.all]
        self.kinds = {g.name: g.kind for g in guards.all}

    @property
    def available(self) -> bool:
        """True when there are guards to run."""
        return self._set is not None

    async def outcomes(self, question: str, rec: Mapping[str, Any]) -> dict[str, str]:
        """Each guard's outcome on one sample (``pass``, ``skip``, ``error`` or its action)."""
        if self._set is None:
            return {}
        contexts = [str(c) for c in rec.get("contexts") or []]
        output = rec.get("output")
        text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)
        failed = bool(rec.get("error"))
        key = hashlib.sha256(
            json.dumps([question, contexts, None if failed else text]).encode()
        ).hexdigest()
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        result: dict[str, str] = {}
        inputs, _ = self._set.check_input([question], contexts, 1)
        result.update({r.name: r.outcome for r in inputs})
        if failed:
            result.update({g.name: "error" for g in self._set.output})
        else:
            check = await self._set.check_output(
                text, contexts=contexts, question=question, schema=self._schema
            )
            result.update({r.name: r.outcome for r in check.results})
        self._memo[key] = result
        return result


def guard_id(name: str) -> str:
    """The detector id of a guard in the matrix: ``guard:<name>``."""
    return f"guard:{name}"


def guard_records(
    records: Iterable[Mapping[str, Any]], outcomes: Mapping[tuple[str, int], Mapping[str, str]]
) -> list[dict[str, Any]]:
    """Records whose ``scores`` are the guards (passed = did not fire; None = not checked).

    They carry no ``error``: a guard that had no answer to check was not evaluated, it
    did not fail.
    """
    out = []
    for rec in records:
        key = (str(rec["case_key"]), int(rec.get("sample") or 0))
        scores = {}
        for name, outcome in (outcomes.get(key) or {}).items():
            passed = None if outcome in ("skip", "error") else outcome not in FIRED
            scores[guard_id(name)] = {"value": None if passed is None else float(passed),
                                      "passed": passed, "reason": outcome}  # fmt: skip
        out.append({"case_key": key[0], "sample": key[1], "scores": scores})
    return out
