import importlib

import pytest


@pytest.mark.parametrize("name", ["gonogo.stats", "gonogo.results", "gonogo.report"])
def test_exported_members(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    public = {n for n in vars(module) if not n.startswith("_") and n != "annotations"}
    public -= {n for n in public if isinstance(getattr(module, n), type(module))}  # submodules
    assert exported == public
    for n in exported:
        assert getattr(module, n) is not None


def test_stats_imports_nothing_else_from_gonogo() -> None:
    import ast
    from pathlib import Path

    pkg = Path(importlib.import_module("gonogo.stats").__file__ or "").parent
    for path in pkg.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1, f"{path.name} imports from outside gonogo.stats"
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not any(n.startswith("gonogo") for n in names), path.name
