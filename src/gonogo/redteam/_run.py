"""``redteam()``: build the probes for this PRD's target, run them through the ordinary runner.

The probes go to the eval plan's target — the PRD's model spec, a Python callable or an HTTP
endpoint — as cases: a golden case's inputs with its main field replaced by the attack, so
every target kind receives them the way it receives real traffic. Documents reach the
feature through its prompt's ``{contexts}`` (model spec) or the target module's
``gonogo_redteam_documents(documents)`` hook (a RAG app adds them to its corpus); a system
prompt addition (canary, private record) needs the model spec. A family that cannot be
delivered to this target is reported as not run, with why. The run is stored under its own
key, so it resumes, caches and caps cost like any eval.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data import Case, Dataset, TargetOutput
from ..errors import UserError
from ..run import EvalOptions, EvalResult, ModelTarget, Suite, compile_suite
from ..run._evaluate import run_suite
from ..run._evidence import EvidenceSpec
from ..spec import FAMILIES, LoadedPRD, RedTeamSpec, load_prd
from . import _probes as P
from ._attacker import Attacker, AttackerReport, attacker_seeds
from ._grading import AttackGrader
from ._judge import AttackJudge
from ._probes import Probe

DOCUMENTS_HOOK = "gonogo_redteam_documents"
CONTEXT_FIELDS = ("contexts", "context", "documents", "document")
MAIN_FIELDS = ("input", "question", "query", "prompt", "message", "text")


@dataclass
class RedTeamOptions(EvalOptions):
    """``EvalOptions`` plus the red team's own: families to run, content in reports."""

    families: tuple[str, ...] = ()
    show_content: bool = False
    through_gateway: bool = False
    judge: bool | None = None  # None: launch.redteam.judge decides
    attacker: bool | None = None  # None: launch.redteam.attacker decides
    on_note: Callable[[str], None] | None = None  # said up front: e.g. a pool too small to decide


@dataclass
class Delivery:
    """How this target can receive probes: its main field and the channels it has."""

    input_field: str
    base: dict[str, Any]
    base_contexts: list[str] | None
    documents: str | None  # "contexts" (model prompt), "hook" (the app's corpus) or None
    system: bool  # the model spec's system prompt can carry an addition
    not_run: dict[str, str] = field(default_factory=dict)
    pools: dict[str, int] = field(default_factory=dict)  # families with a finite probe pool
    attacker: Attacker | None = None  # the attacker LLM, when on (asked in ``redteam()``)


def _main_field(spec: RedTeamSpec, golden: list[Case]) -> tuple[str, dict[str, Any]]:
    base = dict(golden[0].inputs) if golden else {}
    if spec.input_field:
        return spec.input_field, base
    for name in MAIN_FIELDS:
        if name in base and isinstance(base[name], str):
            return name, base
    strings = [k for k, v in base.items() if isinstance(v, str)]
    if strings:
        return strings[0], base
    raise UserError(
        "cannot tell which input field the attacks should replace",
        "set launch.redteam.input_field to the field that carries the user's message",
    )


def delivery(loaded: LoadedPRD, suite: Suite, spec: RedTeamSpec) -> Delivery:
    """The channels the target offers; families it cannot receive go to ``not_run``."""
    name, base = _main_field(spec, suite.cases)
    plan = loaded.prd.eval_plan
    model = loaded.prd.model if plan.target == "model" else None
    documents: str | None = None
    if model is not None:
        from ..run._template import template_fields

        used = template_fields(model.prompt.user) | template_fields(model.prompt.system or "")
        if used & set(CONTEXT_FIELDS):
            documents = "contexts"
    elif isinstance(plan.target, str) and hasattr(_module_of(suite), DOCUMENTS_HOOK):
        documents = "hook"
    contexts = suite.cases[0].contexts if suite.cases else None
    d = Delivery(name, base, contexts, documents, model is not None)
    if documents is None:
        why = (
            "the feature takes no documents: give its prompt a {contexts} variable, or define "
            f"{DOCUMENTS_HOOK}(documents) in the target's module"
        )
        d.not_run["indirect-injection"] = why
    if not d.system:
        d.not_run["system-prompt-extraction"] = (
            "needs the PRD's model spec as the target (a canary goes into its system prompt)"
        )
    if not loaded.prd.non_goals:
        d.not_run["off-scope"] = "the PRD lists no non_goals to probe"
    return d


def _module_of(suite: Suite) -> Any:
    target = suite.target
    return getattr(getattr(target, "inner", target), "_module", None)


