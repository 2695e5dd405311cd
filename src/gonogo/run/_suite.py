"""Compile a loaded PRD into a runnable Suite: datasets × target × scorers × thresholds."""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data import Case, Dataset, load_dataset
from ..errors import ConfigIssue, DatasetError, SpecError, UserError
from ..models import ModelClient, ResponseCache, build_client
from ..scorers import Scorer, ScorerContext, build_scorers, judge_fingerprint
from ..spec import PRD, HttpTargetSpec, LoadedPRD
from ..spec._xref import missing_dataset
from ._select import CaseSelection
from ._targets import CallableTarget, HttpTarget, ModelTarget
from ._template import case_variables, template_fields
from ._types import Target


@dataclass
class Suite:
    """Everything a run needs, compiled from the PRD."""

    loaded: LoadedPRD
    datasets: list[Dataset]
    cases: list[Case]
    target: Target
    scorers: Sequence[Scorer]
    scorer_descriptions: list[dict[str, Any]]
    target_client: ModelClient | None
    judge_client: ModelClient | None
    judge_fingerprint: str | None
    cache: ResponseCache | None
    repeats: int
    concurrency: int
    _closers: list[Any] = field(default_factory=list)
    selection: CaseSelection = field(default_factory=CaseSelection)
    judge_unavailable: str | None = None  # why the PRD's judge cannot be called (key unset)

    @property
    def prd(self) -> PRD:
        return self.loaded.prd

    def fingerprint(self) -> str:
        """Identity of what is being measured: PRD + dataset contents + repeats."""
        parts = [self.loaded.sha256, str(self.repeats)] + [d.sha256 for d in self.datasets]
        if self.selection.active:  # a subset is a different measurement
            parts.append(self.selection.describe())
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    async def aclose(self) -> None:
        """Close clients and the cache."""
        for c in self._closers:
            await c.aclose()
        if self.cache is not None:
            self.cache.close()


def state_dir(loaded: LoadedPRD) -> Path:
    """``.gonogo/`` next to the PRD: the run store and the response cache."""
    return loaded.base_dir / ".gonogo"


def load_datasets(loaded: LoadedPRD) -> list[Dataset]:
    """Load every dataset of the eval plan, reporting all malformed rows at once."""
    issues: list[ConfigIssue] = []
    datasets: list[Dataset] = []
    for i, ref in enumerate(loaded.prd.eval_plan.datasets):
        path = loaded.base_dir / ref.path
        shown = os.path.relpath(path) if not Path(ref.path).is_absolute() else ref.path
        try:
            datasets.append(load_dataset(path, name=ref.name, limit=ref.limit, display_path=shown))
        except DatasetError as e:
            if not path.is_file():  # the PRD's line that names it, as `gonogo check` says
                where = ("eval_plan", "datasets", i, "path")
                issues.append(loaded.issue(where, *missing_dataset(path)))
            else:
                issues.extend(e.issues)
    if issues:
        raise DatasetError(issues)
    return datasets


def compile_suite(
    loaded: LoadedPRD,
    *,
    use_cache: bool = True,
    env: dict[str, str] | None = None,
    selection: CaseSelection | None = None,
) -> Suite:
    """Build the Suite; raises UserError subclasses for anything the user must fix.

    ``selection`` runs a subset of the golden cases (``--limit`` / ``--filter``).
    """
    prd = loaded.prd
    plan = prd.eval_plan
    datasets = load_datasets(loaded)
    selection = selection or CaseSelection()
    cases = [c for d in datasets for c in d.cases]
    if selection.active:
        cases = selection.apply(cases)
    cache = ResponseCache(state_dir(loaded) / "cache.sqlite") if use_cache else None
    closers: list[Any] = []
    target_client: ModelClient | None = None
    target: Target
    if plan.target == "model":
        assert prd.model is not None  # guaranteed by PRD validation
        target_client = build_client(prd.model, prd.prices, cache=cache, env=env)
        closers.append(target_client)
        _check_templates(prd, cases)
        target = ModelTarget(prd.model, target_client)
    elif isinstance(plan.target, HttpTargetSpec):
        key = None
        if plan.target.api_key_env:
            key = (env if env is not None else os.environ).get(plan.target.api_key_env)
            if not key:
                name = plan.target.api_key_env
                raise UserError(
                    f"environment variable {name} is not set",
                    f"export {name}=<key> (the PRD names the variable)",
                )
        http_target = HttpTarget(plan.target, key)
        closers.append(http_target)
        target = http_target
    else:
        callable_target = CallableTarget(plan.target, loaded.base_dir)
        closers.append(callable_target)
        target = callable_target
    judge_client = None
    fp = None
    unavailable = None
    if plan.judge is not None:
        try:
            judge_client = build_client(plan.judge, prd.prices, cache=cache, env=env)
        except UserError as e:
            if not e.message.startswith("environment variable "):
                raise
            # the judge's key is not set: judge scorers are not evaluated (said in the plan
            # and on every score), the rest of the plan runs — never a silent pass
            var = plan.judge.api_key_env
            unavailable = (
                f"the judge {plan.judge.name} is unavailable ({e.message}; "
                f"export {var}=<key> to use it)"
            )
        else:
            closers.append(judge_client)
            fp = judge_fingerprint(plan.judge.name)
    ctx = ScorerContext(
        judge=judge_client,
        judge_unavailable=unavailable,
        judge_model=plan.judge.name if plan.judge else None,
        base_dir=str(loaded.base_dir),
        output_schema=prd.model.output_schema if prd.model else None,
    )
    scorers = build_scorers(list(plan.scorers), ctx)
    descriptions = [
        {
            "id": s.id,
            "kind": s.kind,
            "params": s.model_dump(exclude={"id", "kind"}, by_alias=True, exclude_none=True),
        }
        for s in plan.scorers
    ]
    return Suite(
        loaded,
        datasets,
        cases,
        target,
        scorers,
        descriptions,
        target_client,
        judge_client,
        fp,
        cache,
        plan.repeats,
        plan.concurrency,
        closers,
        selection,
        judge_unavailable=unavailable,
    )


def _check_templates(prd: PRD, cases: list[Case]) -> None:
    """Every case must provide every variable the prompt template uses."""
    issues = template_issues(prd, cases)
    if issues:
        raise SpecError(issues)


def template_issues(prd: PRD, cases: list[Case]) -> list[ConfigIssue]:
    """A case that lacks a variable the model spec's prompt uses, each at its ``file:line``."""
    assert prd.model is not None
    prompt = prd.model.prompt
    needed = template_fields(prompt.user) | template_fields(prompt.system or "")
    issues: list[ConfigIssue] = []
    for case in cases:
        have = case_variables(case).keys()
        missing = needed - have
        if missing:
            file, _, line = case.source.rpartition(":")
            near = [  # a field spelled almost like a missing variable: a typo
                f"rename '{close[0]}' to '{m}'"
                for m in sorted(missing)
                if (close := difflib.get_close_matches(m, have - needed, n=1, cutoff=0.75))
            ]
            issues.append(
                ConfigIssue(
                    file,
                    int(line) if line.isdigit() else None,
                    None,
                    "",
                    f"case '{case.id}' has no value for prompt variable(s) "
                    + ", ".join(f"{{{m}}}" for m in sorted(missing)),
                    (f"{', '.join(near)} in the case" if near
                     else f"add {', '.join(sorted(missing))} to the case")
                    + ", or change model.prompt",
                )
            )
        if len(issues) >= 20:
            break
    return issues
