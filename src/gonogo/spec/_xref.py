"""Cross-reference errors: ids that must exist, ids that must be unique, scorer kinds.

These run on the raw YAML data (defensively: the data may also have type errors) so
they are reported together with the schema errors, all at once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import ConfigIssue
from ._launch import launch_xref
from ._scorer_params import BUILTIN_SCORER_MODELS
from ._variants_check import variant_xref
from ._yaml import KeyPath, Position, format_path

ENTRY_POINT_GROUP = "gonogo.scorers"
_PLUGIN_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def __getattr__(name: str) -> Any:
    # `importlib.metadata` (~10 ms) is imported when plug-in kinds are looked up, not with
    # this module; `_xref.metadata` still names it.
    if name == "metadata":
        from importlib import metadata

        return metadata
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def plugin_kinds() -> list[str]:
    """Names of scorer kinds installed through the ``gonogo.scorers`` entry-point group."""
    from importlib import metadata  # ~15 ms: only when a kind is not a built-in

    return sorted({ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)})


def did_you_mean(word: str, choices: list[str], cutoff: float = 0.6) -> str | None:
    """``did you mean 'x'?`` for the closest choice, or None."""
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    return f"did you mean '{close[0]}'?" if close else None


class _XRef:
    def __init__(self, positions: dict[KeyPath, Position], file: str) -> None:
        self.positions = positions
        self.file = file
        self.issues: list[ConfigIssue] = []

    def add(self, path: KeyPath, message: str, hint: str | None = None) -> None:
        line = col = None
        for n in range(len(path), -1, -1):
            pos = self.positions.get(path[:n])
            if pos is not None:
                line, col = pos.line, pos.col
                break
        self.issues.append(ConfigIssue(self.file, line, col, format_path(path), message, hint))

    def unique(self, items: list[tuple[KeyPath, Any]], key: str, what: str) -> dict[str, KeyPath]:
        """Map id → path of its first entry; report repeats."""
        seen: dict[str, KeyPath] = {}
        for path, item in items:
            value = item.get(key)
            if not isinstance(value, str):
                continue
            if value in seen:
                self.add(
                    (*path, key),
                    f"duplicate {what} {key} '{value}' (also {format_path(seen[value])})",
                    f"give each {what} its own {key}",
                )
            else:
                seen[value] = path
        return seen

    def kinds(self, scorers: list[tuple[KeyPath, Any]]) -> None:
        builtins = sorted(BUILTIN_SCORER_MODELS)
        plugins: list[str] | None = None
        for path, item in scorers:
            kind = item.get("kind")
            if not isinstance(kind, str) or kind in BUILTIN_SCORER_MODELS:
                continue
            if _PLUGIN_REF.match(kind):
                continue
            if plugins is None:
                plugins = plugin_kinds()
            if kind in plugins:
                continue
            prefixed = [k for k in builtins + plugins if k.startswith(kind)]
            hint = (
                did_you_mean(kind, builtins + plugins, cutoff=0.7)
                or (
                    "did you mean " + " or ".join(f"'{k}'" for k in prefixed[:3]) + "?"
                    if prefixed
                    else None
                )
                or (
                    "built-in kinds: " + ", ".join(builtins) + "; a plug-in kind is "
                    "`package.module:factory` or an installed `gonogo.scorers` entry point"
                )
            )
            self.add((*path, "kind"), f"unknown scorer kind '{kind}'", hint)

    def thresholds(self, items: list[tuple[KeyPath, Any]], scorer_ids: list[str]) -> None:
        for path, item in items:
            name = item.get("scorer")
            if isinstance(name, str) and name not in scorer_ids:
                hint = did_you_mean(name, scorer_ids) or "scorer ids: " + ", ".join(scorer_ids)
                self.add((*path, "scorer"), f"threshold on '{name}', which is not a scorer", hint)

    def metrics(
        self, items: list[tuple[KeyPath, Any]], scorer_ids: list[str], gated: list[str]
    ) -> None:
        for path, item in items:
            ref = item.get("measured_by")
            if not isinstance(ref, str) or ":" not in ref:
                continue
            how, _, name = ref.partition(":")
            where = (*path, "measured_by")
            if how == "threshold" and name not in gated:
                if name in scorer_ids:
                    self.add(
                        where,
                        f"'{name}' has no threshold, so nothing gates this metric",
                        f"add `{{scorer: {name}, min_pass_rate: …}}` to eval_plan.thresholds, "
                        f"or write `scorer:{name}` to report it without a gate",
                    )
                else:
                    hint = did_you_mean(name, scorer_ids) or "scorer ids: " + ", ".join(scorer_ids)
                    self.add(where, f"'{name}' is not a scorer of the eval plan", hint)
            elif how == "scorer" and name not in scorer_ids:
                hint = did_you_mean(name, scorer_ids) or "scorer ids: " + ", ".join(scorer_ids)
                self.add(where, f"'{name}' is not a scorer of the eval plan", hint)


def _entries(data: Any, *path: str) -> list[tuple[KeyPath, dict[str, Any]]]:
    """The mapping entries of the list at ``path`` (others are schema errors)."""
    node = data
    for key in path:
        if not isinstance(node, dict):
            return []
        node = node.get(key)
    if not isinstance(node, list):
        return []
    return [((*path, i), item) for i, item in enumerate(node) if isinstance(item, dict)]


def xref_issues(data: Any, positions: dict[KeyPath, Position], file: str) -> list[ConfigIssue]:
    """Every cross-reference error in the raw PRD data."""
    x = _XRef(positions, file)
    if not isinstance(data, dict):
        return []
    scorers = _entries(data, "eval_plan", "scorers")
    ids = list(x.unique(scorers, "id", "scorer"))
    x.kinds(scorers)
    x.unique(_entries(data, "eval_plan", "datasets"), "name", "dataset")
    x.unique(_entries(data, "failure_modes"), "id", "failure mode")
    thresholds = _entries(data, "eval_plan", "thresholds")
    if ids:
        x.thresholds(thresholds, ids)
        gated = [t["scorer"] for _, t in thresholds if isinstance(t.get("scorer"), str)]
        x.metrics(_entries(data, "success_metrics"), ids, gated)
    for path, message, hint in launch_xref(data):
        x.add(path, message, hint)
    for path, message, hint in variant_xref(data, ids):
        x.add(path, message, hint)
    return x.issues


def missing_dataset(path: Path | str) -> tuple[str, str]:
    """The message and the fix for a dataset file that does not exist (check, eval, load)."""
    return f"dataset file not found: {path}", "check `path`: it is relative to the PRD's folder"


def missing_dataset_issues(
    data: Any, positions: dict[KeyPath, Position], file: str, base_dir: Path
) -> list[ConfigIssue]:
    """Dataset files that do not exist, from the raw PRD data.

    Reported beside schema errors (a PRD that fails its schema is not checked further), so
    one ``gonogo check`` lists a missing golden set with the typos instead of after them.
    """
    x = _XRef(positions, file)
    for path, item in _entries(data, "eval_plan", "datasets"):
        where = item.get("path")
        if isinstance(where, str) and where and "\x00" not in where:
            full = Path(where) if Path(where).is_absolute() else base_dir / where
            try:
                found = full.is_file()
            except OSError:  # a name too long for the file system: not found either
                found = False
            if not found:
                x.add((*path, "path"), *missing_dataset(full))
    return x.issues
