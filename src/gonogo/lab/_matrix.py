"""The detection matrix: which detector notices which injection, with paired statistics.

For every injection × detector (each scorer of the plan, each runtime guard run offline)
the injected run is compared with the clean run on the same cases and sample indexes,
exactly as ``gonogo compare`` compares two variants (exact McNemar for one pass/fail
sample per case, the paired sign-flip test for repeats and mean scores). Holm corrects
across the whole matrix, so the chance of *any* false "fires" stays at most alpha. A
detector **fires** when its pass rate is significantly lower under the injection.

Per failure mode: **detected** (one of its own detectors fires), **detected only by
others**, **undetected** (a hole in the eval plan: which scorer kind would catch it), or
**not provoked** (no answer changed — that is not a detection). The mutation score is
the share of provoked injections that flipped a threshold passing on the clean run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..compare._stats import ScorerComparison, Settings, by_case, compare_scorer
from ..data import Case
from ..spec._lab import BUILTIN_INJECTIONS
from ..stats import PairedTest, holm, wilson_interval

Record = Mapping[str, Any]
ByCase = dict[str, dict[int, Record]]
STATUSES = ("detected", "detected_only_by_others", "undetected", "not_provoked", "run_failed")


@dataclass(frozen=True)
class Detector:
    """A column of the matrix: a scorer of the plan or a runtime guard."""

    id: str
    source: str  # scorer | guard
    kind: str  # the scorer kind, or the guard kind
    metric: str = "pass_rate"
    spec: Any = None


@dataclass
class EntryRuns:
    """An injection's records (scorers, and guards as pseudo-scores), or why it has none."""

    id: str
    calls_text: str
    layers: list[str]
    catches: list[str]
    own: list[str]  # detector ids that belong to its failure mode (empty: none named)
    records: Sequence[Record] = field(default_factory=list)
    guard_records: Sequence[Record] = field(default_factory=list)
    results: Mapping[str, Any] | None = None
    run_error: str | None = None
    failure_mode: str | None = None
    severity: str | None = None


@dataclass
class Cell:
    """One injection × detector: the paired test and the failure (firing) rates."""

    entry: str
    detector: str
    comparison: ScorerComparison
    fail_clean: dict[str, Any]
    fail_injected: dict[str, Any]
    fired: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON form (lab.json ``matrix``)."""
        c = self.comparison.to_dict()
        return {"entry": self.entry, "detector": self.detector, "fired": self.fired,
                "n": c["n"], "verdict": c["verdict"], "test": c["test"],
                "not_evaluated": c["not_evaluated"], "fail_rate_clean": self.fail_clean,
                "fail_rate_injected": self.fail_injected}  # fmt: skip


@dataclass
class EntryResult:
    """One injection's row of the report."""

    id: str
    status: str
    reason: str
    firing: list[str]
    own: list[str]
    changed: int
    samples: int
    killed_by: list[str]
    suggestion: str | None
    failure_mode: str | None
    severity: str | None
    injection: str
    run_error: str | None = None

    @property
    def provoked(self) -> bool:
        """The injection changed something (or stopped the run)."""
        return self.status != "not_provoked"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (lab.json ``entries``)."""
        return {
            "id": self.id, "injection": self.injection, "failure_mode": self.failure_mode,
            "severity": self.severity, "status": self.status, "reason": self.reason,
            "detectors_firing": self.firing, "own_detectors": self.own,
            "changed_samples": self.changed, "samples": self.samples,
            "killed_by": self.killed_by, "suggestion": self.suggestion,
            "run_error": self.run_error,
        }  # fmt: skip


def _key(rec: Record) -> tuple[str, int]:
    return str(rec["case_key"]), int(rec.get("sample") or 0)


def changed_samples(clean: Sequence[Record], injected: Sequence[Record]) -> int:
    """Samples whose answer, passages or error differ from the clean run's (or met a fault)."""
    base = {_key(r): r for r in clean}
    n = 0
    for rec in injected:
        c = base.get(_key(rec))
        lab = rec.get("lab") or {}
        if c is None or lab.get("fault"):
            n += 1
            continue
        same = (c.get("output") == rec.get("output") and c.get("contexts") == rec.get("contexts")
                and bool(c.get("error")) == bool(rec.get("error")))  # fmt: skip
        n += 0 if same else 1
    return n


