"""The red team's reports: console table, ``redteam.json``, ``junit.xml``, ``redteam.html``.

Probe text and model output can be harmful: the console never prints them unless asked
(``show_content``); the HTML page keeps each attack and its answer folded behind a click
(closed ``<details>``), escaped, with no script and a Content-Security-Policy.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _format as fmt
from ._fit import Labels, print_fitted
from ._json import write_text_atomic

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

FILE_NAMES = {"json": "redteam.json", "junit": "junit.xml", "html": "redteam.html"}
_STATUS_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "undecided": "yellow",
    "not_evaluated": "magenta",
}


def _rate(entry: Mapping[str, Any]) -> str:
    """``12% [0.05, 0.21]``: the rate and its interval (see :func:`_interval`)."""
    if entry.get("rate") is None:
        return "—"
    return f"{fmt.pct(entry['rate'])} {_interval(entry)}"


def _interval(entry: Mapping[str, Any]) -> str:
    """``[lo, hi]``; beside a limit, the upper bound gets the digits that tell them apart."""
    digits, limit, ci = 2, entry.get("limit"), entry.get("ci")
    if not ci:
        return "—"
    if limit is not None:  # 0 of 73: 0.049992 would read "0.05" beside "< 0.05"
        while digits < 6 and f"{ci[1]:.{digits}f}" == f"{limit:.{digits}f}" and ci[1] != limit:
            digits += 1
    return f"[{ci[0]:.2f}, {ci[1]:.{digits}f}]"


def render_redteam_console(
    doc: Mapping[str, Any], console: Console, *, show_content: bool = False
) -> None:
    """The verdict table: one row per family, over-refusal beside it; content only if asked."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    over = doc["over_refusal"]

    def build(labels: Labels) -> Table:
        table = Table(
            title="Attack success by family (95% CI; a family passes when the upper bound is "
            "under its limit)",
            title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
        )  # fmt: skip
        table.add_column("family", **labels.column())
        for name in ("OWASP", "n", "success [95% CI]", "limit", "status"):
            right = name in ("n", "success [95% CI]", "limit")
            table.add_column(name, justify="right" if right else "left", overflow="fold")
        for f in doc["families"]:
            status = f["status"] + (
                f": ~{f['attempts_needed']} attempts" if f.get("attempts_needed") else ""
            )
            table.add_row(Text(labels.cell(f["family"])), f["owasp"], str(f["n"]), _rate(f),
                          f"< {f['limit']:g}",
                          Text(status, _STATUS_STYLE.get(f["status"], "")))  # fmt: skip
        if over.get("rate") is not None:
            table.add_row(Text(labels.cell("over-refusal")), "", str(over["n"]), _rate(over),
                          f"< {over['limit']:g}",
                          Text(over["status"], _STATUS_STYLE.get(over["status"], "")))  # fmt: skip
        return table

    print_fitted(console, build)
    if over.get("contrast"):
        console.print(
            Text(
                f"Refused on XSTest's unsafe contrasts (matched wording): {_rate(over['contrast'])}"
            )
        )
    for family, why in doc["not_run"].items():
        console.print(Text(f"not run: {family} — {why}", style="magenta"))
    _detail_lines(doc, console)
    if show_content:
        _content(doc, console)
    verdict = Text()
    verdict.append(
        f" {doc['verdict']} ",
        style={"GO": "bold white on green", "NO-GO": "bold white on red"}.get(
            doc["verdict"], "bold"
        ),
    )
    console.print()
    console.print(verdict)
    for reason in doc["verdict_reasons"]:
        console.print(Text(f"  {reason}"))


def _detail_lines(doc: Mapping[str, Any], console: Console) -> None:
    """The attacker, the mutators' uplift, indirect injection's breakdown, guards that fired."""
    from rich.text import Text

    attacker = (doc.get("run") or {}).get("attacker")
    if attacker:
        console.print(Text(_attacker_line(attacker)))
    _uplift_lines(doc, console)
    ind = doc.get("indirect")
    if ind:
        parts = [
            "by position: " + ", ".join(f"{k} {_rate(v)}" for k, v in ind["by_position"].items())
        ]
        if ind.get("retrieved"):
            parts.append(f"poisoned document retrieved {_rate(ind['retrieved'])}")
        if ind.get("success_given_retrieved"):
            parts.append(f"success when retrieved {_rate(ind['success_given_retrieved'])}")
        if ind.get("task_done"):
            parts.append(f"benign task still done {_rate(ind['task_done'])}")
        console.print(Text("Indirect injection: " + "; ".join(parts)))
    for f in doc["families"]:
        if f.get("guards"):
            fired = ", ".join(f"{g} {n}" for g, n in f["guards"].items())
            console.print(Text(f"Guards that stopped {f['family']} attacks: {fired}"))


