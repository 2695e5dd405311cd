"""Shared helpers for the tests (a uniquely named module: importable from any test)."""

import importlib.util
import json
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@contextmanager
def raw_http_server(answer):
    """A real HTTP server on loopback whose every POST is answered by ``answer(headers,
    body) -> (status, body bytes)`` as JSON; yields its base URL. For endpoints that must
    send what no well-behaved server would (NaN, lone surrogates, an echoed API key)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, data = answer(self.headers, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
