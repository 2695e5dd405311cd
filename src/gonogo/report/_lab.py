"""The failure lab's reports: console matrix, ``lab.json``, ``junit.xml``, ``lab.html``.

All read from the lab document (lab.json), never the runner. The HTML page is one
self-contained file (no script): the detection matrix as a heat map with each cell's
pass rates, difference and interval, then per injection its changed cases side by side
with the word-level diff of the comparison page.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _format as fmt
from ._fit import Labels, print_fitted
from ._json import dumps, write_text_atomic

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

LAB_FILES = {"json": "lab.json", "junit": "junit.xml", "html": "lab.html"}
STATUS_WORDS = {
    "detected": "detected",
    "detected_only_by_others": "detected only by others",
    "undetected": "undetected",
    "not_provoked": "not provoked",
    "run_failed": "stopped the run",
    "not_in_lab": "not in this lab",
}
STATUS_STYLE = {
    "detected": "green",
    "detected_only_by_others": "yellow",
    "undetected": "bold red",
    "not_provoked": "magenta",
    "run_failed": "cyan",
    "not_in_lab": "dim",
}


# Two separate questions, worded the same in the console, lab.html, the dashboard and
# docs/lab.md: is a failure mode *detected* (one of its detectors fires: a significant drop,
# paired test, Holm) — and is the injection *stopped by the gate* (a threshold that passes
# on the clean run fails under it; the mutation score counts these)? A row can be either
# without the other: a small drop can tip a threshold without being significant, and a
# detector can fire on a threshold that already fails on the clean run.
GATE_NOTE = (
    "detected: one of the row's own detectors fires, a significant drop; stopped by the gate: "
    "a threshold passing on the clean run fails under the injection"
)


def gate_words(entry: Mapping[str, Any] | None) -> str | None:
    """Whether the gate stopped an injection, in the mutation score's words (None: n/a)."""
    if entry is None or entry.get("status") in ("not_provoked", "run_failed", "not_in_lab"):
        return None
    killed = list(entry.get("killed_by") or [])
    if killed:
        return f"stopped by the gate ({', '.join(killed)} fail{'s' if len(killed) == 1 else ''})"
    return "not stopped by the gate (no threshold passing on the clean run fails)"


def mutation_sentences(ms: Mapping[str, Any]) -> list[str]:
    """The mutation score in words: how many provoked injections the gate stopped."""
    if not ms.get("provoked"):
        return ["Mutation score: no injection was provoked"]
    out = [f"Mutation score: the gate stopped {ms['killed']} of {ms['provoked']} provoked "
           f"injections ({fmt.pct(ms['rate'])} {fmt.ci(ms['ci'])}) — a threshold passing on "
           "the clean run fails under each"]  # fmt: skip
    if ms.get("survivors"):
        out.append(f"Not stopped by the gate: {', '.join(ms['survivors'])}")
    if ms.get("already_failing"):
        out.append("Not passing on the clean run (failing or undecided), so they cannot flip: "
                   + ", ".join(ms["already_failing"]))  # fmt: skip
    return out


