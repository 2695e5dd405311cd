"""``gonogo demo``: the reference RAG app over real data, evaluated end to end, offline."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import click


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("gonogo-demo"),
    show_default=True,
    help="Where to write the demo project and its reports.",
)
@click.option("--fresh", is_flag=True, help="Rebuild the project and its index even if present.")
@click.option(
    "--base-url",
    envvar="GONOGO_BASE_URL",
    default=None,
    metavar="URL",
    help="An OpenAI-compatible endpoint: answer with this LLM and judge with it "
    "(env GONOGO_BASE_URL). Default: offline, extractive answers.",
)
@click.option(
    "--model",
    envvar="GONOGO_MODEL",
    default=None,
    metavar="NAME",
    help="Model name at --base-url (env GONOGO_MODEL).",
)
@click.option(
    "--api-key-env",
    default=None,
    metavar="VAR",
    help="Environment variable holding the endpoint's API key, if it needs one.",
)
@click.option(
    "--cases",
    type=click.IntRange(min=10),
    default=120,
    show_default=True,
    help="Golden cases (about 83% answerable, 10% unanswerable, 7% injected).",
)
def demo(
    directory: Path,
    fresh: bool,
    base_url: str | None,
    model: str | None,
    api_key_env: str | None,
    cases: int,
) -> None:
    """Evaluate a real RAG feature end to end: PRD → evals → GO / NO-GO → reports.

    Builds gonogo's reference RAG app over 250 Wikipedia passages from HaluEval (bundled),
    writes the feature's AI PRD with its failure-mode table, runs the eval plan (answer
    correctness, groundedness, retrieval recall/precision, refusals, planted instructions)
    and prints the verdict. Offline and without an API key by default; give --base-url and
    --model to answer with an LLM and judge with it.

    Exit code: 0 when the demo ran to the end, whether the verdict is GO or NO-GO (the demo
    shows what gonogo does; use `gonogo eval`, which exits 1 on NO-GO, to gate CI); 2 for a
    usage error; 3 when the run itself could not finish (verdict INCOMPLETE).
    """
    from ..demo import DemoConfig, build_demo
    from ..errors import UserError

    if (base_url is None) != (model is None):
        raise UserError(
            "--base-url and --model go together", "give both (or neither, for the offline demo)"
        )
    t0 = time.perf_counter()
    prd = directory / "gonogo.yaml"
    unanswerable = max(1, round(cases * 0.10))
    injected = max(1, round(cases * 0.07))
    config = DemoConfig(
        answerable=cases - unanswerable - injected,
        unanswerable=unanswerable,
        injected=injected,
        base_url=base_url,
        model=model,
        api_key_env=api_key_env,
    )
    if fresh or not prd.exists() or _config_changed(directory, config):
        summary = build_demo(directory, config)
        click.echo(
            f"wrote the demo project to {directory}/: {summary['documents']} documents, "
            f"{summary['answerable']} answerable + {summary['unanswerable']} unanswerable "
            f"+ {summary['injected']} injected golden questions"
        )
        _build_index(directory)
    elif not (directory / "index").exists():
        _build_index(directory)
    verdict = _run_eval(prd, directory)
    if verdict == "INCOMPLETE":
        click.echo(f"\nthe demo's eval did not finish: see the report in {directory / 'report'}")
        sys.exit(3)
    click.echo(
        f"\ndemo finished in {time.perf_counter() - t0:.1f}s with verdict {verdict} "
        "(the demo exits 0 either way; `gonogo eval` exits 1 on NO-GO). Next: open "
        f"{directory / 'report' / 'report.html'}, edit {prd}, and run `gonogo eval {prd}` — "
        f"or break it on purpose and see which detectors notice: `gonogo lab {prd}`."
    )


def _config_changed(directory: Path, config: object) -> bool:
    import json

    try:
        saved = json.loads((directory / "app_config.json").read_text())
    except (OSError, ValueError):
        return True
    return bool(
        saved.get("base_url") != getattr(config, "base_url", None)
        or saved.get("model") != getattr(config, "model", None)
    )


def _build_index(directory: Path) -> None:
    from ..rag import RagIndex, load_documents
    from ..run import Progress
    from ._progress import ProgressDisplay

    t = time.perf_counter()
    docs, warnings = load_documents([directory / "corpus"])
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(
        f"building the search index over {len(docs)} documents: BM25, and MiniLM embeddings "
        "of every chunk (the slow part: about 10-30 s on 2 cores, once)…"
    )
    display = ProgressDisplay("embedding chunks")
    started: list[bool] = []

    def progress(done: int, total: int) -> None:
        if not started:
            display.start(total)
            started.append(True)
        display.update(Progress(total=total, done=done))

    try:
        index = RagIndex.build(docs, on_progress=progress)
    finally:
        display.stop()
    index.save(directory / "index")
    click.echo(
        f"indexed {len(docs)} documents ({len(index.chunks)} chunks, BM25 + MiniLM) "
        f"in {time.perf_counter() - t:.1f}s"
    )


def _run_eval(prd: Path, directory: Path) -> str:
    from rich.console import Console

    from ..report import render_console
    from ..run import EvalOptions, RunPlan, evaluate
    from ._progress import ProgressDisplay

    display = ProgressDisplay("demo eval")

    def on_start(plan: RunPlan, resumed: int) -> None:
        click.echo(f"running {plan.items} golden questions through the RAG app and its scorers…")
        display.start(plan.items)

    opts = EvalOptions(out_dir=directory / "report", on_progress=display.update, on_start=on_start)
    try:
        result = asyncio.run(evaluate(prd, opts))
    finally:
        display.stop()
    assert result.results is not None
    render_console(result.results, Console())
    for name, path in result.paths.items():
        click.echo(f"{name}: {path}")
    return str(result.results["verdict"])
