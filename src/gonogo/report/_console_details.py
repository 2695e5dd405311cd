"""Console sections below the thresholds: failing cases, per-tag pass rates, confusion matrices.

Each returns rich renderables (or nothing when there is nothing to show) and fits 80 columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import _format as fmt
from ._fit import Labels

FAILING_STATUSES = ("fail", "error", "flaky")
MAX_TAGS = 12  # more tags than this: the table would drown the verdict (HTML has them all)


def _first_failure(case: Mapping[str, Any]) -> str:
    """The first failing sample's error or failed scores, as one line."""
    for sample in case.get("samples") or []:
        if sample.get("error"):
            return f"target error: {sample['error']}"
        failed = [
            f"{sid}: {score.get('reason') or 'failed'}"
            for sid, score in (sample.get("scores") or {}).items()
            if score.get("passed") is False and sid in case.get("failed_scorers", [])
        ]
        if failed:
            return "; ".join(failed)
    return ", ".join(case.get("failed_scorers") or []) or "failed"


def failing_cases(results: Mapping[str, Any], limit: int) -> list[Any]:
    """The first ``limit`` failing cases: id, status, what failed and why (one line each)."""
    from rich.text import Text

    failing = [c for c in results["cases"] if c.get("status") in FAILING_STATUSES]
    if not failing or limit <= 0:
        return []
    shown = failing[:limit]
    more = len(failing) - len(shown)
    head = f"Failing cases ({len(failing)})" + (
        f", first {len(shown)} (--show-failures N for more):" if more else ":"
    )
    lines: list[Any] = [Text(head, style="bold")]
    for c in shown:
        line = Text("  ")
        line.append(str(c["key"]), style="bold")
        line.append(f" [{fmt.status_label(c['status'])}] ", style="red")
        why = _first_failure(c).replace("\n", " ")
        line.append(why if len(why) <= 160 else why[:157] + "…")
        lines.append(line)
    return lines


def tag_table(results: Mapping[str, Any], labels: Labels | None = None) -> Any | None:
    """Pass rate per tag (rows) and scorer (columns), when cases carry two or more tags."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    scorers = [s for s in results["scorers"] if s.get("by_tag") and s["pass_rate"] is not None]
    tags = sorted({t for s in scorers for t in s["by_tag"]})
    if len(tags) < 2:
        return None
    table = Table(
        title="Pass rate by tag"
        + (f" (first {MAX_TAGS} of {len(tags)})" if len(tags) > MAX_TAGS else ""),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    labels = labels or Labels()
    table.add_column("tag", **labels.column())
    table.add_column("cases", justify="right")
    for s in scorers:
        table.add_column(labels.head(s["id"], key=True), **labels.column(justify="right"))
    for tag in tags[:MAX_TAGS]:
        n = next(s["by_tag"][tag]["n_cases"] for s in scorers if tag in s["by_tag"])
        cells = [fmt.pct((s["by_tag"].get(tag) or {}).get("pass_rate")) for s in scorers]
        table.add_row(Text(labels.cell(tag)), str(n), *cells)
    return table


def confusion_tables(results: Mapping[str, Any]) -> list[Any]:
    """For each ``label`` scorer: the confusion matrix with each label's precision and recall."""
    return [confusion_table(s) for s in results["scorers"] if s.get("confusion")]


def confusion_table(s: Mapping[str, Any], labels: Labels | None = None) -> Any:
    """A ``label`` scorer's confusion matrix with each label's precision and recall."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    labels = labels or Labels()
    conf = s["confusion"]
    acc = conf["accuracy"]
    table = Table(
        title=f"{s['id']}: confusion (rows expected, columns answered); accuracy "
        f"{fmt.pct(acc['value'])} {fmt.ci(acc['ci'])}, macro F1 {fmt.num(conf['macro_f1'])}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column(labels.head("expected \\ answered"), **labels.column())
    for label in conf["labels"]:
        table.add_column(labels.cell(label), **labels.column(justify="right"))
    table.add_column("precision", justify="right")
    table.add_column("recall", justify="right")
    for label, row in zip(conf["labels"], conf["matrix"], strict=True):
        per = conf["per_label"].get(label)
        if per is None:  # (other) / (error) are answers, never expected
            continue
        p, r = fmt.pct(per["precision"]["value"]), fmt.pct(per["recall"]["value"])
        table.add_row(Text(labels.cell(label)), *(str(v) for v in row), p, r)
    return table
