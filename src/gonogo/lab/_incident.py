"""Practice mode: a hidden injection breaks the feature; find out what, then ``reveal``.

``gonogo lab incident PRD --seed N`` draws an incident (optionally of a chosen difficulty)
from a catalog of realistic failures, runs the eval plan with it — an ordinary stored run
with its ordinary reports — and says only what a pager would: the symptom. The user
investigates with the normal tools (``gonogo report``, ``gonogo diff`` against the clean
run, the HTML report's cases). ``gonogo lab reveal PRD`` then says what was broken, and
which evidence pointed to it: the detectors whose pass rate fell, where the answers
changed, what the injection did to a few cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..run import compile_suite, load_datasets, state_dir
from ..spec import LoadedPRD, load_prd
from ..spec._lab import (
    ProvokeError,
    check_calls,
    parse_lab,
    prompt_takes_contexts,
    target_kind_of,
)
from ..store import RunStore
from ._injection import seeded

SECRET_FILE = "lab-incident.json"
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Incident:
    """One practice incident: the hidden injection and the story around it."""

    name: str
    difficulty: str
    inject: str
    symptom: str  # what the user is told
    story: str  # what really happened (revealed)
    clue: str  # where the evidence is


INCIDENTS: tuple[Incident, ...] = (
    Incident("refusal-storm", "easy", "lab:refuse(rate=0.5)",
             "Readers say the assistant has stopped answering half of their questions.",
             "A safety filter was switched to its strictest setting: every other answer is "
             "replaced with a refusal.",
             "refusal and correctness scorers fall together; the answers that changed are all "
             "the same refusal sentence; passages are unchanged"),
    Incident("verbose-model", "easy", "lab:verbose(factor=6)",
             "Finance asks why the answer feature's token bill went up sixfold overnight.",
             "A prompt tweak asked the model to 'be thorough': every answer is padded with "
             "filler.",
             "length, cost and relevancy move; correctness barely; every answer changed, all "
             "longer"),
    Incident("language-switch", "easy", "lab:switch-language(language=de, rate=0.6)",
             "Support tickets: 'the help panel answers in German'.",
             "A locale header from the CDN leaked into the prompt: most answers come back in "
             "German.", "relevancy and similarity fall; the diff shows translated words"),
    Incident("reindex-regression", "medium", "lab:retrieval-dropout(top=1, rate=0.6)",
             "Since last night's re-index, readers get more 'I don't know' answers.",
             "The re-index dropped the best-matching chunk for most questions (a chunking "
             "change): the evidence is no longer retrieved.",
             "context recall and precision fall first; the passages differ between the clean "
             "and the incident run; refusals rise where the evidence went missing"),
    Incident("lost-idk-rule", "medium", "lab:answer-anyway",
             "A reader screenshot: a confident answer to a question the articles do not cover.",
             "A config rollback restored an old version without the 'say I don't know' rule "
             "(the support floor): every refusal became a guess.",
             "only the unanswerable cases changed: refusal scorer on those; nothing on the "
             "answerable ones — filter the diff by tag"),
    Incident("provider-5xx", "medium", "lab:server-errors(rate=0.25)",
             "On-call alert: error rate of the answer feature at 25%.",
             "The model provider is degraded: a quarter of the calls fail with 503.",
             "target errors in the report (every scorer fails those samples together); the "
             "successful answers are identical to the clean run"),
    Incident("silent-hallucination", "medium", "lab:hallucinate(rate=0.3)",
             "A journalist found a wrong date and name in an answer, quoted with confidence.",
             "A cheaper fallback model was silently switched on for 30% of traffic and "
             "invents names and numbers.",
             "groundedness falls (the claims are not in the passages); the passages are the "
             "same; the diff shows swapped names and years"),
    Incident("near-miss-retrieval", "hard", "lab:near-miss(top=1, rate=0.4)",
             "Answers feel 'almost right but about the wrong thing' lately.",
             "An embedding-model upgrade ranks near misses above the evidence for 40% of "
             "questions.",
             "recall falls while the answers stay grounded — in the wrong passage; compare "
             "the passages of a changed case"),
    Incident("stale-index", "hard", "lab:stale-passage(top=2, rate=0.5)",
             "Readers report outdated figures: years and counts that were corrected long ago.",
             "A backup of the index from an old snapshot was restored: numbers in the "
             "passages are stale.",
             "answers stay grounded (in stale passages) — correctness falls on questions "
             "whose answer is a number or a year"),
    Incident("grounded-but-wrong", "hard", "lab:wrong-entity(rate=0.25)",
             "Quality review: 'it names the other person in comparison questions'.",
             "A prompt change ('answer with the first entity you find') makes a quarter of the "
             "answers pick another name from the same passages.",
             "correctness falls while groundedness holds: the wrong answer is in the passages"),
    Incident("poisoned-document", "hard", "lab:plant-instruction(rate=0.3) + obey-instruction",
             "A reader got 'Sure! Write a poem about the ocean' instead of an answer.",
             "An article in the corpus was edited to carry instructions for the assistant; "
             "the model obeyed them.",
             "the answers that changed are off-topic; the passages carry 'NOTE TO THE "
             "ASSISTANT'; the prompt-injection guard fires on them"),
)  # fmt: skip


def _applicable(loaded: LoadedPRD) -> list[Incident]:
    kind = target_kind_of(loaded.prd)
    contexts = kind != "model" or prompt_takes_contexts(loaded.prd)
    out = []
    for inc in INCIDENTS:
        try:
            check_calls(parse_lab(inc.inject), kind, has_contexts=contexts)
        except ProvokeError:
            continue
        out.append(inc)
    return out


def draw(loaded: LoadedPRD, seed: int, difficulty: str | None = None) -> Incident:
    """The incident for this seed (and difficulty) among those this target can suffer."""
    pool = [i for i in _applicable(loaded) if difficulty is None or i.difficulty == difficulty]
    if not pool:
        raise UserError(
            f"no {difficulty or ''} incident applies to this target".replace("  ", " "),
            "try another --difficulty",
        )
    return seeded(f"incident|{seed}").choice(pool)


def secret_path(loaded: LoadedPRD) -> Path:
    """Where the hidden answer is kept (read it and the exercise is over)."""
    return state_dir(loaded) / SECRET_FILE


async def incident(
    prd_path: str | Path,
    *,
    seed: int,
    difficulty: str | None = None,
    out_dir: Path | None = None,
    store_path: Path | None = None,
    use_cache: bool = True,
    on_stage: Any = None,
    on_progress: Any = None,
) -> dict[str, Any]:
    """Run the eval with a hidden injection; return what the user may know (no spoilers)."""
    from ..compare._stats import by_case
    from ._build import ModelSetup, borrowed, build_stack, injected_suite, proxied
    from ._plan import LabEntry
    from ._run import LabOptions, _pools, _run

    loaded = load_prd(prd_path)
    inc = draw(loaded, seed, difficulty)
    kind = target_kind_of(loaded.prd)
    calls = check_calls(parse_lab(inc.inject), kind, has_contexts=kind != "model"
                        or prompt_takes_contexts(loaded.prd))  # fmt: skip
    entry = LabEntry(f"incident-{seed}", calls, None, "incident")
    opts = LabOptions(seed=seed, store_path=store_path, use_cache=use_cache, on_stage=on_stage,
                      on_progress=on_progress)  # fmt: skip
    base = compile_suite(loaded, use_cache=use_cache)
    store = RunStore(store_path or state_dir(loaded) / "runs.sqlite")
    try:
        clean = await _run(borrowed(base), loaded.key, store, opts, "clean run", reuse=True)
        if clean.results is None:
            raise UserError(f"the clean run failed: {clean.error}", "fix the feature first")
        stack = build_stack(calls, loaded.base_dir)
        for inj in stack:
            await inj.setup(loaded)
        fp = entry.fingerprint(seed)
        setup = ModelSetup(loaded, base, stack, f"{seed}|{fp}")
        try:
            suite = await injected_suite(
                loaded, base, stack, setup, by_case(clean.records), _pools(clean.records),
                through_proxy=proxied(loaded, stack),
            )  # fmt: skip
            key = f"{loaded.key}#incident:{fp}"
            run = await _run(suite, key, store, opts, "the feature, today", reuse=False)
        finally:
            await setup.aclose()
    finally:
        await base.aclose()
        store.close()
    paths: dict[str, str] = {}
    if out_dir is not None and run.results is not None:
        from ..report import write_reports

        paths = {k: str(v) for k, v in write_reports(run.results, out_dir).items()}
    secret = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed, "difficulty": inc.difficulty, "name": inc.name, "inject": inc.inject,
        "clean_run": clean.run_id, "incident_run": run.run_id, "run_error": run.error,
        "prd_sha256": loaded.sha256,
    }  # fmt: skip
    path = secret_path(loaded)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(secret, indent=2) + "\n", encoding="utf-8")
    return {"symptom": inc.symptom, "difficulty": inc.difficulty, "seed": seed,
            "clean_run": clean.run_id, "incident_run": run.run_id, "run_error": run.error,
            "verdict": (run.results or {}).get("verdict"), "reports": paths}  # fmt: skip


def reveal(prd_path: str | Path, *, store_path: Path | None = None) -> dict[str, Any]:
    """What the last incident was, and the evidence that pointed to it."""
    from ..compare._stats import Settings, adjust, by_case, compare_scorer, metric_of

    loaded = load_prd(prd_path)
    path = secret_path(loaded)
    if not path.exists():
        raise UserError(
            f"no incident to reveal for {loaded.path}",
            f"start one with `gonogo lab incident {loaded.path} --seed 1`",
        )
    secret = json.loads(path.read_text(encoding="utf-8"))
    inc = next((i for i in INCIDENTS if i.name == secret["name"]), None)
    out: dict[str, Any] = {**secret, "story": inc.story if inc else None,
                           "clue": inc.clue if inc else None, "evidence": []}  # fmt: skip
    if not secret.get("incident_run"):
        return out
    store = RunStore(store_path or state_dir(loaded) / "runs.sqlite")
    try:
        a = list(store.samples(secret["clean_run"]))
        b = list(store.samples(secret["incident_run"]))
    finally:
        store.close()
    cases = [c for d in load_datasets(loaded) for c in d.cases]
    repeats = loaded.prd.eval_plan.repeats
    settings = Settings()
    rows = [compare_scorer(s.id, s, metric_of(loaded.prd, s.id), primary=True, cases=cases,
                           a=by_case(a), b=by_case(b), repeats=repeats, settings=settings)
            for s in loaded.prd.eval_plan.scorers]  # fmt: skip
    adjust(rows, settings)
    out["evidence"] = [
        {"scorer": r.id, "verdict": r.test.verdict, "clean": r.test.mean_a,
         "incident": r.test.mean_b, "p_adjusted": r.test.p_adjusted}
        for r in rows if r.test is not None and r.test.verdict in ("worse", "better")
    ]  # fmt: skip
    out["changed"] = _changed_summary(a, b)
    return out


def _changed_summary(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> dict[str, Any]:
    base = {(r["case_key"], r.get("sample", 0)): r for r in a}
    answers = passages = errors = 0
    examples: list[dict[str, Any]] = []
    for rec in b:
        c = base.get((rec["case_key"], rec.get("sample", 0)))
        if c is None:
            continue
        if bool(c.get("error")) != bool(rec.get("error")):
            errors += 1
        elif c.get("contexts") != rec.get("contexts"):
            passages += 1
        elif c.get("output") != rec.get("output"):
            answers += 1
        else:
            continue
        if len(examples) < 3 and c.get("output") != rec.get("output"):
            effects = (rec.get("lab") or {}).get("effects") or []
            examples.append({"case": rec["case_key"], "before": c.get("output"),
                             "after": rec.get("output") if not rec.get("error") else rec["error"],
                             "what": [e.get("detail") for e in effects]})  # fmt: skip
    return {"answers_only": answers, "passages": passages, "errors": errors,
            "examples": examples}  # fmt: skip
