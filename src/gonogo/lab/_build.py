"""From a lab entry to a runnable suite: the injection objects, the target, the scorers.

The base suite (the eval plan compiled once: datasets, target, scorers, the RAG app's
index) is shared by every run of the lab; each injected run gets a *borrowed* copy with
its own target and no closers, so nothing is loaded twice and nothing is closed early.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..models import build_client
from ..run import ModelTarget, Suite
from ..spec import LoadedPRD
from ..spec._lab import LabCall, target_kind_of
from . import _infra, _output, _prompt, _retrieval  # noqa: F401 - registers the built-ins
from ._injection import BUILTINS, Injection, check_injection, seeded
from ._target import NOT_REUSED_KINDS, ByCase, InjectedTarget, ReuseScorer

OPENAI_URL = "https://api.openai.com/v1"


def build_stack(calls: Sequence[LabCall], base_dir: Path) -> list[Injection]:
    """The injections of ``calls``: built-ins, and plug-ins imported from the PRD's folder."""
    stack: list[Injection] = []
    for call in calls:
        if not call.plugin:
            stack.append(BUILTINS[call.name](**dict(call.params)))
            continue
        from ..run._targets import load_callable

        factory = load_callable(call.name, base_dir)
        try:
            made = factory(**dict(call.params))
        except TypeError as e:
            raise UserError(
                f"lab injection {call.name} cannot take these parameters: {e}",
                "give it the parameters its factory accepts",
            ) from None
        except ValueError as e:
            raise UserError(f"lab injection {call.name}: {e}", "fix its parameters") from None
        stack.append(check_injection(made, f"lab injection {call.name}"))
    return stack


def borrowed(base: Suite, **changes: Any) -> Suite:
    """A copy of the base suite for one run: nothing of the base's is closed with it."""
    return dataclasses.replace(base, cache=None, _closers=[], **changes)


def scorers_for(base: Suite, clean: ByCase) -> list[Any]:
    """The plan's scorers, reusing the clean score for an unchanged answer where valid."""
    kinds = {d["id"]: d["kind"] for d in base.scorer_descriptions}
    return [s if kinds.get(s.id) in NOT_REUSED_KINDS else ReuseScorer(s, clean)
            for s in base.scorers]  # fmt: skip


class ModelSetup:
    """The model spec an entry's prompt / infra injections call (with its own client)."""

    def __init__(
        self, loaded: LoadedPRD, base: Suite, stack: Sequence[Injection], seed: str, *,
        gateway: bool = False,
    ) -> None:  # fmt: skip
        self.loaded = loaded
        self.base = base
        self.stack = stack
        self.seed = seed
        self.gateway = gateway  # serve the changed spec with `gonogo serve`, call that
        self.proxy: Any = None
        self.client: Any = None
        self.served: Any = None

    def needs_own_target(self, through_proxy: bool) -> bool:
        """True when the base suite's target will not do (a changed spec, a proxy, a gateway)."""
        layers = {i.layer for i in self.stack}
        if target_kind_of(self.loaded.prd) != "model":
            return False
        return self.gateway or "prompt" in layers or through_proxy

    async def target(self, through_proxy: bool) -> Any:
        """A model target for the changed spec (through the fault proxy when asked)."""
        prd = self.loaded.prd
        assert prd.model is not None
        spec = prd.model
        rng = seeded(f"{self.seed}|model")
        for inj in self.stack:
            if inj.layer == "prompt":
                spec = inj.model_spec(spec, rng)
        if through_proxy:
            from ._proxy import FaultProxy

            stall = float(spec.timeout_s) + 1.0
            self.proxy = FaultProxy(spec.base_url or OPENAI_URL, self.stack, self.seed,
                                    stall_s=stall).start()  # fmt: skip
            spec = spec.model_copy(update={"base_url": self.proxy.base_url})
        self.spec = spec
        if self.gateway:
            from ._gateway import served_target

            self.served, target = await served_target(self.loaded, spec)
            return target
        self.client = build_client(spec, prd.prices, cache=self.base.cache)
        return ModelTarget(spec, self.client)

    async def aclose(self) -> None:
        """Close the client, stop the gateway and the proxy."""
        if self.client is not None:
            await self.client.aclose()
        if self.served is not None:
            await self.served.aclose()
        if self.proxy is not None:
            self.proxy.stop()


def proxied(loaded: LoadedPRD, stack: Sequence[Injection]) -> bool:
    """Infra faults over real HTTP: the model spec on an OpenAI-compatible endpoint."""
    model = loaded.prd.model
    return (
        target_kind_of(loaded.prd) == "model"
        and model is not None
        and model.provider == "openai-compatible"
        and any(i.layer == "infra" for i in stack)
    )


async def injected_suite(
    loaded: LoadedPRD,
    base: Suite,
    stack: Sequence[Injection],
    setup: ModelSetup,
    clean: ByCase,
    pools: tuple[Sequence[str], Sequence[str]],
    *,
    through_proxy: bool,
    inner: Any = None,
) -> Suite:
    """The suite of one injected run: the wrapped target, reusing scorers, the same cases."""
    if inner is None:
        own = setup.needs_own_target(through_proxy)
        inner = await setup.target(through_proxy) if own else base.target
    model = loaded.prd.model
    target = InjectedTarget(
        inner, stack, seed=setup.seed, kind=target_kind_of(loaded.prd), clean=clean,
        pool=pools[0], pool_passages=pools[1], timeout_s=float(model.timeout_s) if model else 60.0,
        simulate_infra=not through_proxy,
    )  # fmt: skip
    client = setup.client or base.target_client
    return borrowed(base, target=target, scorers=scorers_for(base, clean), target_client=client)
