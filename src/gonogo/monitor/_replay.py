"""``gonogo traces replay``: re-run recorded requests, and compare the answers.

Against another prompt version, model or variant: one trace side by side, or many as a
paired comparison.

A replay reads the trace (its variables, contexts, messages and parameters) and calls the
model itself; it never writes into the production traces. Both answers are scored with the
eval plan's reference-free scorers; with several traces each scorer gets the paired test
`gonogo compare` uses (exact McNemar, Holm across scorers).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UserError
from ..spec import LoadedPRD, ModelSpec
from ..store.gateway import TraceRecord, open_gateway_store
from ._score import build_monitor_scorers, score_trace


@dataclass
class ReplayOptions:
    """What to replay against: a registry prompt version, a model, a PRD variant."""

    store_url: str
    prompt_version: int | None = None
    model: str | None = None
    variant: str | None = None


def _spec(loaded: LoadedPRD, opts: ReplayOptions) -> tuple[ModelSpec, bool]:
    """The model spec to call, and whether its prompt (a variant's) replaces the registry's."""
    if loaded.prd.model is None:
        raise UserError(
            "replay calls the PRD's model: the PRD has no `model` section",
            "add the model the gateway serves (model: provider, name, prompt)",
        )
    spec, own_prompt = loaded.prd.model, False
    if opts.variant is not None:
        from ..compare import VariantRef, resolve_variant
        from ..compare._variants import variant_prd

        resolved = resolve_variant(loaded, VariantRef(opts.variant), "variant")
        model = variant_prd(loaded, resolved).prd.model
        assert model is not None
        spec, own_prompt = model, resolved.spec.prompt is not None
    if opts.model is not None:
        spec = spec.model_copy(update={"name": opts.model})
    return spec, own_prompt


async def _messages(
    store: Any, t: TraceRecord, spec: ModelSpec, own_prompt: bool, version: int | None
) -> tuple[list[dict[str, str]], str]:
    """The chat messages to send for ``t`` and a label of the prompt used."""
    from ..run._template import render

    variables = dict(t.inputs.get("variables") or {})
    if "contexts" not in variables:
        variables["contexts"] = "\n\n".join(f"[{i + 1}] {c}" for i, c in enumerate(t.contexts))
    if own_prompt or (t.prompt_name is None and "messages" not in t.inputs):
        p, label = spec.prompt, f"{spec.prompt.name} (the variant's)"
        system, user = p.system, p.user
    elif t.prompt_name is not None:
        v = version or t.prompt_version
        pv = await store.get_prompt(t.prompt_name, v) if v is not None else None
        if pv is None:
            raise UserError(f"prompt {t.prompt_name} has no version {v} in the registry",
                            "see `gonogo prompt list`")  # fmt: skip
        system, user, label = pv.system, pv.user, f"{pv.name}@{pv.version}"
    else:
        return [dict(m) for m in t.inputs["messages"]], "the recorded messages"
    try:
        msgs = [{"role": "user", "content": render(user, variables)}]
        if system:
            msgs.insert(0, {"role": "system", "content": render(system, variables)})
    except (KeyError, IndexError) as e:
        raise UserError(
            f"trace {t.id} lacks the variable {e} the prompt needs",
            "replay it with the prompt version it was served with",
        ) from None
    return msgs, label


async def replay(
    loaded: LoadedPRD, trace_ids: Sequence[str], opts: ReplayOptions
) -> dict[str, Any]:
    """Replay ``trace_ids``; the document with both answers, their scores and the tests."""
    from ..models import build_client

    spec, own_prompt = _spec(loaded, opts)
    scorers = build_monitor_scorers(loaded)
    store = open_gateway_store(opts.store_url, base_dir=loaded.base_dir)
    await store.open()
    client = build_client(spec, loaded.prd.prices)
    items = []
    try:
        for tid in trace_ids:
            t = await store.get_trace(tid)
            if t is None:
                raise UserError(f"no trace {tid} in {store.url}", "copy the id from a response's "
                                "X-Gonogo-Trace-Id header or `gonogo traces export`")  # fmt: skip
            msgs, label = await _messages(store, t, spec, own_prompt, opts.prompt_version)
            params = {**t.params, **spec.params}
            resp = await client.complete(msgs, params=params, use_cache=False)
            again = dataclasses.replace(
                t, output=resp.text, error=None, status=200,
                latency_ms=resp.latency_s * 1000, cost_usd=resp.cost_usd,
            )  # fmt: skip
            items.append({
                "trace_id": t.id, "prompt": label, "model": spec.name,
                "original": {"output": t.output, "scores": await score_trace(t, scorers),
                             "model": t.model, "prompt": f"{t.prompt_name}@{t.prompt_version}"},
                "replay": {"output": resp.text, "scores": await score_trace(again, scorers),
                           "cost_usd": resp.cost_usd},
                "diff": list(difflib.unified_diff((t.output or "").splitlines(),
                                                  resp.text.splitlines(), "recorded", "replay",
                                                  lineterm="")),
            })  # fmt: skip
    finally:
        await client.aclose()
        await store.close()
    return {"schema": "gonogo.replay", "schema_version": 1, "items": items,
            "against": {"prompt_version": opts.prompt_version, "model": opts.model,
                        "variant": opts.variant},
            "scorers": paired(items, [s.id for s in scorers])}  # fmt: skip


def paired(items: Sequence[dict[str, Any]], scorer_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Per scorer, recorded (A) vs replayed (B), paired by trace; Holm across scorers."""
    from ..stats import holm, paired_test

    tests = []
    for sid in scorer_ids:
        xs, ys = [], []
        for it in items:
            a = (it["original"]["scores"].get(sid) or {}).get("passed")
            b = (it["replay"]["scores"].get(sid) or {}).get("passed")
            if a is not None and b is not None:
                xs.append(float(a))
                ys.append(float(b))
        if xs:
            tests.append(paired_test(xs, ys, name=sid, binary=True))
    return [
        {"scorer": t.name, "n": t.n, "recorded": t.mean_a, "replayed": t.mean_b, "diff": t.diff,
         "p_value": t.p_value, "p_adjusted": t.p_adjusted, "verdict": t.verdict,
         "reason": t.reason}
        for t in (holm(tests) if tests else [])
    ]  # fmt: skip