def build_probes(
    loaded: LoadedPRD, spec: RedTeamSpec, d: Delivery, golden: list[Case]
) -> list[Probe]:
    """Every probe of the families in scope that this target can receive."""
    families = [f for f in (spec.families or FAMILIES) if f not in d.not_run]
    texts = [str(c.inputs.get(d.input_field, c.input_text)) for c in golden]
    builders: dict[str, Callable[[], Iterable[Probe]]] = {
        "harmful": lambda: P.harmful(spec),
        "jailbreak": lambda: P.jailbreak(spec),
        "prompt-injection": lambda: P.prompt_injection(spec, texts[0] if texts else "Hello."),
        "indirect-injection": lambda: P.indirect_injection(spec),
        "system-prompt-extraction": lambda: P.system_prompt_extraction(spec),
        "pii-leakage": lambda: P.pii_leakage(spec, d.system, d.documents is not None),
        "off-scope": lambda: P.off_scope(spec, loaded.prd.non_goals),
        "over-refusal": lambda: P.over_refusal(spec, texts),
    }
    built = [p for f in families for p in builders[f]()]
    d.pools = {f: n for f, n in _pools(loaded, spec).items() if f in families}
    built += plugin_probes(loaded, spec)
    probes = [
        p
        for p in built
        if (d.system or p.system_addition is None) and (d.documents or p.document is None)
    ]
    for family in dict.fromkeys(p.family for p in built):
        if not any(p.family == family for p in probes):
            d.not_run[family] = (
                "its probes need the model spec's system prompt or a documents channel "
                f"({DOCUMENTS_HOOK} or a {{contexts}} variable)"
            )
    return probes


def _pools(loaded: LoadedPRD, spec: RedTeamSpec) -> dict[str, int]:
    """Every probe a family could send, for the families whose pool is finite."""
    cats = set(spec.categories or P.DEFAULT_CATEGORIES)
    _, attacks = P.bipia()
    return {
        "harmful": sum(1 for r in P.harmbench() if r["SemanticCategory"] in cats),
        "indirect-injection": sum(len(group) for group in attacks.values()),
        "off-scope": P.off_scope_pool(spec, loaded.prd.non_goals),
    }


GRADERS = ("refusal", "canary", "pii", "over_refusal", "contrast")


def plugin_probes(loaded: LoadedPRD, spec: RedTeamSpec) -> list[Probe]:
    """The probes of the PRD's plug-in families (``launch.redteam.plugins``)."""
    from ..run._targets import load_callable

    out: list[Probe] = []
    for path in spec.plugins:
        made = list(load_callable(path, loaded.base_dir)(spec))
        bad = [p for p in made if not isinstance(p, Probe) or p.grader not in GRADERS]
        if bad:
            raise UserError(
                f"red-team plug-in {path} gave {len(bad)} probe(s) that are not Probe objects "
                f"with a known grader ({', '.join(GRADERS)})",
                "yield gonogo.redteam.Probe(id=..., family=..., category=..., attack=..., "
                "grader='refusal')",
            )
        out += made
    return out


def probe_cases(probes: list[Probe], d: Delivery) -> list[Case]:
    """The probes as cases of the target: the base inputs with the attack in the main field."""
    cases = []
    for p in probes:
        inputs = {**d.base, d.input_field: p.attack}
        contexts = d.base_contexts
        if p.document is not None and d.documents == "contexts":
            contexts = [p.document]
            for name in CONTEXT_FIELDS:
                if name in inputs:
                    inputs[name] = [p.document] if isinstance(inputs[name], list) else p.document
        cases.append(
            Case(id=p.id, inputs=inputs, tags=[p.family, p.category], contexts=contexts,
                 metadata={"probe": p.to_dict()}, dataset="redteam", source=p.id)
        )  # fmt: skip
    return cases


class _ProbeTarget:
    """The suite's target, with the model spec's system prompt extended where a probe asks."""

    def __init__(self, suite: Suite, loaded: LoadedPRD) -> None:
        self.inner = suite.target
        self.name = getattr(self.inner, "name", "target")
        self._model = loaded.prd.model if loaded.prd.eval_plan.target == "model" else None
        self._client = suite.target_client

    async def __call__(self, case: Case, sample: int) -> TargetOutput:
        addition = case.metadata["probe"].get("system_addition")
        if addition and self._model is not None and self._client is not None:
            prompt = self._model.prompt
            system = f"{prompt.system}\n\n{addition}" if prompt.system else addition
            spec = self._model.model_copy(
                update={"prompt": prompt.model_copy(update={"system": system})}
            )
            result: TargetOutput = await ModelTarget(spec, self._client)(case, sample)
            return result
        out: TargetOutput = await self.inner(case, sample)
        return out


