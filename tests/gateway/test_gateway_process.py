"""gonogo.testing.GatewayProcess: `gonogo serve` as a subprocess on a free loopback port."""

from __future__ import annotations

import urllib.request

import pytest
from gateway_ops_kit import write_prd

from gonogo.testing import FakeOpenAIServer, GatewayProcess

pytestmark = pytest.mark.slow


def test_starts_healthy_on_a_free_port_and_stops(tmp_path):
    with FakeOpenAIServer() as upstream:
        prd = write_prd(tmp_path, upstream.base_url)
        store = f"sqlite:///{tmp_path / 'gateway.db'}"
        with GatewayProcess(prd, store, extra=["--poll", "0.5"]) as gw:
            assert gw.url == f"http://127.0.0.1:{gw.port}"
            with urllib.request.urlopen(gw.url + "/healthz", timeout=5) as r:
                assert r.status == 200
            assert gw.proc is not None and gw.proc.poll() is None
            assert gw.command()[-2:] == ["--poll", "0.5"]
        assert gw.proc.poll() is not None  # stopped on exit
        assert gw.log == tmp_path / f"gateway-{gw.port}.log" and gw.log.exists()


def test_a_server_that_cannot_start_is_an_error_with_its_output(tmp_path):
    bad = tmp_path / "gonogo.yaml"
    bad.write_text("feature: [not, a, prd\n")
    with pytest.raises(RuntimeError, match="gonogo serve exited") as e:
        GatewayProcess(bad).start(timeout_s=20)
    assert "gonogo.yaml" in str(e.value)


def test_prefix_runs_under_another_command(tmp_path):
    gw = GatewayProcess(tmp_path / "p.yaml", "sqlite:///x.db", prefix=["env"], port=1234)
    cmd = gw.command()
    assert cmd[0] == "env" and cmd[cmd.index("serve") + 1] == str(tmp_path / "p.yaml")
    assert cmd[cmd.index("--port") + 1] == "1234" and "--store" in cmd
    assert "--store" not in GatewayProcess(tmp_path / "p.yaml").command()
