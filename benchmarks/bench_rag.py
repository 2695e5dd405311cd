"""The reference RAG app on HaluEval QA: retrieval hit@k, extractive answer quality, speed.

Indexes the `context` of each line of src/gonogo/demo/data/halueval_qa_dev.jsonl as one
document (250 multi-hop questions, MIT licence), then for every question:

- retrieval: is a chunk of the question's own context ranked 1st / in the top 5, for
  the hybrid search and for each retriever alone (its rank inside the hybrid search);
- answering: the extractive answerer's exact match and token F1 against `answer`
  (SQuAD normalisation), and how often it refuses;
- unanswerable: the same questions with their own context removed from the results
  (the next 5 chunks instead): how often the answerer rightly refuses.

Prints a Markdown table. Run: .venv/bin/python benchmarks/bench_rag.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import string
import sys
import time
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src/gonogo/demo/data/halueval_qa_dev.jsonl"


def normalize(text: str) -> list[str]:
    text = text.casefold()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return text.split()


def token_f1(pred: str, gold: str) -> float:
    p, g = normalize(pred), normalize(gold)
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g or common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--workers", type=int, default=None, help="embedding threads for the build")
    ap.add_argument("--show-errors", type=int, default=0, help="print N wrong answers")
    args = ap.parse_args()

    from gonogo.embeddings import get_embedder
    from gonogo.rag import Document, ExtractiveAnswerer, RagApp, RagIndex

    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    docs = [
        Document(r["id"], r["context"], f"{args.data.name}:{i + 1}") for i, r in enumerate(rows)
    ]

    t0 = time.perf_counter()
    get_embedder()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = RagIndex.build(docs, workers=args.workers)
    build_s = time.perf_counter() - t0

    answerer = ExtractiveAnswerer()
    app = RagApp(index, answerer, k=args.k)
    hits = Counter()
    em = f1 = 0.0
    refused_answerable = refused_unanswerable = 0
    latencies: list[float] = []
    types: Counter[str] = Counter()
    type_em: Counter[str] = Counter()
    errors: list[tuple[str, str, str]] = []
    for r in rows:
        t0 = time.perf_counter()  # first: the question's embedding is not cached yet
        result = app.answer_sync(r["question"])
        latencies.append(time.perf_counter() - t0)
        wide = index.search(r["question"], k=50)
        own = [h for h in wide if h.chunk.doc_id == r["id"]]
        hits["hybrid@1"] += bool(wide) and wide[0].chunk.doc_id == r["id"]
        hits["hybrid@5"] += any(h.chunk.doc_id == r["id"] for h in wide[:5])
        for name, attr in (("bm25", "bm25_rank"), ("dense", "dense_rank")):
            ranks = [getattr(h, attr) for h in own if getattr(h, attr) is not None]
            hits[f"{name}@1"] += bool(ranks) and min(ranks) == 1
            hits[f"{name}@5"] += bool(ranks) and min(ranks) <= 5

        pred = result["output"]
        refused_answerable += bool(result["metadata"].get("refused"))
        e = float(normalize(pred) == normalize(r["answer"]))
        em += e
        f1 += token_f1(pred, r["answer"])
        if not e:
            qtype = result["metadata"]["answer"].get("answer_type", "refused")
            errors.append((r["question"], r["answer"], f"[{qtype}] {pred}"))
        types[result["metadata"]["answer"].get("answer_type", "refused")] += 1
        type_em[result["metadata"]["answer"].get("answer_type", "refused")] += e

        others = [h for h in wide if h.chunk.doc_id != r["id"]][: args.k]
        if answerer.answer(r["question"], others).refused:
            refused_unanswerable += 1

    n = len(rows)
    pct = lambda x: f"{100 * x / n:.1f}%"  # noqa: E731
    print(f"## Reference RAG app on {args.data.name} ({n} questions, {len(index)} chunks)\n")
    print("| measure | value |")
    print("|---|---|")
    for name in ("hybrid", "bm25", "dense"):
        at1, at5 = pct(hits[name + "@1"]), pct(hits[name + "@5"])
        print(f"| retrieval hit@1 / hit@5, {name} | {at1} / {at5} |")
    print(f"| extractive exact match | {pct(em)} |")
    print(f"| extractive token F1 | {100 * f1 / n:.1f} |")
    print(f"| refusals, answerable (own context retrievable) | {pct(refused_answerable)} |")
    print(f"| refusals, unanswerable (own context removed) | {pct(refused_unanswerable)} |")
    print(f"| embedding model load | {load_s:.2f} s |")
    workers = args.workers or "default"
    print(f"| index build ({len(docs)} docs, {workers} embedding threads) | {build_s:.2f} s |")
    med = statistics.median(latencies)
    p95 = sorted(latencies)[int(0.95 * (n - 1))]
    timing = f"{1000 * med:.0f} ms / {1000 * p95:.0f} ms"
    print(f"| answer one question (search + extractive), median / p95 | {timing} |")
    print(f"| answer all {n} questions, one after another | {sum(latencies):.1f} s |")
    by_type = ", ".join(f"{t} {type_em[t]:.0f}/{c}" for t, c in types.most_common())
    print(f"\nExact matches by question type: {by_type}.")
    for q, gold, pred in errors[: args.show_errors]:
        print(f"\n- Q: {q}\n  gold: {gold}\n  got:  {pred}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
