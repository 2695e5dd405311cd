"""`gonogo monitor` on SQLite and PostgreSQL: watermark, workers, alerts, webhook, evidence."""

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from monitor_kit import make_trace, project, rows, write

from gonogo.monitor import MonitorOptions, monitor
from gonogo.spec import load_prd


def run(prd, url, **over):
    opts = MonitorOptions(store_url=url, record_evidence=False, **over)
    return asyncio.run(monitor(load_prd(prd), opts))


def test_each_trace_is_scored_once_across_passes_and_restarts(tmp_path, store_url):
    prd = project(tmp_path)
    write(store_url, [make_trace(i) for i in range(30)])
    first = run(prd, store_url)
    assert first["pass"]["handled"] == {"scored": 30, "skipped": 0, "rejected": 0}
    assert first["pass"]["scorers"] == ["no_card", "short"]  # `equals` needs an expected answer
    write(store_url, [make_trace(100 + i) for i in range(12)])
    again = run(prd, store_url)  # a new process would read the same watermark and claims
    assert again["pass"]["handled"]["scored"] == 12
    assert run(prd, store_url)["pass"]["handled"]["scored"] == 0
    handled = rows(store_url, f"prd:{load_prd(prd).key}")
    assert len(handled) == 42 and len({r["trace_id"] for r in handled}) == 42


def test_two_workers_split_the_stream_without_double_scoring(tmp_path, store_url):
    prd = project(tmp_path)
    write(store_url, [make_trace(i) for i in range(200)])
    loaded = load_prd(prd)

    async def both():
        opts = [MonitorOptions(store_url=store_url, record_evidence=False, worker=f"w{i}", batch=20)
                for i in range(2)]  # fmt: skip
        return await asyncio.gather(*(monitor(loaded, o) for o in opts))

    a, b = asyncio.run(both())
    total = a["pass"]["handled"]["scored"] + b["pass"]["handled"]["scored"]
    assert total == 200
    handled = rows(store_url, f"prd:{loaded.key}")
    assert len(handled) == 200 and len({r["trace_id"] for r in handled}) == 200


def test_a_dead_workers_claims_are_taken_over_after_their_lease(tmp_path, store_url):
    prd = project(tmp_path)
    loaded = load_prd(prd)
    write(store_url, [make_trace(i) for i in range(10)])

    async def claim_and_die():
        from gonogo.store.gateway import open_gateway_store

        store = open_gateway_store(store_url)
        await store.open()
        try:
            return await store.claim_traces(f"prd:{loaded.key}", "dead", after=0, lease_s=0.5,
                                            limit=6)  # fmt: skip
        finally:
            await store.close()

    assert len(asyncio.run(claim_and_die())) == 6  # claimed, never scored
    first = run(prd, store_url, lease_s=0.5, start_s=10**9)
    assert first["pass"]["handled"]["scored"] == 4  # the other 4; the 6 are still leased
    time.sleep(0.6)
    assert run(prd, store_url, lease_s=0.5)["pass"]["handled"]["scored"] == 6


def test_sampling_keeps_flagged_errored_and_fallback_traces(tmp_path, store_url):
    prd = project(tmp_path)
    special = [
        make_trace(1, guards=[{"name": "pii", "outcome": "redact"}]),
        make_trace(2, status=502, error="upstream down", output=None),
        make_trace(3, path="fallback:1:m2"),
    ]
    write(store_url, special + [make_trace(10 + i) for i in range(60)])
    doc = run(prd, store_url, sample_rate=0.0)
    assert doc["pass"]["handled"] == {"scored": 3, "skipped": 60, "rejected": 0}
    w = doc["windows"][-1]
    assert (
        w["errors"] == 1 and w["fallback_share"] == 1 / 63 and w["guard_rates"] == {"pii": 1 / 63}
    )


def test_requests_refused_before_any_model_call_form_no_window(tmp_path, store_url, cli):
    """4xx the gateway answered itself (bad body, unknown prompt, spent budget): counted as
    rejected, never a window of quality; a 4xx after a model was called is an error."""
    prd = project(tmp_path)
    refused = dict(status=400, path="refused", model=None, output=None, attempts=[],
                   cost_usd=None, input_tokens=None, output_tokens=None)  # fmt: skip
    traces = [make_trace(i) for i in range(5)]
    traces += [make_trace(10 + i, error="`bogus`: unknown key", prompt_name=None,
                          prompt_version=None, **refused) for i in range(3)]  # fmt: skip
    traces += [make_trace(20, error="prompt 'refund' v1 needs variable(s): question", **refused)]
    traces += [make_trace(21, error="unknown prompt", **{**refused, "status": 404})]
    upstream = make_trace(30, status=429, path="refused", model=None, output=None,
                          error="rate limited", attempts=[{"model": "m", "outcome": "429"}])
    write(store_url, [*traces, upstream])
    doc = run(prd, store_url)
    assert doc["pass"]["handled"] == {"scored": 6, "skipped": 0, "rejected": 5}
    keys = [(w["prompt_name"], w["prompt_version"], w["model"]) for w in doc["windows"]]
    assert ("refund", 1, "m") in keys and (None, None, None) not in keys, keys
    assert all(w["scored"] > 0 for w in doc["windows"])
    assert doc["rejected"] == {"traces": 5, "by_status": {"400": 4, "404": 1}, "guards": {}}
    # the model was called and refused: an error of its window, not a rejected request
    assert sum(w["errors"] for w in doc["windows"]) == 1
    assert run(prd, store_url)["pass"]["handled"]["rejected"] == 0  # handled once
    if store_url.startswith("sqlite"):
        write(store_url, [make_trace(40 + i, **refused) for i in range(2)])
        r = cli("monitor", prd, "--store", store_url)
        assert "rejected 2" in r.stdout, r.stdout + r.stderr
        assert "rejected: 7 requests refused before any model call (HTTP 400 ×6, HTTP 404 ×1)" \
            in r.stdout and "(no prompt)" not in r.stdout  # fmt: skip
        assert "refund v1 (unknown model): 1 trace; nothing scored (1 error)" in r.stdout