def _attacker_line(a: Mapping[str, Any]) -> str:
    """``Attacker LLM judge-model: 38 of 40 requests rewritten (2 declined), $0.0123``."""
    line = f"Attacker LLM {a['model']}: {a['rewritten']} of {a['asked']} requests rewritten"
    left = [f"{a[k]} {k}" for k in ("declined", "failed") if a.get(k)]
    if left:
        line += f" ({', '.join(left)})"
    if a.get("cost_usd"):
        line += f", ${a['cost_usd']:.4f}"
    return line


def _uplift_lines(doc: Mapping[str, Any], console: Console) -> None:
    from rich.text import Text

    rows = [m for m in doc["mutators"] if m["n_pairs"]]
    missing = uplift_not_measured(doc)
    if missing is not None:
        console.print(Text(f"Jailbreak uplift over asking directly: not measured — {missing}"))
    if not rows:
        return
    console.print(Text("Jailbreak uplift over asking directly (paired on the same seeds, Holm):"))
    for m in rows:
        console.print(Text(
            f"  {m['mutator']}: {fmt.pct(m['direct_rate'])} → {fmt.pct(m['mutated_rate'])} "
            f"({m['uplift']:+.0%}, p {m['p_adjusted']:.3f}, {m['n_pairs']} seeds) "
            + m["verdict"].replace("_", " ")
        ))  # fmt: skip


def uplift_not_measured(doc: Mapping[str, Any]) -> str | None:
    """Why the jailbreak family ran but no mutator's uplift could be measured, if so."""
    if not doc["mutators"] or any(m["n_pairs"] for m in doc["mutators"]):
        return None
    if not any(f["family"] == "harmful" for f in doc["families"]):
        return (
            "each mutated attack is paired with its seed asked directly by the harmful "
            "family, which did not run (add --family harmful)"
        )
    return "no jailbreak seed was also asked directly in the harmful family's sample"


SHOW_CONTENT_MAX = 10
"""``--show-content`` prints this many successful attacks; redteam.html has every one."""


def _content(doc: Mapping[str, Any], console: Console) -> None:
    from rich.text import Text

    hits = [(a, s) for a in doc["attacks"] for s in a["samples"] if s.get("attack_success")]
    for a, s in hits[:SHOW_CONTENT_MAX]:
        console.print(Text(f"--- {a['id']} (succeeded)\n> {a['attack']}\n< {s['output']}"))
    if len(hits) > SHOW_CONTENT_MAX:
        console.print(Text(f"--- {len(hits) - SHOW_CONTENT_MAX} more successful attacks: "
                           "redteam.html lists every one (behind a click)"))  # fmt: skip


def write_redteam_reports(
    doc: Mapping[str, Any], out_dir: str | Path, *, show_content: bool = False
) -> dict[str, Path]:
    """Write redteam.json, junit.xml and redteam.html into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / v for k, v in FILE_NAMES.items()}
    write_text_atomic(
        paths["json"], json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    )
    write_text_atomic(paths["junit"], _junit(doc))
    write_text_atomic(paths["html"], _html(doc))
    return paths


def _junit(doc: Mapping[str, Any]) -> str:
    root = ET.Element("testsuites", {"name": "gonogo redteam"})
    suite = ET.SubElement(root, "testsuite", {"name": "gonogo.redteam"})
    rows = [*doc["families"], doc["over_refusal"]]
    failures = 0
    for f in rows:
        tc = ET.SubElement(suite, "testcase", {"name": f["family"], "classname": "gonogo.redteam"})
        if f.get("status") in ("not_run",):
            ET.SubElement(tc, "skipped", {"message": "not run"})
        elif f.get("status") != "pass":
            failures += 1
            msg = f"{f.get('status')}: {_rate(f)} (limit {f.get('limit')})"
            ET.SubElement(tc, "failure", {"message": msg, "type": str(f.get("status"))})
    for family, why in doc["not_run"].items():
        tc = ET.SubElement(suite, "testcase", {"name": family, "classname": "gonogo.redteam"})
        ET.SubElement(tc, "skipped", {"message": why})
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _html(doc: Mapping[str, Any]) -> str:
    from ._html import _environment

    template = _environment().get_template("redteam.html.j2")
    return template.render(
        doc=doc, run=doc.get("run") or {}, uplift_not_measured=uplift_not_measured(doc),
        interval=_interval,
    )
