"""Walk the PRD's pydantic types along an error location.

pydantic's error locations mix data keys with union branch names; to say what a key
means (its description) or which keys are allowed, the loader needs the model class
that owns a location. These helpers find it from the type annotations alone.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo


def unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` until a plain type or a real union remains."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def field_of(model: type[BaseModel], key: str) -> FieldInfo | None:
    """The field named ``key`` (by name or alias)."""
    fields = model.model_fields
    if key in fields:
        return fields[key]
    for f in fields.values():
        if f.alias == key:
            return f
    return None


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The keys a PRD author may write for ``model`` (aliases where set)."""
    return [f.alias or name for name, f in model.model_fields.items()]


def step(tp: Any, seg: str | int) -> Any:
    """The type found at ``seg`` inside ``tp`` (None when it cannot be told)."""
    tp = unwrap(tp)
    if is_union(tp):
        for member in get_args(tp):
            m = unwrap(member)
            if isinstance(m, type) and m.__name__ == seg:
                return m
        return None
    if is_model(tp) and isinstance(seg, str):
        f = field_of(tp, seg)
        return f.annotation if f is not None else None
    origin = get_origin(tp)
    if origin is list and isinstance(seg, int):
        return get_args(tp)[0]
    if origin is dict:
        return get_args(tp)[1]
    return None


def type_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> Any:
    """Follow a raw pydantic location from ``root``; None when it leaves the known types."""
    tp: Any = root
    for seg in loc:
        tp = step(tp, seg)
        if tp is None:
            return None
    return unwrap(tp)


def model_names(root: type[BaseModel]) -> set[str]:
    """Names of every model class reachable from ``root`` (pydantic's union branch labels)."""
    seen: set[str] = set()
    stack: list[Any] = [root]
    while stack:
        tp = unwrap(stack.pop())
        if is_model(tp):
            if tp.__name__ in seen:
                continue
            seen.add(tp.__name__)
            stack.extend(f.annotation for f in tp.model_fields.values())
        else:
            stack.extend(get_args(tp))
    return seen


def homes_of(model: type[BaseModel], key: str) -> list[str]:
    """Fields of ``model`` whose own model accepts ``key`` (for "it belongs under …")."""
    out = []
    for name, f in model.model_fields.items():
        tp = unwrap(f.annotation)
        if get_origin(tp) is list:
            tp = unwrap(get_args(tp)[0])
        if is_model(tp) and key in allowed_keys(tp):
            out.append(f.alias or name)
    return out
