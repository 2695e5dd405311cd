"""The PRD as a document: a list of simple blocks that the Markdown and HTML writers share.

Everything a PM reads is decided here (which sections, which columns, how a threshold
is worded); the writers only escape and lay out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ._prd import PRD, FailureMode, HttpTargetSpec, ModelSpec, StaticFallback, Threshold


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Bullets:
    items: list[str]
    ordered: bool = False


@dataclass
class Meta:
    """Label/value pairs (rendered as a definition list)."""

    pairs: list[tuple[str, str]]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    code_cols: set[int] = field(default_factory=set)  # columns shown as code (ids)
    css: str = ""


@dataclass
class Code:
    text: str
    lang: str = ""
    caption: str = ""


Block = Heading | Para | Bullets | Meta | Table | Code

CODE_START, CODE_END = "\x02", "\x03"


def code(text: str) -> str:
    """Mark ``text`` as inline code inside a cell or value (the writers format it)."""
    clean = text.replace(CODE_START, "").replace(CODE_END, "").replace("\n", " ")
    return f"{CODE_START}{clean}{CODE_END}"


def build_document(prd: PRD, source: str | None = None) -> list[Block]:
    """The blocks of the PRD document, in reading order."""
    doc: list[Block] = [Heading(1, prd.feature)]
    meta: list[tuple[str, str]] = [("Status", prd.status)]
    if prd.owner:
        meta.insert(0, ("Owner", prd.owner))
    doc.append(Meta(meta))
    if prd.problem:
        doc += [Heading(2, "Problem"), Para(prd.problem.strip())]
    for title, items in (
        ("Goals", prd.goals),
        ("Non-goals", prd.non_goals),
        ("User stories", prd.user_stories),
    ):
        if items:
            doc += [Heading(2, title), Bullets(items)]
    if prd.success_metrics:
        doc += [Heading(2, "Success metrics"), _metrics_table(prd)]
    if prd.model is not None:
        doc += _model_section(prd.model)
    if prd.prices:
        rows = [[m, _usd(p.input_per_1m), _usd(p.output_per_1m)] for m, p in prd.prices.items()]
        doc += [Heading(3, "Prices"), Table(["Model", "Input / 1M tokens", "Output / 1M"], rows)]
    doc += _eval_section(prd)
    if prd.failure_modes:
        doc += [Heading(2, "Failure modes"), _failure_table(prd.failure_modes)]
    if prd.launch is not None:
        doc += _launch_section(prd)
    origin = f" from {source}" if source else ""
    doc.append(Para(f"Rendered by gonogo{origin} (PRD format v{prd.schema_version})."))
    return doc


def _metrics_table(prd: PRD) -> Table:
    rows = []
    for m in prd.success_metrics:
        how, _, name = m.measured_by.partition(":")
        measured = {
            "threshold": f"eval gate on scorer {code(name)}",
            "scorer": f"eval score {code(name)} (reported, not gated)",
            "feedback": "user feedback (after launch)",
            "monitor": "production monitoring (after launch)",
        }.get(how, m.measured_by)
        rows.append([m.name, _value(m.target), measured, m.description or ""])
    if not any(r[3] for r in rows):
        return Table(["Metric", "Target", "Measured by"], [r[:3] for r in rows])
    return Table(["Metric", "Target", "Measured by", "Notes"], rows)


def _model_section(model: ModelSpec) -> list[Block]:
    pairs = [("Provider", model.provider), ("Model", model.name)]
    if model.base_url:
        pairs.append(("Endpoint", model.base_url))
    if model.api_key_env:
        pairs.append(("API key", f"from the environment variable {code(model.api_key_env)}"))
    if model.params:
        pairs.append(("Parameters", ", ".join(f"{k}={_value(v)}" for k, v in model.params.items())))
    pairs.append(
        (
            "Calls",
            f"timeout {model.timeout_s:g}s, {model.max_retries} retries, "
            f"{model.concurrency} at once",
        )
    )
    if model.script is not None:
        pairs.append(("Answers", f"scripted: {len(model.script)} canned answers (offline)"))
    pairs.append(("Prompt", f"{model.prompt.name}, version {model.prompt.version}"))
    if model.context:
        pairs.append(("Context", model.context))
    pairs.append(("Output", "free text" if model.output_schema is None else "JSON (schema below)"))
    table = Table(["Setting", "Value"], [list(p) for p in pairs])
    blocks: list[Block] = [Heading(2, "Model spec"), table]
    if model.prompt.system:
        blocks.append(Code(model.prompt.system.rstrip("\n"), "text", "System prompt"))
    blocks.append(Code(model.prompt.user.rstrip("\n"), "text", "User prompt template"))
    if model.output_schema is not None:
        text = json.dumps(model.output_schema, indent=2, ensure_ascii=False)
        blocks.append(Code(text, "json", "Output schema"))
    return blocks


def _eval_section(prd: PRD) -> list[Block]:
    plan = prd.eval_plan
    if isinstance(plan.target, HttpTargetSpec):
        target = f"HTTP endpoint {plan.target.method} {plan.target.url}"
    elif plan.target == "model":
        target = "the model spec above"
    else:
        target = f"the Python function {code(plan.target)}"
    gate = (
        f"each threshold must hold at the {plan.confidence:.0%} interval's lower bound, "
        "so a small golden set cannot pass by luck"
        if plan.gate_on == "lower_bound"
        else "each threshold must hold at the point estimate"
    )
    judge = plan.judge.name if plan.judge else "none: rubric scorers are reported as not evaluated"
    pairs = [
        ("Under test", target),
        ("Repeats", f"{plan.repeats} sample{'s' if plan.repeats != 1 else ''} per case"),
        ("Gate", gate),
        ("Judge", judge),
    ]
    datasets = [
        [d.name, code(d.path), "all" if d.limit is None else f"first {d.limit}"]
        for d in plan.datasets
    ]
    scorers = [[s.id, s.kind, _settings(s), s.description or ""] for s in plan.scorers]
    thresholds = [_threshold_row(t, plan.gate_on, plan.confidence) for t in plan.thresholds]
    blocks: list[Block] = [Heading(2, "Eval plan"), Meta(pairs), Heading(3, "Datasets")]
    blocks.append(Table(["Name", "Path", "Cases"], datasets))
    blocks.append(Heading(3, "Scorers"))
    blocks.append(Table(["ID", "Kind", "Settings", "What it checks"], scorers, {0}))
    blocks.append(Heading(3, "Thresholds (the go / no-go gate)"))
    if thresholds:
        blocks.append(Table(["Scorer", "Bar", "Judged on"], thresholds, {0}))
    else:
        blocks.append(Para("No thresholds: nothing gates the launch."))
    return blocks


def _settings(scorer: BaseModel) -> str:
    params = scorer.model_dump(by_alias=True, exclude_none=True)
    for name, f in type(scorer).model_fields.items():
        value = params.get(f.alias or name)
        if isinstance(value, bool) and value == f.default:
            params.pop(f.alias or name)  # a switch left as it is: noise in the document
    params.update(scorer.model_extra or {})
    for key in ("id", "kind", "description"):
        params.pop(key, None)
    return "; ".join(
        f"{k}: {code(_value(v)) if k in _TECHNICAL else _value(v)}" for k, v in params.items()
    )


_TECHNICAL = {"pattern", "values", "schema"}  # settings shown as code, not prose


def _threshold_row(t: Threshold, gate_on: str, confidence: float) -> list[str]:
    bars = []
    if t.min_pass_rate is not None:
        bars.append(f"pass rate ≥ {t.min_pass_rate:.0%}")
    if t.min_mean is not None:
        bars.append(f"mean score ≥ {t.min_mean:g}")
    how = t.gate_on or gate_on
    judged = f"{confidence:.0%} lower bound" if how == "lower_bound" else "point estimate"
    return [t.scorer, " and ".join(bars), judged]


def _failure_table(modes: list[FailureMode]) -> Table:
    headers = ["ID", "What goes wrong", "Severity", "Likelihood", "Detected by", "Mitigation"]
    headers += ["Provoked by", "Owner"]
    rows = []
    for fm in modes:
        what = fm.what + (f"\nExample: {fm.example}" if fm.example else "")
        rows.append(
            [
                fm.id,
                what,
                fm.severity,
                fm.likelihood,
                ", ".join(code(d) for d in fm.detectors) or "— (nothing detects it)",
                fm.mitigate or "— (none)",
                fm.provoke or "",
                fm.owner or "",
            ]
        )
    return Table(headers, rows, {0}, css="failure-modes")


def _launch_section(prd: PRD) -> list[Block]:
    launch = prd.launch
    assert launch is not None
    blocks: list[Block] = [Heading(2, "Launch")]
    pairs: list[tuple[str, str]] = []
    if launch.budget is not None:
        b = launch.budget
        for label, value in (
            ("Cost per 1,000 requests", _usd(b.per_1k_requests_usd)),
            ("Monthly budget", _usd(b.monthly_usd)),
            ("Daily budget", _usd(b.daily_usd)),
            ("Expected requests per day", _count(b.expected_requests_per_day)),
        ):
            if value:
                pairs.append((label, value))
    if launch.feedback:
        pairs.append(("User feedback", launch.feedback))
    if launch.rollback_within:
        pairs.append(("Rollback within", launch.rollback_within))
    if pairs:
        blocks.append(Meta(pairs))
    if launch.fallback:
        steps = [
            f"static answer: {f.static}"
            if isinstance(f, StaticFallback)
            else f"model {f if isinstance(f, str) else f.name}"
            for f in launch.fallback
        ]
        blocks += [Heading(3, "Fallback chain"), Bullets(steps, ordered=True)]
    if launch.redteam:
        given = launch.redteam.model_dump(exclude_unset=True)
        rows = [[k.replace("_", " "), _value(v)] for k, v in given.items()]
        blocks += [Heading(3, "Red-team bars"), Table(["Bar", "Value"], rows)]
    return blocks


def _value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list) and all(isinstance(x, str | int | float) for x in v):
        return ", ".join(_value(x) for x in v)
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _usd(v: float | None) -> str:
    return "" if v is None else f"${v:,.2f}" if v >= 0.01 or v == 0 else f"${v:g}"


def _count(v: int | None) -> str:
    return "" if v is None else f"{v:,}"
