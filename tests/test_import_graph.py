"""No import cycle anywhere in `bench/`, and the import graph between its packages.

A cycle makes a module's behaviour depend on which of its partners was imported
first (a half-initialised module, a name not defined yet) and ties two rooms
of the house together so neither can change alone. The graph is read from the
source with `ast`, so an import inside a function or under `TYPE_CHECKING`
counts like any other:

- `import a.b.c` depends on `a.b.c` and on the packages `a` and `a.b`, whose
  `__init__` runs first, except the packages enclosing the importing module
  itself (Python has started those before the module runs);
- `from a.b import c` depends on the module `a.b.c` when `c` is one, and
  always on the package `a.b`, enclosing or not: it names the package as where
  `c` comes from. Inside `a.b` that is a submodule importing its package back;
  `import a.b.c as c` and `from a.b.c import x` name the module itself;
- a module that calls `importlib.import_module` imports every module whose
  name it spells as a string (the CLI's lazily loaded subcommands).

Run as a script, it prints the import graph between packages::

    python tests/test_import_graph.py [--depth 3]
"""

from __future__ import annotations

import argparse
import ast
from collections import deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "bench"

Graph = dict[str, set[str]]


def module_files(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Every module under the package by dotted name; a package is its `__init__`."""
    files = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


def is_package(name: str, files: dict[str, Path]) -> bool:
    return files[name].name == "__init__.py"


def enclosing_packages(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


def with_ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def imported_modules(name: str, files: dict[str, Path]) -> set[str]:
    """The modules of `files` that importing `name` runs, by the rules above."""
    tree = ast.parse(files[name].read_text(), filename=str(files[name]))
    started = enclosing_packages(name)
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                targets.update(m for m in with_ancestors(alias.name) if m not in started)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(name, node, files)
            targets.update(m for m in with_ancestors(source) if m not in started)
            targets.add(source)
            targets.update(f"{source}.{alias.name}" for alias in node.names)
    if _imports_by_name(tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in files:
                targets.update(m for m in with_ancestors(node.value) if m not in started)
    targets.discard(name)
    return targets & files.keys()


def _imports_by_name(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Attribute | ast.Name)
        and (node.attr if isinstance(node, ast.Attribute) else node.id) == "import_module"
        for node in ast.walk(tree)
    )


def _absolute(name: str, node: ast.ImportFrom, files: dict[str, Path]) -> str:
    if not node.level:
        return node.module or ""
    package = name if is_package(name, files) else name.rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def import_graph(files: dict[str, Path] | None = None) -> Graph:
    files = module_files() if files is None else files
    return {name: imported_modules(name, files) for name in files}


def strongly_connected(graph: Graph) -> list[list[str]]:
    """Tarjan's components with more than one module: each holds at least one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def shortest_cycle_through(start: str, graph: Graph, members: set[str]) -> list[str]:
    """Breadth-first from `start` back to itself inside one component."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(graph[node] & members):
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if successor not in came_from:
                came_from[successor] = node
                queue.append(successor)
    raise AssertionError(f"{start} is in no cycle")


def cycles(graph: Graph) -> Iterator[list[str]]:
    """One shortest cycle through each module of each component, without repeats."""
    for component in strongly_connected(graph):
        seen: set[frozenset[str]] = set()
        for start in component:
            cycle = shortest_cycle_through(start, graph, set(component))
            if frozenset(cycle) not in seen:
                seen.add(frozenset(cycle))
                yield cycle


def package_graph(graph: Graph, files: dict[str, Path], depth: int) -> Graph:
    """The module graph folded onto packages cut to `depth` names (`bench/x.py` stays
    `bench.x`), without a package's edges to itself: the note's view of the house."""

    def unit_of(name: str) -> str:
        parts = name.split(".")
        if not is_package(name, files) and len(parts) > 2:
            parts = parts[:-1]
        return ".".join(parts[:depth])

    packages: Graph = {}
    for name, targets in graph.items():
        source = unit_of(name)
        edges = packages.setdefault(source, set())
        edges.update(unit_of(target) for target in targets if unit_of(target) != source)
    return packages


def test_the_graph_sees_a_package_imported_back_and_a_lazy_import(tmp_path):
    sources = {
        "pkg/__init__.py": "from pkg.a import f\n",
        "pkg/a.py": "from pkg import b\n\ndef f():\n    pass\n",
        "pkg/b.py": "def g():\n    import pkg.c.d\n",
        "pkg/c/__init__.py": "",
        "pkg/c/d.py": "from ..b import g\n",
        "pkg/cli.py": "import importlib\n\nimportlib.import_module('pkg.c.d')\n",
    }
    for relative, text in sources.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    graph = import_graph(module_files(tmp_path, "pkg"))
    assert graph["pkg.b"] == {"pkg.c", "pkg.c.d"}  # a.b.c imports the package a.b too
    assert graph["pkg.cli"] == {"pkg.c", "pkg.c.d"}
    assert list(cycles(graph)) == [["pkg", "pkg.a", "pkg"], ["pkg.b", "pkg.c.d", "pkg.b"]]


def test_bench_has_no_import_cycle():
    found = [" -> ".join(cycle) for cycle in cycles(import_graph())]
    assert not found, "import cycles in bench/:\n" + "\n".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--depth", type=int, default=2, help="names kept per package (2: bench.emulator)"
    )
    depth = parser.parse_args().depth
    files = module_files()
    graph = import_graph(files)
    for source, targets in sorted(package_graph(graph, files, depth).items()):
        print(f"{source} -> {', '.join(sorted(targets)) or '(nothing)'}")
    for cycle in cycles(graph):
        print(f"cycle: {' -> '.join(cycle)}")


if __name__ == "__main__":
    main()
