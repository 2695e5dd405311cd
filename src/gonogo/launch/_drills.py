"""Launch drills against a real `gonogo serve` of the PRD on loopback.

Each drill starts the gateway as a subprocess over a throwaway store with an app key and a
loopback fake of the PRD's model (the PRD is copied with every upstream pointed at it, so
faults can be injected), sends real requests, and reads back what the gateway recorded:

- ``fallback`` — the primary upstream fails (5xx, timeouts, 429 storm, dropped
  connections), then every model does, then none: each request must be answered by the next
  step of the chain or the static answer, each one traced, the breaker must open and, once
  the primary recovers, close again;
- ``feedback`` — a request, feedback posted on its trace, stored, and exported as a
  golden-dataset row that loads;
- ``groundedness`` — the model answers something its contexts do not support: the
  groundedness guard must fire and the caller must get the graceful answer (or a flag);
- ``rollback`` — the prompt registry holds two versions; the label is rolled back and the
  time until the gateway serves the old version is measured (``gonogo prompt drill``).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from ..spec import LoadedPRD, StaticFallback

DrillResult = tuple[str, dict[str, Any]]  # ("pass" | "fail", figures)


class _Faults:
    """The fake upstream's fault plan, switched phase by phase: model name → fault kind."""

    def __init__(self) -> None:
        self.by_model: dict[str, str | None] = {}
        self.default: str | None = None

    def __call__(self, number: int, body: dict[str, Any]) -> str | None:
        return self.by_model.get(str(body.get("model")), self.default)


def _rewrite(loaded: LoadedPRD, base_url: str, folder: Path, **launch: Any) -> Path:
    """A copy of the PRD whose every upstream is ``base_url`` (no key), datasets absolute."""
    data = yaml.safe_load(Path(loaded.path).read_text(encoding="utf-8"))
    model = data.get("model") or {}
    model.update(provider="openai-compatible", base_url=base_url, timeout_s=2, max_retries=0)
    model.pop("api_key_env", None)
    model.pop("script", None)
    for step in (data.get("launch") or {}).get("fallback") or []:
        if isinstance(step, dict) and "name" in step:
            step.update(provider="openai-compatible", base_url=base_url)
            step.pop("api_key_env", None)
    for ref in data.get("eval_plan", {}).get("datasets", []):
        ref["path"] = str(loaded.resolve(ref["path"]))
    data.setdefault("launch", {}).update(launch)
    prd = folder / "gonogo.yaml"
    prd.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return prd


Prepare = Callable[[Any], Awaitable[None]]


@contextmanager
def gateway(
    loaded: LoadedPRD,
    responder: Callable[[dict[str, Any]], str] | None = None,
    prepare: Prepare | None = None,
    **launch: Any,
) -> Iterator[tuple[Any, str, str, _Faults, str]]:
    """(process, app key, store URL, fault plan, folder) of a gateway over a fake upstream.

    ``prepare(store)`` runs on the throwaway store before the gateway starts (e.g. to push
    prompt versions); ``launch`` overrides keys of the copied PRD's ``launch`` section.
    """
    from ..store.gateway import new_api_key, open_gateway_store
    from ..testing import FakeOpenAIServer, GatewayProcess

    faults = _Faults()
    with tempfile.TemporaryDirectory(prefix="gonogo-drill-") as tmp, \
            FakeOpenAIServer(faults=faults, slow_s=5.0) as upstream:  # fmt: skip
        if responder is not None:
            upstream.set_responder(responder)
        folder = Path(tmp)
        prd = _rewrite(loaded, upstream.base_url, folder, **launch)
        store_url = f"sqlite:///{folder / 'gateway.db'}"
        secret, rec = new_api_key("launch-drill", "app")

        async def setup() -> None:
            store = open_gateway_store(store_url)
            await store.open()
            try:
                await store.add_key(rec)
                if prepare is not None:
                    await prepare(store)
            finally:
                await store.close()

        asyncio.run(setup())
        with GatewayProcess(prd, store_url, log=folder / "gateway.log") as gw:
            yield gw, secret, store_url, faults, tmp


def _post(
    url: str, key: str, body: dict[str, Any], timeout: float = 20
) -> tuple[int, dict[str, Any], dict[str, str]]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), dict(e.headers)


