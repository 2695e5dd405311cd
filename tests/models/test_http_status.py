"""One classification of provider HTTP errors, shared by the OpenAI and Anthropic providers."""

import pytest

from gonogo.models._http_status import retry_after_seconds, status_error


def _error(status, retry_after=None):
    return status_error(
        status, "boom", url="http://h/v1/x", base_url="http://h/v1", model="m",
        key_env="KEY", retry_after=retry_after, api="the Messages API",
    )  # fmt: skip


@pytest.mark.parametrize(
    "status, kind, retryable",
    [(429, "rate_limit", True), (500, "server_error", True), (529, "server_error", True),
     (401, "auth", False), (403, "auth", False), (404, "not_found", False),
     (400, "error", False), (422, "error", False)],
)  # fmt: skip
def test_status_is_classified(status, kind, retryable):
    e = _error(status)
    assert (e.kind, e.retryable, e.status) == (kind, retryable, status)
    assert f"http://h/v1/x (HTTP {status})" in str(e) and "boom" in str(e)


def test_hints_name_the_key_variable_base_url_model_and_api():
    assert "$KEY" in _error(401).hint and "'m'" in _error(401).hint
    assert "http://h/v1" in _error(404).hint and "'m'" in _error(404).hint
    assert "the Messages API" in _error(400).hint


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_on_retryable_statuses(status):
    assert _error(status, "2.5").retry_after == 2.5
    assert _error(status).retry_after is None


def test_retry_after_seconds():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("-1") == 0.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert retry_after_seconds(None) is None
