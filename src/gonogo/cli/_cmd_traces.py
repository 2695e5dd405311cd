"""``gonogo traces export`` and ``gonogo feedback export``: production → golden dataset."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ..errors import UserError
from ._cmd_prompt import prd_option, store_option, store_url, with_store

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str | None) -> float | None:
    """A time: ``24h``/``7d``/``30m`` ago, ISO date or datetime (UTC by default), unix s."""
    if text is None:
        return None
    t = text.strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhdw])", t)
    if m:
        return time.time() - float(m.group(1)) * _UNITS[m.group(2)]
    try:
        return float(t)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"cannot read the time {text!r}",
            "write a duration ago (24h, 7d, 30m), a date (2026-11-01), "
            "a datetime (2026-11-01T09:00) or unix seconds",
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


_since_option = click.option(
    "--since", default=None, metavar="WHEN", help="Only newer: 24h, 7d, 2026-11-01, unix seconds."
)
_prompt_option = click.option("--prompt", "prompt_name", default=None, help="Only this prompt.")
_out_option = click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="JSONL file to write (a golden dataset: add it to eval_plan.datasets).",
)
_limit_option = click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="At most this many (newest)."
)


@click.group("traces")
def traces() -> None:
    """Traces the gateway recorded (one per request)."""


@traces.command("export")
@_since_option
@click.option("--until", default=None, metavar="WHEN", help="Only older than this.")
@_prompt_option
@click.option(
    "--include-errors",
    is_flag=True,
    help="Also export requests answered with an HTTP error (4xx/5xx): by default only "
    "requests answered with 2xx, which can be golden rows.",
)
@_limit_option
@_out_option
@prd_option
@store_option
def export_traces(
    since: str | None,
    until: str | None,
    prompt_name: str | None,
    include_errors: bool,
    limit: int | None,
    out: Path,
    prd: Path | None,
    store: str | None,
) -> None:
    """Write traces as golden-dataset rows (inputs, contexts, tags; output in metadata).

    Rows have no `expected`: add one, or export rated outputs with `gonogo feedback export`.
    See docs/registry.md for the row format.
    """
    from ..store.gateway import export_traces as run_export

    lo, hi = parse_since(since), parse_since(until)

    async def act(s: Any) -> int:
        return await run_export(
            s,
            out,
            since=lo,
            until=hi,
            prompt_name=prompt_name,
            limit=limit,
            only_ok=not include_errors,
        )

    n = with_store(store_url(store, prd), act, create=False)
    click.echo(f"wrote {n} case(s) to {out}")


@click.group("feedback")
def feedback() -> None:
    """Ratings and corrections users gave to gateway outputs."""


@feedback.command("export")
@_since_option
@_prompt_option
@click.option(
    "--min-rating",
    type=click.FloatRange(0, 1),
    default=None,
    help="Only ratings at or above this (1 = thumbs up, 0 = down).",
)
@click.option(
    "--only",
    type=click.Choice(["up", "down"]),
    default=None,
    help="Only thumbs up (rating ≥ 0.5) or thumbs down (< 0.5).",
)
@_limit_option
@_out_option
@prd_option
@store_option
def export_feedback(
    since: str | None,
    prompt_name: str | None,
    min_rating: float | None,
    only: str | None,
    limit: int | None,
    out: Path,
    prd: Path | None,
    store: str | None,
) -> None:
    """Write rated outputs as golden-dataset rows.

    The correction, or a good output, becomes `expected`; tags carry the prompt version
    and the rating. See docs/registry.md for the row format.
    """
    from ..store.gateway import GOOD_RATING
    from ..store.gateway import export_feedback as run_export

    lo = parse_since(since)
    below = GOOD_RATING if only == "down" else None
    if only == "up":
        min_rating = max(min_rating or 0.0, GOOD_RATING)

    async def act(s: Any) -> int:
        return await run_export(
            s,
            out,
            since=lo,
            prompt_name=prompt_name,
            min_rating=min_rating,
            below_rating=below,
            limit=limit,
        )

    n = with_store(store_url(store, prd), act, create=False)
    click.echo(f"wrote {n} case(s) to {out}")


@traces.command("replay")
@click.argument("trace_ids", nargs=-1, metavar="[TRACE_ID]...")
@click.option("--many", is_flag=True, help="Replay every trace the filters select.")
@_since_option
@_prompt_option
@click.option(
    "--rated-down", is_flag=True, help="With --many: only traces whose feedback is negative."
)
@_limit_option
@click.option("--prompt-version", type=int, default=None, help="Replay with this registry version.")
@click.option("--model", default=None, help="Replay with this model (same provider).")
@click.option("--variant", default=None, help="Replay with a PRD variant (its model, prompt).")
@click.option(
    "--json", "json_out", type=click.Path(path_type=Path), default=None, help="Write replay.json."
)
@click.option(
    "--prd",
    type=click.Path(path_type=Path),
    default=Path("gonogo.yaml"),
    show_default=True,
    help="The PRD whose model and scorers the replay uses.",
)
@store_option
def replay(
    trace_ids: tuple[str, ...], many: bool, since: str | None, prompt_name: str | None,
    rated_down: bool, limit: int | None, prompt_version: int | None, model: str | None,
    variant: str | None, json_out: Path | None, prd: Path, store: str | None,
) -> None:  # fmt: skip
    """Re-run recorded requests and compare the answers (another prompt version, model…).

    Each trace is replayed with its recorded inputs, contexts and parameters against the
    same or another prompt version, model or PRD variant.

    One trace: both answers side by side, each scored, and their diff. With --many (e.g.
    `--many --since 1d --rated-down`): every selected trace, and per scorer the paired test
    of recorded vs replayed (exact McNemar, Holm). Never writes into production traces.
    """
    import asyncio
    import json as jsonlib

    from ..monitor._replay import ReplayOptions
    from ..monitor._replay import replay as run_replay
    from ..spec import load_prd

    loaded = load_prd(prd)
    url = store_url(store, prd)
    ids = list(trace_ids)
    if many:
        ids += with_store(url, lambda s: _select(s, parse_since(since), prompt_name, rated_down,
                                                 limit), create=False)  # fmt: skip
    if not ids:
        raise UserError("no trace to replay", "give TRACE_IDs, or --many with filters")
    opts = ReplayOptions(url, prompt_version=prompt_version, model=model, variant=variant)
    doc = asyncio.run(run_replay(loaded, ids, opts))
    for it in doc["items"][:5]:
        click.echo(f"trace {it['trace_id']}: {it['original']['prompt']} ({it['original']['model']})"
                   f" → {it['prompt']} ({it['model']})")  # fmt: skip
        click.echo(f"  recorded: {(it['original']['output'] or '')[:300]}")
        click.echo(f"  replayed: {it['replay']['output'][:300]}")
        for sid, s in it["replay"]["scores"].items():
            before = it["original"]["scores"].get(sid, {}).get("passed")
            click.echo(f"    {sid}: {_mark(before)} → {_mark(s.get('passed'))}  {s.get('reason')}")
    if len(doc["items"]) > 5:
        click.echo(f"… {len(doc['items']) - 5} more traces")
    for row in doc["scorers"]:
        change = f"{row['recorded']:.0%} → {row['replayed']:.0%} over {row['n']} traces"
        click.echo(f"{row['scorer']}: {change}, p (Holm) {row['p_adjusted']:.3f}: {row['verdict']}")
    if json_out is not None:
        json_out.write_text(jsonlib.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        click.echo(f"json: {json_out}")


def _mark(passed: Any) -> str:
    return "n/e" if passed is None else ("pass" if passed else "FAIL")


async def _select(
    s: Any, since: float | None, prompt_name: str | None, rated_down: bool, limit: int | None
) -> list[str]:
    if rated_down:
        rows = await s.list_feedback(since=since, prompt_name=prompt_name)
        ids = list(dict.fromkeys(t.id for fb, t in rows if fb.rating < 0.5))
    else:
        ids = [t.id for t in await s.list_traces(since=since, prompt_name=prompt_name)]
    return ids[:limit] if limit else ids