def _metric(url: str, name: str) -> dict[str, float]:
    with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{"):
            labels, value = line[len(name) :].rsplit(" ", 1)
            out[labels] = float(value)
    return out


def _count_traces(store_url: str) -> int:
    from ..store.gateway import open_gateway_store

    async def count() -> int:
        store = open_gateway_store(store_url)
        await store.open()
        try:
            n: int = await store.count_traces()
            return n
        finally:
            await store.close()

    time.sleep(0.5)  # traces are group-committed: the last batch lands within a moment
    return asyncio.run(count())


def _chat(gw: Any, key: str, text: str) -> tuple[int, str | None, str]:
    status, body, headers = _post(gw.url + "/v1/chat/completions", key,
                                  {"messages": [{"role": "user", "content": text}]})  # fmt: skip
    path = {k.lower(): v for k, v in headers.items()}.get("x-gonogo-path", "")
    answer = None
    if status == 200:
        answer = (body.get("choices") or [{}])[0].get("message", {}).get("content")
    return status, answer, path


def drill_fallback(loaded: LoadedPRD, per_phase: int = 6) -> DrillResult:
    """Primary down in four ways, then everything down, then recovered."""
    assert loaded.prd.model is not None and loaded.prd.launch is not None
    primary = loaded.prd.model.name
    has_static = any(isinstance(s, StaticFallback) for s in loaded.prd.launch.fallback)
    # the PRD's breaker as configured, with a 1 s cooldown so recovery is seen in the drill
    configured = loaded.prd.launch.circuit_breaker
    breaker = {**(configured.model_dump() if configured else {}), "cooldown_s": 1}
    phases: list[dict[str, Any]] = []
    with gateway(loaded, timeout_s=1.0, circuit_breaker=breaker) as (gw, key, store, faults, _):
        sent = 0
        for name, fault in (("5xx", "500"), ("timeouts", "slow"), ("429 storm", "429"),
                            ("connection dropped", "drop")):  # fmt: skip
            faults.by_model, faults.default = {primary: fault}, None
            answers = [_chat(gw, key, f"drill {name} {i}") for i in range(per_phase)]
            sent += per_phase
            ok = sum(1 for s, a, p in answers if s == 200 and a and p != "primary")
            phases.append({"phase": name, "requests": per_phase, "answered_by_fallback": ok,
                           "paths": sorted({p for _, _, p in answers})})  # fmt: skip
        faults.by_model, faults.default = {}, "500"
        answers = [_chat(gw, key, f"drill all down {i}") for i in range(per_phase)]
        sent += per_phase
        static_ok = sum(1 for s, a, p in answers if s == 200 and p == "static")
        paths = sorted({p for *_, p in answers})
        phases.append({"phase": "every model down", "requests": per_phase,
                       "answered_by_static": static_ok, "paths": paths})  # fmt: skip
        opens = sum(_metric(gw.url, "gonogo_circuit_breaker_opens").values())
        faults.by_model, faults.default = {}, None
        time.sleep(1.5)  # the breaker's cooldown
        answers = [_chat(gw, key, f"drill recovered {i}") for i in range(per_phase)]
        sent += per_phase
        recovered = sum(1 for s, _, p in answers if s == 200 and p == "primary")
        phases.append(
            {"phase": "recovered", "requests": per_phase, "answered_by_primary": recovered}
        )
        traced = _count_traces(store)
    failed_over = all(p.get("answered_by_fallback", per_phase) == per_phase for p in phases[:4])
    static = (not has_static) or static_ok == per_phase
    figures = {"phases": phases, "requests": sent, "traced": traced, "breaker_opens": opens,
               "recovered": recovered == per_phase, "static_configured": has_static}  # fmt: skip
    passed = failed_over and static and traced == sent and opens >= 1 and recovered == per_phase
    return ("pass" if passed else "fail"), figures


def drill_feedback(loaded: LoadedPRD) -> DrillResult:
    """A request, feedback on its trace, and the trace exported as a golden row that loads."""
    from ..data import load_dataset
    from ..store.gateway import export_feedback, open_gateway_store

    with gateway(loaded) as (gw, key, store_url, _, tmp):
        ask = {"messages": [{"role": "user", "content": "Is this useful?"}]}
        status, body, headers = _post(gw.url + "/v1/chat/completions", key, ask)
        trace_id = {k.lower(): v for k, v in headers.items()}.get("x-gonogo-trace-id", "")
        time.sleep(0.5)
        fb_status, _, _ = _post(gw.url + "/v1/feedback", key, {
            "trace_id": trace_id, "rating": "down", "comment": "launch drill",
            "correction": "A better answer."})  # fmt: skip
        out = Path(tmp) / "feedback.jsonl"

        async def export() -> int:
            store = open_gateway_store(store_url)
            await store.open()
            try:
                n: int = await export_feedback(store, out)
                return n
            finally:
                await store.close()

        exported = asyncio.run(export())
        rows = load_dataset(out).cases if exported else []
    ok = (
        status == 200
        and fb_status == 201
        and len(rows) == 1
        and rows[0].expected == "A better answer."
    )
    figures = {"request_status": status, "feedback_status": fb_status, "exported_rows": exported,
               "row_loads": bool(rows)}  # fmt: skip
    return ("pass" if ok else "fail"), figures


def grounding_guards(loaded: LoadedPRD) -> set[str]:
    """Names of the PRD's groundedness guards, as the gateway reports them."""
    prd = loaded.prd
    names = {fm.guard.name or fm.id for fm in prd.failure_modes
             if fm.guard is not None and fm.guard.kind == "groundedness"}  # fmt: skip
    launch_guards = prd.launch.guards if prd.launch else []
    return names | {g.name or g.kind for g in launch_guards if g.kind == "groundedness"}


def drill_groundedness(loaded: LoadedPRD, requests: int = 4) -> DrillResult:
    """The model answers with a fact its contexts lack: the groundedness guard must act.

    Passes when, on every request, a groundedness guard fired (replaced the answer with the
    graceful one, blocked it, or flagged it, as the PRD says) and the gateway reported it.
    """
    model = loaded.prd.model
    assert model is not None
    names = grounding_guards(loaded)

    def invent(body: dict[str, Any]) -> str:
        return "The warranty lasts 97 years and covers accidental damage on Mars."

    contexts = ["Our standard warranty lasts 12 months and covers manufacturing defects."]
    fired, served = 0, []
    with gateway(loaded, responder=invent) as (gw, key, _, _, _):
        endpoint = gw.url + f"/v1/prompts/{model.prompt.name}/completions"
        ask = {"variables": _variables(loaded), "contexts": contexts}
        for _ in range(requests):
            status, body, _headers = _post(endpoint, key, ask)
            acted = [
                g
                for g in body.get("guards") or []
                if g.get("name") in names and g.get("outcome") in ("block", "replace", "flag")
            ]
            fired += bool(acted) or (status in (400, 422) and "guard" in json.dumps(body))
            served.append({"status": status, "path": body.get("path"), "guards": acted,
                           "output": body.get("output")})  # fmt: skip
    figures = {"requests": requests, "guard_fired": fired, "guards": sorted(names),
               "served": served[:2]}  # fmt: skip
    return ("pass" if fired == requests else "fail"), figures


def _variables(loaded: LoadedPRD) -> dict[str, str]:
    from ..gateway import template_variables

    model = loaded.prd.model
    assert model is not None
    values = template_variables([model.prompt.user, model.prompt.system or ""])
    values.pop("contexts", None)
    return {k: "How long is the warranty?" for k in values}


def drill_rollback(loaded: LoadedPRD) -> DrillResult:
    """Two prompt versions in the registry; roll the label back and time the gateway."""
    from ..gateway import StoreLabels, run_drill
    from ..store.gateway import open_gateway_store
    from ._items import seconds

    model, launch = loaded.prd.model, loaded.prd.launch
    assert model is not None and launch is not None and launch.rollback_within
    prompt = model.prompt
    content = {"system": prompt.system, "user": prompt.user, "model": model.name,
               "params": dict(model.params), "output_schema": model.output_schema}  # fmt: skip

    async def two_versions(store: Any) -> None:
        older = {**content, "system": (prompt.system or "") + "\n(previous version)"}
        for body, message in ((older, "the version before"), (content, "current")):
            pv, _ = await store.push_prompt(prompt.name, **body, actor="launch drill",
                                            message=message)  # fmt: skip
            await store.move_label(prompt.name, "production", pv.version, actor="launch drill",
                                   reason="launch drill")  # fmt: skip

    bound = min(seconds(launch.rollback_within), 60.0)
    with gateway(loaded, prepare=two_versions) as (gw, key, store_url, _, _):

        async def drill() -> Any:
            store = open_gateway_store(store_url)
            await store.open()
            try:
                return await run_drill(StoreLabels(store, actor="gonogo launch"), [gw.url],
                                       name=prompt.name, app_key=key, bound_s=bound,
                                       variables=_variables(loaded))  # fmt: skip
            finally:
                await store.close()

        report = asyncio.run(drill())
    worst = report.rollback.worst_s
    figures = {"worst_s": worst, "bound_s": bound, "objective": launch.rollback_within,
               "report": report.to_dict()}  # fmt: skip
    return ("pass" if report.passed else "fail"), figures


DRILLS: dict[str, Callable[[LoadedPRD], DrillResult]] = {
    "fallback": drill_fallback,
    "feedback": drill_feedback,
    "groundedness": drill_groundedness,
    "rollback": drill_rollback,
}