def cell_map(doc: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """(entry, detector) → matrix cell."""
    return {(c["entry"], c["detector"]): c for c in doc.get("matrix") or []}


def cell_text(cell: Mapping[str, Any] | None) -> str:
    """``-42 pts*`` (the change of pass rate; * when the detector fires) or ``·``."""
    if cell is None:
        return ""
    test = cell.get("test")
    if not test or test.get("diff") is None:
        return "n/e"
    diff = float(test["diff"]) * 100
    if abs(diff) < 0.5:
        return "·"
    return f"{diff:+.0f}{'*' if cell.get('fired') else ''}"


def render_lab_console(doc: Mapping[str, Any], console: Console) -> None:
    """The matrix (pass-rate change in points, * = fires after Holm) and the verdicts."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    detectors = [d["id"] for d in doc["detectors"]]
    cells = cell_map(doc)

    def build(labels: Labels) -> Table:
        table = Table(
            title="Detection matrix: change of each detector's pass rate under the injection, "
            "in points (* = fires: significantly lower, paired test, Holm across the matrix)",
            title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
        )  # fmt: skip
        table.add_column("injection", **labels.column())
        for d in detectors:
            table.add_column(labels.head(d.removeprefix("guard:"), key=True),
                             **labels.column(justify="right"))  # fmt: skip
        for e in doc["entries"]:
            row = [Text(labels.cell(e["id"]))]
            for d in detectors:
                text = cell_text(cells.get((e["id"], d)))
                own = d in e["own_detectors"]
                style = ("bold " if own else "") + ("red" if text.endswith("*") else "")
                row.append(Text(text, style=style.strip()))
            table.add_row(*row)
        return table

    print_fitted(console, build)
    legend = ("bold = the failure mode's own detectors; " if console.is_terminal
           and not console.no_color else "")  # fmt: skip
    console.print(Text(legend + "guard columns are the runtime guards run offline over the "
                       "answers"))  # fmt: skip
    console.print()
    for fm in doc["failure_modes"]:
        status = fm["status"]
        line = Text(f"  {fm['id']} ({fm['severity']}): ")
        line.append(STATUS_WORDS.get(status, status), style=STATUS_STYLE.get(status, ""))
        line.append(f" — {fm['reason']}")
        entry = next((e for e in doc["entries"] if e["id"] == fm.get("entry")), None)
        gate = gate_words(entry) if status != "not_in_lab" else None
        if gate:
            line.append(f"; {gate}")
        console.print(line)
        if entry and entry.get("suggestion"):
            console.print(Text(f"      → {entry['suggestion']}", style="dim"))
    for e in doc["entries"]:
        if e["failure_mode"] is None:
            line = Text(f"  {e['id']}: ")
            line.append(STATUS_WORDS.get(e["status"], e["status"]),
                        style=STATUS_STYLE.get(e["status"], ""))  # fmt: skip
            gate = gate_words(e)
            console.print(line + Text(f" — {e['reason']}" + (f"; {gate}" if gate else "")))
    console.print(Text(f"  {GATE_NOTE[0].upper()}{GATE_NOTE[1:]}.", style="dim"))
    _summary_lines(doc, console)


def _summary_lines(doc: Mapping[str, Any], console: Console) -> None:
    from rich.text import Text

    ms = doc["mutation_score"]
    if ms["provoked"]:
        console.print()
        for sentence in mutation_sentences(ms):
            console.print(Text(sentence))
    for r in doc.get("hallucination_recall") or []:
        if r["kind"] not in ("groundedness", "rubric"):
            continue
        if not r["planted"]:
            continue
        console.print(Text(
            f"Planted hallucinations caught by {r['detector']}: {r['caught']} of {r['planted']}"
            f" ({fmt.pct(r['recall'])} {fmt.ci(r['ci'])}), undecided {r['undecided']}"
        ))  # fmt: skip
    if not doc["guards"]["available"] and doc["guards"].get("why_not"):
        console.print(Text(f"Guards: {doc['guards']['why_not']}", style="dim"))
    clean = doc["clean_run"]
    reused = "reused" if clean.get("reused") else "ran"
    console.print(Text(f"Clean run {clean['run_id']} ({reused}); lab {doc['lab']['id']} in "
                       f"{doc['lab']['wall_s']:.1f}s", style="dim"))  # fmt: skip
    if doc.get("holes"):
        console.print(Text(f"\nHoles in the eval plan: {', '.join(doc['holes'])}",
                           style="bold red"))  # fmt: skip


def write_lab_reports(doc: Mapping[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write lab.json, junit.xml and lab.html into ``out_dir``."""
    from ._lab_html import render_lab_html

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / v for k, v in LAB_FILES.items()}
    write_text_atomic(paths["json"], dumps(doc))
    write_text_atomic(paths["junit"], lab_junit(doc))
    write_text_atomic(paths["html"], render_lab_html(doc))
    return paths


def lab_junit(doc: Mapping[str, Any]) -> str:
    """One test per failure mode: a hole (the exit-1 rule) fails, the others pass.

    Rows not in this lab are skipped; every row's status is in its message.
    """
    root = ET.Element("testsuites", {"name": "gonogo lab"})
    suite = ET.SubElement(root, "testsuite", {"name": "gonogo.lab"})
    failures = skipped = 0
    holes = set(doc.get("holes") or [])
    entries = {e["id"]: e for e in doc["entries"]}
    rows = [(fm["id"], fm["status"], fm["reason"], fm.get("entry")) for fm in doc["failure_modes"]]
    rows += [(e["id"], e["status"], e["reason"], e["id"]) for e in doc["entries"]
             if e["failure_mode"] is None]  # fmt: skip
    for name, status, reason, entry in rows:
        tc = ET.SubElement(suite, "testcase", {"name": name, "classname": "gonogo.lab"})
        if status == "not_in_lab":
            skipped += 1
            ET.SubElement(tc, "skipped", {"message": reason})
        elif entry in holes:  # what makes the exit code 1
            failures += 1
            suggestion = (entries.get(entry) or {}).get("suggestion") or ""
            ET.SubElement(tc, "failure", {"message": f"{status}: {reason}", "type": status}) \
                .text = suggestion  # fmt: skip
        else:
            ET.SubElement(tc, "system-out").text = f"{status}: {reason}"
    suite.set("tests", str(len(rows)))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
