"""Fuzz the gateway's HTTP API from its own OpenAPI document (schemathesis).

A real `gonogo serve` in front of a healthy fake upstream; schemathesis reads
``/openapi.json`` and sends valid and invalid requests to every operation (app key for
the feature endpoints, admin key for the admin API). Every answer must be a non-5xx
status the document lists, with the documented content type, and — for JSON — a body
that parses and matches the documented schema (errors: ``{"error": {"type",
"message"}}``). Bounded: a fixed number of examples per operation, seeded. It runs twice:
with orjson, and with orjson made unimportable, so the standard library's JSON code — what
``pip install 'gonogo[gateway]'`` runs — is fuzzed too (``/healthz`` says which ran).
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from gateway_ops_kit import make_key, write_prd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from serve_env_kit import without_orjson

from gonogo.testing import FakeOpenAIServer, GatewayProcess

pytestmark = pytest.mark.slow

EXAMPLES = 40  # per operation and mode (16 operations, positive + negative): ~20 s in all
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module", params=["orjson", "json"])
def fuzz_gateway(request, tmp_path_factory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("fuzz")
    with FakeOpenAIServer() as upstream:
        prd = write_prd(root, upstream.base_url, timeout_s=5.0)
        url = f"sqlite:///{root / 'gateway.db'}"
        keys = {"app": make_key(url, "app"), "admin": make_key(url, "admin")}
        gw = GatewayProcess(prd, url)
        with contextlib.ExitStack() as stack:
            if request.param == "json":
                stack.enter_context(without_orjson(root / "no-orjson"))
            gw.start()
        try:
            with urllib.request.urlopen(gw.url + "/healthz", timeout=5) as r:
                assert json.loads(r.read())["json"] == request.param  # the backend under test
            yield {"url": gw.url, **keys}
        finally:
            gw.stop()


@pytest.fixture(scope="module")
def api_schema(fuzz_gateway: dict[str, str]) -> Any:
    schema = schemathesis.openapi.from_url(fuzz_gateway["url"] + "/openapi.json")
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES,
        deterministic=True,
        database="none",
    )
    return schema


def _call_and_check(case: Any, gw: dict[str, str]) -> None:
    role = "admin" if case.path.startswith("/v1/admin") else "app"
    response = case.call(
        base_url=gw["url"], headers={"Authorization": f"Bearer {gw[role]}"}, timeout=30
    )
    case.validate_response(response, checks=CHECKS)
    ctype = response.headers.get("content-type", [""])
    ctype = ctype[0] if isinstance(ctype, list) else ctype
    if ctype.startswith("text/event-stream"):
        # `stream: true`: the document says only "a string"; the events are checked here —
        # each a JSON object, ending with [DONE]
        assert response.status_code == 200
        events = [ln[6:] for ln in response.text.splitlines() if ln.startswith("data: ")]
        assert events and events[-1] == "[DONE]", response.text[-500:]
        for e in events[:-1]:
            assert isinstance(json.loads(e), dict), e
        return
    if "json" in ctype:
        body = json.loads(response.content)
        if response.status_code >= 400:
            err = body["error"]
            assert isinstance(err["type"], str) and isinstance(err["message"], str), body


def test_api_answers_every_generated_request_without_5xx(api_schema, fuzz_gateway):
    # One test driving hypothesis per operation (schemathesis' pytest plugin does not run
    # under pytest 9); every operation is fuzzed and all failures are reported together.
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    labels = {op.label for op in operations}
    assert len(operations) >= 16, sorted(labels)
    assert {"POST /v1/admin/keys", "DELETE /v1/admin/keys/{id}",
            "PUT /v1/admin/keys/{id}/budget"} <= labels  # fmt: skip
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            def fuzz(case: Any) -> None:
                _call_and_check(case, fuzz_gateway)

            try:
                fuzz()
            except Unsatisfiable:
                continue  # nothing to make invalid (no parameters, no body): no negative cases
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as e:  # schemathesis raises exception groups; report all
                failures[f"{op.label} [{mode.value}]"] = str(e)[:3000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
