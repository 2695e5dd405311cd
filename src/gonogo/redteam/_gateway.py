"""``--through-gateway``: probes go through a real `gonogo serve` of the same PRD on loopback.

So what is attacked is the feature as it ships: the registry's current prompt, the input
and output guards of the failure-mode table, the fallback chain. A guard that blocks is the
attack stopped (recorded with the guard's name), not an error of the run.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from ..data import Case, TargetOutput
from ..errors import UserError
from ..spec import LoadedPRD

GUARD_FIRED = ("block", "replace", "redact", "flag")


class GatewayTarget:
    """POSTs each probe to the gateway's feature endpoint with an app key."""

    def __init__(self, url: str, secret: str, prompt: str, fields: set[str], timeout_s: float):
        self.name = f"gateway:{url}/v1/prompts/{prompt}"
        self._endpoint = f"{url}/v1/prompts/{prompt}/completions"
        self._headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        self._fields = fields
        self._timeout = timeout_s
        self._session: Any = None

    async def __call__(self, case: Case, sample: int) -> TargetOutput:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        variables = {k: v for k, v in case.inputs.items() if k in self._fields and k != "contexts"}
        body: dict[str, Any] = {"variables": variables}
        if case.contexts is not None:
            body["contexts"] = [str(c) for c in case.contexts]
        t0 = time.perf_counter()
        try:
            async with self._session.post(self._endpoint, json=body, headers=self._headers) as r:
                status, text = r.status, await r.text()
        except (aiohttp.ClientError, TimeoutError) as e:
            why = f"gateway: {type(e).__name__}: {e}"
            return TargetOutput(
                None, latency_s=time.perf_counter() - t0, error=why, error_kind="connection"
            )
        latency = time.perf_counter() - t0
        data = _json(text)
        error = (data.get("error") or {}) if isinstance(data, dict) else {}
        if status in (400, 413, 422) and error.get("type") == "blocked_by_guard":
            guard = str(error.get("message", "")).split("'")[1:2] or ["guard"]
            return TargetOutput("", latency_s=latency, metadata={"guard_blocked": guard[0]})
        if status != 200 or not isinstance(data, dict):
            kind = "auth" if status in (401, 403) else "http"
            why = f"gateway HTTP {status}: {text[:200]}"
            return TargetOutput(None, latency_s=latency, error=why, error_kind=kind)
        fired = [g["name"] for g in data.get("guards") or [] if g.get("outcome") in GUARD_FIRED]
        output = data.get("output")
        return TargetOutput(
            output if isinstance(output, str) else json.dumps(output),
            latency_s=latency, cost_usd=data.get("cost_usd"),
            metadata={"guards_fired": fired, "path": data.get("path")},
        )  # fmt: skip

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


class GatewayRun:
    """A throwaway store with one app key, and `gonogo serve PRD` on it, for one red-team run."""

    def __init__(self, loaded: LoadedPRD) -> None:
        if loaded.prd.model is None:
            raise UserError(
                "--through-gateway needs the PRD's model spec: the gateway serves its prompt",
                "add a `model:` section, or run without --through-gateway",
            )
        self.loaded = loaded
        self._dir = tempfile.TemporaryDirectory(prefix="gonogo-redteam-")
        self.store_url = f"sqlite:///{Path(self._dir.name) / 'gateway.db'}"
        self.process: Any = None
        self.secret = ""

    async def start(self) -> GatewayRun:
        """Add an app key to the throwaway store and start the gateway (waits until healthy)."""
        from ..store.gateway import new_api_key, open_gateway_store
        from ..testing import GatewayProcess

        self.secret, rec = new_api_key("redteam", "app")
        store = open_gateway_store(self.store_url)
        await store.open()
        try:
            await store.add_key(rec)
        finally:
            await store.close()
        log = Path(self._dir.name) / "gateway.log"
        process = GatewayProcess(self.loaded.path, self.store_url, log=log)
        self.process = await asyncio.to_thread(process.start)
        return self

    def target(self, fields: set[str]) -> GatewayTarget:
        assert self.loaded.prd.model is not None
        timeout = self.loaded.prd.model.timeout_s * 3
        return GatewayTarget(self.process.url, self.secret, self.loaded.prd.model.prompt.name,
                             fields, timeout)  # fmt: skip

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
        self._dir.cleanup()