def fail_rate(records: Sequence[Record], detector: str, confidence: float) -> dict[str, Any]:
    """Share of evaluated samples the detector failed (a guard: fired on), with its interval."""
    from ..results._records import passed_of

    values = [passed_of(r, detector) for r in records]
    known = [v for v in values if v is not None]
    k = sum(1 for v in known if not v)
    n = len(known)
    lo, hi = wilson_interval(k, n, confidence)
    return {"n": n, "count": k, "rate": k / n if n else None, "ci": [lo, hi]}


@dataclass
class Matrix:
    """The whole analysis: cells, one result per injection, the mutation score."""

    cells: list[Cell]
    entries: list[EntryResult]
    alpha: float
    already_failing: list[str] = field(default_factory=list)  # thresholds failing when clean

    def mutation_score(self) -> dict[str, Any]:
        """Killed / provoked, with a 95% Wilson interval."""
        provoked = [e for e in self.entries if e.provoked]
        killed = [e for e in provoked if e.killed_by]
        lo, hi = wilson_interval(len(killed), len(provoked), 1 - self.alpha)
        rate = len(killed) / len(provoked) if provoked else None
        return {"killed": len(killed), "provoked": len(provoked), "rate": rate, "ci": [lo, hi],
                "survivors": [e.id for e in provoked if not e.killed_by],
                "already_failing": self.already_failing}  # fmt: skip


def detection_matrix(
    cases: Sequence[Case],
    repeats: int,
    clean: Sequence[Record],
    clean_guards: Sequence[Record],
    entries: Sequence[EntryRuns],
    detectors: Sequence[Detector],
    *,
    clean_results: Mapping[str, Any] | None = None,
    alpha: float = 0.05,
    plan_kinds: frozenset[str] = frozenset(),
) -> Matrix:
    """Every injection × detector tested against the clean run; Holm across the matrix."""
    settings = Settings(alpha=alpha)
    conf = 1 - alpha
    a_sc, a_gd = by_case(list(clean)), by_case(list(clean_guards))
    cells: list[Cell] = []
    for e in entries:
        if e.run_error is not None:
            continue
        b_sc, b_gd = by_case(list(e.records)), by_case(list(e.guard_records))
        for d in detectors:
            a, b = (a_gd, b_gd) if d.source == "guard" else (a_sc, b_sc)
            row = compare_scorer(d.id, d.spec, d.metric, primary=True, cases=cases, a=a, b=b,
                                 repeats=repeats, settings=settings)  # fmt: skip
            recs_a = clean_guards if d.source == "guard" else clean
            recs_b = e.guard_records if d.source == "guard" else e.records
            cells.append(Cell(e.id, d.id, row, fail_rate(recs_a, d.id, conf),
                              fail_rate(recs_b, d.id, conf)))  # fmt: skip
    tested = [c for c in cells if c.comparison.test is not None]
    adjusted = holm([c.comparison.test for c in tested if c.comparison.test is not None], alpha)
    for cell, test in zip(tested, adjusted, strict=True):
        cell.comparison.test = test
        cell.fired = _fires(test)
    results = [_entry_result(e, cells, clean, clean_results, plan_kinds) for e in entries]
    failing = [f"threshold:{t['scorer']}" for t in (clean_results or {}).get("thresholds") or []
               if t.get("status") != "pass"]  # fmt: skip
    return Matrix(cells, results, alpha, failing)


def _fires(test: PairedTest) -> bool:
    return test.verdict == "worse"


