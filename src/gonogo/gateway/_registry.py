"""The prompt registry, cached in memory: no store read on the request path.

A background task polls ``store.registry_revision()`` every ``poll_s`` (≤ 5 s; 1 s by
default) and reloads ``resolve_all()`` when it changed, so a promote or rollback made
anywhere — the CLI, another replica's admin API — is served by this replica within
``poll_s`` plus one query. Versions asked for by number are immutable, so they are
cached for good after their first read (bounded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._http import HTTPError

if TYPE_CHECKING:
    from ._store import GatewayStore, PromptVersion

log = logging.getLogger("gonogo.gateway")
_FORMATTER = string.Formatter()
_PINNED_MAX = 4096


@dataclass(frozen=True, slots=True)
class Compiled:
    """A prompt version ready to render: the variables its templates need."""

    version: PromptVersion
    fields: frozenset[str]

    def render(self, variables: dict[str, Any]) -> list[dict[str, str]]:
        """Chat messages for ``variables``; 400 naming the first missing variable."""
        missing = self.fields.difference(variables)
        if missing:
            names = ", ".join(sorted(missing))
            raise HTTPError(
                400, "missing_variable",
                f"prompt '{self.version.name}' v{self.version.version} needs variable(s): {names}",
                "add them to `variables` in the request body",
            )  # fmt: skip
        v = self.version
        try:
            messages = []
            if v.system:
                messages.append({"role": "system", "content": v.system.format_map(variables)})
            messages.append({"role": "user", "content": v.user.format_map(variables)})
        except (KeyError, IndexError, AttributeError, ValueError, TypeError) as e:
            raise HTTPError(400, "bad_variables", f"cannot fill the prompt's template: {e!r}",
                            "pass plain text values for its {placeholders}") from None  # fmt: skip
        return messages


def template_fields(*templates: str | None) -> frozenset[str]:
    """Top-level variable names the templates use (``{question}`` → ``question``)."""
    names: set[str] = set()
    for t in templates:
        if not t:
            continue
        try:
            for _, field, _, _ in _FORMATTER.parse(t):
                if field:
                    names.add(field.split(".")[0].split("[")[0])
        except ValueError:  # a malformed template: rendering reports it
            continue
    return frozenset(names)


def compile_version(v: PromptVersion) -> Compiled:
    """The render-ready form of ``v``."""
    return Compiled(v, template_fields(v.system, v.user))


class RegistryCache:
    """Label → version map kept fresh by polling the store's revision counter."""

    def __init__(self, store: GatewayStore, *, poll_s: float = 1.0) -> None:
        self.store = store
        self.poll_s = min(max(poll_s, 0.05), 5.0)
        self.revision: int | None = None
        self.reloads = 0
        self._labels: dict[tuple[str, str], Compiled] = {}
        self._pinned: dict[tuple[str, int], Compiled] = {}
        self._names: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Load the registry, then poll in the background."""
        await self.refresh()
        self._task = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def refresh(self, *, force: bool = False) -> bool:
        """Reload when the revision moved (or ``force``); True when it reloaded."""
        rev = await self.store.registry_revision()
        if rev == self.revision and not force:
            return False
        resolved = await self.store.resolve_all()
        # Versions are immutable: reuse the compiled form of ones already loaded.
        old = {(c.version.name, c.version.version): c for c in self._labels.values()}
        labels: dict[tuple[str, str], Compiled] = {}
        for key, v in resolved.items():
            hit = old.get((v.name, v.version))
            labels[key] = hit if hit is not None else compile_version(v)
        self._labels = labels  # one assignment: readers see the old map or the new one
        self._names = {name for name, _ in labels}
        self.revision = rev
        self.reloads += 1
        return True

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # keep serving the last good registry
                log.warning("prompt registry not refreshed: %s", e)

    def by_label(self, name: str, label: str) -> Compiled:
        """The version ``label`` points at; 404 naming what exists otherwise."""
        hit = self._labels.get((name, label))
        if hit is not None:
            return hit
        if name not in self._names:
            fix = _known(self._names) or "push one with `gonogo prompt push`"
            raise HTTPError(404, "unknown_prompt", f"no prompt named '{name}' in the registry", fix)
        labels = sorted(lb for n, lb in self._labels if n == name)
        raise HTTPError(404, "unknown_label", f"prompt '{name}' has no label '{label}'",
                        f"labels: {', '.join(labels)}; or pass \"version\": N")  # fmt: skip

    async def by_version(self, name: str, version: int) -> Compiled:
        """A version by number (read once from the store, then cached); 404 if unknown."""
        hit = self._pinned.get((name, version))
        if hit is not None:
            return hit
        v = await self.store.get_prompt(name, version)
        if v is None:
            what = "version" if name in self._names else "prompt"
            raise HTTPError(404, f"unknown_{what}", f"prompt '{name}' has no version {version}"
                            if what == "version" else f"no prompt named '{name}' in the registry",
                            "list versions with `gonogo prompt show NAME`")  # fmt: skip
        if len(self._pinned) >= _PINNED_MAX:
            self._pinned.clear()
        compiled = self._pinned[(name, version)] = compile_version(v)
        return compiled

    def labels(self) -> dict[tuple[str, str], int]:
        """(name, label) → version, as this replica serves them now."""
        return {k: c.version.version for k, c in self._labels.items()}


def _known(names: set[str]) -> str | None:
    if not names:
        return None
    shown = sorted(names)[:10]
    return "prompts: " + ", ".join(shown) + ("…" if len(names) > 10 else "")
