"""gonogo._preload: the modules a run's end needs, imported while its calls are in flight."""

import asyncio
import sys

from gonogo._preload import preload_soon


def test_modules_are_imported_on_later_loop_turns_and_failures_are_left_alone(monkeypatch):
    for name in ("colorsys", "this_module_does_not_exist_gonogo"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    seen = []

    async def main():
        preload_soon(["this_module_does_not_exist_gonogo", "colorsys"])
        seen.append("colorsys" in sys.modules)  # not yet: nothing blocks the caller
        for _ in range(50):
            await asyncio.sleep(0.001)
            if "colorsys" in sys.modules:
                break
        seen.append("colorsys" in sys.modules)

    asyncio.run(main())
    assert seen == [False, True]
    assert "this_module_does_not_exist_gonogo" not in sys.modules


def test_nothing_to_do_needs_no_loop():
    preload_soon(["sys", "asyncio"])  # already imported: returns at once, even off a loop
