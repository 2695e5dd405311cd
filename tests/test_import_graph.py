"""No import cycle between the packages of src/gonogo: imports run one way.

The graph is read from the source with :mod:`ast`, not by importing it, so it sees every
import statement wherever it stands: at module level, inside functions (the lazy imports
that keep ``gonogo --help`` fast), and under ``if TYPE_CHECKING:`` (a types-only import is
still a dependency a reader has to follow, so it counts). Relative imports are resolved
against the importing module. What the graph cannot see: names loaded through
``importlib.import_module`` with a computed name (each package's PEP 562 ``__getattr__``
loads its own submodules only) and entry-point plug-ins.

Nodes are packages — every directory with an ``__init__.py`` — plus the modules that sit
directly in ``gonogo/`` (``gonogo.errors``, ``gonogo.__main__``). A module belongs to the
innermost package that holds it, so ``gonogo.store.gateway`` (the gateway's registry,
traces and keys) is a node of its own, apart from ``gonogo.store`` (the run store). That
a subpackage's import also runs its parent's ``__init__`` is not counted as an edge.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "gonogo"


@dataclass
class ImportGraph:
    """Package-level import graph; ``sites`` records where each edge comes from."""

    nodes: set[str] = field(default_factory=set)
    sites: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def edges(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {n: set() for n in self.nodes}
        for a, b in self.sites:
            out[a].add(b)
        return out


def _module_name(path: Path, src: Path) -> tuple[str, bool]:
    """Dotted name of the module in ``path``, and whether it is a package's ``__init__``."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _nodes(modules: dict[str, bool], root: str) -> set[str]:
    packages = {name for name, is_package in modules.items() if is_package}
    top_modules = {
        name for name, is_package in modules.items() if not is_package and name.count(".") == 1
    }
    return packages | top_modules | {root}


def _node_of(name: str, nodes: set[str]) -> str | None:
    """The innermost node that ``name`` (a module, or a name inside one) belongs to."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in nodes:
            return prefix
    return None


def _imported_names(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Absolute dotted names an import statement may load (``base.name`` for from-imports)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base_parts = package[: len(package) - (node.level - 1)]
        base = ".".join([*base_parts, *([node.module] if node.module else [])])
    else:
        base = node.module or ""
    return [f"{base}.{alias.name}" for alias in node.names]


def build_graph(src: Path = SRC, root: str = ROOT) -> ImportGraph:
    """Parse every module under ``src/root`` and collect the package-level edges."""
    files = sorted((src / root).rglob("*.py"))
    modules = dict(_module_name(f, src) for f in files)
    graph = ImportGraph(nodes=_nodes(modules, root))
    for path in files:
        module, is_package = _module_name(path, src)
        here = _node_of(module, graph.nodes)
        assert here is not None, module
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for stmt in ast.walk(tree):
            for name in _imported_names(stmt, module, is_package):
                there = _node_of(name, graph.nodes) if name.split(".")[0] == root else None
                site = f"{path.relative_to(src)}:{stmt.lineno}"
                if there is not None and there != here and site not in graph.sites[(here, there)]:
                    graph.sites[(here, there)].append(site)
    return graph


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Cycles as closed paths ``a, b, …, a``: in each strongly connected component, a
    shortest one through each of its nodes (so every package caught in it is named)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan's algorithm; the graph has a few dozen nodes
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    cycles: list[list[str]] = []
    for component in components:
        for start in component:
            cycle = _cycle_through(start, set(component), edges)
            if not any(_same_cycle(cycle, seen) for seen in cycles):
                cycles.append(cycle)
    return cycles


def _same_cycle(a: list[str], b: list[str]) -> bool:
    """Whether two closed paths are one cycle started at different nodes."""
    if len(a) != len(b):
        return False
    ring = a[:-1]
    return any(ring[i:] + ring[:i] == b[:-1] for i in range(len(ring)))


def _cycle_through(start: str, component: set[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest closed path from ``start`` back to it inside the component (breadth-first)."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(edges[v] & component):
                if w == start:
                    return [*paths[v], start]
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")


def describe(cycle: list[str], graph: ImportGraph) -> str:
    """``a → b → a`` and, for each step, where the import is written."""
    lines = [" → ".join(cycle)]
    for a, b in zip(cycle, cycle[1:], strict=False):
        sites = graph.sites[(a, b)]
        more = f" (+{len(sites) - 3} more)" if len(sites) > 3 else ""
        lines.append(f"  {a} → {b}: {', '.join(sites[:3])}{more}")
    return "\n".join(lines)


def test_no_import_cycle_between_packages():
    graph = build_graph()
    cycles = find_cycles(graph.edges())
    report = "\n".join(describe(c, graph) for c in cycles)
    assert not cycles, f"import cycles between packages of src/gonogo:\n{report}"


def test_the_graph_sees_lazy_relative_and_type_only_imports():
    """Guards the walker: edges known to come only from such imports are in the graph."""
    edges = build_graph().edges()
    assert "gonogo.rag" in edges["gonogo.scorers"]  # `from .. import rag`, in a function
    assert "gonogo.embeddings" in edges["gonogo.rag"]  # function-level, relative
    assert "gonogo.store.gateway" in edges["gonogo.gateway"]  # a nested package is a node
    assert "gonogo.errors" in edges["gonogo.data"]  # a top-level module is a node
    assert "gonogo.models" in edges["gonogo.scorers"]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize(
    "files, expected",
    [
        (  # a cycle through a function-level relative import
            {
                "pkg/__init__.py": "",
                "pkg/a/__init__.py": "from ._x import f\n",
                "pkg/a/_x.py": "def f():\n    from ..b import g\n",
                "pkg/b/__init__.py": "from pkg.a import f as g\n",
            },
            [["pkg.a", "pkg.b", "pkg.a"]],
        ),
        (  # a cycle through a TYPE_CHECKING import and `from .. import name`
            {
                "pkg/__init__.py": "",
                "pkg/a/__init__.py": "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from ..b import B\n",
                "pkg/b/__init__.py": "from .. import a\n",
            },
            [["pkg.a", "pkg.b", "pkg.a"]],
        ),
        (  # one-way imports, and a cycle inside one package: no cycle between packages
            {
                "pkg/__init__.py": "",
                "pkg/a/__init__.py": "from . import _x\n",
                "pkg/a/_x.py": "from . import _y\nfrom pkg import b\n",
                "pkg/a/_y.py": "from . import _x\n",
                "pkg/b/__init__.py": "import json\n",
            },
            [],
        ),
    ],
)
def test_cycle_finder_on_planted_trees(tmp_path, files, expected):
    _write(tmp_path, files)
    graph = build_graph(tmp_path, "pkg")
    cycles = find_cycles(graph.edges())
    assert cycles == expected
    for cycle in cycles:
        assert "pkg/" in describe(cycle, graph)  # names the file:line of each import
