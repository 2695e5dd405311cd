"""Lab scenario files: several injections, or one injection at several intensities (a sweep).

``gonogo lab PRD --scenario sweep.yaml``::

    seed: 7
    injections:
      - id: dropout-light
        inject: retrieval-dropout(top=1, rate=0.3)
        failure_mode: retrieval-miss          # whose detectors count as its own
      - id: hallucinate
        inject: hallucinate
        failure_mode: hallucination
        sweep: {rate: [0.1, 0.25, 0.5, 1.0]}  # one run per value (a grid over several keys)

Each entry becomes one lab run per point of its sweep; problems are reported at their line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._userfiles import FileProblem, YamlProblem, read_bounded
from ..errors import ConfigIssue, SpecError, UserError
from ._lab import LAB_PREFIX, LabCall, ProvokeError, check_calls, parse_lab
from ._validation import validation_issues
from ._yaml import KeyPath, Position, format_path, parse_yaml, yaml_error_issue

MAX_SCENARIO_BYTES = 1024 * 1024
MAX_SWEEP_POINTS = 200


class ScenarioEntry(BaseModel):
    """One injection (or one sweep of it) in a lab scenario."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Name of the entry in reports (unique in the file).")
    inject: str = Field(
        description="The injection(s), as in `provoke`: `name(k=v) + other` (`lab:` optional)."
    )
    failure_mode: str | None = Field(
        None, description="The PRD failure mode it provokes: its detectors count as its own."
    )
    sweep: dict[str, list[Any]] | None = Field(
        None,
        description="Parameter → values: one run per value (several keys: every combination). "
        "The parameters belong to the first injection of `inject`.",
    )


class LabScenario(BaseModel):
    """A lab scenario file: the injections `gonogo lab --scenario` runs."""

    model_config = ConfigDict(extra="forbid")

    seed: int | None = Field(None, description="The seed (overrides --seed).")
    injections: list[ScenarioEntry] = Field(min_length=1, description="What to inject.")


@dataclass
class ScenarioRun:
    """One run a scenario asks for: its id, its injections, the failure mode it provokes."""

    id: str
    calls: list[LabCall]
    failure_mode: str | None
    line: int | None


def load_scenario(
    path: str | Path, *, target_kind: str, has_contexts: bool, failure_modes: list[str]
) -> tuple[LabScenario, list[ScenarioRun]]:
    """Read and check a scenario file; :class:`SpecError` lists every problem by line."""
    p = Path(path)
    file = str(p)
    try:
        text = read_bounded(p, MAX_SCENARIO_BYTES).decode("utf-8-sig")
    except FileProblem as e:
        raise UserError(f"cannot read the scenario file {p}: {e.message}", e.hint) from None
    except UnicodeDecodeError:
        raise UserError(f"the scenario file {p} is not UTF-8 text", "save it as UTF-8") from None
    try:
        parsed = parse_yaml(text, file)
    except yaml.YAMLError as e:
        raise SpecError([yaml_error_issue(e, text, file)]) from None
    except YamlProblem as e:
        raise SpecError([ConfigIssue(file, e.line, e.col, "", e.message, e.hint)]) from None
    issues = list(parsed.issues)
    try:
        scenario = LabScenario.model_validate(parsed.data)
    except ValidationError as e:
        raise SpecError(issues + validation_issues(e, LabScenario, parsed.data,
                                                   parsed.positions, file)) from None  # fmt: skip
    runs: list[ScenarioRun] = []
    seen: set[str] = set()
    pos = parsed.positions

    def issue(key: KeyPath, message: str, hint: str | None = None) -> None:
        at: Position | None = pos.get(key)
        issues.append(ConfigIssue(file, at.line if at else None, at.col if at else None,
                                  format_path(key), message, hint))  # fmt: skip

    for i, entry in enumerate(scenario.injections):
        here: KeyPath = ("injections", i)
        if entry.id in seen:
            issue((*here, "id"), f"duplicate id '{entry.id}'", "give each entry its own id")
        seen.add(entry.id)
        if entry.failure_mode is not None and entry.failure_mode not in failure_modes:
            issue(
                (*here, "failure_mode"),
                f"the PRD has no failure mode '{entry.failure_mode}'",
                "use an id of the PRD's failure_modes: " + ", ".join(failure_modes),
            )
        try:
            points = _expand(entry, target_kind, has_contexts)
        except ProvokeError as e:
            in_sweep = any(f"'{k}'" in e.message for k in entry.sweep or {})
            issue((*here, "sweep" if in_sweep else "inject"), e.message, e.hint)
            continue
        at = pos.get((*here, "inject"))
        for suffix, calls in points:
            runs.append(ScenarioRun(entry.id + suffix, calls, entry.failure_mode,
                                    at.line if at else None))  # fmt: skip
    if issues:
        raise SpecError(sorted(issues, key=lambda x: (x.line or 0, x.col or 0)))
    return scenario, runs


def _expand(
    entry: ScenarioEntry, target_kind: str, has_contexts: bool
) -> list[tuple[str, list[LabCall]]]:
    text = entry.inject if entry.inject.startswith(LAB_PREFIX) else LAB_PREFIX + entry.inject
    calls = parse_lab(text)
    if not entry.sweep:
        return [("", check_calls(calls, target_kind, has_contexts=has_contexts))]
    keys = list(entry.sweep)
    grid = list(itertools.product(*(entry.sweep[k] for k in keys)))
    if not grid or len(grid) > MAX_SWEEP_POINTS:
        raise ProvokeError(
            f"the sweep has {len(grid)} points",
            f"give every key at least one value, and at most {MAX_SWEEP_POINTS} points in all",
        )
    out = []
    for values in grid:
        first = calls[0]
        params = {**first.params, **dict(zip(keys, values, strict=True))}
        point = [LabCall(first.name, params), *calls[1:]]
        suffix = "[" + ", ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True)) + "]"
        out.append((suffix, check_calls(point, target_kind, has_contexts=has_contexts)))
    return out
