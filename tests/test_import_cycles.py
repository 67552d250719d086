"""No import cycles inside gls_engine: the packages stand in layers, each importing only below.

The graph is read from the source with `ast`, so nothing is imported to build
it. Every import counts, at module level or inside a function (a deferred
import hides a cycle from Python's loader, not from the reader). An edge goes
to the module named: `from a.b import c` to `a.b.c` when that is a module,
else to `a.b` (its `__init__.py`). Python also runs a package's `__init__.py`
before any module inside it; that implicit step is no edge, since a package's
face only hands on names from below it.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "python"
PACKAGE = "gls_engine"


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its `__init__.py`)."""
    modules = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """Dotted names an import statement may mean (a module, or a name inside one)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        # Relative: from the module's package, one level up per extra dot.
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        base = ".".join(anchor + ([base] if base else []))
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph(root: Path) -> dict[str, dict[str, int]]:
    """module -> {module it imports: line of the first such import}."""
    modules = module_names(root)
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        edges: dict[str, int] = {}
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            candidates = _imported(node, module, is_package)
            if isinstance(node, ast.ImportFrom):
                # `from a import b`: b itself when it is a module, else a.
                named = [c for c in candidates[:-1] if c in modules] or [candidates[-1]]
            else:
                named = candidates
            for name in named:
                # `import a.b.c` names a.b.c; a name below a module means that module.
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    edges.setdefault(name, node.lineno)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def shortest_loop(component: list[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """One loop through the component's first module, as few imports long as there is."""
    members, start = set(component), component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in graph[module]:
                if target == start:
                    loop = [module]
                    while loop[-1] != start:
                        loop.append(came_from[loop[-1]])
                    return [start, *reversed(loop[:-1]), start]
                if target in members and target not in came_from:
                    came_from[target] = module
                    following.append(target)
        frontier = following
    raise AssertionError(f"no loop through {start}")


def describe(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    loop = shortest_loop(component, graph)
    steps = [f"  {a} (line {graph[a][b]}) imports {b}" for a, b in itertools.pairwise(loop)]
    return f"{len(component)} modules in one cycle, for one:\n" + "\n".join(steps)


def test_the_graph_sees_imports_inside_functions() -> None:
    # cli.py opens the store from inside a command: a deferred import is still an edge.
    graph = import_graph(ROOT)
    assert "gls_engine.storage" in graph["gls_engine.cli"]
    assert "gls_engine.request_params" in graph["gls_engine.ingest.pipeline"]


def test_no_import_cycles_in_gls_engine() -> None:
    graph = import_graph(ROOT)
    assert len(graph) > 40, sorted(graph)  # the whole package was read
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(describe(c, graph) for c in found)
