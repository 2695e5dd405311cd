"""The rollback drill: roll a prompt label back, time it on every replica, restore it.

A drill answers the launch checklist's "can the prompt be rolled back, and how fast?"
with a measurement instead of a belief. It:

1. reads which version the label points at now (the *original*) and checks that every
   gateway replica serves it;
2. moves the label to the previous version (or a chosen one) — a recorded label move,
   like ``gonogo prompt rollback`` — and notes the moment;
3. probes every replica's feature endpoint (``POST /v1/prompts/{name}/completions``)
   until each answers with the old version in ``X-Gonogo-Prompt-Version`` for
   ``confirm`` probes in a row (so every worker process of a replica has switched), and
   records the time to effect per replica;
4. moves the label back to the original and times that the same way (unless ``keep``).

The label moves go through the store (the same database the replicas poll) or through
a gateway's admin endpoint; both are recorded in the label history with the drill as
the reason. Probes are real requests, so the upstream model is called once per probe.
"""

from __future__ import annotations

import asyncio
import json
import string
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import quote

from ..errors import RunError, UserError

if TYPE_CHECKING:
    import aiohttp

    from ..store.gateway import GatewayStore

DEFAULT_BOUND_S = 5.0
VERSION_HEADER = "X-Gonogo-Prompt-Version"


@dataclass(frozen=True, slots=True)
class ReplicaTiming:
    """How long one replica took to serve the new version after the label moved."""

    gateway: str
    seconds: float | None  # None: never served it (for ``confirm`` probes in a row) in time
    probes: int
    errors: int
    last_version: int | None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class DrillPhase:
    """One label move (the rollback, or the restore) and its effect on each replica."""

    action: Literal["rollback", "restore"]
    from_version: int
    to_version: int
    moved_at: float  # unix time the move was issued
    replicas: tuple[ReplicaTiming, ...]

    @property
    def worst_s(self) -> float | None:
        """The slowest replica's time to effect; None if any never switched."""
        times = [r.seconds for r in self.replicas]
        if any(t is None for t in times):
            return None
        return max((t for t in times if t is not None), default=0.0)

    def within(self, bound_s: float) -> bool:
        """Every replica served the new version within ``bound_s``."""
        worst = self.worst_s
        return worst is not None and worst <= bound_s


@dataclass(frozen=True, slots=True)
class DrillReport:
    """The whole drill: what moved, how fast each replica followed, pass or fail."""

    prompt: str
    label: str
    bound_s: float
    original_version: int
    target_version: int
    rollback: DrillPhase
    restore: DrillPhase | None
    restore_error: str | None = None
    via: str = ""  # where the labels were moved: the store's URL or a gateway's admin API

    @property
    def passed(self) -> bool:
        """Rollback (and restore, when done) reached every replica within the bound."""
        if not self.rollback.within(self.bound_s) or self.restore_error is not None:
            return False
        return self.restore is None or self.restore.within(self.bound_s)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``gonogo prompt drill --json``)."""

        def phase(p: DrillPhase | None) -> dict[str, Any] | None:
            if p is None:
                return None
            return {
                "action": p.action,
                "from_version": p.from_version,
                "to_version": p.to_version,
                "moved_at": p.moved_at,
                "worst_s": p.worst_s,
                "replicas": [
                    {
                        "gateway": r.gateway,
                        "seconds": r.seconds,
                        "probes": r.probes,
                        "errors": r.errors,
                        "last_version": r.last_version,
                        "last_error": r.last_error,
                    }
                    for r in p.replicas
                ],
            }

        return {
            "prompt": self.prompt,
            "label": self.label,
            "bound_s": self.bound_s,
            "original_version": self.original_version,
            "target_version": self.target_version,
            "passed": self.passed,
            "rollback": phase(self.rollback),
            "restore": phase(self.restore),
            "restore_error": self.restore_error,
            "via": self.via,
        }


class LabelControl(Protocol):
    """Where the drill reads and moves labels: the store, or a gateway's admin API."""

    @property
    def where(self) -> str:
        """Where labels are moved (for the report): a store URL or an admin API."""
        ...

    async def current(self, name: str, label: str) -> tuple[int, list[str]]:
        """(version the label points at, the templates of the prompt's versions).

        The templates tell which variables the probes must send: every version's, since
        the drill serves both the original and the version it rolls back to.
        """
        ...

    async def rollback(self, name: str, label: str, to_version: int | None, reason: str) -> int:
        """Roll the label back (to its previous target, or ``to_version``); the new version."""
        ...

    async def restore(
        self, name: str, label: str, version: int, *, explicit: bool, reason: str
    ) -> int:
        """Point the label back at ``version``, leaving its history as before the drill.

        ``explicit``: the rollback named its target version (so it was a plain move).
        """
        ...


