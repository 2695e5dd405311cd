"""Fixtures of the dashboard's tests: a seeded workspace, a real `gonogo ui`, real Chromium.

The browser is Debian's chromium (``/usr/bin/chromium``, or $GONOGO_TEST_CHROMIUM) driven
by Playwright; a machine without it fails these tests with the fix (`make test` installs
it), never skips them.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import ui_kit  # noqa: E402

_FIX = (
    "install Debian's browser (`apt-get install chromium`, which `make test` does) and "
    "the dev extra (`pip install -e '.[dev]'`, for playwright), or point "
    "GONOGO_TEST_CHROMIUM at a Chromium binary"
)


def chromium_path() -> str | None:
    """$GONOGO_TEST_CHROMIUM, /usr/bin/chromium, or `chromium` on PATH."""
    forced = os.environ.get("GONOGO_TEST_CHROMIUM")
    if forced:
        return forced
    found = (shutil.which(n) for n in ("chromium", "chromium-browser"))
    for candidate in ("/usr/bin/chromium", *found):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium, one per test module: Playwright's sync API keeps an event loop
    on this thread while it runs, so it is stopped before other modules' asyncio.run."""
    exe = chromium_path()
    if exe is None:
        pytest.fail(f"no Chromium found — {_FIX}", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"playwright is not installed — {_FIX}", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return ui_kit.make_workspace(tmp_path_factory.mktemp("ws"))


@pytest.fixture(scope="module")
def ui_server(workspace):
    from gonogo.testing import UIProcess

    with UIProcess(workspace["root"], workspace["store_url"]) as ui:
        yield ui
