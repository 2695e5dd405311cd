"""``gonogo rag``: the reference RAG app from the shell — ingest documents, ask questions."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path
from typing import Any

import click

_SNIPPET_CHARS = 300


@click.group("rag")
def rag() -> None:
    """The reference RAG app: ingest documents, ask questions.

    \b
      gonogo rag ingest docs/ --index .rag          index .txt, .md and .jsonl files
      gonogo rag ask "How do I reset it?" --index .rag
      gonogo rag ask "..." --index .rag --model gpt-4o-mini --api-key-env OPENAI_API_KEY

    Retrieval is hybrid (BM25 + local MiniLM embeddings, fused by reciprocal rank).
    Without --model the answer is extracted from the contexts, offline.
    """


@rag.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--index",
    "index_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder to write the index to (replaced if it holds one).",
)
@click.option("--chunk-size", default=700, show_default=True, help="Most characters in one chunk.")
@click.option(
    "--overlap",
    default=200,
    show_default=True,
    help="Characters of trailing sentences repeated at the start of the next chunk.",
)
def ingest(paths: tuple[Path, ...], index_dir: Path, chunk_size: int, overlap: int) -> None:
    """Index documents: files or folders of .txt, .md and .jsonl (one document a line).

    Files that cannot be used (empty, unreadable, not UTF-8) are skipped with a
    warning naming them; the rest are indexed.
    """
    from ..rag import RagIndex

    click.echo(f"indexing {', '.join(map(str, paths))} …", err=True)
    index = RagIndex.build(paths, chunk_size=chunk_size, overlap=overlap)
    for issue in index.warnings:
        click.echo(f"warning: {issue.format()}", err=True)
    index.save(index_dir)
    info = index.info
    skipped = f", {len(index.warnings)} skipped" if index.warnings else ""
    click.echo(
        f"indexed {info.documents} documents as {info.chunks} chunks in {info.build_s:.1f}s"
        f"{skipped} → {index_dir}"
    )
    click.echo(f'ask: gonogo rag ask "your question" --index {index_dir}')


@rag.command("ask")
@click.argument("question")
@click.option(
    "--index",
    "index_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="The index folder `gonogo rag ingest` wrote.",
)
@click.option("-k", "--k", "k", default=5, show_default=True, help="Contexts to retrieve.")
@click.option("--base-url", default=None, help="OpenAI-compatible endpoint (with --model).")
@click.option("--model", default=None, help="Answer with this model instead of extracting.")
@click.option(
    "--api-key-env", default=None, help="Environment variable holding the endpoint's API key."
)
@click.option(
    "--window-tokens", type=int, default=None, help="The model's context window (default 4096)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def ask(
    question: str,
    index_dir: Path,
    k: int,
    base_url: str | None,
    model: str | None,
    api_key_env: str | None,
    window_tokens: int | None,
    as_json: bool,
) -> None:
    """Answer QUESTION from the indexed documents; show the contexts used."""
    from ..rag import RagApp

    app = RagApp.from_directory(
        index_dir,
        base_url=base_url,
        model=model,
        api_key_env=api_key_env,
        k=k,
        window_tokens=window_tokens,
    )

    async def run() -> dict[str, Any]:
        try:
            return await app.answer(question)
        finally:
            await app.aclose()

    result = asyncio.run(run())
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    _print_answer(result)


def _print_answer(result: dict[str, Any]) -> None:
    meta = result["metadata"]
    click.echo(result["output"])
    note = (meta.get("answer") or {}).get("truncation")
    if note:
        click.echo(f"note: {note['note']}", err=True)
    cost = result.get("cost_usd")
    cost_text = f", ${cost:.6f}" if cost else ""
    click.echo(f"\n({meta['answerer']}, {result['latency_s']:.2f}s{cost_text})")
    if not result["contexts"]:
        click.echo("no relevant context found in the index")
        return
    click.echo(f"contexts (top {len(result['contexts'])}):")
    for i, (text, hit) in enumerate(zip(result["contexts"], meta["retrieval"], strict=True), 1):
        mark = "*" if hit["id"] == meta.get("evidence_chunk_id") else " "
        ranks = ", ".join(
            f"{name} #{hit[key]}"
            for name, key in (("bm25", "bm25_rank"), ("dense", "dense_rank"))
            if hit[key] is not None
        )
        click.echo(
            f"{mark}[{i}] {hit['id']}  score {hit['score']:.4f}  ({ranks}; "
            f"cosine {hit['similarity']:.2f})"
        )
        snippet = textwrap.shorten(" ".join(text.split()), _SNIPPET_CHARS, placeholder=" …")
        click.echo(textwrap.indent(textwrap.fill(snippet, 96), "     "))