@dataclass
class StoreLabels:
    """Label moves straight through the gateway store (what the replicas poll)."""

    store: GatewayStore
    actor: str = "gonogo prompt drill"

    @property
    def where(self) -> str:
        return self.store.url

    async def current(self, name: str, label: str) -> tuple[int, list[str]]:
        resolved = await self.store.resolve_all()
        pv = resolved.get((name, label))
        if pv is None:
            known = sorted({f"{n}@{lb}" for n, lb in resolved if lb != "latest"})
            raise UserError(
                f"prompt '{name}' has no label '{label}' in {self.store.url}",
                "push and promote it first (`gonogo prompt push`, `gonogo prompt promote`)"
                + (f"; labels there: {', '.join(known)}" if known else ""),
            )
        templates = [t for v in await self.store.versions(name) for t in (v.system, v.user) if t]
        return pv.version, templates

    async def rollback(self, name: str, label: str, to_version: int | None, reason: str) -> int:
        if to_version is not None:
            # An explicit target is a plain move, so that the restore (a rollback to the
            # original) pops the label's history back to exactly what it was.
            mv = await self.store.move_label(
                name, label, to_version, actor=self.actor, reason=reason
            )
        else:
            mv = await self.store.rollback_label(name, label, actor=self.actor, reason=reason)
        return mv.to_version

    async def restore(
        self, name: str, label: str, version: int, *, explicit: bool, reason: str
    ) -> int:
        if explicit:
            mv = await self.store.rollback_label(
                name, label, actor=self.actor, reason=reason, to_version=version
            )
        else:  # undo a rollback with a move: the label's rollback stack is as it was
            mv = await self.store.move_label(name, label, version, actor=self.actor, reason=reason)
        return mv.to_version


