"""Prompt and model injections: the model spec the feature calls is changed for the run.

They need the PRD's model spec as the target (``eval_plan.target: model``): the lab
compiles a second model target from the changed spec, with the same response cache — a
changed request is a new cache key, so nothing stale is served.
"""

from __future__ import annotations

import random
from typing import Any

from ..errors import UserError
from ..spec import ModelSpec
from ._injection import Injection, builtin
from ._mutate import sentences


def _with_prompt(spec: ModelSpec, **changes: Any) -> ModelSpec:
    return spec.model_copy(update={"prompt": spec.prompt.model_copy(update=changes)})


@builtin
class PromptRollback(Injection):
    """Serve an older version of the prompt, read from the gateway's prompt registry."""

    name = "prompt-rollback"
    layer = "prompt"

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._version: Any = None

    async def setup(self, loaded: Any) -> None:
        """Read the version from the registry (``$GONOGO_STORE_URL`` or .gonogo/gateway.db)."""
        from ..store.gateway import default_store_url, open_gateway_store

        model = loaded.prd.model
        version = int(self.params["version"])
        url = default_store_url(loaded.base_dir)
        store = open_gateway_store(url, base_dir=loaded.base_dir)
        await store.open()
        try:
            self._version = await store.get_prompt(model.prompt.name, version)
        finally:
            await store.close()
        if self._version is None:
            raise UserError(
                f"lab:prompt-rollback: the registry has no version {version} of prompt "
                f"'{model.prompt.name}'",
                f"push it first (`gonogo prompt push {loaded.path} …`), or pick a version "
                "`gonogo prompt list` shows",
            )

    def model_spec(self, spec: ModelSpec, rng: random.Random) -> ModelSpec:
        v = self._version
        if v is None:  # pragma: no cover - setup() ran first
            return spec
        spec = _with_prompt(spec, system=v.system, user=v.user, version=v.version)
        if v.params:
            spec = spec.model_copy(update={"params": {**spec.params, **v.params}})
        return spec


@builtin
class DegradePrompt(Injection):
    """Drop ``drop`` sentences (rules) from the system prompt, chosen by the seed."""

    name = "degrade-prompt"
    layer = "prompt"

    def model_spec(self, spec: ModelSpec, rng: random.Random) -> ModelSpec:
        system = spec.prompt.system or ""
        rules = [line for chunk in system.splitlines() for line in sentences(chunk)]
        if not rules:
            return spec
        drop = set(rng.sample(range(len(rules)), min(int(self.params.get("drop", 1)), len(rules))))
        self.dropped = [r for i, r in enumerate(rules) if i in drop]
        kept = " ".join(r for i, r in enumerate(rules) if i not in drop)
        return _with_prompt(spec, system=kept or None)


@builtin
class StripSystemPrompt(Injection):
    """Send no system prompt."""

    name = "strip-system-prompt"
    layer = "prompt"

    def model_spec(self, spec: ModelSpec, rng: random.Random) -> ModelSpec:
        return _with_prompt(spec, system=None)


@builtin
class RaiseTemperature(Injection):
    """Sample at a higher temperature."""

    name = "raise-temperature"
    layer = "prompt"

    def model_spec(self, spec: ModelSpec, rng: random.Random) -> ModelSpec:
        params = {**spec.params, "temperature": float(self.params.get("temperature", 1.5))}
        return spec.model_copy(update={"params": params})


@builtin
class WeakerModel(Injection):
    """Swap to another (weaker, cheaper) model of the same provider."""

    name = "weaker-model"
    layer = "prompt"

    def model_spec(self, spec: ModelSpec, rng: random.Random) -> ModelSpec:
        return spec.model_copy(update={"name": str(self.params["model"])})
