"""``gonogo serve``: run the runtime gateway for a PRD."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click


@click.command("serve")
@click.argument("prd", type=click.Path(path_type=Path), default="gonogo.yaml")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True,
              help="Port to listen on (0 picks a free one).")  # fmt: skip
@click.option(
    "--store", envvar="GONOGO_STORE_URL", default=None, metavar="URL",
    help="Registry and trace store: sqlite:///path.db or postgresql://USER:PW@HOST/DB. "
    "Default: $GONOGO_STORE_URL, else .gonogo/gateway.db next to the PRD.",
)  # fmt: skip
@click.option(
    "--redis", envvar="GONOGO_REDIS_URL", default=None, metavar="URL",
    help="redis://HOST:PORT/DB for budget counters shared by every replica "
    "(default: $GONOGO_REDIS_URL; without it totals come from the store every 10 s).",
)  # fmt: skip
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (each has its own caches; use --redis to share budgets).",
)
@click.option(
    "--poll",
    "poll_s",
    type=click.FloatRange(0.05, 5.0),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="How often the prompt registry is checked for label moves (≤ 5 s).",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(1024),
    default=1_048_576,
    show_default=True,
    help="Larger request bodies get HTTP 413.",
)
@click.option(
    "--read-timeout",
    "read_timeout_s",
    type=click.FloatRange(0.1, 600),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="A request must arrive whole (headers and body) within this; slower clients "
    "get HTTP 408 or are disconnected.",
)
@click.option(
    "--otel",
    is_flag=True,
    help="Export a span per request (OpenTelemetry GenAI conventions); needs "
    "`pip install 'gonogo[otel]'` and the usual OTEL_* environment.",
)
@click.option(
    "--no-seed", is_flag=True, help="Do not push the PRD's prompt into an empty registry at start."
)
@click.option("-v", "--verbose", is_flag=True, help="Log every request's errors and retries.")
def serve(
    prd: Path, host: str, port: int, store: str | None, redis: str | None, workers: int,
    poll_s: float, max_body_bytes: int, read_timeout_s: float, otel: bool, no_seed: bool,
    verbose: bool,
) -> None:  # fmt: skip
    """Serve the PRD's feature behind guardrails: an OpenAI-compatible gateway.

    \b
    Endpoints (all JSON; keys as `Authorization: Bearer <key>`):
      POST /v1/chat/completions            OpenAI-compatible, streaming too   (app key)
      POST /v1/prompts/NAME/completions    render a registry prompt by label  (app key)
      POST /v1/feedback                    rate an answer by its trace id     (app key)
      GET  /healthz  /metrics  /openapi.json                                 (no key)
      /v1/admin/prompts…, /v1/admin/budget                                  (admin key)

    Every request passes the PRD's guards, budget and fallback chain, and is traced.
    Create keys with `gonogo keys create NAME --role app --prd PRD` (or set
    GONOGO_ADMIN_KEY to an admin key kept only in the gateway's memory). See
    docs/gateway.md.

    \b
    Example:
      gonogo keys create my-app --prd gonogo.yaml
      gonogo serve gonogo.yaml --port 8787
      curl -H "Authorization: Bearer $KEY" localhost:8787/v1/prompts/answer/completions \\
           -d '{"variables": {"question": "Can I return shoes?"}}'
    """
    from ..gateway import GatewaySettings
    from ..gateway import serve as run_gateway
    from ..gateway._app import require_gateway_extra
    from ._main import serving_started

    require_gateway_extra()
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("gonogo.gateway").setLevel(logging.INFO)
    admin_key = os.environ.get("GONOGO_ADMIN_KEY") or None
    settings = GatewaySettings(
        store_url=store, redis_url=redis, admin_key=admin_key, poll_s=poll_s,
        max_body_bytes=max_body_bytes, read_timeout_s=read_timeout_s, otel=otel,
        seed_prompt=not no_seed,
    )  # fmt: skip

    def ready(url: str) -> None:
        from ..store.gateway import default_store_url, redact_url

        where = redact_url(store or default_store_url(prd.resolve().parent))  # no password
        click.echo(f"gonogo gateway serving {prd} on {url}")
        click.echo(f"  store: {where}" + (f", redis: {redact_url(redis)}"
                                                      if redis else ""))  # fmt: skip
        click.echo(f"  endpoints: {url}/v1/chat/completions, {url}/v1/prompts/NAME/completions,"
                   f" {url}/metrics, {url}/openapi.json")  # fmt: skip
        click.echo("  keys: gonogo keys create NAME --role app" + (f" --store {where}"
                   if store else f" --prd {prd}") + "   (admin: --role admin"
                   + (", or the GONOGO_ADMIN_KEY you set" if admin_key else
                      "; or start with GONOGO_ADMIN_KEY=<secret>") + ")")  # fmt: skip
        click.echo("  stop with Ctrl-C")
        sys.stdout.flush()
        serving_started()

    run_gateway(prd, settings, host=host, port=port, workers=workers, on_ready=ready)
