"""The MkDocs adapter only translates between MkDocs and a `Build`: it loads,
scores and renders nothing itself (docs: architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ADAPTER = Path(__file__).resolve().parents[2] / "okrsite" / "mkdocs_plugin"
# The stages' own modules: the adapter reaches them only through the pipeline's Build
# and render_outputs (and the small helpers named below).
STAGES = ("okrsite.yamlparse", "okrsite.schema", "okrsite.rules", "okrsite.build",
          "okrsite.model", "okrsite.scoring", "okrsite.history", "okrsite.visibility",
          "okrsite.render.home", "okrsite.render.unit", "okrsite.render.period",
          "okrsite.render.kpi", "okrsite.render.cascade", "okrsite.render.charts",
          "okrsite.render.history")


def imports(file: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_adapter_imports_no_stage_directly() -> None:
    for file in sorted(ADAPTER.glob("*.py")):
        reached = {m for m in imports(file) if m.startswith(STAGES)}
        assert not reached, f"{file.name} imports {sorted(reached)}"


def test_the_plugin_runs_the_pipeline_once_per_build() -> None:
    text = (ADAPTER / "plugin.py").read_text(encoding="utf-8")
    assert text.count(" run(") == 1 and text.count("render_outputs(") == 1
