"""The console summary of a comparison: per-scorer table, similarity, cost, verdict.

Text goes through ``rich.text.Text``, never markup, so ids and labels print as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..stats import VERDICT_LABELS
from . import _format as fmt
from ._fit import Labels, print_fitted

if TYPE_CHECKING:
    from rich.console import Console

_VERDICT_STYLE = {
    "better": "bold white on green",
    "non_inferior": "bold white on green",
    "no_difference": "bold black on white",
    "worse": "bold white on red",
    "inferior": "bold white on red",
}
_ROW_STYLE = {
    "better": "bold green",
    "non_inferior": "green",
    "worse": "bold red",
    "inferior": "bold red",
    "inconclusive": "yellow",
    "too_small": "yellow",
    "not_evaluated": "magenta",
}
UNDECIDED = ("no_difference", "inconclusive", "too_small")
"""Verdicts where a small golden set matters: "no difference seen" is not "no difference"."""
_SHORT = {**VERDICT_LABELS, "no_difference": "no difference", "too_small": "too small"}


def signed(x: Any, digits: int = 3) -> str:
    """``+0.050``; an em dash for unknown."""
    return "—" if x is None else f"{float(x):+.{digits}f}"


def p_value(x: Any) -> str:
    """A p-value: ``<0.001`` below a thousandth."""
    if x is None:
        return "—"
    return "<0.001" if float(x) < 0.001 else f"{float(x):.3f}"


def scorer_table(doc: Mapping[str, Any], labels: Labels | None = None) -> Any:
    """The per-scorer table of a comparison (or a diff): A → B, B − A with CI, p, verdict."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    conf = f"{float(doc['settings']['confidence']):.0%}"
    table = Table(
        title="Per scorer (paired, case by case; * = primary, makes the verdict)",
        title_justify="left",
        caption=f"{conf} CI and first p: this scorer alone; the verdict uses the second p, "
        "Holm-adjusted across scorers",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    labels = labels or Labels()
    table.add_column("scorer", **labels.column(min_width=8))
    # these two wrap at their spaces ("0.389 →" / "0.333") when the terminal is narrow
    table.add_column("A → B", justify="right")
    table.add_column(f"B − A [{conf} CI]", justify="right")
    table.add_column("p / Holm", justify="right", no_wrap=True)
    table.add_column("W/T/L", justify="right", no_wrap=True)
    # narrow: "no difference" / "(few cases)" on two lines, leaving room to the numbers
    table.add_column("verdict", overflow="fold", min_width=12,
                     max_width=13 if labels.mode else None)  # fmt: skip
    for s in doc["scorers"]:
        t = s["test"]
        label = Text(labels.cell(s["id"] + (" *" if s["primary"] else "")))
        verdict = _SHORT.get(s["verdict"], s["verdict"])
        if s.get("underpowered") and s["verdict"] in UNDECIDED:
            verdict += " (few cases)"
        if t is None:
            table.add_row(label, "—", "—", "—", "—", Text(verdict, "magenta"))
            continue
        table.add_row(
            label,
            f"{fmt.num(t['mean_a'], 3)} → {fmt.num(t['mean_b'], 3)}",
            f"{signed(t['diff'])}\n[{signed(t['ci'][0])}, {signed(t['ci'][1])}]",
            f"{p_value(t['p_value'])}\n{p_value(t['p_adjusted'])}",
            f"{t['wins']}/{t['ties']}/{t['losses']}",
            Text(verdict, style=_ROW_STYLE.get(s["verdict"], "")),
        )
    return table


def _ratio(a: Any, b: Any) -> str:
    if a is None or b is None or float(a) == 0:
        return ""
    return f" ({(float(b) / float(a) - 1):+.0%})"


def summary_lines(doc: Mapping[str, Any]) -> list[str]:
    """Similarity, judge preference, cost and latency, as plain sentences."""
    va, vb = doc["variants"]["a"], doc["variants"]["b"]
    lines = []
    sim = doc["similarity"]
    if sim["n_pairs"]:
        lines.append(
            f"Outputs: mean similarity {fmt.num(sim['mean'])} (lowest {fmt.num(sim['min'])}); "
            f"{sim['identical_pairs']} of {sim['n_pairs']} pairs identical"
        )
    pref = doc.get("preference")
    if pref:
        lines.append(
            f"Judge preference ({pref['judge']}, both orders): B in {pref['b_preferred']}, "
            f"A in {pref['a_preferred']}, ties {pref['ties']} "
            f"({pref['orders_disagree']} because the orders disagreed)"
            + (f", not evaluated {pref['not_evaluated']}" if pref["not_evaluated"] else "")
        )
    ca, cb = va["cost"]["per_1k_requests_usd"], vb["cost"]["per_1k_requests_usd"]
    lines.append(
        f"Cost per 1k requests: A {fmt.usd(ca)}, B {fmt.usd(cb)}{_ratio(ca, cb)}"
        + (" (cost unknown for some samples)" if va["cost"]["unknown_samples"] else "")
    )
    la, lb = va["latency_s"], vb["latency_s"]
    lines.append(
        f"Latency: A p50 {fmt.seconds(la['p50'])} / p95 {fmt.seconds(la['p95'])}; "
        f"B p50 {fmt.seconds(lb['p50'])} / p95 {fmt.seconds(lb['p95'])}"
        f"{_ratio(la['p50'], lb['p50'])}"
    )
    return lines


def render_comparison_console(doc: Mapping[str, Any], console: Console) -> None:
    """Print a comparison's summary to a rich console."""
    from rich.text import Text

    va, vb = doc["variants"]["a"], doc["variants"]["b"]
    cmp = doc["comparison"]
    console.print(
        Text(
            f"A = {va['label']}  vs  B = {vb['label']}  on {cmp['n_cases']} cases × "
            f"{cmp['repeats']} sample{'s' if cmp['repeats'] != 1 else ''} "
            f"({doc['settings']['mode'].replace('_', '-')}"
            + (f", margin {doc['settings']['margin']:g}" if doc["settings"]["margin"] else "")
            + ")"
        )
    )
    print_fitted(console, lambda labels: scorer_table(doc, labels))
    for line in summary_lines(doc):
        console.print(Text(line))
    for w in doc["warnings"]:
        console.print(Text(f"Warning: {w}", style="yellow"))
    verdict = Text()
    verdict.append(
        f" {VERDICT_LABELS.get(doc['verdict'], doc['verdict'])} ",
        style=_VERDICT_STYLE.get(doc["verdict"], "bold black on yellow"),
    )
    console.print()
    console.print(verdict)
    for reason in doc["verdict_reasons"]:
        console.print(Text(f"  {reason}"))
    console.print(
        Text(f"Runs: A {va['run_id']}, B {vb['run_id']} (gonogo report PRD --run ID --out DIR)",
             style="dim")
    )
