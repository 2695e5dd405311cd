"""The prompt registry: prompts, versions, labels, label history, diff; promote and roll back.

Promote and roll back are the registry's own recorded moves (what ``gonogo prompt
promote`` / ``rollback`` do): the actor is the signed-in key's name and id (or the local
user), the reason is required, and a running gateway follows within its poll period.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from ._app import NotFound, small_int

if TYPE_CHECKING:
    from starlette.responses import Response

    from ._app import UI, Req


def render_version(pv: Any) -> str:
    """A version as text (the same text ``gonogo prompt show`` prints and diffs)."""
    from ..store.gateway._types import version_text

    return version_text(pv)


async def prompts(ui: UI, r: Req) -> Response:
    rows = await ui.store.list_prompts()
    return ui.page(r, "prompts.html.j2", rows=rows)


async def prompt(ui: UI, r: Req) -> Response:
    name = r.path("name")
    versions = await ui.store.versions(name)
    if not versions:
        raise NotFound(f"no prompt named {name!r} in the registry")
    resolved = await ui.store.resolve_all()
    labels = {lbl: pv.version for (n, lbl), pv in resolved.items() if n == name and lbl != "latest"}
    history = list(reversed(await ui.store.label_history(name)))
    a = r.int_arg("a", max(1, versions[-1].version - 1), 1)
    b = r.int_arg("b", versions[-1].version, 1)
    by_number = {v.version: v for v in versions}
    diff_lines: list[tuple[str, str]] = []
    if a in by_number and b in by_number:
        for line in difflib.unified_diff(
            render_version(by_number[a]).splitlines(), render_version(by_number[b]).splitlines(),
            fromfile=f"{name}@{a}", tofile=f"{name}@{b}", lineterm="",
        ):  # fmt: skip
            kind = "add" if line.startswith("+") else "del" if line.startswith("-") else "ctx"
            diff_lines.append((kind, line))
    return ui.page(r, "prompt.html.j2", name=name, versions=list(reversed(versions)),
                   labels=labels, history=history, a=a, b=b, diff=diff_lines,
                   shown=[(v, render_version(v)) for v in reversed(versions[-5:])])  # fmt: skip


def _reason(r: Req) -> str:
    reason = (r.form.get("reason") or "").strip()
    if not reason:
        raise UserError("a reason is required", "say why the label moves; it is recorded")
    if len(reason) > 2000:
        raise UserError("the reason is limited to 2,000 characters", "shorten it")
    return reason


async def promote(ui: UI, r: Req) -> Response:
    name = r.path("name")
    label = (r.form.get("label") or "").strip()
    version = (r.form.get("version") or "").strip()
    number = small_int(version)
    if number is None:
        raise UserError("pick the version to promote", "a version number, e.g. 3")
    await ui.store.move_label(name, label, number, actor=r.session.actor,
                              reason=_reason(r))  # fmt: skip
    return ui.redirect(r, f"/prompts/{name}")


async def rollback(ui: UI, r: Req) -> Response:
    name = r.path("name")
    label = (r.form.get("label") or "").strip()
    to = (r.form.get("to") or "").strip()
    await ui.store.rollback_label(name, label, actor=r.session.actor, reason=_reason(r),
                                  to_version=small_int(to))  # fmt: skip
    return ui.redirect(r, f"/prompts/{name}")


ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", "/prompts", prompts, "view"),
    ("POST", "/prompts/{name:path}/promote", promote, "admin"),
    ("POST", "/prompts/{name:path}/rollback", rollback, "admin"),
    ("GET", "/prompts/{name:path}", prompt, "view"),
]