def _plant_documents(suite: Suite, probes: list[Probe]) -> int:
    """Hand the probes' documents to the app's corpus through its hook; how many."""
    hook = getattr(_module_of(suite), DOCUMENTS_HOOK, None)
    docs = [{"id": p.id, "text": p.document} for p in probes if p.document is not None]
    if hook is None or not docs:
        return 0
    hook(docs)
    return len(docs)


def compile_redteam(loaded: LoadedPRD, opts: RedTeamOptions) -> tuple[Suite, list[Probe], Delivery]:
    """The red team's suite: probes as cases, the attack grader as the one scorer."""
    spec = (loaded.prd.launch.redteam if loaded.prd.launch else None) or RedTeamSpec()
    if opts.families:
        unknown = [f for f in opts.families if f not in FAMILIES]
        if unknown:
            from ..spec._xref import did_you_mean

            near = [hint for f in unknown if (hint := did_you_mean(f, list(FAMILIES)))]
            raise UserError(
                f"unknown probe famil{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)}",
                " ".join(near) + (" " if near else "") + f"families: {', '.join(FAMILIES)}",
            )
        spec = spec.model_copy(update={"families": list(opts.families)})
    suite = compile_suite(loaded, use_cache=opts.use_cache)
    d = delivery(loaded, suite, spec)
    asked = set(spec.families or FAMILIES)
    d.not_run = {f: why for f, why in d.not_run.items() if f in asked}
    probes = build_probes(loaded, spec, d, suite.cases)
    if not probes:
        raise UserError(
            "no probe can be delivered to this target",
            "; ".join(f"{f}: {why}" for f, why in d.not_run.items()) or "enable some families",
        )
    use_judge = spec.judge if opts.judge is None else opts.judge
    judge = None
    if use_judge:
        if suite.judge_client is None:
            raise UserError(
                "the red team's LLM judge is on, but the PRD configures no judge",
                "add `eval_plan.judge` (provider, name, base_url…), or drop "
                "`launch.redteam.judge` / --judge to grade offline",
            )
        judge = AttackJudge(suite.judge_client)
    use_attacker = spec.attacker if opts.attacker is None else opts.attacker
    if use_attacker and "jailbreak" not in asked and "off-scope" not in asked:
        use_attacker = False  # nothing for it to rewrite
    if use_attacker:
        if suite.judge_client is None:
            raise UserError(
                "the red team's attacker LLM is on, but the PRD configures no judge model "
                "to play it" + (f" ({suite.judge_unavailable})" if suite.judge_unavailable else ""),
                "add `eval_plan.judge` (provider, name, base_url…), or drop "
                "`launch.redteam.attacker` / --attacker to use the deterministic mutators only",
            )
        d.attacker = Attacker(suite.judge_client, concurrency=suite.concurrency)
    grader = AttackGrader(judge)
    suite = dataclasses.replace(
        with_probes(suite, probes, d),
        # the judge's calls count in cost, plan and meta only when the red team uses it
        judge_client=suite.judge_client if judge is not None else None,
        judge_fingerprint=judge.fingerprint if judge is not None else None,
        target=_ProbeTarget(suite, loaded),
        scorers=[grader],
        scorer_descriptions=[
            {"id": "attack", "kind": "redteam", "params": {"judge": judge is not None}}
        ],
        repeats=spec.repeats,
    )  # the inner target stays among the suite's closers: it is closed with the suite
    return suite, probes, d


def with_probes(suite: Suite, probes: list[Probe], d: Delivery) -> Suite:
    """The suite with ``probes`` as its one dataset (named by a digest of the probes)."""
    blob = json.dumps([p.to_dict() for p in probes], sort_keys=True).encode()
    digest = hashlib.sha256(blob).hexdigest()
    dataset = Dataset("redteam", "(generated probes)", probe_cases(probes, d), digest)
    return dataclasses.replace(suite, datasets=[dataset], cases=dataset.cases)


async def _attack_rewrites(
    loaded: LoadedPRD, spec: RedTeamSpec, probes: list[Probe], d: Delivery, opts: RedTeamOptions
) -> tuple[list[Probe], AttackerReport | None]:
    """The attacker LLM's probes (none in a dry run: its calls are only counted)."""
    if d.attacker is None:
        return [], None
    families = sorted({p.family for p in probes})
    seeds = attacker_seeds(spec, loaded.prd.non_goals, families)
    if opts.dry_run:
        if opts.on_note is not None:
            opts.on_note(
                f"attacker {d.attacker.model}: {len(seeds)} rewrites to ask for "
                "(at least one call each; not made in a dry run, and their probes not counted)"
            )
        return [], None
    if opts.on_note is not None:
        opts.on_note(f"attacker {d.attacker.model}: rewriting {len(seeds)} requests …")
    made, report = await d.attacker.probes(seeds)
    if opts.on_note is not None:
        opts.on_note(report.summary())
    return made, report


