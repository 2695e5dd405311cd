"""The rules behind the dashboard's sign-in and request checks (the HTTP tests drive them)."""

from pathlib import Path

from gonogo.ui import UISettings
from gonogo.ui._security import (
    Sessions,
    SignInThrottle,
    allowed_hosts,
    cookie_header,
    is_loopback,
    same_origin,
)


def test_only_loopback_goes_without_keys():
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert is_loopback(host)
        assert not UISettings(Path("."), "sqlite:///x.db", host=host).needs_login
    for host in ("0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "dashboard.example", ""):
        assert not is_loopback(host)
        assert UISettings(Path("."), "sqlite:///x.db", host=host).needs_login
    assert UISettings(Path("."), "sqlite:///x.db", login=True).needs_login


def test_host_and_origin_checks():
    hosts = allowed_hosts("127.0.0.1", 8790)
    assert {"127.0.0.1:8790", "localhost:8790", "[::1]:8790"} <= hosts
    assert "evil.example:8790" not in hosts and "127.0.0.1:80" not in hosts
    assert allowed_hosts("0.0.0.0", 8790) is None  # beyond loopback: keys guard it instead
    assert same_origin(None, "127.0.0.1:8790")  # same-origin GET-like requests send none
    assert same_origin("http://127.0.0.1:8790", "127.0.0.1:8790")
    assert not same_origin("http://evil.example", "127.0.0.1:8790")
    assert not same_origin("null", "127.0.0.1:8790")  # sandboxed or stripped: refused


def test_sessions_sign_in_with_a_new_id_and_tokens_compare_safely():
    local = Sessions(local_user="ana").new()
    assert local.role == "local" and local.may("admin")
    keyed = Sessions(local_user=None)
    s = keyed.new()
    assert s.role is None and not s.may("view")
    t = keyed.login(s, role="reviewer", name="bo", key_id="gk_1", key_hash="h")
    assert t.id != s.id and keyed.get(s.id) is None and keyed.get(t.id) is t
    assert t.may("label") and not t.may("admin") and t.actor == "bo (gk_1)"
    assert t.check_csrf(t.csrf) and not t.check_csrf(s.csrf) and not t.check_csrf(None)


def test_anonymous_sessions_never_push_out_the_signed_in_ones():
    """Every request without a cookie opens a session: at the cap only those are dropped."""
    sessions = Sessions(local_user=None, max_sessions=100)
    signed = [sessions.login(sessions.new(), role="admin", name=f"a{i}", key_id=f"gk_{i}",
                             key_hash="h") for i in range(5)]  # fmt: skip
    for _ in range(1_050):
        sessions.new()
    assert all(sessions.get(s.id) is s for s in signed)
    assert len(sessions._by_id) <= 105


def test_failed_sign_ins_are_throttled_per_address():
    t = SignInThrottle(limit=3, window_s=60)
    for _ in range(3):
        assert not t.blocked("10.0.0.1")
        t.failed("10.0.0.1")
    assert t.blocked("10.0.0.1") and not t.blocked("10.0.0.2")
    t.window_s = 0.0  # the window passed
    assert not t.blocked("10.0.0.1")


def test_the_session_cookie_is_secure_behind_https():
    s = Sessions(local_user=None).new()
    assert "Secure" not in cookie_header(s)[1]
    assert cookie_header(s, secure=True)[1].endswith("; Secure")


def test_numbers_typed_by_people_and_names_that_would_move_urls():
    import pytest

    from gonogo.errors import UserError
    from gonogo.store.gateway import redact_url
    from gonogo.store.gateway._rows import check_name
    from gonogo.ui._app import small_int

    assert [small_int(x) for x in ("3", " 12 ", "²", "9" * 30, "-1", "", None, "0x1")] == [
        3, 12, None, None, None, None, None, None]  # fmt: skip
    for bad in ("a/../../prompts/x", "a/./b", "a//b", "a/"):
        with pytest.raises(UserError):
            check_name("prompt name", bad)
    check_name("prompt name", "support/answer.v2")
    url = "postgresql://gonogo@127.0.0.1:5/x?password=LEAK4&sslmode=disable"
    assert "LEAK4" not in redact_url(url) and "sslmode=disable" in redact_url(url)
    assert redact_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
