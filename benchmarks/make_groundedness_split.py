"""Split the HaluEval dev file ONCE into a tuning part and a locked part (issue #13).

Grouped by question (a question's right and hallucinated answers are always on the same
side), seeded, half and half: ids sorted, ``random.Random(SEED).shuffle``, the first half
is the tuning part. The split is written to benchmarks/groundedness_split.json with the
data file's SHA-256 and committed; this script refuses to overwrite it. Everything about
the groundedness detector — features, model, calibration, thresholds, the undecided band
— is chosen on the tuning part only; the locked part is scored once per change by
``bench_groundedness.py --locked``, which logs every look (docs/groundedness.md).

    PYTHONPATH=src python benchmarks/make_groundedness_split.py
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "gonogo" / "demo" / "data" / "halueval_qa_dev.jsonl"
SPLIT = ROOT / "benchmarks" / "groundedness_split.json"
SEED = 20261313
TUNING_SHARE = 0.5


def make_split(data: Path = DATA, seed: int = SEED) -> dict[str, object]:
    """The split of ``data``'s question ids (deterministic for a file and a seed)."""
    raw = data.read_bytes()
    ids = sorted(json.loads(line)["id"] for line in raw.decode().splitlines() if line.strip())
    random.Random(seed).shuffle(ids)
    cut = round(len(ids) * TUNING_SHARE)
    return {
        "data": data.relative_to(ROOT).as_posix(),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "seed": seed,
        "method": "question ids sorted, random.Random(seed).shuffle, first half tuning",
        "tuning": sorted(ids[:cut]),
        "locked": sorted(ids[cut:]),
    }


def main() -> int:
    if SPLIT.exists():
        print(f"{SPLIT} exists: the split is made once and committed", file=sys.stderr)
        return 1
    SPLIT.write_text(json.dumps(make_split(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {SPLIT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
