"""The console summary of a run.

Thresholds table, verdict, target errors, not-evaluated scorers, failure modes, cost.
Text goes through ``rich.text.Text``, never markup, so ids and messages with brackets
print as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from . import _format as fmt
from ._fit import Labels, print_fitted

if TYPE_CHECKING:
    from rich.console import Console

_STYLE = {
    "pass": "bold green",
    "fail": "bold red",
    "undecided": "bold yellow",
    "not_evaluated": "magenta",
    "detected": "red",
    "not_detected": "green",
    "no_detector": "dim",
}
_VERDICT_STYLE = {
    "GO": "bold white on green",
    "NO-GO": "bold white on red",
    "INCOMPLETE": "bold black on yellow",
}


def _thresholds_table(results: Mapping[str, Any], labels: Labels | None = None) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    gate = results["gate"]
    conf = f"{float(gate['confidence']):.0%}"
    applied = fmt.gate_on(results)
    on = {
        "lower_bound": "on the lower bound of the interval",
        "point": "on the point estimate",
        "mixed": "per threshold",
    }[applied]
    table = Table(
        title=f"Thresholds (gate {on})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    labels = labels or Labels()
    table.add_column("scorer", **labels.column())
    table.add_column("metric", no_wrap=True)
    table.add_column("estimate", justify="right", no_wrap=True)
    table.add_column(f"{conf} CI", justify="right", no_wrap=True)
    table.add_column("target", justify="right", no_wrap=True)
    table.add_column("status")
    for t in results["thresholds"]:
        status = t["status"]
        label = fmt.status_label(status)
        if applied == "mixed":
            label += f" (on {t['gate_on'].replace('_', ' ')})"
        if t["cases_needed_more"] and status in ("undecided", "fail"):
            label += f": ~{fmt.about(t['cases_needed_more'])} more cases"
        table.add_row(
            Text(labels.cell(t["scorer"])),
            fmt.METRIC_LABEL[t["metric"]],
            fmt.num(t["estimate"], 3),
            fmt.ci(t["ci"], 3),
            f">= {fmt.target(t['target'])}",
            Text(label, style=_STYLE.get(status, "")),
        )
    return table


def _failure_mode_lines(results: Mapping[str, Any]) -> list[Any]:
    from rich.text import Text

    lines = []
    for m in results["failure_modes"]:
        line = Text("  ")
        line.append(m["id"], style="bold")
        line.append(f" ({m['severity']}): ")
        line.append(fmt.status_label(m["status"]), style=_STYLE.get(m["status"], ""))
        if m["status"] in ("detected", "not_detected"):
            said = " in" if m["status"] == "detected" else ": flagged in"  # no double negative
            line.append(
                f"{said} {m['detected']}/{m['n_evaluated']} samples ({fmt.pct(m['rate'])}, "
                f"CI {fmt.ci(m['rate_ci'])}) by {', '.join(m['detectors'])}"
            )
        if m["other_detectors"]:
            line.append(f"; outside this eval: {', '.join(m['other_detectors'])}", style="dim")
        lines.append(line)
    return lines


def _totals_lines(results: Mapping[str, Any]) -> list[Any]:
    from rich.text import Text

    tot = results["totals"]
    by_status = ", ".join(f"{v} {fmt.status_label(k)}" for k, v in tot["cases_by_status"].items())
    lines = [Text(f"Cases: {tot['n_cases']} ({tot['n_samples']} samples): {by_status}")]
    if tot["n_target_errors"]:
        kinds = ", ".join(f"{k}: {v}" for k, v in tot["target_errors_by_kind"].items())
        lines.append(
            Text(f"Target errors: {tot['n_target_errors']} ({kinds}), counted as failed", "red")
        )
    n_unknown = tot["cost_unknown_samples"]
    # aggregate() warns when a cost should exist but is missing (a model with no price)
    cost_warned = any(w.startswith("cost unknown") for w in results["warnings"])
    if tot["cost_usd"] is None and not cost_warned:
        cost = "Cost: not reported by the target (return `cost_usd` from it to track cost)"
    elif tot["cost_usd"] is None:
        cost = "Cost: unknown (no price for the model in the PRD's `prices`)"
    elif n_unknown:
        cost = f"Cost: {fmt.usd(tot['cost_usd'])} + unknown for {n_unknown} samples"
    else:
        cost = f"Cost: {fmt.usd(tot['cost_usd'])}"
    if tot["judge_cost_usd"] is not None or (results.get("run") or {}).get("judge"):
        cost += f"; judge {fmt.usd(tot['judge_cost_usd'])}"
    if tot["cost_per_1k_requests_usd"] is not None:
        cost += f"; {fmt.usd(tot['cost_per_1k_requests_usd'])} per 1k requests"
        if tot["budget_per_1k_requests_usd"] is not None:
            within = "within" if tot["within_budget"] else "OVER"
            cost += f" ({within} budget {fmt.usd(tot['budget_per_1k_requests_usd'])})"
    lat = tot["latency_s"]
    lines.append(Text(cost))
    lines.append(Text(f"Latency: p50 {fmt.seconds(lat['p50'])}, p95 {fmt.seconds(lat['p95'])}"))
    return lines


def render_console(
    results: Mapping[str, Any], console: Console, *, show_failures: int = 10
) -> None:
    """Print the run summary to a rich console (``show_failures``: failing cases listed)."""
    from rich.text import Text

    from ._console_details import confusion_table, failing_cases, tag_table

    for line in failing_cases(results, show_failures):
        console.print(line)
    if tag_table(results) is not None:
        print_fitted(console, lambda labels: tag_table(results, labels))
    for s in results["scorers"]:
        if s.get("confusion"):
            print_fitted(console, partial(confusion_table, s))
    if results["thresholds"]:
        print_fitted(console, lambda labels: _thresholds_table(results, labels))
    for s in results["scorers"]:
        if s["n_not_evaluated"]:
            console.print(
                Text(
                    f"Not evaluated: {s['id']} on {s['n_not_evaluated']} of {s['n_samples']} "
                    f"samples ({s['not_evaluated_reason']})",
                    style="magenta",
                )
            )
    for line in _totals_lines(results):
        console.print(line)
    if results["failure_modes"]:
        console.print(Text("Failure modes:"))
        for line in _failure_mode_lines(results):
            console.print(line)
    for w in results["warnings"]:
        if w.startswith(("cost unknown", "no thresholds")):
            console.print(Text(f"Warning: {w}", style="yellow"))
    verdict = Text()
    verdict.append(f" {results['verdict']} ", style=_VERDICT_STYLE.get(results["verdict"], "bold"))
    console.print()
    console.print(verdict)
    for reason in results["verdict_reasons"]:
        console.print(Text(f"  {reason}"))
