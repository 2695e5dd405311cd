"""Shared helpers for the tests (a uniquely named module: importable from any test)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFUND_BOT = ROOT / "examples" / "refund-bot" / "gonogo.yaml"


def load_benchmark(name: str):
    """benchmarks/<name>.py as a module (tests check a benchmark's protocol and its bars)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_cli(*args, cwd=None, env=None, timeout=120):
    """Run the real CLI in a subprocess; returns CompletedProcess with text output."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "gonogo", *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_project(root: Path, prd: str, cases: list[dict], extra: dict[str, str] | None = None):
    root.mkdir(parents=True, exist_ok=True)
    (root / "gonogo.yaml").write_text(prd)
    (root / "data").mkdir(exist_ok=True)
    with open(root / "data" / "golden.jsonl", "w") as f:
        for c in cases:
            f.write(json.dumps(c) + "\n")
    for name, text in (extra or {}).items():
        (root / name).write_text(text)
    return root / "gonogo.yaml"
