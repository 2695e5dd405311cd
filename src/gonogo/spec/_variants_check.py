"""Cross-references of the ``variants`` and ``compare`` sections, on the raw PRD data.

Run by :func:`gonogo.spec._xref.xref_issues`, so they are reported with every other
problem of the file, each at its own line.
"""

from __future__ import annotations

import difflib
from typing import Any

from ._variants import MODEL_OVERRIDES, PRD_VARIANT, PREFERENCE

Issue = tuple[tuple[str | int, ...], str, str | None]


def _close(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _target_kind(target: Any) -> str:
    if target is None or target == "model":
        return "model"
    return "http" if isinstance(target, dict) else "callable"


def _check_variant(name: str, v: dict[str, Any], data: dict[str, Any]) -> list[Issue]:
    path = ("variants", name)
    plan = data.get("eval_plan")
    target = v.get("target", plan.get("target", "model") if isinstance(plan, dict) else "model")
    out: list[Issue] = []
    if name == PRD_VARIANT:
        out.append(
            (
                path,
                f"the variant name '{PRD_VARIANT}' is reserved for the PRD as written",
                "give this variant another name",
            )
        )
    overridden = [k for k in MODEL_OVERRIDES if k in v]
    if overridden and _target_kind(target) != "model":
        out.append(
            (
                (*path, overridden[0]),
                f"variant '{name}' changes the model spec, but its target is {target!r}, "
                "which does not use it",
                "set `target: model` in the variant, or pass settings to the callable "
                "with `target_args`",
            )
        )
    elif _target_kind(target) == "model" and data.get("model") is None and "target" in v:
        out.append(
            (
                (*path, "target"),
                f"variant '{name}' runs the `model` target but the PRD has no `model` section",
                "add a `model:` section (the model spec)",
            )
        )
    return out


def _check_ref(key: str, value: Any, names: list[str]) -> list[Issue]:
    if not isinstance(value, str) or value in names:
        return []
    hint = _close(value, names) or "variants: " + ", ".join(names)
    return [(("compare", key), f"'{value}' is not a variant", hint)]


def _check_compare(cmp: dict[str, Any], names: list[str], scorer_ids: list[str]) -> list[Issue]:
    out = _check_ref("baseline", cmp.get("baseline"), names)
    out += _check_ref("candidate", cmp.get("candidate"), names)
    mode = cmp.get("mode", "superiority")
    if cmp.get("margin") is not None and mode != "non_inferiority":
        out.append(
            (
                ("compare", "margin"),
                "a margin only applies to `mode: non_inferiority`",
                "add `mode: non_inferiority`, or drop `margin`",
            )
        )
    if mode == "non_inferiority" and cmp.get("margin") is None:
        out.append(
            (
                ("compare", "mode"),
                "non-inferiority needs a margin: how much worse B may be and still pass",
                "add e.g. `margin: 0.05` (5 points of pass rate)",
            )
        )
    primary = cmp.get("primary")
    if isinstance(primary, list) and scorer_ids:
        allowed = [*scorer_ids, PREFERENCE]
        for i, sid in enumerate(primary):
            if isinstance(sid, str) and sid not in allowed:
                hint = _close(sid, allowed) or "scorer ids: " + ", ".join(allowed)
                out.append(
                    (("compare", "primary", i), f"'{sid}' is not a scorer of the eval plan", hint)
                )
    return out


def variant_xref(data: dict[str, Any], scorer_ids: list[str]) -> list[Issue]:
    """Every problem of ``variants`` / ``compare`` in the raw PRD data: (path, message, hint)."""
    out: list[Issue] = []
    variants = data.get("variants")
    names = [PRD_VARIANT]
    if isinstance(variants, dict):
        for name, v in variants.items():
            if isinstance(v, dict):
                out += _check_variant(str(name), v, data)
            if str(name) not in names:
                names.append(str(name))
    cmp = data.get("compare")
    if isinstance(cmp, dict):
        out += _check_compare(cmp, names, scorer_ids)
    return out
