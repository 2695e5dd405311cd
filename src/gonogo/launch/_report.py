"""The launch checklist's reports: console, ``launch.json``, ``launch.md``, ``launch.html``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

FILE_NAMES = {"json": "launch.json", "md": "launch.md", "html": "launch.html"}
MARK = {"pass": "PASS", "fail": "FAIL", "missing": "MISSING", "stale": "STALE", "waived": "WAIVED"}
STYLE = {"pass": "green", "fail": "bold red", "missing": "yellow", "stale": "yellow",
         "waived": "magenta"}  # fmt: skip


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def render_console(doc: Mapping[str, Any], console: Console) -> None:
    """The checklist, one item a line with why, its evidence's age, and the fix."""
    from rich.text import Text

    console.print(Text(f"Launch checklist: {doc['prd']['feature']}", style="bold"))
    for item in doc["items"]:
        line = Text(f"  [{MARK[item['status']]:>7}] ", style=STYLE[item["status"]])
        line.append(item["title"], style="bold")
        ages = [f"#{e['seq']} {_age(e['age_s'])} ago" for e in item["evidence"]]
        if ages:
            line.append(f"  (evidence {', '.join(ages)})", style="dim")
        console.print(line)
        for why in item["why"]:
            console.print(Text(f"            {why}"))
        if item["waiver"]:
            w = item["waiver"]
            said = f"WAIVED by {w['owner']}: {w['reason']} (was {w['was']})"
            console.print(Text(f"            {said}", style="magenta"))
        for fix in item["fix"]:
            console.print(Text(f"            → {fix}", style="cyan"))
    top = [r for r in doc["pareto"] if r["score"]][:3]
    if top:
        console.print(Text("Fix first (observed frequency × severity):", style="bold"))
        for r in top:
            console.print(Text(f"  {r['id']} ({r['severity']}): {r['frequency']:.1%} from "
                               f"{r['source']} × {r['weight']} = {r['score']:.3f}"))  # fmt: skip
    after = doc.get("after_launch")
    if after:
        said = (f"{len(after['alerts'])} alert(s)" if after["alerts"] else "no alert")
        console.print(Text(f"In production (gonogo monitor, {_age(after['age_s'])} ago): {said}",
                           style="bold"))  # fmt: skip
        for msg in after["alerts"][:5]:
            console.print(Text(f"  {msg}", style="red"))
    for step in doc.get("would_run") or []:
        cost = step["estimated_cost_usd"]
        shown = "unknown" if cost is None else f"${cost:.4f}"
        console.print(Text(f"would run {step['kind']} ({step['why']}); estimated cost {shown}"))
    for skip in doc.get("skipped") or []:
        console.print(Text(f"did not run {skip['kind']}: {skip['why']}"))
    for ran in doc.get("ran") or []:
        console.print(Text(f"ran {ran}", style="dim"))
    style = "bold white on green" if doc["verdict"] == "GO" else "bold white on red"
    console.print()
    console.print(Text(f" {doc['verdict']} ", style=style))
    for reason in doc["verdict_reasons"]:
        console.print(Text(f"  {reason}"))


def markdown(doc: Mapping[str, Any]) -> str:
    """launch.md: the checklist for a pull request or a review document."""
    lines = [f"# Launch checklist: {doc['prd']['feature']}", "",
             f"**Verdict: {doc['verdict']}** — checked {doc['checked_at']} from "
             f"`{doc['evidence_log']}`", ""]  # fmt: skip
    lines += ["| item | status | why | evidence |", "|---|---|---|---|"]
    for item in doc["items"]:
        ev = ", ".join(f"#{e['seq']} {e['kind']} ({_age(e['age_s'])} ago, `{e['hash'][:12]}`)"
                       for e in item["evidence"]) or "—"  # fmt: skip
        why = "; ".join(item["why"]).replace("|", "\\|")
        if item["waiver"]:
            why += f" — **waived by {item['waiver']['owner']}: {item['waiver']['reason']}**"
        lines.append(f"| {item['title']} | {MARK[item['status']]} | {why} | {ev} |")
    fixes = [f for item in doc["items"] for f in item["fix"]]
    if fixes:
        lines += ["", "## To do", ""] + [f"- {f}" for f in fixes]
    lines += ["", "## Failure-mode Pareto (fix first)", ""]
    lines += ["| failure mode | severity | frequency | source | score |", "|---|---|---|---|---|"]
    for r in doc["pareto"]:
        freq = "—" if r["frequency"] is None else f"{r['frequency']:.1%}"
        score = "—" if r["score"] is None else f"{r['score']:.3f}"
        lines.append(f"| {r['id']} | {r['severity']} | {freq} | {r['source'] or '—'} | {score} |")
    after = doc.get("after_launch")
    if after:
        lines += ["", "## In production", "",
                  f"Latest `gonogo monitor` pass {_age(after['age_s'])} ago: "
                  + (f"{len(after['alerts'])} alert(s)" if after["alerts"] else "no alert")]
        lines += [f"- {m}" for m in after["alerts"]]  # fmt: skip
    return "\n".join(lines) + "\n"


def write_launch_reports(doc: Mapping[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write launch.json, launch.md and launch.html into ``out_dir``."""
    from ..report._html import _environment
    from ..report._json import write_text_atomic

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / v for k, v in FILE_NAMES.items()}
    write_text_atomic(paths["json"], json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    write_text_atomic(paths["md"], markdown(doc))
    html = _environment().get_template("launch.html.j2").render(doc=doc, mark=MARK, age=_age)
    write_text_atomic(paths["html"], html)
    return paths


def launch_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of launch.json, schema version 1."""
    from .._docschema import load_schema

    return load_schema("gonogo.launch", "launch.schema.json")


def validate_launch(doc: Mapping[str, Any]) -> list[str]:
    """Problems that make ``doc`` invalid against the schema (``path: message``); empty if valid."""
    from .._docschema import schema_problems

    return schema_problems(launch_schema(), doc)
