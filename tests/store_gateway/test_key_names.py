"""`gonogo keys create` refuses the names the admin API refuses (L8)."""

import pytest

from gonogo.errors import UserError
from gonogo.store.gateway import new_api_key


@pytest.mark.parametrize(
    "name", ["app\nforged: admin", "app\rx", "tab\there", "x" * 201, "x" * 5000, "a\x00b", "  "]
)
def test_names_with_control_characters_or_too_long_are_refused(name):
    with pytest.raises(UserError):
        new_api_key(name, "app")


def test_the_cli_refuses_them_without_creating_anything(tmp_path, cli):
    store = f"sqlite:///{tmp_path / 'g.db'}"
    r = cli("keys", "create", "app\nforged", "--store", store)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "printable text of at most 200 characters" in r.stderr
    r = cli("keys", "create", "x" * 5000, "--store", store)
    assert r.returncode == 2
    listing = cli("keys", "list", "--store", store)
    assert "forged" not in listing.stdout and "x" * 50 not in listing.stdout


def test_ordinary_names_still_work():
    for name in ("billing-app", "Ana's laptop", "日本語のアプリ", "x" * 200):
        assert new_api_key(name, "app")[1].name == name
