"""The PRD compiled for the gateway: upstream chain, guards, budget, breaker, prices.

Everything here is built once at start-up; the request path only reads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import UserError
from ..models import Usage, cost_of
from ..models._build import api_key, build_provider
from ..spec._launch import ALL_TRIGGERS
from ._breaker import CircuitBreaker
from ._guards import build_guard
from ._guardset import GuardSet
from ._upstream import OpenAIUpstream, ProviderUpstream, Upstream

if TYPE_CHECKING:
    from ..spec._prd import PRD, Budget, Price, PromptSpec, ProviderSpec

_DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass
class GatewayConfig:
    """What the request path needs from the PRD."""

    feature: str
    primary: Upstream
    fallbacks: list[Upstream]  # in chain order, after the primary
    static: str | None  # the graceful answer ending the chain
    fallback_on: frozenset[str]
    timeout_s: float
    retries: int
    guards: GuardSet
    budget: Budget | None
    cheap: Upstream | None
    prices: Mapping[str, Price]
    prompt: PromptSpec | None  # the PRD's own prompt, seeded into an empty registry
    output_schema: dict[str, Any] | None
    max_input_chars: int | None
    breaker_spec: dict[str, Any]
    system: str  # gen_ai.system for telemetry: "openai", "anthropic", …
    _model_spec: ProviderSpec | None = None
    _by_model: dict[str, Upstream] = field(default_factory=dict)
    _breakers: dict[str, CircuitBreaker] = field(default_factory=dict)

    def upstream_for(self, model: str | None) -> Upstream:
        """The primary, or the same provider serving ``model`` (a prompt version's model)."""
        if model is None or model == self.primary.model:
            return self.primary
        up = self._by_model.get(model)
        if up is None:
            for candidate in (*self.fallbacks, self.cheap):
                if candidate is not None and candidate.model == model:
                    return candidate
            assert self._model_spec is not None
            up = self._by_model[model] = _same_provider(self._model_spec, model)
        return up

    def breaker(self, up: Upstream) -> CircuitBreaker:
        """The circuit breaker of one upstream (created on first use)."""
        br = self._breakers.get(up.id)
        if br is None:
            br = self._breakers[up.id] = CircuitBreaker(**self.breaker_spec)
        return br

    def breakers(self) -> dict[str, CircuitBreaker]:
        """Every breaker created so far, by upstream id."""
        return self._breakers

    def cost(self, model: str, served_model: str, usage: Usage | None) -> float | None:
        """USD for ``usage`` at the price of ``model`` (else of the name the upstream gave)."""
        price = self.prices.get(model) or self.prices.get(served_model)
        return cost_of(price, usage)

    async def aclose(self) -> None:
        """Close every upstream's connections."""
        seen: set[int] = set()
        for up in (self.primary, *self.fallbacks, self.cheap, *self._by_model.values()):
            if up is not None and id(up) not in seen:
                seen.add(id(up))
                await up.aclose()


def compile_prd(prd: PRD, *, env: Mapping[str, str] | None = None) -> GatewayConfig:
    """Compile ``prd`` for the gateway; :class:`UserError` when it cannot serve."""
    from ..spec._prd import ProviderSpec, StaticFallback

    env = os.environ if env is None else env
    model = prd.model
    if model is None:
        raise UserError(
            "the PRD has no `model` section, so the gateway has nothing to call",
            "add `model: {name: …, base_url: …, api_key_env: …, prompt: …}` to the PRD",
        )
    launch = prd.launch
    primary = _upstream(model, env)
    fallbacks: list[Upstream] = []
    static: str | None = None
    for item in launch.fallback if launch else []:
        if isinstance(item, StaticFallback):
            static = item.static
        elif isinstance(item, ProviderSpec):
            fallbacks.append(_upstream(item, env))
        else:
            fallbacks.append(_same_provider(model, item, env))
    budget = launch.budget if launch else None
    cheap = None
    if budget is not None and budget.cheap_model:
        cheap = _same_provider(model, budget.cheap_model, env)
    cb = launch.circuit_breaker if launch and launch.circuit_breaker else None
    breaker_spec = (
        {"failures": cb.failures, "window_s": cb.window_s, "cooldown_s": cb.cooldown_s,
         "enabled": cb.enabled} if cb else {}
    )  # fmt: skip
    max_chars = launch.max_input_chars if launch else None
    guards = GuardSet(_guards(prd, static is not None, max_chars))
    return GatewayConfig(
        feature=prd.feature,
        primary=primary,
        fallbacks=fallbacks,
        static=static,
        fallback_on=frozenset(launch.fallback_on if launch else ALL_TRIGGERS),
        timeout_s=(launch.timeout_s if launch and launch.timeout_s else model.timeout_s),
        retries=launch.retries if launch else 0,
        guards=guards,
        budget=budget,
        cheap=cheap,
        prices=prd.prices,
        prompt=model.prompt,
        output_schema=model.output_schema,
        max_input_chars=max_chars,
        breaker_spec=breaker_spec,
        system=_system_name(model),
        _model_spec=model,
    )


def compile_guards(prd: PRD) -> GuardSet:
    """The PRD's guards as ``gonogo serve`` compiles them (for running them offline)."""
    from ..spec._prd import StaticFallback

    launch = prd.launch
    has_static = any(
        isinstance(item, StaticFallback) for item in (launch.fallback if launch else [])
    )
    return GuardSet(_guards(prd, has_static, launch.max_input_chars if launch else None))


def _guards(prd: PRD, has_static: bool, max_chars: int | None) -> list[Any]:
    from ..spec._launch import GuardSpec

    specs: list[tuple[GuardSpec, str]] = []
    for fm in prd.failure_modes:
        if fm.guard is not None:
            specs.append((fm.guard, fm.guard.name or fm.id))
    for g in prd.launch.guards if prd.launch else []:
        specs.append((g, g.name or g.kind))
    if max_chars is not None and not any(g.kind == "input_size" for g, _ in specs):
        specs.append((GuardSpec(kind="input_size", max_chars=max_chars), "max_input_chars"))
    schema = prd.model.output_schema if prd.model else None
    names: dict[str, int] = {}
    out = []
    for spec, name in specs:
        names[name] = names.get(name, 0) + 1
        unique = name if names[name] == 1 else f"{name}-{names[name]}"
        out.append(build_guard(spec, unique, has_static=has_static, default_chars=max_chars,
                               default_schema=schema))  # fmt: skip
    return out


def _upstream(spec: ProviderSpec, env: Mapping[str, str]) -> Upstream:
    if spec.provider == "openai-compatible":
        key = api_key(spec.api_key_env, env)
        return OpenAIUpstream(spec.name, spec.base_url or _DEFAULT_BASE_URL, key,
                              params=spec.params,
                              connector_limit=max(spec.concurrency, 256))  # fmt: skip
    return ProviderUpstream(spec.name, build_provider(spec, env=env), spec.params)


def _same_provider(
    model: ProviderSpec, name: str, env: Mapping[str, str] | None = None
) -> Upstream:
    spec = model.model_copy(update={"name": name})
    return _upstream(spec, os.environ if env is None else env)


def _system_name(spec: ProviderSpec) -> str:
    if spec.provider == "anthropic":
        return "anthropic"
    if spec.provider == "scripted":
        return "gonogo.scripted"
    base = spec.base_url or _DEFAULT_BASE_URL
    return "openai" if "api.openai.com" in base else "openai_compatible"
