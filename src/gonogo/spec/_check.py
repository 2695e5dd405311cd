"""``gonogo check``: what a valid PRD still lacks, as located warnings and notes.

Severities: ``error`` (the eval cannot run: a dataset is missing or malformed),
``warning`` (the PRD runs but its gate or its failure-mode table has a gap: what
``--strict`` refuses) and ``info`` (worth knowing, nothing to fix).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

from .._userregex import nested_quantifier
from ..errors import ConfigIssue, DatasetError
from ._lab import LAB_PREFIX, provoke_problem
from ._loader import LoadedPRD
from ._prd import PRD, FailureMode, HttpTargetSpec
from ._redteam import probe_name_problem
from ._xref import did_you_mean, missing_dataset

EXTERNAL_DETECTORS = ("redteam:", "monitor:", "lab:")
"""Detector prefixes of later capabilities: accepted in ``detect``, not run by ``eval``."""


@dataclass(frozen=True)
class PRDSummary:
    """The PRD at a glance, for ``gonogo check``."""

    feature: str
    status: str
    owner: str | None
    target: str
    datasets: list[str]
    cases: int | None  # None when the datasets were not loaded
    repeats: int
    scorers: int
    thresholds: int
    gate_on: str
    judge: str | None
    failure_modes: int
    success_metrics: int

    def lines(self) -> list[str]:
        """The summary as short ``label: value`` lines."""
        cases = "" if self.cases is None else f", {self.cases} cases"
        return [
            f"feature: {self.feature} ({self.status}" + (f", {self.owner})" if self.owner else ")"),
            f"target: {self.target}",
            f"datasets: {len(self.datasets)} ({', '.join(self.datasets)}){cases}"
            f" × {self.repeats} repeat{'s' if self.repeats != 1 else ''}",
            f"scorers: {self.scorers}, thresholds: {self.thresholds} ("
            + ("gate per threshold)" if self.gate_on == "mixed" else f"gate on {self.gate_on})"),
            f"judge: {self.judge or 'none (rubric scorers are not evaluated)'}",
            f"failure modes: {self.failure_modes}, success metrics: {self.success_metrics}",
        ]


@dataclass
class CheckReport:
    """The result of checking a loaded PRD: issues of every severity and a summary."""

    loaded: LoadedPRD
    summary: PRDSummary
    issues: list[ConfigIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[ConfigIssue]:
        """Issues that stop the eval from running."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[ConfigIssue]:
        """Gaps in the gate or the failure-mode table."""
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def notes(self) -> list[ConfigIssue]:
        """Worth knowing; nothing to fix."""
        return [i for i in self.issues if i.severity == "info"]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors


def check_prd(
    loaded: LoadedPRD, *, env: Mapping[str, str] | None = None, datasets: bool = True
) -> CheckReport:
    """Check a loaded PRD beyond its schema.

    ``env`` (default ``os.environ``) is where API keys are looked up; ``datasets``
    loads the golden datasets to report missing files and malformed rows as errors.
    """
    c = _Checker(loaded, os.environ if env is None else env)
    cases = c.datasets() if datasets else None
    c.gate(cases)
    c.failure_modes()
    c.success_metrics()
    c.keys()
    c.patterns()
    order = {"error": 0, "warning": 1, "info": 2}
    c.issues.sort(key=lambda i: (order.get(i.severity, 3), i.line or 0, i.col or 0))
    return CheckReport(loaded, summarize(loaded.prd, cases), c.issues)


def summarize(prd: PRD, cases: int | None = None) -> PRDSummary:
    """A :class:`PRDSummary` of ``prd``; ``cases`` is the loaded case count, if known."""
    plan = prd.eval_plan
    if isinstance(plan.target, HttpTargetSpec):
        target = f"HTTP {plan.target.method} {plan.target.url}"
    elif plan.target == "model" and prd.model is not None:
        target = f"model {prd.model.name} ({prd.model.provider})"
    else:
        target = f"Python callable {plan.target}"
    return PRDSummary(
        feature=prd.feature,
        status=prd.status,
        owner=prd.owner,
        target=target,
        datasets=[d.name for d in plan.datasets],
        cases=cases,
        repeats=plan.repeats,
        scorers=len(plan.scorers),
        thresholds=len(plan.thresholds),
        gate_on=plan.effective_gate_on,
        judge=plan.judge.name if plan.judge else None,
        failure_modes=len(prd.failure_modes),
        success_metrics=len(prd.success_metrics),
    )


