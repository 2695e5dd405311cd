"""Resolving scorer kinds and building the PRD's scorers.

A kind resolves, in order, to a built-in (or anything else registered with
:func:`register_scorer`), an entry point in the ``gonogo.scorers`` group, or a
``package.module:factory`` import path. A factory is a function or class called as
``factory(spec, ctx)``; its optional ``params_model`` attribute (a pydantic model)
validates the scorer's entry. Built scorers are wrapped in :class:`ConfiguredScorer`,
which records the kind and params so the run can be rebuilt from its logged spec.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from ..data._case import Case
from ..data._output import TargetOutput
from ..errors import CostLimitReached, UserError
from ._base import _REGISTRY, Score, Scorer, ScorerContext, ScorerKind

ENTRY_POINT_GROUP = "gonogo.scorers"
RESERVED_KEYS = ("id", "kind", "description")
"""Keys of every scorer entry; a plug-in's params model sees only the other keys."""


def entry_points(*, group: str) -> Any:
    """Installed entry points of ``group``.

    ``importlib.metadata`` (~10 ms to import) loads only when a kind is not a built-in.
    """
    from importlib.metadata import entry_points as installed

    return installed(group=group)


def _entry_point_names() -> list[str]:
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def _kind_from_object(name: str, obj: Any) -> ScorerKind:
    if isinstance(obj, ScorerKind):
        return obj
    if not callable(obj):
        raise UserError(
            f"scorer kind '{name}' points at {type(obj).__name__}, which is not callable",
            "point it at a function or class called as factory(spec, ctx) -> Scorer",
        )
    return ScorerKind(
        name=name,
        factory=obj,
        params_model=getattr(obj, "params_model", None),
        needs_judge=bool(getattr(obj, "needs_judge", False)),
        description=(inspect.getdoc(obj) or "").split("\n", 1)[0],
    )


def _from_entry_point(kind: str) -> ScorerKind | None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name != kind:
            continue
        try:
            obj = ep.load()
        except Exception as e:
            dist = getattr(ep.dist, "name", "?")
            raise UserError(
                f"scorer kind '{kind}' (entry point {ep.value} from {dist}) failed to load: "
                f"{type(e).__name__}: {e}",
                f"reinstall or fix the package '{dist}'",
            ) from e
        return _kind_from_object(kind, obj)
    return None


def _import_module(module: str, kind: str, search_path: str | None) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        top = module.split(".")[0]
        if e.name != top or search_path is None or search_path in sys.path:
            raise UserError(
                f"scorer kind '{kind}': cannot import module '{module}' ({e})",
                "install the package, or run from the directory that contains it",
            ) from e
    sys.path.insert(0, search_path)  # the PRD's folder, like the targets' import path
    return _import_module(module, kind, None)


def _from_import_path(kind: str, search_path: str | None) -> ScorerKind:
    module, _, attr = kind.partition(":")
    if not module or not attr:
        raise UserError(f"scorer kind '{kind}' is not `package.module:factory`")
    obj: Any = _import_module(module, kind, search_path)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise UserError(
                f"scorer kind '{kind}': module '{module}' has no attribute '{attr}'",
                "check the name after the colon",
            ) from None
    return _kind_from_object(kind, obj)


def _unknown(kind: str) -> UserError:
    import difflib

    known = sorted(_REGISTRY) + _entry_point_names()
    close = difflib.get_close_matches(kind, known, n=3, cutoff=0.6)
    if close:
        hint = f"did you mean {' or '.join(repr(c) for c in close)}?"
    else:
        builtins = ", ".join(sorted(k for k in _REGISTRY if ":" not in k))
        hint = f"built-in kinds: {builtins}; or a plug-in as `package.module:factory`"
    return UserError(f"unknown scorer kind '{kind}'", hint)


def resolve_kind(kind: str, *, search_path: str | None = None) -> ScorerKind:
    """The :class:`ScorerKind` for ``kind``; UserError (with did-you-mean) when unknown.

    ``search_path`` (the PRD's folder) is put on ``sys.path`` when a ``module:factory``
    module is not importable without it.
    """
    found = _REGISTRY.get(kind)
    if found is not None:
        return found
    if ":" in kind:
        found = _from_import_path(kind, search_path)
    else:
        found = _from_entry_point(kind)
        if found is None:
            raise _unknown(kind)
    _REGISTRY[kind] = found
    return found


def scorer_kinds() -> list[ScorerKind]:
    """Every registered kind: built-ins, then installed ``gonogo.scorers`` plug-ins."""
    kinds = dict(_REGISTRY)
    for name in _entry_point_names():
        if name not in kinds:
            kinds[name] = resolve_kind(name)
    return sorted(kinds.values(), key=lambda k: (":" in k.name, k.name))