def _entry_result(
    e: EntryRuns,
    cells: Sequence[Cell],
    clean: Sequence[Record],
    clean_results: Mapping[str, Any] | None,
    plan_kinds: frozenset[str],
) -> EntryResult:
    firing = [c.detector for c in cells if c.entry == e.id and c.fired]
    base = dict(id=e.id, firing=firing, own=e.own, failure_mode=e.failure_mode,
                severity=e.severity, injection=e.calls_text)  # fmt: skip
    if e.run_error is not None:
        return EntryResult(status="run_failed", changed=0, samples=0, suggestion=None,
                           killed_by=["run (exit 3)"], run_error=e.run_error,
                           reason=f"the injected run stopped (exit 3): {e.run_error}",
                           **base)  # type: ignore[arg-type]  # fmt: skip
    changed = changed_samples(clean, e.records)
    killed = _killed_by(clean_results, e.results)
    n = len(e.records)
    if changed == 0:
        return EntryResult(status="not_provoked", changed=0, samples=n, suggestion=None,
                           killed_by=killed,
                           reason="the injection changed no answer, passage or error on this "
                           "target: nothing to detect (this is not a detection)",
                           **base)  # type: ignore[arg-type]  # fmt: skip
    # a row's own detectors are its `detect` scorers and guard; an entry that provokes no
    # row (--only, a scenario without failure_mode) has none: any detector counts
    own = [d for d in firing if d in e.own] if e.failure_mode else list(firing)
    if own:
        status = "detected"
        reason = (
            f"{', '.join(own)} fire{'s' if len(own) == 1 else ''} ({changed} of {n} "
            "samples changed)"
        )
    elif firing:
        status = "detected_only_by_others"
        if e.own:
            reason = (f"its own detector{'s' if len(e.own) != 1 else ''} did not fire "
                      f"({_moves(e, cells)}); {', '.join(firing)} did")  # fmt: skip
        else:
            reason = (f"the row names no scorer or guard of the plan in `detect`; "
                      f"{', '.join(firing)} fire{'s' if len(firing) == 1 else ''}")  # fmt: skip
    else:
        status = "undetected"
        reason = (f"{changed} of {n} samples changed and no detector's pass rate dropped "
                  f"significantly ({_moves(e, cells)})")  # fmt: skip
    suggestion = _suggest(e, plan_kinds) if status != "detected" else None
    return EntryResult(status=status, reason=reason, changed=changed, samples=n,
                       killed_by=killed, suggestion=suggestion, **base)  # type: ignore[arg-type]  # fmt: skip


def _moves(e: EntryRuns, cells: Sequence[Cell]) -> str:
    """How the own detectors (else the three that fell most) moved: the numbers behind it."""
    mine = [c for c in cells if c.entry == e.id and c.comparison.test is not None]
    shown = [c for c in mine if c.detector in e.own] if e.own else []
    if not shown:
        shown = sorted(mine, key=lambda c: c.comparison.test.diff if c.comparison.test else 0)[:3]
    parts = []
    for c in shown:
        t = c.comparison.test
        assert t is not None
        parts.append(f"{c.detector} {t.diff * 100:+.1f} pts: {t.losses} worse, {t.wins} better,"
                     f" p {t.p_value:.2g}, Holm {t.p_adjusted:.2g}")  # fmt: skip
    missing = [d for d in e.own if d not in {c.detector for c in mine}]
    parts += [f"{d} not evaluated" for d in missing]
    return "; ".join(parts) or "no detector could be compared"


def _killed_by(clean: Mapping[str, Any] | None, injected: Mapping[str, Any] | None) -> list[str]:
    """Thresholds that pass on the clean run and not under the injection."""
    if not clean or not injected:
        return []
    before = {
        (t["scorer"], t.get("metric")): t.get("status") for t in clean.get("thresholds") or []
    }
    out = []
    for t in injected.get("thresholds") or []:
        key = (t["scorer"], t.get("metric"))
        if before.get(key) == "pass" and t.get("status") != "pass":
            out.append(f"threshold:{t['scorer']}")
    return out


def _suggest(e: EntryRuns, plan_kinds: frozenset[str]) -> str:
    missing = [k for k in e.catches if k not in plan_kinds]
    if missing:
        others = f" (or {', '.join(missing[1:])})" if len(missing) > 1 else ""
        return f"add a `{missing[0]}` scorer{others} to the eval plan and to this row's `detect`"
    if e.catches:
        return (
            f"the plan has {', '.join(e.catches)} scorers, but they did not fire: add "
            "golden cases where this failure shows (power), or tighten their `min`"
        )
    return "add a scorer that checks what this injection breaks"


def detector_kinds(entries_layers: Sequence[str]) -> list[str]:
    """The scorer kinds the catalog says catch these injections (for plug-ins: none)."""
    out: list[str] = []
    for name in entries_layers:
        info = BUILTIN_INJECTIONS.get(name)
        for k in info.catches if info else ():
            if k not in out:
                out.append(k)
    return out
