"""``--through-gateway``: the lab's calls go through a real ``gonogo serve`` of the PRD.

For each run the lab writes a copy of the PRD whose model spec is the run's (a changed
prompt, the fault proxy as the upstream), starts ``gonogo serve`` on it with a throwaway
store and key, and sends every case to its feature endpoint: the gateway's retries,
fallback chain, circuit breakers and guards meet the injected faults as in production.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml

from ..spec import LoadedPRD, ModelSpec, load_prd


class ServedSpec:
    """A PRD copy with ``spec`` as its model, served by ``gonogo serve`` until closed."""

    def __init__(self, loaded: LoadedPRD, spec: ModelSpec) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="gonogo-lab-")
        data = yaml.safe_load(loaded.path.read_text(encoding="utf-8"))
        data["model"] = spec.model_dump(mode="json", exclude_none=True, by_alias=True)
        path = Path(self._dir.name) / loaded.path.name
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        self.loaded = load_prd(path)
        self.run: Any = None
        self.target: Any = None

    async def start(self) -> Any:
        """Start the gateway; the target that calls its feature endpoint."""
        from ..redteam._gateway import GatewayRun
        from ..run._template import template_fields

        self.run = await GatewayRun(self.loaded).start()
        assert self.loaded.prd.model is not None
        prompt = self.loaded.prd.model.prompt
        self.target = self.run.target(template_fields(prompt.user)
                                      | template_fields(prompt.system or ""))  # fmt: skip
        return self.target

    async def aclose(self) -> None:
        """Stop the gateway and remove the copy."""
        if self.target is not None:
            await self.target.aclose()
        if self.run is not None:
            self.run.stop()
        self._dir.cleanup()


async def served_target(loaded: LoadedPRD, spec: ModelSpec) -> tuple[ServedSpec, Any]:
    """Serve ``spec`` through the gateway; (the handle to close, the target)."""
    served = ServedSpec(loaded, spec)
    try:
        return served, await served.start()
    except BaseException:
        await served.aclose()
        raise
