"""``gonogo keys``: create, list, revoke and budget the gateway's API keys (stored hashed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._cmd_prompt import prd_option, store_option, store_url, when, with_store


@click.group("keys")
def keys() -> None:
    """API keys for the gateway (only a hash of each is stored).

    `app` keys call the feature endpoints; `admin` keys also change the registry and
    budgets; `reviewer` keys only sign in to the dashboard (`gonogo ui`) to label review
    items. The secret is printed once, at creation.
    """


@keys.command("create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["app", "admin", "reviewer"]),
    default="app",
    show_default=True,
    help="`app`: feature endpoints and feedback; `admin`: also registry and budgets; "
    "`reviewer`: only the dashboard (gonogo ui), to label review items.",
)
@click.option(
    "--daily-budget",
    type=click.FloatRange(min=0),
    default=None,
    metavar="USD",
    help="Most this key may spend per day (the gateway enforces it).",
)
@prd_option
@store_option
def create(
    name: str, role: str, daily_budget: float | None, prd: Path | None, store: str | None
) -> None:
    """Create a key named NAME and print its secret (shown this once only)."""
    from ..store.gateway import new_api_key

    secret, rec = new_api_key(name, role, daily_budget)

    async def act(s: Any) -> None:
        await s.add_key(rec)

    with_store(store_url(store, prd), act)
    click.echo(f"created {rec.role} key {rec.id} ({rec.name})")
    click.echo(secret)
    click.echo("store the secret now: it is not kept and cannot be shown again", err=True)


@keys.command("list")
@prd_option
@store_option
def list_(prd: Path | None, store: str | None) -> None:
    """Every key: id, name, role, created, revoked, daily budget (never the secret)."""

    async def act(s: Any) -> list[Any]:
        rows: list[Any] = await s.list_keys()
        return rows

    rows = with_store(store_url(store, prd), act, create=False)
    if not rows:
        click.echo("no keys yet — create one: gonogo keys create my-app --role app")
        return
    click.echo(f"{'ID':<12} {'ROLE':<6} {'CREATED':<21} {'STATUS':<29} {'BUDGET/DAY':>10}  NAME")
    for k in rows:
        status = "active" if k.revoked_at is None else f"revoked {when(k.revoked_at)}"
        budget = "-" if k.daily_budget_usd is None else f"${k.daily_budget_usd:g}"
        click.echo(
            f"{k.id:<12} {k.role:<8} {when(k.created_at):<21} {status:<29} {budget:>10}  {k.name}"
        )


@keys.command("revoke")
@click.argument("key_id")
@prd_option
@store_option
def revoke(key_id: str, prd: Path | None, store: str | None) -> None:
    """Revoke the key with id KEY_ID (e.g. gk_3f9a1c2b); gateways refuse it from then on."""

    async def act(s: Any) -> None:
        await s.revoke_key(key_id)

    with_store(store_url(store, prd), act)
    click.echo(f"revoked {key_id}")


@keys.command("budget")
@click.argument("key_id")
@click.option(
    "--daily-budget",
    type=click.FloatRange(min=0),
    default=None,
    metavar="USD",
    help="The key's new daily limit in USD (it replaces the PRD's per_key_daily_usd).",
)
@click.option(
    "--none",
    "no_budget",
    is_flag=True,
    help="Drop the key's own limit (the PRD's per_key_daily_usd applies, if any).",
)
@prd_option
@store_option
def budget(
    key_id: str, daily_budget: float | None, no_budget: bool, prd: Path | None, store: str | None
) -> None:
    """Set or drop the daily budget of the key KEY_ID (gateways apply it within 10 s)."""
    from ..errors import UserError

    if (daily_budget is None) == (not no_budget):
        raise UserError(
            "pass exactly one of --daily-budget USD and --none",
            f"e.g. gonogo keys budget {key_id} --daily-budget 20",
        )

    async def act(s: Any) -> None:
        await s.set_key_budget(key_id, daily_budget)

    with_store(store_url(store, prd), act)
    shown = "no daily budget of its own" if daily_budget is None else f"${daily_budget:g}/day"
    click.echo(f"{key_id}: {shown}")
