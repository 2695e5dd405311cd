"""``gonogo serve`` as users run it: a real subprocess, its output, its errors; OTel export."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from gateway_kit import add_key, chat, gateway, request, upstream, write_prd

GONOGO = str(Path(sys.executable).parent / "gonogo")
ADMIN = "env-admin-secret-do-not-print"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONOGO_")}
    env.update(extra)
    return env


def test_serve_help_explains_the_endpoints(cli):
    r = cli("serve", "--help")
    assert r.returncode == 0
    for text in ("/v1/chat/completions", "/v1/prompts/NAME/completions", "gonogo keys create",
                 "GONOGO_ADMIN_KEY", "--store", "--redis", "--port"):  # fmt: skip
        assert text in r.stdout, text
    assert "serve" in cli("--help").stdout


def test_serve_runs_answers_and_stops_cleanly(tmp_path):
    with upstream() as (srv, _):
        prd = write_prd(tmp_path, srv.base_url, "")
        store = f"sqlite:///{tmp_path / 'g.db'}"
        key, _ = add_key(store)
        proc = subprocess.Popen(
            [GONOGO, "serve", str(prd), "--port", "0", "--store", store],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=_env(GONOGO_ADMIN_KEY=ADMIN),
        )  # fmt: skip
        try:
            first = proc.stdout.readline()
            assert first.startswith("gonogo gateway serving"), first
            url = first.split(" on ")[1].strip()
            banner = first
            while "Ctrl-C" not in banner:  # read the banner here: communicate() skips
                banner += proc.stdout.readline()  # what readline() already buffered
            r = request("POST", url + "/v1/chat/completions", key=key,
                        body={"messages": [{"role": "user", "content": "hi"}]})  # fmt: skip
            assert r.status == 200 and r.headers["X-Gonogo-Path"] == "primary"
            assert request("GET", url + "/v1/admin/budget", key=ADMIN).status == 200
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        text = banner + out + err
        assert "gonogo keys create" in text and "GONOGO_ADMIN_KEY" in text
        assert ADMIN not in text and key not in text


def test_a_taken_port_is_a_clear_error(tmp_path):
    prd = write_prd(tmp_path, "http://127.0.0.1:9/v1", "")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([GONOGO, "serve", str(prd), "--port", str(port)],
                           capture_output=True, text=True, env=_env(), timeout=60)  # fmt: skip
    assert r.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_model_section_and_missing_key_env_are_user_errors(tmp_path):
    prd = write_prd(tmp_path, "http://127.0.0.1:9/v1", "")
    text = prd.read_text()
    no_model = tmp_path / "no_model.yaml"
    no_model.write_text(
        "feature: x\neval_plan:\n  target: pkg.mod:fn\n  datasets: [{name: g, path: cases.jsonl}]"
        "\n  scorers: [{id: s, kind: contains_any, values: [a]}]\n"
    )
    r = subprocess.run([GONOGO, "serve", str(no_model), "--port", "0"], capture_output=True,
                       text=True, env=_env(), timeout=60)  # fmt: skip
    assert r.returncode == 2 and "no `model` section" in r.stderr, r.stderr
    keyed = tmp_path / "keyed.yaml"
    keyed.write_text(
        text.replace(
            "  name: fake-model\n", "  name: fake-model\n  api_key_env: GONOGO_TEST_NO_SUCH_KEY\n"
        )
    )
    r = subprocess.run([GONOGO, "serve", str(keyed), "--port", "0"], capture_output=True,
                       text=True, env=_env(), timeout=60)  # fmt: skip
    assert r.returncode == 2 and "GONOGO_TEST_NO_SUCH_KEY is not set" in r.stderr
    assert "Traceback" not in r.stderr


def test_without_the_gateway_extra_serve_names_the_pip_line(tmp_path):
    prd = write_prd(tmp_path, "http://127.0.0.1:9/v1", "")
    code = ("import sys; sys.modules['starlette'] = None; from gonogo.cli import main; "
            f"main(['serve', {str(prd)!r}])")  # fmt: skip
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=_env(), timeout=60)  # fmt: skip
    assert r.returncode == 2
    assert "pip install 'gonogo[gateway]'" in r.stderr


def test_opentelemetry_spans_follow_the_genai_conventions(tmp_path):
    import opentelemetry.sdk.trace as sdk
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with upstream() as (srv, _), gateway(tmp_path, srv.base_url, "", otel=True,
                                         otel_tracer_provider=provider) as g:  # fmt: skip
        r = chat(g, "hi", temperature=0.5, max_tokens=20)
        deadline = time.monotonic() + 5
        while not exporter.get_finished_spans() and time.monotonic() < deadline:
            time.sleep(0.02)
    spans = exporter.get_finished_spans()
    assert len(spans) == 1
    a = spans[0].attributes
    assert spans[0].name == "chat fake-model"
    assert a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.system"] == "openai_compatible"
    assert a["gen_ai.request.model"] == "fake-model" and a["gen_ai.response.model"] == "fake-model"
    assert a["gen_ai.usage.input_tokens"] > 0 and a["gen_ai.usage.output_tokens"] > 0
    assert a["gen_ai.request.temperature"] == 0.5 and a["gen_ai.request.max_tokens"] == 20
    assert a["gonogo.trace_id"] == r.trace_id and a["gonogo.path"] == "primary"
    assert spans[0].end_time > spans[0].start_time
    assert g.app_key not in repr(dict(a))


def test_refund_bot_example_still_checks_and_compiles(cli):
    from gonogo_testkit import REFUND_BOT

    r = cli("check", str(REFUND_BOT), env={"OPENAI_API_KEY": ""})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "valid PRD" in r.stdout and "error" not in r.stderr
    from gonogo.gateway._config import compile_prd
    from gonogo.spec import load_prd

    cfg = compile_prd(load_prd(REFUND_BOT).prd, env={"OPENAI_API_KEY": "sk-test"})
    assert cfg.primary.model == "gpt-4o-mini"
    assert [u.model for u in cfg.fallbacks] == ["gpt-4o-mini", "gpt-3.5-turbo"]
    assert cfg.static and cfg.static.startswith("I can't answer that right now")
    assert cfg.budget is not None and cfg.budget.monthly_usd == 1500


def test_serve_with_two_workers(tmp_path):
    from gateway_kit import in_store

    with upstream() as (srv, _):
        prd = write_prd(tmp_path, srv.base_url, "")
        store = f"sqlite:///{tmp_path / 'g.db'}"
        key, _ = add_key(store)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen(
            [GONOGO, "serve", str(prd), "--port", str(port), "--store", store, "--workers", "2"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if request("GET", url + "/healthz", timeout=2).status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline and proc.poll() is None, "never healthy"
                time.sleep(0.2)
            body = {"variables": {"question": "q", "contexts": "c"}}
            statuses = [request("POST", url + "/v1/prompts/answer/completions", key=key,
                                body=body).status for _ in range(6)]  # fmt: skip
            assert statuses == [200] * 6
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=30)
    moves = in_store(store, lambda st: st.label_history("answer"))
    assert len(moves) == 1  # seeded once, before the workers started
