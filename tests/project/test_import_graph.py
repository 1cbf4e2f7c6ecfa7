"""Imports point one way: no cycle among okrsite's modules (docs: architecture.md).

Every import counts, at module level or inside a function, and importing
`okrsite.a.b` from outside `okrsite.a` also runs the package `okrsite.a`. (A module
inside a package is only ever loaded once its package has started, so its own
package is not an edge.) Imports made only for type checking (`if TYPE_CHECKING:`)
are left out: they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "okrsite"


def module_name(file: Path) -> str:
    parts = list(file.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:`."""
    out: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def imports_of(file: Path, modules: set[str]) -> set[str]:
    """The okrsite modules a file imports when it runs."""
    me = module_name(file)
    package = me if file.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(file.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            for i in range(2, len(parts) + 1):  # the packages on the way run too
                candidate = ".".join(parts[:i])
                own_package = me.startswith(candidate + ".")
                if candidate in modules and candidate != me and not own_package:
                    found.add(candidate)
    return found


def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(f) for f in files}
    return {module_name(f): imports_of(f, modules) for f in files}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan; the graph is a few dozen modules
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
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
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_among_okrsite_modules() -> None:
    assert cycles(graph()) == []


def test_the_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_stages_do_not_import_the_commands_or_adapters() -> None:
    edges = graph()
    upper = ("okrsite.commands", "okrsite.cli", "okrsite.mkdocs_plugin")
    for module, imported in edges.items():
        if module.startswith(upper) or module in ("okrsite.pipeline",):
            continue
        assert not {m for m in imported if m.startswith(upper)}, module
