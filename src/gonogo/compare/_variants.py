"""Variants: a name in the PRD's ``variants``, ``prd``, and/or ``key=value`` overrides.

A variant is always the PRD as written plus overrides, so both sides of a comparison
share everything else — datasets, scorers, judge, repeats — and differ only where the
variant says. The command line uses the same keys as the PRD's ``variants`` entries,
dotted for nested ones: ``model=gpt-4o-mini``, ``prompt.version=4``,
``params.temperature=0``, ``target_args.k=3``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import UserError
from ..spec import PRD, HttpTargetSpec, LoadedPRD, ModelSpec
from ..spec._variants import MODEL_OVERRIDES, PRD_VARIANT, Variant


@dataclass(frozen=True)
class VariantRef:
    """What the user asked for: a variant name (or None) and ``key=value`` overrides."""

    name: str | None = None
    overrides: tuple[str, ...] = ()

    def __str__(self) -> str:
        parts = [self.name] if self.name else []
        return " ".join([*parts, *self.overrides]) or PRD_VARIANT


@dataclass(frozen=True)
class ResolvedVariant:
    """A variant ready to run: its label and the overrides applied to the PRD."""

    role: str  # "a" | "b"
    name: str
    label: str
    spec: Variant
    description: str | None = None
    cli_overrides: tuple[str, ...] = field(default=())

    @property
    def overrides(self) -> dict[str, Any]:
        """The overrides as plain data (empty for the PRD as written)."""
        return self.spec.overrides()

    def fingerprint(self) -> str:
        """Identity of the variant's settings (not of its name)."""
        blob = json.dumps(self.overrides, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def parse_variant_args(values: Sequence[str]) -> VariantRef:
    """``["mini", "params.temperature=0"]`` → a :class:`VariantRef`.

    A value without ``=`` names a variant (at most one); the rest are overrides.
    """
    names = [v for v in values if "=" not in v]
    if len(names) > 1:
        raise UserError(
            f"two variant names for one side: {', '.join(names)}",
            "name one variant, and add overrides as key=value (e.g. params.temperature=0)",
        )
    return VariantRef(names[0] if names else None, tuple(v for v in values if "=" in v))


def _set_dotted(data: dict[str, Any], item: str) -> None:
    key, _, raw = item.partition("=")
    parts = [p.strip() for p in key.strip().split(".")]
    if not all(parts):
        raise UserError(f"cannot read the override {item!r}", "write key=value, e.g. model=gpt-4o")
    value = _value(raw)
    if parts[0] == "name" and len(parts) == 1:
        parts = ["model"]  # `name=` reads as the model name, like the PRD's model.name
    node = data
    for p in parts[:-1]:
        child = node.setdefault(p, {})
        if not isinstance(child, dict):
            raise UserError(f"override {item!r} conflicts with another override of {p!r}")
        node = child
    node[parts[-1]] = value


def _value(raw: str) -> Any:
    """A YAML scalar (``0`` → 0, ``true`` → True) or a flow ``{…}`` / ``[…]``; else the text.

    ``prompt.system=Be brief: ok`` stays text: only explicit brackets make a collection.
    """
    text = raw.strip()
    if not text:
        return ""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return raw
    if isinstance(value, dict | list) and not text.startswith(("{", "[")):
        return raw
    return value


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _cli_variant(overrides: Sequence[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in overrides:
        _set_dotted(data, item)
    return data


def _validated(data: dict[str, Any], where: str) -> Variant:
    try:
        return Variant.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(variant)"
        allowed = ", ".join(Variant.model_fields)
        hint = f"variant keys: {allowed} (nested keys dotted, e.g. prompt.version=2)"
        if first["type"] == "extra_forbidden" and first["loc"]:
            import difflib

            # the keys allowed where the typo is: the variant's own, or the nested model's
            model: Any = Variant
            for part in first["loc"][:-1]:
                field = getattr(model, "model_fields", {}).get(part)
                ann = getattr(field, "annotation", None) if field is not None else None
                # `PromptOverride | None`: the model among the union's members
                members = [ann, *getattr(ann, "__args__", ())]
                model = next((m for m in members if hasattr(m, "model_fields")), None)
            options = list(getattr(model, "model_fields", {}) or Variant.model_fields)
            close = difflib.get_close_matches(str(first["loc"][-1]), options, n=1, cutoff=0.6)
            if close:
                fixed = ".".join([*map(str, first["loc"][:-1]), close[0]])
                hint = f"did you mean '{fixed}'? " + hint
            raise UserError(f"{where}: unknown key '{key}'", hint) from None
        raise UserError(f"{where}: {key}: {first['msg']}", hint) from None


def resolve_variant(loaded: LoadedPRD, ref: VariantRef, role: str) -> ResolvedVariant:
    """The variant ``ref`` names in this PRD, with its command-line overrides applied."""
    prd = loaded.prd
    side = f"--{role}"
    name = ref.name or PRD_VARIANT
    if name == PRD_VARIANT:
        base: dict[str, Any] = {}
        description: str | None = "the PRD as written"
    elif name in prd.variants:
        v = prd.variants[name]
        base = v.model_dump(exclude_none=True, exclude={"description"})
        description = v.description
    else:
        known = [PRD_VARIANT, *prd.variants]
        raise UserError(
            f"{side} {name}: the PRD has no variant named '{name}'",
            "variants: " + ", ".join(known) + " (or give overrides as key=value)",
        )
    spec = _validated(_merge(base, _cli_variant(ref.overrides)), side)
    label = name if not ref.overrides else f"{name} + {' '.join(ref.overrides)}"
    if ref.overrides and name == PRD_VARIANT and ref.name is None:
        label = " ".join(ref.overrides)
    return ResolvedVariant(role, name, label, spec, description, ref.overrides)


def _model_spec(prd: PRD, v: Variant, label: str) -> ModelSpec | None:
    over = {k: val for k, val in v.overrides().items() if k in MODEL_OVERRIDES}
    if not over:
        return prd.model
    if prd.model is None:
        raise UserError(
            f"variant {label} changes the model spec, but the PRD has no `model` section",
            "add a `model:` section, or pass settings to the target with target_args",
        )
    data = prd.model.model_dump(by_alias=True)
    if "model" in over:
        data["name"] = over.pop("model")
    params = {**data.get("params", {}), **over.pop("params", {})}
    data["params"] = {k: p for k, p in params.items() if p is not None}
    prompt = over.pop("prompt", None)
    if prompt:
        data["prompt"] = {**data["prompt"], **prompt}
    data.update(over)
    try:
        return ModelSpec.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise UserError(
            f"variant {label}: the model spec it gives is not valid: {key}: {first['msg']}",
            "fix the variant's overrides",
        ) from None


def variant_prd(
    loaded: LoadedPRD, variant: ResolvedVariant, *, repeats: int | None = None
) -> LoadedPRD:
    """The PRD as ``variant`` sees it (same file, same positions, overrides applied)."""
    prd = loaded.prd
    v = variant.spec
    plan_updates: dict[str, Any] = {}
    if v.target is not None:
        plan_updates["target"] = (
            v.target if isinstance(v.target, str) else HttpTargetSpec.model_validate(v.target)
        )
    if repeats is not None:
        plan_updates["repeats"] = repeats
    plan = prd.eval_plan.model_copy(update=plan_updates)
    uses_model = plan.target == "model"
    over = [k for k in MODEL_OVERRIDES if getattr(v, k) is not None]
    if over and not uses_model:
        raise UserError(
            f"variant {variant.label} changes the model spec ({', '.join(over)}), but its "
            f"target is {plan.target!r}, which does not use it",
            "set target=model, or pass settings to the target with target_args.KEY=VALUE",
        )
    model = _model_spec(prd, v, variant.label)
    if uses_model and model is None:
        raise UserError(
            f"variant {variant.label} runs the `model` target but the PRD has no `model` section",
            "add a `model:` section (the model spec)",
        )
    new = prd.model_copy(update={"model": model, "eval_plan": plan})
    return LoadedPRD(new, loaded.path, loaded.base_dir, loaded.sha256, loaded.positions)
