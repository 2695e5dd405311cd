"""What a lab run injects: the failure-mode rows' ``provoke: lab:…``, ``--only``, a scenario.

Every reference is checked before anything runs — unknown injections, parameters out of
range, an injection that cannot reach this kind of target — and all problems are
reported at once, each at its line in the PRD (or the scenario file), exit 2.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigIssue, SpecError, UserError
from ..spec import FailureMode, LoadedPRD
from ..spec._lab import (
    LAB_PREFIX,
    LabCall,
    ProvokeError,
    check_calls,
    parse_lab,
    prompt_takes_contexts,
    target_kind_of,
)
from ..spec._xref import did_you_mean


@dataclass
class LabEntry:
    """One injected run: its id, its injections and the failure mode it provokes (if any)."""

    id: str
    calls: list[LabCall]
    failure_mode: FailureMode | None = None
    origin: str = "failure_mode"  # failure_mode | only | scenario

    @property
    def text(self) -> str:
        """``lab:a(k=v) + b``, canonical."""
        return LAB_PREFIX + " + ".join(c.text() for c in self.calls)

    def fingerprint(self, seed: int) -> str:
        """What the run injects: the canonical text and the seed."""
        return hashlib.sha256(f"{self.text}|{seed}".encode()).hexdigest()[:12]


@dataclass
class LabPlan:
    """The entries to run, the rows left out (and why), the seed."""

    entries: list[LabEntry]
    skipped: dict[str, str] = field(default_factory=dict)  # failure mode -> why not run
    seed: int = 0
    scenario: str | None = None


def _kind(loaded: LoadedPRD) -> tuple[str, bool]:
    kind = target_kind_of(loaded.prd)
    return kind, kind != "model" or prompt_takes_contexts(loaded.prd)


def _row_entries(loaded: LoadedPRD) -> tuple[list[LabEntry], dict[str, str], list[ConfigIssue]]:
    kind, contexts = _kind(loaded)
    entries: list[LabEntry] = []
    skipped: dict[str, str] = {}
    issues: list[ConfigIssue] = []
    for i, fm in enumerate(loaded.prd.failure_modes):
        if not fm.provoke:
            skipped[fm.id] = "no `provoke`"
            continue
        if not fm.provoke.startswith(LAB_PREFIX):
            skipped[fm.id] = f"provoked by `{fm.provoke}`, not by the lab"
            continue
        try:
            calls = check_calls(parse_lab(fm.provoke), kind, has_contexts=contexts)
        except ProvokeError as e:
            issues.append(loaded.issue(("failure_modes", i, "provoke"), e.message, e.hint))
            continue
        entries.append(LabEntry(fm.id, calls, fm))
    return entries, skipped, issues


def _only_entry(loaded: LoadedPRD, ref: str, rows: dict[str, LabEntry]) -> LabEntry:
    if ref in rows:
        return rows[ref]
    if any(fm.id == ref for fm in loaded.prd.failure_modes):
        raise UserError(
            f"failure mode '{ref}' has no `provoke: lab:…`",
            "add one to its row, or give the injection itself: --only 'lab:retrieval-dropout'",
        )
    text = ref if ref.startswith(LAB_PREFIX) else LAB_PREFIX + ref
    kind, contexts = _kind(loaded)
    try:
        calls = check_calls(parse_lab(text), kind, has_contexts=contexts)
    except ProvokeError as e:
        ids = [fm.id for fm in loaded.prd.failure_modes]
        hint = did_you_mean(ref, ids) or e.hint
        raise UserError(f"--only {ref}: not a failure mode of the PRD, and {e.message}",
                        hint) from None  # fmt: skip
    return LabEntry(text.removeprefix(LAB_PREFIX), calls, None, "only")


def build_plan(
    loaded: LoadedPRD, *, only: tuple[str, ...] = (), scenario: Path | None = None,
    seed: int = 0,
) -> LabPlan:  # fmt: skip
    """The lab's entries; SpecError (every bad reference, by line) or UserError."""
    entries, skipped, issues = _row_entries(loaded)
    if issues:
        raise SpecError(issues)
    rows = {e.id: e for e in entries}
    if scenario is not None:
        from ..spec._lab_scenario import load_scenario

        kind, contexts = _kind(loaded)
        by_id = {fm.id: fm for fm in loaded.prd.failure_modes}
        spec, runs = load_scenario(scenario, target_kind=kind, has_contexts=contexts,
                                   failure_modes=list(by_id))  # fmt: skip
        chosen = [LabEntry(r.id, r.calls, by_id.get(r.failure_mode or ""), "scenario")
                  for r in runs]  # fmt: skip
        if only:
            chosen = [e for e in chosen if e.id in only or e.id.split("[")[0] in only]
        return LabPlan(chosen, {}, spec.seed if spec.seed is not None else seed, str(scenario))
    if only:
        chosen = [_only_entry(loaded, ref, rows) for ref in dict.fromkeys(only)]
        return LabPlan(chosen, {}, seed)
    if not entries:
        raise UserError(
            "no failure mode of the PRD has `provoke: lab:<injection>`, so the lab has "
            "nothing to inject",
            "add e.g. `provoke: lab:retrieval-dropout` to a row (`gonogo lab list` shows the "
            "injections), or pass --only 'lab:hallucinate' or --scenario FILE",
        )
    return LabPlan(entries, skipped, seed)


def check_plugins(loaded: LoadedPRD) -> list[ConfigIssue]:
    """Build the rows' plug-in injections (``module:factory``) as `gonogo lab` will.

    Each failure to import or to build with the row's parameters is an issue at its
    ``provoke`` line.
    """
    from ._build import build_stack

    issues: list[ConfigIssue] = []
    for i, fm in enumerate(loaded.prd.failure_modes):
        if not fm.provoke or not fm.provoke.startswith(LAB_PREFIX):
            continue
        try:
            calls = [c for c in parse_lab(fm.provoke) if c.plugin]
        except ProvokeError:
            continue  # reported by check_prd
        if not calls:
            continue
        where = ("failure_modes", i, "provoke")
        try:
            build_stack(calls, loaded.base_dir)
        except UserError as e:
            issues.append(loaded.issue(where, e.message, e.hint))
        except Exception as e:  # the plug-in's own code failed
            issues.append(loaded.issue(where, f"lab plug-in failed: {type(e).__name__}: {e}",
                                       "fix the plug-in's module or its factory"))  # fmt: skip
    return issues
