"""The demo builds with MkDocs' successors: ProperDocs runs the plugin and makes the
same pages as MkDocs; Zensical builds what `okrsite render` writes (the guide's
publishing page shows how, and this test uses its zensical.toml)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.parse
from importlib import metadata
from pathlib import Path

import pytest
from helpers.checkkit import ROOT, run_cli

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
EPOCH = "1795132800"  # 2026-11-20, conftest.DEMO_AS_OF: the same "as of" for every build
GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


def _env() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "OKRSITE_NO_CACHE": "1",
            "PYTHONPATH": str(ROOT)}


def _tool(name: str) -> Path:
    tool = BIN / name
    assert tool.exists(), f"{name} is a test dependency: pip install -e '.[test]'"
    return tool


def _build(tool: str, site: Path) -> None:
    done = subprocess.run([str(_tool(tool)), "build", "--strict", "-f", "mkdocs.yml",
                           "-d", str(site)], cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_the_plugin_is_registered_for_properdocs_too():
    for group in ("mkdocs.plugins", "properdocs.plugins"):
        (ep,) = [e for e in metadata.entry_points(group=group) if e.name == "okrsite"]
        assert ep.value == "okrsite.mkdocs_plugin:OkrsitePlugin"


def test_properdocs_builds_the_pages_mkdocs_builds(tmp_path):
    _build("mkdocs", tmp_path / "mkdocs")
    _build("properdocs", tmp_path / "properdocs")
    ours, theirs = _files(tmp_path / "mkdocs"), _files(tmp_path / "properdocs")
    assert sorted(theirs) == sorted(ours)
    assert "periods/2026-Q4/support/index.html" in ours
    differ = [path for path in ours
              if GENERATOR.sub(b"", ours[path]) != GENERATOR.sub(b"", theirs[path])]
    assert differ == []


def _zensical_toml() -> str:
    text = (ROOT / "content" / "guide" / "site.md").read_text(encoding="utf-8")
    (toml,) = re.findall(r'```toml title="zensical.toml"\n(.*?)```', text, re.DOTALL)
    return "\n".join(line.removeprefix("  ") for line in toml.splitlines()) + "\n"


def _internal_links(site: Path) -> list[tuple[Path, str]]:
    links = []
    for page in sorted(site.rglob("*.html")):
        if page.name == "404.html":  # its links are absolute, for any address
            continue
        for url in re.findall(r'(?:href|src)="([^"]+)"', page.read_text(encoding="utf-8")):
            if not re.match(r"^([a-z]+:|#|//)", url):
                links.append((page, url))
    return links


def test_zensical_builds_a_working_site_of_the_render(tmp_path):
    done = run_cli("render", "--out", str(tmp_path / "docs"), env={"SOURCE_DATE_EPOCH": EPOCH})
    assert done.returncode == 0, done.stderr
    pages = sorted(p.relative_to(tmp_path / "docs").as_posix()
                   for p in (tmp_path / "docs").rglob("*.md"))
    (tmp_path / "zensical.toml").write_text(_zensical_toml(), encoding="utf-8")
    done = subprocess.run([str(_tool("zensical")), "build"], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    site = tmp_path / "site"
    for page in pages:  # every page is there, at its address
        assert (site / page.replace("index.md", "index.html")).is_file(), page
    support = (site / "periods" / "2026-Q4" / "support" / "index.html").read_text("utf-8")
    assert 'href="../../../assets/okrsite/okrsite.css"' in support
    assert "okr-progress" in support and "&lt;div" not in support
    links = _internal_links(site)
    assert len(links) > 1000
    broken = []
    for page, url in links:
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        if not path:
            continue
        target = site / path.lstrip("/") if path.startswith("/") else page.parent / path
        if not (target / "index.html" if path.endswith("/") else target).exists():
            broken.append(f"{page.relative_to(site)}: {url}")
    assert broken == []