def _rate_down(url, trace_id):
    from gonogo.store.gateway import FeedbackRecord, open_gateway_store

    async def go():
        store = open_gateway_store(url)
        await store.open()
        try:
            await store.add_feedback(FeedbackRecord(
                f"fb-{trace_id}", trace_id, 0.0, "wrong", None, time.time(), None))  # fmt: skip
        finally:
            await store.close()

    asyncio.run(go())


def test_traces_rated_down_are_scored_even_when_sampled_out(tmp_path, store_url):
    prd = project(tmp_path)
    early, late = make_trace(1), make_trace(2)
    write(store_url, [early, late] + [make_trace(10 + i) for i in range(20)])
    _rate_down(store_url, early.id)  # rated down before the monitor saw it
    first = run(prd, store_url, sample_rate=0.0)
    assert first["pass"]["handled"] == {"scored": 1, "skipped": 21, "rejected": 0}
    _rate_down(store_url, late.id)  # rated down after it was sampled out
    second = run(prd, store_url, sample_rate=0.0)
    assert second["pass"]["handled"] == {"scored": 1, "skipped": 0, "rejected": 0}
    scored = {r["trace_id"] for r in rows(store_url, f"prd:{load_prd(prd).key}")
              if r["status"] == "scored"}  # fmt: skip
    assert scored == {early.id, late.id}


def test_a_drop_alerts_and_a_stable_stream_does_not(tmp_path, store_url):
    prd = project(tmp_path)
    loaded = load_prd(prd)
    # the launch baseline: a GO eval whose no_card pass rate was 0.98
    from gonogo.run._evidence import record

    asyncio.run(record(loaded, "eval", "GO", {"thresholds": [
        {"scorer": "no_card", "metric": "pass_rate", "estimate": 0.98}]}, "run:x"))  # fmt: skip
    t0 = time.time()
    write(store_url, [make_trace(i, t0=t0, bad=(i % 50 == 0)) for i in range(300)])  # 2% bad
    stable = run(prd, store_url)
    assert stable["alerts"] == []
    # a 15-point drop in the next traces of the same hour
    write(store_url, [make_trace(1000 + i, t0=t0, bad=(i % 6 == 0)) for i in range(300)])
    dropped = run(prd, store_url)
    kinds = {a["kind"] for a in dropped["alerts"]}
    assert "drop" in kinds, dropped["alerts"]
    drop = next(a for a in dropped["alerts"] if a["kind"] == "drop")
    assert drop["scorer"] == "no_card" and drop["p_value"] < dropped["rule"]["alpha_per_look"]


def test_without_a_go_eval_the_baseline_is_the_monitors_own_history(tmp_path, store_url):
    prd = project(tmp_path)
    now = time.time()
    older = [make_trace(h * 100 + i, t0=now - h * 3600, bad=(i % 50 == 0))
             for h in range(3, 10) for i in range(60)]  # fmt: skip
    write(store_url, older)  # 7 older hours, 420 traces, 2 of 60 with a card number
    quiet = run(prd, store_url)
    assert quiet["alerts"] == [] and quiet["rule"]["baseline_from"] == "monitor history"
    assert abs(quiet["rule"]["baseline"]["no_card"] - 58 / 60) < 1e-9  # 2 of 60 an hour
    write(store_url, [make_trace(5000 + i, t0=now, bad=(i % 4 == 0)) for i in range(200)])
    kinds = {a["kind"] for a in run(prd, store_url)["alerts"]}
    assert "drop" in kinds


JUDGE = """\
  judge: {provider: scripted, name: judge-scripted, script: ['{"reasoning": "fine", "score": 5}']}
  scorers:
    - {id: polite, kind: rubric, criteria: "Polite"}
"""
JUDGE_PRICE = "prices:\n  judge-scripted: {input_per_1m: 1000, output_per_1m: 1000}\n"


