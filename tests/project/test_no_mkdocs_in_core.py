"""The core never imports mkdocs: only the adapter does (docs: architecture.md).

MkDocs 1.x is frozen and Material is in maintenance; keeping mkdocs out of the
core is what lets `okrsite render --out DIR` feed another site generator.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "okrsite"
ADAPTER = PACKAGE / "mkdocs_plugin"  # the adapter package
FORBIDDEN = ("mkdocs", "material", "pymdownx")  # MkDocs and the theme's own packages


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import, including relative ones and `__import__("x")`
    and `importlib.import_module("x")` calls with a literal name."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id == "__import__")
                   or (isinstance(node.func, ast.Attribute)
                       and node.func.attr == "import_module"))):
            found.append((node.lineno, node.args[0].value))
    return found


def offending(source: str) -> list[str]:
    return [f"line {line}: {module}" for line, module in imported_modules(ast.parse(source))
            if module.split(".")[0] in FORBIDDEN]


def core_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if not p.is_relative_to(ADAPTER))


def test_the_core_has_modules() -> None:
    assert len(core_modules()) > 5 and (ADAPTER / "__init__.py").exists()


@pytest.mark.parametrize("module", core_modules(),
                         ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_core_module_does_not_import_mkdocs(module: Path) -> None:
    problems = offending(module.read_text(encoding="utf-8"))
    assert not problems, (f"{module.relative_to(PACKAGE.parent)} imports MkDocs; only "
                          f"okrsite/mkdocs_plugin/ may: {problems}")


def test_the_adapter_does_import_mkdocs() -> None:
    for module in ("config.py", "plugin.py", "page.py", "nav.py", "staging.py"):
        assert offending((ADAPTER / module).read_text(encoding="utf-8")), module


@pytest.mark.parametrize("source", [
    "import mkdocs",
    "import mkdocs.plugins as p",
    "from mkdocs.structure.files import File",
    "from material.plugins import search",
    "def f():\n    import pymdownx.details",
    "__import__('mkdocs.config')",
    "import importlib\nimportlib.import_module('mkdocs')",
])
def test_the_check_sees_every_form_of_import(source: str) -> None:
    assert offending(source)


@pytest.mark.parametrize("source", [
    "import mkdocs_like",
    "from . import mkdocs",  # a sibling module of that name, not the package
    "text = 'import mkdocs'",
])
def test_the_check_ignores_lookalikes(source: str) -> None:
    assert not offending(source)
