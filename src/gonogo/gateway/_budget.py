"""Budgets: spend per UTC day and month, and per API key per day, checked in memory.

The request path reads cached totals and adds each call's cost locally — no I/O.
Totals are shared across replicas in one of two ways:

- with Redis (``--redis``): local adds are flushed to the shared :class:`Counters`
  every ``flush_s`` (0.25 s) and the totals read back, so replicas agree within that;
- without: totals are seeded from the trace store (``spend_since``) at start and
  re-read every ``refresh_s`` (10 s), so other replicas' spend shows up within that; the
  cost of a request whose trace could not be written is kept in memory and added to
  what the store says, so a failed trace write never lowers the spend.

At ``soft_at`` of a limit the gateway alerts once per period (a log line and the
``gonogo_budget_alerts_total`` metric); at 100% it refuses (HTTP 429) or switches to
``cheap_model``, as ``on_exceeded`` says.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..spec._prd import Budget
    from ._store import ApiKeyRecord, Counters, GatewayStore, TraceRecord

log = logging.getLogger("gonogo.gateway")


@dataclass(slots=True)
class BudgetState:
    """The verdict for one request: ``ok``, or the first limit reached and what to do."""

    exceeded: str | None = None  # "daily" | "monthly" | "key_daily"
    action: str = "refuse"  # refuse | fallback
    limit_usd: float = 0.0
    spent_usd: float = 0.0


_OK = BudgetState()


def _periods(now: float) -> tuple[str, str, float, float, float]:
    """Day and month ids (UTC), their start times, and when the day ends."""
    dt = datetime.fromtimestamp(now, UTC)
    day_start = datetime(dt.year, dt.month, dt.day, tzinfo=UTC).timestamp()
    month_start = datetime(dt.year, dt.month, 1, tzinfo=UTC).timestamp()
    return dt.strftime("%Y%m%d"), dt.strftime("%Y%m"), day_start, month_start, day_start + 86400


class BudgetMeter:
    """Spend counters and limits; see the module docstring."""

    def __init__(
        self,
        budget: Budget | None,
        store: GatewayStore,
        counters: Counters | None,
        *,
        namespace: str,
        flush_s: float = 0.25,
        refresh_s: float = 10.0,
        clock: Any = time.time,
    ) -> None:
        self.budget = budget
        self.store = store
        self.counters = counters
        self.ns = namespace
        self.flush_s = flush_s
        self.refresh_s = refresh_s
        self._clock = clock
        self._totals: dict[str, float] = {}  # shared totals as last read
        self._local: dict[str, float] = {}  # adds not yet in _totals
        self._unstored: dict[str, float] = {}  # spend of traces never written (store mode)
        self._key_ids: set[str] = set()  # keys whose daily spend is tracked
        self.alerts: dict[str, int] = {}  # limit name -> soft alerts raised
        self._alerted: set[str] = set()
        self._roll(self._clock())
        self._task: asyncio.Task[None] | None = None

    def _roll(self, now: float) -> None:
        self._day, self._month, self._day_start, self._month_start, self._day_end = _periods(now)

    # -- keys -------------------------------------------------------------------

    def _k_day(self) -> str:
        return f"{self.ns}:spend:day:{self._day}"

    def _k_month(self) -> str:
        return f"{self.ns}:spend:month:{self._month}"

    def _k_key(self, key_id: str) -> str:
        return f"{self.ns}:spend:key:{key_id}:day:{self._day}"

    def total(self, name: str) -> float:
        """Spend under counter ``name`` as far as this replica knows."""
        return self._totals.get(name, 0.0) + self._local.get(name, 0.0)

    # -- request path -----------------------------------------------------------

    def check(self, key: ApiKeyRecord | None) -> BudgetState:
        """Is a limit reached? Raises soft alerts on the way (once per limit and period)."""
        now = self._clock()
        if now >= self._day_end:
            self._roll(now)
            self._alerted.clear()
        b = self.budget
        action = b.on_exceeded if b is not None else "refuse"
        checks: list[tuple[str, float | None, str]] = []
        if b is not None:
            checks += [("daily", b.daily_usd, self._k_day()),
                       ("monthly", b.monthly_usd, self._k_month())]  # fmt: skip
        if key is not None:
            limit = key.daily_budget_usd
            if limit is None and b is not None:
                limit = b.per_key_daily_usd
            if limit is not None:
                self._track_key(key.id)
                checks.append(("key_daily", limit, self._k_key(key.id)))
        soft = b.soft_at if b is not None else 0.8
        for name, limit, counter in checks:
            if limit is None:
                continue
            spent = self.total(counter)
            if spent >= limit:
                return BudgetState(name, action, limit, spent)
            if spent >= soft * limit:
                self._soft(name, counter, limit, spent, key)
        return _OK

    def add(self, cost: float | None, key_id: str | None) -> None:
        """Count one request's cost."""
        if not cost:
            return
        local = self._local
        for name in (self._k_day(), self._k_month()):
            local[name] = local.get(name, 0.0) + cost
        if key_id is not None and key_id in self._key_ids:
            name = self._k_key(key_id)
            local[name] = local.get(name, 0.0) + cost

    def keep_unstored(self, trace: TraceRecord) -> None:
        """Remember the cost of a request whose trace could not be written."""
        cost = trace.cost_usd
        if not cost or self.counters is not None:  # Redis counts spend without traces
            return
        day, month, *_ = _periods(trace.started_at)
        names = [f"{self.ns}:spend:day:{day}", f"{self.ns}:spend:month:{month}"]
        if trace.api_key_id is not None:
            names.append(f"{self.ns}:spend:key:{trace.api_key_id}:day:{day}")
        for name in names:
            self._unstored[name] = self._unstored.get(name, 0.0) + cost

    def _soft(self, name: str, counter: str, limit: float, spent: float,
              key: ApiKeyRecord | None) -> None:  # fmt: skip
        if counter in self._alerted:
            return
        self._alerted.add(counter)
        self.alerts[name] = self.alerts.get(name, 0) + 1
        who = f" for key {key.id}" if name == "key_daily" and key is not None else ""
        log.warning("budget alert: %s spend%s is $%.4f, %.0f%% of the $%.2f limit",
                    name, who, spent, 100 * spent / limit, limit)  # fmt: skip

    def _track_key(self, key_id: str) -> None:
        if key_id not in self._key_ids:
            self._key_ids.add(key_id)
            if self._task is not None:  # load its spend so far today, in the background
                asyncio.get_running_loop().create_task(self._load_key(key_id))

    # -- background -------------------------------------------------------------

    async def start(self) -> None:
        """Load today's and this month's spend, then keep totals fresh in the background."""
        await self._refresh()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        period = self.flush_s if self.counters is not None else self.refresh_s
        while True:
            await asyncio.sleep(period)
            try:
                await self._refresh()
            except Exception as e:  # a store or Redis hiccup must not stop the meter
                log.warning("budget totals not refreshed: %s", e)

    async def _refresh(self) -> None:
        names = [self._k_day(), self._k_month(), *(self._k_key(k) for k in self._key_ids)]
        if self.counters is not None:
            pending, self._local = self._local, {}
            try:
                for name in set(names) | set(pending):
                    amount = pending.pop(name, 0.0)
                    if amount:
                        ttl = 40 * 86400 if ":month:" in name else 3 * 86400
                        try:
                            self._totals[name] = await self.counters.add(name, amount, ttl)
                        except BaseException:
                            pending[name] = amount  # not added: keep it for the next flush
                            raise
                    else:
                        self._totals[name] = await self.counters.get(name)
            finally:
                for name, amount in pending.items():  # Redis failed: nothing is lost
                    self._local[name] = self._local.get(name, 0.0) + amount
            return
        self._local = {}
        lost = self._unstored
        day, month = self._k_day(), self._k_month()
        self._totals[day] = await self.store.spend_since(self._day_start) + lost.get(day, 0.0)
        self._totals[month] = await self.store.spend_since(self._month_start) + lost.get(month, 0)
        for key_id in list(self._key_ids):
            await self._load_key(key_id)

    async def _load_key(self, key_id: str) -> None:
        name = self._k_key(key_id)
        if self.counters is not None:
            self._totals[name] = await self.counters.get(name)
        else:
            spent = await self.store.spend_since(self._day_start, key_id)
            self._totals[name] = spent + self._unstored.get(name, 0.0)

    async def stop(self) -> None:
        """Stop the background task and flush pending adds to Redis."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.counters is not None and self._local:
            with contextlib.suppress(Exception):
                await self._refresh()

    def resets_in(self, name: str) -> int:
        """Seconds until the period of limit ``name`` (daily, monthly, key_daily) ends."""
        now = self._clock()
        if name != "monthly":
            return max(1, int(self._day_end - now))
        dt = datetime.fromtimestamp(now, UTC)
        year, month = (dt.year + 1, 1) if dt.month == 12 else (dt.year, dt.month + 1)
        return max(1, int(datetime(year, month, 1, tzinfo=UTC).timestamp() - now))

    def snapshot(self) -> dict[str, Any]:
        """Limits and spend, for ``GET /v1/admin/budget`` and the metrics."""
        b = self.budget
        out: dict[str, Any] = {"day": self._day, "month": self._month}
        for name, limit, counter in (
            ("daily", b.daily_usd if b else None, self._k_day()),
            ("monthly", b.monthly_usd if b else None, self._k_month()),
        ):
            spent = self.total(counter)
            out[name] = {"limit_usd": limit, "spent_usd": round(spent, 6),
                         "used": None if not limit else round(spent / limit, 4)}  # fmt: skip
        out["keys"] = {k: round(self.total(self._k_key(k)), 6) for k in sorted(self._key_ids)}
        out["soft_at"] = b.soft_at if b else None
        out["on_exceeded"] = b.on_exceeded if b else "refuse"
        out["shared"] = "redis" if self.counters is not None else "store"
        return out