def test_the_judge_stops_at_its_budget_and_the_rest_is_scored_without_rubrics(tmp_path):
    prd = project(tmp_path)
    prd.write_text(JUDGE_PRICE + prd.read_text().replace("  scorers:\n", JUDGE, 1))
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    write(url, [make_trace(i) for i in range(30)])
    doc = run(prd, url, judge=True, judge_budget_usd=0.3)
    meter = doc["pass"]["judge"]
    assert 1 <= meter["judged"] < 30 and meter["spent_usd"] >= 0.3
    assert meter["stopped"].startswith("judge budget")
    scored = rows(url, f"prd:{load_prd(prd).key}")
    judged = [r for r in scored if "polite" in (r["scores"] or {})]
    assert len(judged) == meter["judged"]
    assert all("no_card" in r["scores"] for r in scored)  # the rest kept the other scorers
    # a judge with no price: the trace cap holds
    prd.write_text(prd.read_text().replace(JUDGE_PRICE, ""))
    write(url, [make_trace(100 + i) for i in range(30)])
    capped = run(prd, url, judge=True, judge_max=5)["pass"]["judge"]
    assert capped["judged"] == 5 and capped["unknown_cost_calls"] == 5
    assert capped["stopped"] == "5 traces judged"


class _Receiver(BaseHTTPRequestHandler):
    bodies: list = []
    fail_first = 1

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).bodies.append(json.loads(body))
        if type(self).fail_first > 0:
            type(self).fail_first -= 1
            self.send_response(503)
        else:
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_alerts_reach_a_webhook_with_retries_and_no_secret(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    prd = project(tmp_path)
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_port}/hooks/T000/SECRETTOKEN"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-verysecret")
    write(url, [make_trace(i, bad=(i % 2 == 0)) for i in range(60)])  # 50%: under the 0.9 bar
    try:
        doc = run(prd, url, webhook=hook)
    finally:
        server.shutdown()
    assert doc["webhook"] == {"delivered": True, "attempts": 2, "status": 200}
    body = _Receiver.bodies[-1]
    assert body["text"].startswith(":rotating_light: gonogo monitor — Refund answers")
    assert body["alerts"][0]["kind"] == "below_bar" and body["alerts"][0]["scorer"] == "no_card"
    raw = json.dumps(_Receiver.bodies)
    assert "SECRETTOKEN" not in raw and "sk-live" not in raw and "4111" not in raw


def test_cli_once_exit_codes_metrics_and_evidence(tmp_path, cli):
    prd = project(tmp_path)
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    write(url, [make_trace(i) for i in range(40)])
    ok = cli("monitor", prd, "--store", url, "--metrics-file", tmp_path / "m.prom")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "scored 40, skipped 0" in ok.stdout
    assert 'gonogo_monitor_pass_rate{scorer="no_card"' in (tmp_path / "m.prom").read_text()
    write(url, [make_trace(100 + i, bad=True) for i in range(40)])
    bad = cli("monitor", prd, "--store", url, "--out", tmp_path / "out")
    assert bad.returncode == 1 and "ALERT below_bar: no_card" in bad.stderr
    doc = json.loads((tmp_path / "out" / "monitor.json").read_text())
    assert doc["alerts"] and doc["schema"] == "gonogo.monitor"
    launch = cli("launch", prd, "--verify")
    assert launch.returncode == 0  # the monitor's passes joined an intact evidence chain
    # the launch checklist shows production health and ranks the failure mode by it
    checked = cli("launch", prd, "--out", tmp_path / "launch")
    assert "In production (gonogo monitor" in checked.stdout, checked.stdout
    launch_doc = json.loads((tmp_path / "launch" / "launch.json").read_text())
    after = launch_doc["after_launch"]
    assert after["verdict"] == "alert" and any("no_card" in m for m in after["alerts"])
    row = next(r for r in launch_doc["pareto"] if r["id"] == "leaks-card")
    assert row["source"] == "production" and row["frequency"] == 0.5  # 40 of 80 traces
    from gonogo.launch import validate_launch

    assert validate_launch(launch_doc) == []


def test_the_console_shows_every_window_of_the_latest_period_largest_first():
    from gonogo.cli._cmd_monitor import window_lines

    def w(start, name, version, model, traces):
        return {"start": start, "prompt_name": name, "prompt_version": version, "model": model,
                "traces": traces, "scorers": {"s": {"n": traces, "rate": 1.0}}}  # fmt: skip

    windows = [w(0, "old", 1, "m", 5), w(3600, "faq-answer", 1, "m", 32),
               w(3600, None, None, None, 2), w(3600, None, None, None, 1)]  # fmt: skip
    lines = window_lines(windows)
    assert "faq-answer v1 m: 32 traces" in lines[0]  # the real window is not hidden
    assert "(no prompt) (unknown model): 2 traces" in lines[1] and "None" not in "".join(lines)
    assert lines[-1].startswith("  … 1 more window(s)")
    many = [w(3600, f"p{i}", 1, "m", i) for i in range(12)]
    assert len(window_lines(many)) == 9 and "4 more" in window_lines(many)[-1]
