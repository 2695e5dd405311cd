"""``gonogo runs`` (a PRD's stored runs) and ``gonogo diff`` (two runs, case by case)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ._options import prd_argument, store_option


def _store(prd: Path, store_path: Path | str | None, how: str = "gonogo runs PATH") -> Any:
    from ..errors import UserError
    from ..store import is_url, open_run_store

    if store_path is not None and is_url(store_path):
        return open_run_store(store_path)
    path = Path(store_path or prd.resolve().parent / ".gonogo" / "runs.sqlite")
    if not path.exists():
        hint = f"run `gonogo eval {prd}` first"
        if store_path is None and not prd.exists():  # `diff` run away from the PRD's folder
            hint = f"there is no {prd} here: name the PRD ({how}), or " + hint
        raise UserError(f"no run store at {path}", hint)
    return open_run_store(path)


def _rates(results: dict[str, Any] | None) -> str:
    if not results:
        return "—"
    parts = [
        f"{t['scorer']} {t['estimate']:.2f}" if t["estimate"] is not None else f"{t['scorer']} —"
        for t in results["thresholds"][:3]
    ]
    more = len(results["thresholds"]) - 3
    return ", ".join(parts) + (f" +{more}" if more > 0 else "")


@click.command("runs")
@prd_argument
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, metavar="N")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@store_option
def runs(prd: Path, limit: int, as_json: bool, store_path: Path | str | None) -> None:
    """The PRD's stored runs, newest first: id, time, verdict, target, gated rates.

    Use an id with `gonogo report PRD --run ID --out DIR` or `gonogo diff ID_A ID_B`.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from ..spec import prd_key

    store = _store(prd, store_path)
    try:
        rows = store.list_runs(prd_key(prd), limit=limit)
    finally:
        store.close()
    if as_json:
        out = [
            {
                "id": r.id,
                "created_at": r.created_at,
                "status": r.status,
                "verdict": (r.results or {}).get("verdict"),
                "target": r.meta.get("target"),
                "subset": r.meta.get("subset"),
                "thresholds": [
                    {k: t[k] for k in ("scorer", "metric", "estimate", "ci", "target", "status")}
                    for t in (r.results or {}).get("thresholds", [])
                ],
            }
            for r in rows
        ]
        click.echo(json.dumps(out, indent=2))
        return
    if not rows:
        click.echo(f"no runs of {prd} yet: `gonogo eval {prd}` makes one")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("run", no_wrap=True)
    for name in ("started (UTC)", "verdict", "target", "gated rates"):
        table.add_column(name, overflow="fold")
    for r in rows:
        verdict = (r.results or {}).get("verdict") or r.status
        if r.meta.get("subset"):
            verdict += " (subset)"
        started = r.created_at.replace("T", " ")[:16]
        table.add_row(r.id, started, verdict, str(r.meta.get("target") or ""), _rates(r.results))
    Console().print(table)


@click.command("diff")
@click.argument("run_a")
@click.argument("run_b")
@click.option(
    "--prd",
    type=click.Path(path_type=Path),
    default=Path("gonogo.yaml"),
    show_default=True,
    help="The PRD whose run store holds both runs.",
)
@click.option(
    "--json", "json_out", type=click.Path(path_type=Path), help="Also write the diff as JSON."
)
@click.option("--show", type=click.IntRange(min=0), default=10, show_default=True, metavar="N",
              help="Cases listed per kind of change.")  # fmt: skip
@store_option
def diff(
    run_a: str,
    run_b: str,
    prd: Path,
    json_out: Path | None,
    show: int,
    store_path: Path | str | None,
) -> None:
    """What changed from run A to run B: paired tests per gated scorer, cases that moved.

    Pairs the runs case by case (the same statistics as `gonogo compare`: exact McNemar or
    a paired permutation test, Holm across scorers) and lists the cases that newly fail or
    newly pass. Nothing is run. Exit code: 0, or 1 when B is worse on a gated scorer.
    """
    from rich.console import Console
    from rich.text import Text

    from ..compare import VERDICT_LABELS, diff_runs
    from ..report._compare_console import scorer_table

    store = _store(prd, store_path, how="--prd PATH")
    try:
        d = diff_runs(store, run_a, run_b)
    finally:
        store.close()
    doc = d.to_dict()
    console = Console()
    for side in ("a", "b"):
        r = doc[side]
        console.print(
            Text(
                f"{side.upper()}: {r['id']} ({r['created_at'][:16]}) {r['verdict']}  "
                + str(r["target"] or "")
            )
        )
    c = doc["cases"]
    extra = (
        f"; only in A {c['only_a']}, only in B {c['only_b']}" if c["only_a"] or c["only_b"] else ""
    )
    console.print(Text(f"{c['common']} cases in both{extra}"))
    from ..report._fit import print_fitted

    table_doc = {"settings": {"confidence": 0.95}, "scorers": doc["scorers"]}
    print_fitted(console, lambda labels: scorer_table(table_doc, labels))
    for kind, label in (
        ("newly_failing", "Newly failing"),
        ("newly_passing", "Newly passing"),
        ("other", "Changed status"),
    ):
        moved = doc["changed"][kind]
        if not moved:
            continue
        console.print(Text(f"{label} ({len(moved)}):", style="bold"))
        for m in moved[:show]:
            scorers = ", ".join(
                f"{sid} {_share(v[0])}→{_share(v[1])}" for sid, v in m["scorers"].items()
            )
            console.print(
                Text(f"  {m['key']}: {m['a']} → {m['b']}" + (f" ({scorers})" if scorers else ""))
            )
        if len(moved) > show:
            console.print(Text(f"  … {len(moved) - show} more (--show N)"))
    console.print(Text(f"verdict: {VERDICT_LABELS.get(d.verdict, d.verdict)}", style="bold"))
    for reason in d.reasons:
        console.print(Text(f"  {reason}"))
    if json_out is not None:
        json_out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"json: {json_out}")
    sys.exit(1 if d.verdict in ("worse", "inferior") else 0)


def _share(x: Any) -> str:
    return "—" if x is None else f"{float(x):.0%}"
