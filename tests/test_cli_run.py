"""The `gonogo` executable (`gonogo.cli.run`): exit codes, flushed output, atexit, and
what an ordinary eval does *not* import (issue #18: the fixed cost of a run)."""

import json
import os
import subprocess
import sys
import textwrap

from gonogo.testing import FakeOpenAIServer
from gonogo_testkit import write_project

# The numeric and model stack: an eval whose scorers are deterministic needs none of it.
HEAVY = ("numpy", "scipy", "onnxruntime", "tokenizers", "bm25s", "jinja2")


def _python(code: str, *args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "160"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


def test_the_exit_code_a_message_and_atexit_handlers_survive_the_quick_exit():
    out = _python("""
        import atexit
        from gonogo.cli._main import _exit
        atexit.register(lambda: print("atexit ran"))
        print("before", end="")  # unflushed: must still arrive
        _exit("a message")
    """)
    assert out.returncode == 1
    assert out.stdout == "beforeatexit ran\n"
    assert out.stderr == "a message\n"

    out = _python("from gonogo.cli._main import _exit; print('x', end=''); _exit(3)")
    assert (out.returncode, out.stdout) == (3, "x")


def test_a_running_non_daemon_thread_is_joined_as_before():
    out = _python("""
        import threading, time
        from gonogo.cli._main import _exit
        threading.Thread(target=lambda: (time.sleep(0.3), print("joined"))).start()
        _exit(4)
    """)
    assert (out.returncode, out.stdout) == (4, "joined\n")


def test_the_executable_keeps_its_exit_codes(tmp_path):
    assert _python("from gonogo.cli import run; run()", "--version").returncode == 0
    missing = _python("from gonogo.cli import run; run()", "check", str(tmp_path / "no.yaml"))
    assert missing.returncode == 2 and "error" in missing.stderr
    schema = _python("from gonogo.cli import run; run()", "schema")
    assert schema.returncode == 0 and json.loads(schema.stdout)["title"]  # all of it flushed


def test_start_up_ends_with_the_gc_on_start_up_objects_frozen_and_a_larger_young_generation():
    out = _python("""
        import gc
        from gonogo.cli._main import GC_YOUNG_THRESHOLD, startup_done
        startup_done()  # the GC is on: nothing changes (in-process callers)
        print(gc.get_threshold()[0] == 700, gc.get_freeze_count() == 0)
        gc.disable()
        startup_done()
        young = gc.get_threshold()[0]
        print(gc.isenabled(), young == GC_YOUNG_THRESHOLD, gc.get_freeze_count() > 0)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True"] * 5


def test_a_server_freezes_what_it_built_once_ready_only_in_the_executable():
    out = _python("""
        import gc
        from gonogo.cli import _main
        _main.serving_started()  # in-process (tests, programs): left alone
        print(gc.get_freeze_count() == 0)
        _main._executable = True  # what run() sets
        _main.serving_started()
        print(gc.get_freeze_count() > 0)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]


def test_importing_the_cli_stays_light():
    out = _python(f"""
        import sys, gonogo.cli
        print(sorted(set({HEAVY!r} + ("aiohttp", "pydantic", "rich")) & set(sys.modules)))
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_an_eval_with_deterministic_scorers_never_imports_the_numeric_stack(tmp_path):
    with FakeOpenAIServer() as server:
        prd = write_project(
            tmp_path,
            textwrap.dedent(f"""
                feature: light
                model:
                  provider: openai-compatible
                  base_url: {server.base_url}
                  name: fake-model
                  prompt: {{name: p, version: 1, user: "Question: {{question}}"}}
                eval_plan:
                  datasets: [{{name: g, path: data/golden.jsonl}}]
                  scorers:
                    - {{id: says, kind: contains_any, values: [a]}}
                    - {{id: short, kind: length, max_chars: 2000}}
                    - {{id: fast, kind: latency, max_s: 30}}
                  thresholds: [{{scorer: says, min_pass_rate: 0.1}}]
            """),
            [{"id": str(i), "question": f"q{i}"} for i in range(30)],
        )
        out = _python(
            f"""
            import atexit, sys
            atexit.register(lambda: print("LOADED", sorted(set({HEAVY!r}) & set(sys.modules))))
            # the run store pages runs with the gateway store's query builder, on first use
            atexit.register(lambda: print("GATEWAY_STORE", "gonogo.store.gateway" in sys.modules))
            sys.argv = ["gonogo", *sys.argv[1:]]
            from gonogo.cli import run
            run()
            """,
            "eval",
            str(prd),
            "-q",
            "--out",
            str(tmp_path / "out"),
            cwd=tmp_path,
        )
    assert out.returncode in (0, 1) and "Traceback" not in out.stderr, out.stderr
    assert "LOADED []" in out.stdout, out.stdout + out.stderr
    assert "GATEWAY_STORE False" in out.stdout, out.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["totals"]["n_cases"] == 30
    assert (tmp_path / "out" / "junit.xml").stat().st_size > 0
    assert (tmp_path / "out" / "report.html").stat().st_size > 0
