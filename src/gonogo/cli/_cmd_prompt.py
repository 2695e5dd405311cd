"""``gonogo prompt``: the prompt registry — push, list, show, diff, promote, rollback, history.

Thin commands over ``gonogo.store.gateway``; each opens the store named by ``--store``
(or $GONOGO_STORE_URL, else ``.gonogo/gateway.db`` next to the PRD), does one thing and
prints it. ``prompt drill`` is added by ``_cmd_prompt_drill`` when that module exists.
"""

from __future__ import annotations

import asyncio
import difflib
import importlib
import importlib.util
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import UserError

T = TypeVar("T")
_DRILL_MODULE = "gonogo.cli._cmd_prompt_drill"


# -- shared by the registry, keys and traces commands -------------------------------------
def store_url(store: str | None, prd: Path | None) -> str:
    """``--store``, else $GONOGO_STORE_URL, else ``sqlite:///<PRD dir>/.gonogo/gateway.db``."""
    from ..store.gateway import default_store_url

    if store:
        return store
    base = None
    if prd is not None:
        base = prd if prd.is_dir() else prd.parent
    return default_store_url(base)


def with_store(url: str, action: Callable[[Any], Awaitable[T]], *, create: bool = True) -> T:
    """Open the store, run ``await action(store)``, close it.

    ``create=False`` (commands that only read): a SQLite store that does not exist is an
    error naming where it looked, never an empty store made in the working folder.
    """
    from ..errors import UserError
    from ..store.gateway import open_gateway_store
    from ..store.gateway._open import sqlite_path

    path = sqlite_path(url)
    if not create and path is not None and not path.exists():
        raise UserError(
            f"no gateway store at {path}",
            "name the PRD whose folder holds it (--prd PRD) or the store (--store URL); "
            "`gonogo prompt push` and `gonogo serve` create it",
        )

    async def main() -> T:
        store = open_gateway_store(url)
        await store.open()
        try:
            return await action(store)
        finally:
            await store.close()

    return asyncio.run(main())


store_option = click.option(
    "--store",
    "store",
    envvar="GONOGO_STORE_URL",
    default=None,
    metavar="URL",
    help=(
        "Gateway store: sqlite:///path.db, a file path, or postgresql://USER:PW@HOST/DB. "
        "Default: $GONOGO_STORE_URL, else .gonogo/gateway.db next to the PRD (--prd) or "
        "in the current folder."
    ),
)
prd_option = click.option(
    "--prd",
    type=click.Path(path_type=Path),
    default=None,
    help="PRD whose folder holds the default store (.gonogo/gateway.db).",
)
actor_option = click.option(
    "--actor",
    default=None,
    help="Who is acting, recorded with the change. Default: $USER.",
)


def actor_name(actor: str | None) -> str:
    """``--actor``, else $USER, else git's user.name, else the login name, else "unknown"."""
    if actor or os.environ.get("USER") or os.environ.get("USERNAME"):
        return str(actor or os.environ.get("USER") or os.environ.get("USERNAME"))
    import subprocess

    try:
        git = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True,
                             timeout=2, check=False).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        git = ""
    if git:
        return git
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without passwd entry)
        return "unknown"


