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

    n = with_store(store_url(store, prd), act)
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

    n = with_store(store_url(store, prd), act)
    click.echo(f"wrote {n} case(s) to {out}")