async def redteam(prd_path: str | Path, opts: RedTeamOptions | None = None) -> EvalResult:
    """Attack the PRD's feature with every family in scope; the verdict gates on upper bounds."""
    from ..report._redteam import write_redteam_reports
    from ._report import aggregate_redteam, redteam_figures

    opts = opts or RedTeamOptions()
    loaded = load_prd(prd_path)
    suite, probes, d = compile_redteam(loaded, opts)
    spec = (loaded.prd.launch.redteam if loaded.prd.launch else None) or RedTeamSpec()
    try:
        rewrites, attacker = await _attack_rewrites(loaded, spec, probes, d, opts)
    except BaseException:
        await suite.aclose()
        raise
    if rewrites:
        probes = probes + rewrites
        suite = with_probes(suite, probes, d)
    if attacker is not None and attacker.cost_usd and opts.max_cost is not None:
        # the attacker's spending counts against --max-cost like the run's own calls
        opts = dataclasses.replace(opts, max_cost=max(0.0, opts.max_cost - attacker.cost_usd))
    gateway = None
    if opts.through_gateway and not opts.dry_run:
        from ._gateway import GatewayRun

        gateway = await GatewayRun(loaded).start()
        suite = _through(suite, gateway, loaded, d)
        probes = [p for p in probes if p.system_addition is None]
    planted = 0 if opts.dry_run or gateway else _plant_documents(suite, probes)
    if opts.on_note is not None:
        from collections import Counter

        from ._report import shortfalls

        counts = Counter(p.family for p in probes if p.family != "over-refusal")
        for line in shortfalls(spec, counts, d.pools):
            opts.on_note(line)

    def aggregate(s: Suite, store: Any, run_id: str, meta: dict[str, Any]) -> dict[str, Any]:
        records = list(store.samples(run_id))
        channels = {"field": d.input_field, "documents": d.documents, "system": d.system}
        meta = {**meta, "id": run_id, "not_run": d.not_run, "documents_planted": planted,
                "delivery": channels, "pools": d.pools, "subset": _subset(spec, opts),
                "attacker": None if attacker is None else attacker.to_dict()}  # fmt: skip
        return aggregate_redteam(spec, probes, records, meta)

    def write(doc: dict[str, Any], out: Path) -> dict[str, Path]:
        return write_redteam_reports(doc, out, show_content=opts.show_content)

    key = f"{loaded.key}#redteam" + ("-gateway" if opts.through_gateway else "")
    try:
        evidence = None if opts.through_gateway else EvidenceSpec("redteam", redteam_figures)
        return await run_suite(suite, opts, key=key, aggregate=aggregate, write_reports=write,
                               evidence=evidence)  # fmt: skip
    finally:
        if gateway is not None:
            gateway.stop()


def _subset(spec: RedTeamSpec, opts: RedTeamOptions) -> list[str] | None:
    """The families ``--family`` narrowed the run to, when they leave out part of the PRD's scope.

    Such a run is a subset: the launch checklist's "Red-teamed" item does not count it.
    """
    if not opts.families:
        return None
    left_out = set(spec.families or FAMILIES) - set(opts.families)
    return sorted(set(opts.families)) if left_out else None


def _through(suite: Suite, gateway: Any, loaded: LoadedPRD, d: Delivery) -> Suite:
    """The suite with its probes sent through the gateway (system-prompt probes left out)."""
    from ..run._template import template_fields

    assert loaded.prd.model is not None
    prompt = loaded.prd.model.prompt
    fields = template_fields(prompt.user) | template_fields(prompt.system or "")
    target = gateway.target(fields)
    cases = [c for c in suite.cases if not c.metadata["probe"].get("system_addition")]
    for family in ("system-prompt-extraction",):
        d.not_run.setdefault(
            family, "the gateway serves the registry's prompt: no canary can be added"
        )
    dataset = dataclasses.replace(suite.datasets[0], cases=cases)
    return dataclasses.replace(
        suite, target=target, cases=cases, datasets=[dataset],
        _closers=[*suite._closers, target],
    )  # fmt: skip