@dataclass
class AdminLabels:
    """Label moves through one gateway's admin API (an admin key; no database access).

    That replica serves a move at once; the others pick it up from the shared store.
    """

    gateway: str
    admin_key: str
    session: aiohttp.ClientSession | None = None
    timeout_s: float = 10.0

    @property
    def where(self) -> str:
        return f"{self.gateway.rstrip('/')} admin API"

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        import aiohttp

        url = self.gateway.rstrip("/") + path
        headers = {"Authorization": f"Bearer {self.admin_key}"}
        own = self.session is None
        session = self.session or aiohttp.ClientSession()
        try:
            async with session.request(
                method,
                url,
                json=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as resp:
                text = await resp.text()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as e:
            raise RunError(
                f"cannot reach {url}: {type(e).__name__}: {e}",
                "check the --gateway URL and that it is running",
            ) from None
        finally:
            if own:
                await session.close()
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if status < 400:
            return data
        err = data.get("error", {}) if isinstance(data, dict) else {}
        message = err.get("message") or text[:300]
        if status in (401, 403):
            raise UserError(
                f"{url}: HTTP {status} {message}",
                "pass an admin key: --admin-key "
                "or GONOGO_ADMIN_KEY (`gonogo keys create NAME --role admin`)",
            )
        if status < 500:
            raise UserError(f"{url}: HTTP {status} {message}", err.get("fix"))
        raise RunError(f"{url}: HTTP {status} {message}")

    async def current(self, name: str, label: str) -> tuple[int, list[str]]:
        shown = await self._call("GET", f"/v1/admin/prompts/{quote(name, safe='')}")
        labels = shown.get("labels") or {}
        if label not in labels:
            raise UserError(
                f"prompt '{name}' has no label '{label}' on {self.gateway}",
                f"labels there: {', '.join(sorted(labels)) or 'none'}",
            )
        versions = shown.get("versions") or []
        templates = [t for v in versions for t in (v.get("system"), v.get("user")) if t]
        return int(labels[label]), templates

    async def _promote(self, name: str, label: str, version: int, reason: str) -> int:
        path = f"/v1/admin/prompts/{quote(name, safe='')}/labels/{quote(label, safe='')}"
        moved = await self._call("POST", path, {"version": version, "reason": reason})
        return int(moved["to_version"])

    async def _rollback(self, name: str, label: str, to: int | None, reason: str) -> int:
        path = f"/v1/admin/prompts/{quote(name, safe='')}/labels/{quote(label, safe='')}/rollback"
        body: dict[str, Any] = {"reason": reason}
        if to is not None:
            body["to_version"] = to
        moved = await self._call("POST", path, body)
        return int(moved["to_version"])

    async def rollback(self, name: str, label: str, to_version: int | None, reason: str) -> int:
        if to_version is not None:  # a plain move, as StoreLabels does
            return await self._promote(name, label, to_version, reason)
        return await self._rollback(name, label, None, reason)

    async def restore(
        self, name: str, label: str, version: int, *, explicit: bool, reason: str
    ) -> int:
        if explicit:
            return await self._rollback(name, label, version, reason)
        return await self._promote(name, label, version, reason)


@dataclass
class Prober:
    """Sends probe requests to one replica's feature endpoint and reads the version."""

    session: aiohttp.ClientSession
    gateway: str
    name: str
    label: str
    app_key: str
    variables: Mapping[str, Any]
    timeout_s: float = 10.0
    _body: bytes = field(init=False, default=b"")

    def __post_init__(self) -> None:
        self._body = json.dumps({"label": self.label, "variables": dict(self.variables)}).encode()

    @property
    def url(self) -> str:
        return f"{self.gateway.rstrip('/')}/v1/prompts/{self.name}/completions"

    async def probe(self) -> tuple[int | None, str | None]:
        """(version served, error): one request; error describes a failed probe."""
        import aiohttp

        headers = {"Authorization": f"Bearer {self.app_key}", "Content-Type": "application/json"}
        try:
            async with self.session.post(
                self.url,
                data=self._body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as resp:
                text = await resp.text()
                version = resp.headers.get(VERSION_HEADER)
                if resp.status in (401, 403, 404) or (resp.status == 400 and version is None):
                    raise UserError(
                        f"{self.url} refused the probe: HTTP {resp.status} {text[:300]}",
                        _PROBE_HINT,
                    )
                if version is None or not version.isdigit():
                    return None, f"HTTP {resp.status} without {VERSION_HEADER}: {text[:200]}"
                return int(version), None
        except (aiohttp.ClientError, TimeoutError) as e:
            return None, f"{type(e).__name__}: {e}"


_PROBE_HINT = (
    "check --app-key (or GONOGO_APP_KEY), the prompt name and label, and --var for "
    "every variable the prompt's template uses"
)


async def wait_for_version(
    prober: Prober,
    version: int,
    *,
    since: float,
    give_up_s: float,
    interval_s: float = 0.05,
    confirm: int = 3,
) -> ReplicaTiming:
    """Probe until ``confirm`` answers in a row carry ``version``; time from ``since``.

    ``since`` is a ``time.monotonic()`` reading (when the label moved). The time to
    effect is when the first answer of that final unbroken run arrived — conservative:
    it includes the probe's own round trip, and any later stale answer restarts the run.
    """
    probes = errors = streak = 0
    first_of_streak: float | None = None
    last: int | None = None
    last_error: str | None = None
    deadline = since + give_up_s
    while True:
        got, err = await prober.probe()
        now = time.monotonic()
        probes += 1
        if err is not None:
            errors += 1
            last_error = err
        else:
            last = got
        if got == version:
            streak += 1
            first_of_streak = now if streak == 1 else first_of_streak
            if streak >= confirm and first_of_streak is not None:
                return ReplicaTiming(
                    prober.gateway, first_of_streak - since, probes, errors, last, last_error
                )
        elif err is None:
            streak, first_of_streak = 0, None  # a stale answer: not switched yet
        if now >= deadline:
            return ReplicaTiming(prober.gateway, None, probes, errors, last, last_error)
        await asyncio.sleep(interval_s)


def template_variables(templates: Sequence[str]) -> dict[str, str]:
    """A placeholder value for every ``{name}`` in the templates (probe content is irrelevant)."""
    names: dict[str, str] = {}
    for template in templates:
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        except ValueError:  # not a format string: it has no variables to fill
            continue
        for f in fields:
            names[f.split(".")[0].split("[")[0]] = "rollback drill probe"
    return names


async def run_drill(
    control: LabelControl,
    gateways: Sequence[str],
    *,
    name: str,
    app_key: str,
    label: str = "production",
    to_version: int | None = None,
    keep: bool = False,
    bound_s: float = DEFAULT_BOUND_S,
    variables: Mapping[str, Any] | None = None,
    interval_s: float = 0.05,
    confirm: int = 3,
) -> DrillReport:
    """Roll ``name@label`` back, time it on every gateway replica, then restore it.

    ``control`` moves the labels (:class:`StoreLabels` over the replicas' store, or a
    gateway's admin API). ``variables`` fill the prompt's template for the probes
    (default: a placeholder for each ``{name}`` in it). Raises ``UserError`` for a bad
    prompt/label/key/variables, ``RunError`` when a replica does not serve the current
    version before the drill starts; a slow replica is not an exception — it shows in
    the report (``passed`` false).
    """
    import aiohttp

    if not gateways:
        raise UserError("no gateway to drill", "pass --gateway URL once per replica")
    original, templates = await control.current(name, label)
    if to_version == original:
        raise UserError(
            f"{name}@{label} already points at version {original}", "pass a different --to-version"
        )
    values = dict(variables) if variables is not None else template_variables(templates)
    give_up = bound_s + min(max(bound_s, 5.0), 30.0)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        probers = [Prober(session, g, name, label, app_key, values) for g in gateways]
        await _preflight(probers, original, give_up, interval_s)
        t0, wall0 = time.monotonic(), time.time()
        target = await control.rollback(name, label, to_version, "rollback drill")
        explicit = to_version is not None
        try:
            timings = await _follow(probers, target, t0, give_up, interval_s, confirm)
        except BaseException:  # interrupted or a probe refused: put the label back first
            if not keep:
                undo = control.restore(
                    name, label, original, explicit=explicit, reason="rollback drill: abort"
                )
                await asyncio.shield(undo)
            raise
        rollback = DrillPhase("rollback", original, target, wall0, timings)
        restore: DrillPhase | None = None
        restore_error: str | None = None
        if not keep:
            try:
                t0, wall0 = time.monotonic(), time.time()
                await control.restore(
                    name, label, original, explicit=explicit, reason="rollback drill: restore"
                )
                timings = await _follow(probers, original, t0, give_up, interval_s, confirm)
                restore = DrillPhase("restore", target, original, wall0, timings)
            except Exception as e:  # report the drill's result even when restoring fails
                restore_error = f"{type(e).__name__}: {e}"
    return DrillReport(
        name, label, bound_s, original, target, rollback, restore, restore_error, via=control.where
    )


async def _preflight(
    probers: Sequence[Prober], version: int, give_up: float, interval_s: float
) -> None:
    """Every replica must serve the label's current version before anything moves."""
    since = time.monotonic()
    timings = await asyncio.gather(
        *(
            wait_for_version(
                p, version, since=since, give_up_s=give_up, interval_s=interval_s, confirm=1
            )
            for p in probers
        )
    )
    bad = [t for t in timings if t.seconds is None]
    if bad:
        lines = "; ".join(
            f"{t.gateway} serves version {t.last_version}"
            + (f" ({t.last_error})" if t.last_error else "")
            for t in bad
        )
        raise RunError(
            f"before the drill, not every replica serves version {version}: {lines}",
            "check that every --gateway uses the same store as the drill (--store)",
        )


async def _follow(
    probers: Sequence[Prober],
    version: int,
    since: float,
    give_up: float,
    interval_s: float,
    confirm: int,
) -> tuple[ReplicaTiming, ...]:
    return tuple(
        await asyncio.gather(
            *(
                wait_for_version(
                    p,
                    version,
                    since=since,
                    give_up_s=give_up,
                    interval_s=interval_s,
                    confirm=confirm,
                )
                for p in probers
            )
        )
    )