class ConfiguredScorer:
    """A built scorer plus the kind and params it was built from.

    It turns a target error into a failed score and a crashing scorer into a
    not-evaluated score with the error, so one buggy scorer cannot stop a run
    (a :class:`~gonogo.errors.UserError` still does: it needs the user's fix).
    """

    def __init__(self, inner: Scorer, kind: ScorerKind, params: dict[str, Any]) -> None:
        self.inner = inner
        self.id: str = inner.id
        self.kind = kind.name
        self.needs_judge = kind.needs_judge
        self.params = params

    def describe(self) -> dict[str, Any]:
        """``{"id", "kind", "params"}``: enough to rebuild this scorer."""
        return {"id": self.id, "kind": self.kind, "params": self.params}

    async def score(self, case: Case, output: TargetOutput) -> Score:
        """The inner scorer's score; see the class docstring for the two exceptions."""
        if output.error is not None:
            return Score(0.0, False, f"target error: {output.error}")
        try:
            return await self.inner.score(case, output)
        except (UserError, CostLimitReached, asyncio.CancelledError):
            raise  # a setup mistake or the budget: stop the run with the fix, not per sample
        except Exception as e:
            return Score(
                None,
                None,
                f"not evaluated: scorer '{self.id}' raised {type(e).__name__}",
                error=f"{type(e).__name__}: {e}",
            )


def _entry_dict(spec: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(spec, BaseModel):
        return spec.model_dump(by_alias=True)
    return dict(spec)


def _validate(entry: dict[str, Any], kind: ScorerKind, sid: str) -> dict[str, Any]:
    """The entry with its params validated (and defaults filled) by the params model."""
    model = kind.params_model
    if model is None:
        return entry
    fields = getattr(model, "model_fields", {})
    whole = "id" in fields and "kind" in fields  # built-ins validate the whole entry
    data = entry if whole else {k: v for k, v in entry.items() if k not in RESERVED_KEYS}
    try:
        parsed = model.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}" for err in e.errors()
        )
        raise UserError(
            f"scorer '{sid}' (kind {kind.name}): invalid params: {problems}",
            "fix the scorer's entry in eval_plan.scorers",
        ) from None
    dumped: dict[str, Any] = parsed.model_dump(by_alias=True)
    if whole:
        return dumped
    return {**{k: entry[k] for k in RESERVED_KEYS if k in entry}, **dumped}


def build_scorers(
    specs: Sequence[BaseModel | Mapping[str, Any]], ctx: ScorerContext
) -> list[ConfiguredScorer]:
    """Build the PRD's scorers (``eval_plan.scorers``) in order; UserError on a bad entry."""
    built: list[ConfiguredScorer] = []
    seen: set[str] = set()
    for spec in specs:
        entry = _entry_dict(spec)
        sid, kind_name = str(entry.get("id", "")), entry.get("kind")
        if not isinstance(kind_name, str) or not sid:
            raise UserError(f"scorer entry {entry!r} needs an `id` and a `kind`")
        if sid in seen:
            raise UserError(f"two scorers have the id '{sid}'", "give each scorer its own id")
        seen.add(sid)
        kind = resolve_kind(kind_name, search_path=ctx.base_dir)
        entry = _validate(entry, kind, sid)
        scorer = _make(kind, entry, ctx, sid)
        params = {k: v for k, v in entry.items() if k not in RESERVED_KEYS}
        built.append(ConfiguredScorer(scorer, kind, params))
    return built


def _make(kind: ScorerKind, entry: dict[str, Any], ctx: ScorerContext, sid: str) -> Scorer:
    try:
        scorer = kind.factory(entry, ctx)
    except UserError:
        raise
    except Exception as e:
        raise UserError(
            f"scorer '{sid}' (kind {kind.name}) could not be built: {type(e).__name__}: {e}",
            "check the scorer's params",
        ) from e
    if not callable(getattr(scorer, "score", None)):
        raise UserError(
            f"scorer '{sid}': factory {kind.name} returned {type(scorer).__name__}, "
            "which has no async `score(case, output)` method",
            "return an object with `id` and `async def score(case, output) -> Score`",
        )
    if getattr(scorer, "id", None) != sid:
        try:
            scorer.id = sid  # the PRD's id is what thresholds and reports refer to
        except AttributeError:
            raise UserError(
                f"scorer '{sid}': the scorer's `id` is {getattr(scorer, 'id', None)!r} "
                "and cannot be set",
                "set `self.id = spec['id']` in the factory",
            ) from None
    return scorer
