"""The running gateway: its components, their lifecycle, and the shared serving pipeline.

``Gateway.execute`` is what both feature endpoints run for one request: input guards →
budget → the fallback chain (with output guards on each answer) → metering. The
endpoints (``_handlers``) only parse requests and shape responses around it.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING, Any

from ._budget import BudgetMeter
from ._chain import Outcome, OutputChecker, path_name, run_chain, stop_with
from ._config import GatewayConfig, compile_prd
from ._http import HTTPError
from ._keys import KeyCache
from ._metrics import Metrics, gauge
from ._registry import RegistryCache
from ._settings import GatewaySettings
from ._store import ApiKeyRecord, open_counters, open_gateway_store
from ._traces import TraceWriter

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable, Mapping

    from ..spec._prd import PRD
    from ._call import Call
    from ._guards import OutputCheck
    from ._upstream import Upstream

log = logging.getLogger("gonogo.gateway")
_BREAKER_STATE = {"closed": 0, "half_open": 1, "open": 2}


class Gateway:
    """Everything one gateway process holds: config, store, caches, meters, writer."""

    def __init__(
        self, prd: PRD, settings: GatewaySettings, *, env: Mapping[str, str] | None = None
    ) -> None:
        from ..store.gateway import default_store_url

        self.prd = prd
        self.settings = settings
        self.cfg: GatewayConfig = compile_prd(prd, env=env)
        self.metrics = Metrics()
        url = settings.store_url or default_store_url(settings.base_dir)
        self.store = open_gateway_store(url, base_dir=settings.base_dir)
        self.counters = open_counters(settings.redis_url) if settings.redis_url else None
        self.registry = RegistryCache(self.store, poll_s=settings.poll_s)
        self.keys = KeyCache(self.store, ttl_s=settings.key_ttl_s,
                             bootstrap_admin=settings.admin_key)  # fmt: skip
        namespace = re.sub(r"[^a-z0-9]+", "-", prd.feature.lower()).strip("-")[:60] or "feature"
        self.budget = BudgetMeter(self.cfg.budget, self.store, self.counters, namespace=namespace,
                                  flush_s=settings.budget_flush_s,
                                  refresh_s=settings.budget_refresh_s)  # fmt: skip
        exporter = None
        if settings.otel:
            from ._otel import span_exporter

            exporter = span_exporter(self.cfg, settings.otel_tracer_provider)
        self.writer = TraceWriter(self.store, max_batch=settings.trace_batch,
                                  wait_s=settings.trace_wait_s, on_batch=exporter,
                                  on_wait=self.metrics.commit_wait.observe,
                                  on_lost=self.budget.keep_unstored)  # fmt: skip
        self.metrics.extra.append(self._gauges)
        self.started_at = time.time()

    # -- lifecycle --------------------------------------------------------------

    async def start(self) -> None:
        """Open the store, seed and load the registry, start the background tasks."""
        await self.store.open()
        if self.settings.seed_prompt:
            await self.seed_prompt()
        await self.registry.start()
        await self.budget.start()
        self.writer.start()

    async def stop(self) -> None:
        """Flush traces and budget counters, close connections."""
        await self.writer.close()
        await self.budget.stop()
        await self.registry.stop()
        await self.cfg.aclose()
        if self.counters is not None:
            await self.counters.close()
        await self.store.close()

    async def seed_prompt(self) -> None:
        """Push the PRD's prompt and label it when the registry has no prompt of that name."""
        spec = self.cfg.prompt
        if spec is None:
            return
        known = {name for name, _, _ in await self.store.list_prompts()}
        if spec.name in known:
            return
        model = self.prd.model
        assert model is not None  # compile_prd checked it
        # the same content `gonogo prompt push PRD` pushes, so a later push is a no-op
        version, _ = await self.store.push_prompt(
            spec.name, system=spec.system, user=spec.user, model=model.name,
            params=dict(model.params),
            output_schema=self.cfg.output_schema, actor="gonogo serve",
            message=f"seeded from the PRD (prompt version {spec.version})",
        )  # fmt: skip
        await self.store.move_label(spec.name, self.settings.seed_label, version.version,
                                    actor="gonogo serve", reason="seeded from the PRD")  # fmt: skip
        log.info("registry: seeded prompt '%s' v%d as %s", spec.name, version.version,
                 self.settings.seed_label)  # fmt: skip

    # -- the pipeline -----------------------------------------------------------

    async def execute(
        self,
        call: Call,
        key: ApiKeyRecord | None,
        body: dict[str, Any],
        first: Upstream,
        schema: dict[str, Any] | None,
        texts: list[str],
        messages: int,
    ) -> Outcome:
        """Serve one request: input guards, budget, the chain; meters the result."""
        out, steps, names = self.prepare(call, key, first, texts, messages)
        if steps:
            await run_chain(self.cfg, steps, body, self.output_checker(call, schema), out,
                            self.on_attempt, names)  # fmt: skip
        self.settle(call, key, out)
        return out

    def prepare(
        self, call: Call, key: ApiKeyRecord | None, first: Upstream, texts: list[str],
        messages: int,
    ) -> tuple[Outcome, list[Upstream], list[str]]:  # fmt: skip
        """Input guards and budget: the chain's steps, or no steps and a final outcome."""
        cfg = self.cfg
        out = call.outcome = Outcome("primary", None)
        if cfg.guards.input:
            results, trip = cfg.guards.check_input(texts, call.contexts, messages)
            call.input_guards = results
            if trip is not None:
                return stop_with(out, trip, cfg.static, "input"), [], []
        steps = [first, *cfg.fallbacks]
        names = [path_name(i, up) for i, up in enumerate(steps)]
        state = self.budget.check(key)
        if state.exceeded is not None:
            self.metrics.budget_refusals[(state.exceeded, state.action)] += 1
            if state.action == "fallback" and cfg.cheap is not None:
                return out, [cfg.cheap], [f"fallback:budget:{cfg.cheap.model}"]
            out.path, out.status = "refused", 429
            out.error = HTTPError(
                429, "budget_exceeded",
                f"the {state.exceeded.replace('_', ' ')} budget is spent "
                f"(${state.spent_usd:.4f} of ${state.limit_usd:.2f})",
                "wait for the next period, or raise the budget in the PRD's launch.budget",
                headers={"Retry-After": str(self.budget.resets_in(state.exceeded))},
            )  # fmt: skip
            return out, [], []
        return out, steps, names

    def output_checker(self, call: Call, schema: dict[str, Any] | None) -> OutputChecker:
        """The output guards bound to this request's contexts, question and schema."""
        guards, contexts, question = self.cfg.guards, call.contexts, call.question

        def check(text: str) -> Awaitable[OutputCheck]:
            return guards.check_output(text, contexts=contexts, question=question, schema=schema)

        return check

    def settle(self, call: Call, key: ApiKeyRecord | None, out: Outcome) -> None:
        """Count the outcome in the metrics and its cost in the budget."""
        self._count(call, out)
        self.budget.add(out.cost_usd, key.id if key is not None else None)

    def on_attempt(self, up: Upstream, outcome: str) -> None:
        self.metrics.upstream[(up.model, outcome)] += 1

    def _count(self, call: Call, out: Outcome) -> None:
        m = self.metrics
        if out.path != "primary":
            m.fallbacks[(out.path,)] += 1
        for g in call.guard_results():
            if g.outcome not in ("pass", "skip"):
                m.guards[(g.name, g.stage, g.outcome)] += 1
        model = out.model or "-"
        if out.cost_usd:
            m.cost[(model,)] += out.cost_usd
        if out.has_usage:
            m.tokens[(model, "input")] += out.input_tokens
            m.tokens[(model, "output")] += out.output_tokens

    def finish(self, call: Call, status: int) -> None:
        """Count the answered request."""
        call.status = status
        m = self.metrics
        m.requests[(call.endpoint, call.path, str(status))] += 1
        m.observe(call.endpoint, time.perf_counter() - call.t0)

    # -- metrics gauges -----------------------------------------------------------

    def _gauges(self) -> Iterable[str]:
        breakers = self.cfg.breakers()
        yield from gauge(
            "gonogo_circuit_breaker_state", "0 closed, 1 half-open, 2 open; by upstream.",
            (({"upstream": uid}, _BREAKER_STATE[b.state]) for uid, b in sorted(breakers.items())),
        )  # fmt: skip
        yield from gauge(
            "gonogo_circuit_breaker_opens", "Times each breaker opened since start.",
            (({"upstream": uid}, b.opens) for uid, b in sorted(breakers.items())),
        )  # fmt: skip
        snap = self.budget.snapshot()
        rows = [({"budget": n}, snap[n]["spent_usd"]) for n in ("daily", "monthly")]
        rows += [({"budget": "key_daily", "key": k}, v) for k, v in snap["keys"].items()]
        yield from gauge("gonogo_budget_spent_usd", "Spend in the current period (USD).", rows)
        used = [({"budget": n}, snap[n]["used"]) for n in ("daily", "monthly")
                if snap[n]["used"] is not None]  # fmt: skip
        yield from gauge("gonogo_budget_used_ratio", "Share of the budget spent.", used)
        yield from gauge(
            "gonogo_budget_alerts",
            "Soft-limit alerts raised since start.",
            (({"budget": n}, c) for n, c in sorted(self.budget.alerts.items())),
        )
        w = self.writer
        yield from gauge("gonogo_traces_written", "Traces committed since start.",
                         [({}, w.written)])  # fmt: skip
        yield from gauge("gonogo_trace_batches", "Trace batches (commits) since start.",
                         [({}, w.batches)])  # fmt: skip
        yield from gauge("gonogo_trace_write_errors", "Traces that could not be written.",
                         [({}, w.errors)])  # fmt: skip
        yield from gauge("gonogo_registry_revision", "Registry revision this replica serves.",
                         [({}, self.registry.revision or 0)])  # fmt: skip
        yield from gauge("gonogo_registry_reloads", "Registry reloads since start.",
                         [({}, self.registry.reloads)])  # fmt: skip