def when(ts: float) -> str:
    """A timestamp as UTC text, e.g. ``2026-11-28 08:03:06Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


# -- the group (with the drill hook) ----------------------------------------------------------
class _PromptGroup(click.Group):
    """Adds ``drill`` from ``_cmd_prompt_drill`` (owned by the gateway ops work) if present."""

    def _drill(self) -> click.Command | None:
        if importlib.util.find_spec(_DRILL_MODULE) is None:
            return None
        cmd: click.Command = importlib.import_module(_DRILL_MODULE).drill
        return cmd

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        if "drill" not in names and importlib.util.find_spec(_DRILL_MODULE) is not None:
            names.append("drill")
        return names

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name == "drill":
            return self._drill()
        return found


@click.group("prompt", cls=_PromptGroup)
def prompt() -> None:
    """The prompt registry: immutable versions, movable labels, recorded rollbacks.

    \b
      gonogo prompt push gonogo.yaml --label staging    new version from the PRD's prompt
      gonogo prompt promote answer 3 --label production --reason "eval GO"
      gonogo prompt rollback answer --label production --reason "bad tone"
      gonogo prompt history answer                        who moved which label, when, why

    A running gateway picks up label moves within its registry poll interval (≤ 5 s).
    """


# -- push -------------------------------------------------------------------------------------
@prompt.command("push")
@click.argument("prd", type=click.Path(path_type=Path), required=False)
@click.option(
    "--file",
    "prompt_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Push a prompt file (YAML/JSON: name, system, user, model, params, output_schema) "
    "instead of a PRD's model.prompt.",
)
@click.option("--name", default=None, help="Registry name. Default: the prompt's `name`.")
@click.option("-m", "--message", default=None, help="What changed (kept with the version).")
@click.option("--label", default=None, help="Also point this label at the pushed version.")
@click.option("--reason", default=None, help="Why the label moves (with --label).")
@actor_option
@store_option
def push(
    prd: Path | None,
    prompt_file: Path | None,
    name: str | None,
    message: str | None,
    label: str | None,
    reason: str | None,
    actor: str | None,
    store: str | None,
) -> None:
    """Push the PRD's prompt (or --file) as a new immutable version.

    Pushing content identical to the latest version creates nothing and says so.
    """
    from ._prompt_source import prompt_from_file, prompt_from_prd

    if prd is not None and prompt_file is not None:
        raise UserError("give either a PRD or --file, not both", "drop one of them")
    if prompt_file is not None:
        content = prompt_from_file(prompt_file)
        base: Path | None = None
    else:
        prd = prd or Path("gonogo.yaml")
        content, base = prompt_from_prd(prd)
    reg_name = name or content.pop("name")
    content.pop("name", None)
    who = actor_name(actor)

    async def act(s: Any) -> None:
        pv, created = await s.push_prompt(reg_name, **content, actor=who, message=message)
        if created:
            click.echo(f"pushed {pv.name} version {pv.version} ({pv.content_hash[:12]})")
        else:
            click.echo(f"unchanged, version {pv.version} of {pv.name} has this content")
        if label:
            move = await s.move_label(pv.name, label, pv.version, actor=who, reason=reason)
            _print_move(move)

    with_store(store_url(store, base), act)


# -- list / show / diff / history -----------------------------------------------------------------
@prompt.command("list")
@prd_option
@store_option
def list_(prd: Path | None, store: str | None) -> None:
    """Every prompt with its latest version and where each label points."""

    async def act(s: Any) -> list[tuple[str, int, dict[str, int]]]:
        rows: list[tuple[str, int, dict[str, int]]] = await s.list_prompts()
        return rows

    rows = with_store(store_url(store, prd), act, create=False)
    if not rows:
        click.echo("no prompts yet — push one: gonogo prompt push gonogo.yaml")
        return
    width = max(len(n) for n, _, _ in rows)
    click.echo(f"{'PROMPT':<{width}}  LATEST  LABELS")
    for name, latest, labels in rows:
        shown = ", ".join(f"{k}={v}" for k, v in labels.items()) or "-"
        click.echo(f"{name:<{width}}  {latest:>6}  {shown}")


def parse_ref(ref: str) -> tuple[str, int | str | None]:
    """``name``, ``name@3`` or ``name:production`` → (name, version | label | None)."""
    if "@" in ref:
        name, _, v = ref.rpartition("@")
        if not v.isdigit():
            raise UserError(f"invalid version in {ref!r}", "write NAME@3 (a version number)")
        return name, int(v)
    if ":" in ref:
        name, _, label = ref.partition(":")
        return name, label
    return ref, None


async def resolve(s: Any, name: str, which: int | str | None) -> Any:
    """The version a number, a label (or "latest"), or None (latest) names."""
    from ..store.gateway import UnknownPromptError

    if isinstance(which, str) and which.isdigit():
        which = int(which)
    if isinstance(which, int):
        pv = await s.get_prompt(name, which)
        if pv is None:
            versions = await s.versions(name)
            if not versions:
                raise UnknownPromptError(
                    f"unknown prompt '{name}'", "see the names with: gonogo prompt list"
                )
            raise UnknownPromptError(
                f"prompt '{name}' has no version {which}",
                f"its versions are 1..{versions[-1].version}",
            )
        return pv
    label = which or "latest"
    resolved = await s.resolve_all()
    pv = resolved.get((name, label))
    if pv is None:
        if (name, "latest") not in resolved:
            raise UnknownPromptError(
                f"unknown prompt '{name}'", "see the names with: gonogo prompt list"
            )
        labels = sorted(lbl for n, lbl in resolved if n == name and lbl != "latest")
        raise UnknownPromptError(
            f"prompt '{name}' has no label '{label}'",
            f"its labels: {', '.join(labels) or 'none yet'}; move one with gonogo prompt promote",
        )
    return pv


def render(pv: Any) -> str:
    """A version as readable text (what ``show`` prints and ``diff`` compares)."""
    from ..store.gateway._types import version_text

    return version_text(pv)


@prompt.command("show")
@click.argument("ref")
@prd_option
@store_option
def show(ref: str, prd: Path | None, store: str | None) -> None:
    """Print one version: NAME (latest), NAME@VERSION or NAME:LABEL."""
    name, which = parse_ref(ref)

    async def act(s: Any) -> tuple[Any, list[str]]:
        pv = await resolve(s, name, which)
        labels = [
            lbl
            for (n, lbl), v in (await s.resolve_all()).items()
            if n == name and v.version == pv.version and lbl != "latest"
        ]
        return pv, sorted(labels)

    pv, labels = with_store(store_url(store, prd), act, create=False)
    click.echo(f"{pv.name} version {pv.version}" + (f"  [{', '.join(labels)}]" if labels else ""))
    click.echo(f"pushed {when(pv.created_at)} by {pv.created_by}; sha256 {pv.content_hash[:12]}")
    if pv.message:
        click.echo(f"message: {pv.message}")
    click.echo("")
    click.echo(render(pv), nl=False)


@prompt.command("diff")
@click.argument("name")
@click.argument("a")
@click.argument("b")
@prd_option
@store_option
def diff(name: str, a: str, b: str, prd: Path | None, store: str | None) -> None:
    """Unified diff between two versions (numbers or labels, e.g. `production 4`)."""

    async def act(s: Any) -> tuple[Any, Any]:
        return await resolve(s, name, a), await resolve(s, name, b)

    va, vb = with_store(store_url(store, prd), act, create=False)
    lines = difflib.unified_diff(
        render(va).splitlines(keepends=True),
        render(vb).splitlines(keepends=True),
        fromfile=f"{name}@{va.version}",
        tofile=f"{name}@{vb.version}",
    )
    out = "".join(lines)
    click.echo(
        out if out else f"no difference: versions {va.version} and {vb.version} match", nl=not out
    )


@prompt.command("history")
@click.argument("name")
@click.option("--label", default=None, help="Only this label's moves.")
@prd_option
@store_option
def history(name: str, label: str | None, prd: Path | None, store: str | None) -> None:
    """Every label move of a prompt: when, who, from → to, why."""

    async def act(s: Any) -> tuple[list[Any], int]:
        moves = await s.label_history(name, label)
        return moves, len(await s.versions(name))

    moves, n_versions = with_store(store_url(store, prd), act, create=False)
    if not n_versions:
        from ..store.gateway import UnknownPromptError

        raise UnknownPromptError(
            f"unknown prompt '{name}'", "see the names with: gonogo prompt list"
        )
    if not moves:
        click.echo(f"{name}: {n_versions} version(s), no label moved yet")
        return
    for m in moves:
        src = "-" if m.from_version is None else str(m.from_version)
        why = f'  "{m.reason}"' if m.reason else ""
        click.echo(
            f"{when(m.at)}  {m.label:<12} {src:>3} → {m.to_version:<3} {m.kind:<8} "
            f"by {m.actor}{why}"
        )


# -- promote / rollback --------------------------------------------------------------------
def _print_move(m: Any) -> None:
    src = "(unset)" if m.from_version is None else f"version {m.from_version}"
    verb = "rolled back" if m.kind == "rollback" else "moved"
    click.echo(f"{m.name}:{m.label} {verb}: {src} → version {m.to_version} (by {m.actor})")


@prompt.command("promote")
@click.argument("name")
@click.argument("version")
@click.option("--label", required=True, help="Label to move, e.g. production or staging.")
@click.option("--reason", required=True, help="Why (recorded in the history).")
@actor_option
@prd_option
@store_option
def promote(
    name: str,
    version: str,
    label: str,
    reason: str,
    actor: str | None,
    prd: Path | None,
    store: str | None,
) -> None:
    """Point LABEL at VERSION (a number, or another label: `promote answer staging`)."""

    async def act(s: Any) -> Any:
        pv = await resolve(s, name, version)
        return await s.move_label(name, label, pv.version, actor=actor_name(actor), reason=reason)

    _print_move(with_store(store_url(store, prd), act))


@prompt.command("rollback")
@click.argument("name")
@click.option("--label", default="production", show_default=True, help="Label to roll back.")
@click.option(
    "--to",
    "to_version",
    type=int,
    default=None,
    help="Version to go back to. "
    "Default: the version the label pointed at before its last promotion.",
)
@click.option("--reason", required=True, help="Why (recorded in the history).")
@actor_option
@prd_option
@store_option
def rollback(
    name: str,
    label: str,
    to_version: int | None,
    reason: str,
    actor: str | None,
    prd: Path | None,
    store: str | None,
) -> None:
    """Move LABEL back to its previous version (every replica follows within seconds)."""

    async def act(s: Any) -> Any:
        return await s.rollback_label(
            name, label, actor=actor_name(actor), reason=reason, to_version=to_version
        )

    _print_move(with_store(store_url(store, prd), act))
