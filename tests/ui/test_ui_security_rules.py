"""The rules behind the dashboard's sign-in and request checks (the HTTP tests drive them)."""

from pathlib import Path

from gonogo.ui import UISettings
from gonogo.ui._security import Sessions, allowed_hosts, is_loopback, same_origin


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