class _Checker:
    def __init__(self, loaded: LoadedPRD, env: Mapping[str, str]) -> None:
        self.loaded = loaded
        self.prd = loaded.prd
        self.env = env
        self.issues: list[ConfigIssue] = []
        self.scorer_ids = [s.id for s in self.prd.eval_plan.scorers]

    def warn(self, path: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        self.issues.append(self.loaded.issue(path, message, hint, severity="warning"))

    def note(self, path: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        self.issues.append(self.loaded.issue(path, message, hint, severity="info"))

    def datasets(self) -> int:
        from ..data import load_dataset  # data sits above spec: import only when checking

        total = 0
        for i, ref in enumerate(self.prd.eval_plan.datasets):
            path = self.loaded.resolve(ref.path)
            shown = ref.path if os.path.isabs(ref.path) else os.path.relpath(path)
            try:
                ds = load_dataset(path, name=ref.name, limit=ref.limit, display_path=shown)
                total += len(ds.cases)
            except DatasetError as e:
                if not path.is_file():
                    where = ("eval_plan", "datasets", i, "path")
                    self.issues.append(self.loaded.issue(where, *missing_dataset(path)))
                else:
                    self.issues.extend(e.issues)
        return total

    def gate(self, cases: int | None) -> None:
        plan = self.prd.eval_plan
        if not plan.thresholds:
            self.warn(
                ("eval_plan",),
                "no thresholds: nothing gates the launch, so every run says GO",
                "add `thresholds:` such as `{scorer: <id>, min_pass_rate: 0.8}`",
            )
        gated = {t.scorer for t in plan.thresholds}
        reported = {
            m.measured_by.partition(":")[2]
            for m in self.prd.success_metrics
            if m.measured_by.startswith("scorer:")
        }
        for i, s in enumerate(plan.scorers):
            if s.kind == "rubric" and plan.judge is None:
                self.warn(
                    ("eval_plan", "scorers", i),
                    f"rubric '{s.id}' will not be evaluated: the eval plan has no judge"
                    + (", so its threshold cannot pass" if s.id in gated else ""),
                    "add `judge: {name: <model>, api_key_env: <VAR>}` to eval_plan",
                )
            elif plan.thresholds and s.id not in gated and s.id not in reported:
                self.warn(
                    ("eval_plan", "scorers", i),
                    f"'{s.id}' is reported but gates nothing: no threshold uses it",
                    f"add `{{scorer: {s.id}, min_pass_rate: …}}` to eval_plan.thresholds, "
                    f"or measure a success metric with `scorer:{s.id}`",
                )
        if cases:
            self._reachable(cases)

    def _reachable(self, cases: int) -> None:
        """A pass-rate bar above what a perfect run can prove on this many samples."""
        plan = self.prd.eval_plan
        n = cases * plan.repeats  # the most samples the interval can count on
        z = NormalDist().inv_cdf(0.5 + plan.confidence / 2)
        best = n / (n + z * z)  # Wilson lower bound when every sample passes
        for i, t in enumerate(plan.thresholds):
            gate_on = t.gate_on or plan.gate_on
            if t.min_pass_rate is not None and t.min_pass_rate >= 1:
                continue  # a target of 1 always gates on the point (as the eval's gate does)
            if gate_on == "lower_bound" and t.min_pass_rate is not None and t.min_pass_rate > best:
                self.warn(
                    ("eval_plan", "thresholds", i, "min_pass_rate"),
                    f"min_pass_rate {t.min_pass_rate:g} cannot pass: even if all {n} samples "
                    f"pass, the {plan.confidence:.0%} lower bound is {best:.2f}",
                    "add cases, lower the bar, or set `gate_on: point` on this threshold",
                )

    def failure_modes(self) -> None:
        for i, fm in enumerate(self.prd.failure_modes):
            here = ("failure_modes", i)
            detectors = fm.detectors
            if not detectors:
                self.warn(
                    here,
                    f"failure mode '{fm.id}' has no detector: nothing tells when it happens",
                    "add `detect: <scorer id>`",
                )
            self._redteam_names(i, fm)
            self._lab_ref(i, fm)
            for j, d in enumerate(detectors):
                where = (*here, "detect") if isinstance(fm.detect, str) else (*here, "detect", j)
                if d in self.scorer_ids or d.startswith(EXTERNAL_DETECTORS):
                    continue
                self.warn(
                    where,
                    f"detect names '{d}', which is not a scorer of the eval plan",
                    did_you_mean(d, self.scorer_ids)
                    or "use a scorer id ("
                    + ", ".join(self.scorer_ids)
                    + ") or `redteam:<probe>`, `monitor:<name>`, `lab:<injection>`",
                )
            if detectors and not any(d in self.scorer_ids for d in detectors):
                external = [d for d in detectors if d.startswith(EXTERNAL_DETECTORS)]
                if external:
                    self.note(
                        (*here, "detect"),
                        f"'{fm.id}' is detected by {', '.join(external)}, "
                        "which `gonogo eval` does not run",
                        "add a scorer id to `detect` to also catch it before launch",
                    )
            if not fm.mitigate and fm.guard is None:  # a runtime guard is a mitigation
                self.warn(
                    here,
                    f"failure mode '{fm.id}' has no mitigation",
                    "add `mitigate:` (a guard, a fallback, a hand-off to a human…)",
                )
            if not fm.provoke:
                self.note(
                    here,
                    f"failure mode '{fm.id}' has no way to provoke it for testing",
                    "add `provoke: lab:<injection>` or `provoke: redteam:<probe>`",
                )

    def _redteam_names(self, i: int, fm: FailureMode) -> None:
        """``redteam:<probe>`` in ``detect`` / ``provoke`` must name a probe that exists."""
        refs: list[tuple[tuple[str | int, ...], str]] = []
        for j, d in enumerate(fm.detectors):
            key = ("detect",) if isinstance(fm.detect, str) else ("detect", j)
            refs.append((("failure_modes", i, *key), d))
        if fm.provoke:
            refs.append((("failure_modes", i, "provoke"), fm.provoke))
        launch = self.prd.launch
        plugins = bool(launch and launch.redteam and launch.redteam.plugins)
        for path, ref in refs:
            if not ref.startswith("redteam:"):
                continue
            problem = probe_name_problem(ref.removeprefix("redteam:"))
            if problem is not None and plugins and "no red-team probe family" in problem[0]:
                continue  # a plug-in family: named by its probes, known only when it runs
            if problem is not None:
                self.issues.append(self.loaded.issue(path, *problem))

    def _lab_ref(self, i: int, fm: FailureMode) -> None:
        """``provoke: lab:…``: injections that exist, valid parameters, a reachable target.

        Plug-ins (``module:factory``) are imported by `gonogo check`'s import step.
        """
        if fm.provoke and fm.provoke.startswith(LAB_PREFIX):
            problem = provoke_problem(fm.provoke, self.prd)
            if problem is not None:
                path = ("failure_modes", i, "provoke")
                self.issues.append(self.loaded.issue(path, *problem))

    def success_metrics(self) -> None:
        if not self.prd.success_metrics:
            self.note(
                (),
                "no success metrics: the PRD does not say what success looks like",
                "add `success_metrics:` with a name, a target and `measured_by`",
            )
        bars: dict[str, list[float]] = {}
        for t in self.prd.eval_plan.thresholds:
            for bar in (t.min_pass_rate, t.min_mean):
                if bar is not None:
                    bars.setdefault(t.scorer, []).append(bar)
        for i, m in enumerate(self.prd.success_metrics):
            how, _, name = m.measured_by.partition(":")
            if how == "scorer":
                self.note(
                    ("success_metrics", i, "measured_by"),
                    f"'{m.name}' is reported by scorer '{name}' but does not gate the launch",
                )
            elif how == "threshold" and isinstance(m.target, int | float) and name in bars:
                if not any(abs(b - float(m.target)) < 1e-9 for b in bars[name]):
                    shown = ", ".join(f"{b:g}" for b in bars[name])
                    self.warn(
                        ("success_metrics", i, "target"),
                        f"target {m.target:g} differs from the threshold on '{name}' ({shown})",
                        "make the threshold's bar match the metric's target",
                    )

    def keys(self) -> None:
        plan = self.prd.eval_plan
        model = self.prd.model
        if plan.target == "model" and model is not None and model.provider != "scripted":
            self._key(("model", "api_key_env"), model.api_key_env, "the model")
        judge = plan.judge
        if judge is not None and judge.provider != "scripted":
            if any(s.kind == "rubric" for s in plan.scorers):
                self._key(("eval_plan", "judge", "api_key_env"), judge.api_key_env, "the judge")
        if isinstance(plan.target, HttpTargetSpec):
            self._key(("eval_plan", "target", "api_key_env"), plan.target.api_key_env, "the target")

    def patterns(self) -> None:
        """Regular expressions that may backtrack for exponential time (M7 of #11)."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        for i, s in enumerate(self.prd.eval_plan.scorers):
            pattern = getattr(s, "pattern", None)
            if isinstance(pattern, str):
                found.append((("eval_plan", "scorers", i, "pattern"), pattern))
            for j, p in enumerate(getattr(s, "patterns", None) or []):
                found.append((("eval_plan", "scorers", i, "patterns", j), p))
        for i, fm in enumerate(self.prd.failure_modes):
            if fm.guard is not None and fm.guard.pattern is not None:
                found.append((("failure_modes", i, "guard", "pattern"), fm.guard.pattern))
        launch = self.prd.launch
        for i, g in enumerate(launch.guards if launch is not None else []):
            if g.pattern is not None:
                found.append((("launch", "guards", i, "pattern"), g.pattern))
        for path, pattern in found:
            if nested_quantifier(pattern) is not None:
                self.warn(
                    path,
                    f"the pattern /{pattern}/ repeats a group that itself repeats: on a text "
                    "that almost matches it can take exponential time (gonogo stops it at its "
                    "time limit and counts the case or answer as not checked)",
                    "repeat the inner part once, e.g. `a+` instead of `(a+)+`, or make the "
                    "alternatives exclusive",
                )

    def _key(self, path: tuple[str | int, ...], name: str | None, who: str) -> None:
        if name and not self.env.get(name):
            self.warn(
                path,
                f"environment variable {name} is not set, so {who} cannot be called",
                f"export {name}=… before `gonogo eval`",
            )
