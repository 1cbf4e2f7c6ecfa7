"""The page shell (okrsite/mkdocs_plugin/shell.py) and the search entries handed to
Material's search plugin (search.py) write every file byte for byte as the plain path
does (`OKRSITE_PLAIN=1`: the theme's whole template, the search plugin's own parse),
search index included; and they are really used."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from helpers.sites import (
    DEMO_CONTENT,
    FIXTURE_SITES,
    REPO,
    Built,
    build_site,
    demo_mkdocs_config,
    site_files,
)

pytestmark = pytest.mark.slow
THEMES = REPO / "tests" / "fixtures" / "shell_themes"
USED = re.compile(r"page shell: ([0-9]+) pages filled in, ([0-9]+) rendered in full, "
                  r"[0-9]+ shells; search entries of ([0-9]+) pages handed")


def _both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: Path,
               config: dict[str, Any]) -> tuple[Built, Built]:
    shelled = build_site(tmp_path / "shell", content, config)
    with monkeypatch.context() as m:
        m.setenv("OKRSITE_PLAIN", "1")
        plain = build_site(tmp_path / "plain", content, config)
    return shelled, plain


def _used(built: Built) -> tuple[int, int]:
    """(pages filled in from a shell, pages whose search entries were handed over)."""
    (found,) = [USED.search(m) for m in built.messages(logging.DEBUG) if USED.search(m)]
    assert found is not None
    return int(found[1]), int(found[3])


def _filled(built: Built) -> int:
    return _used(built)[0]


def _assert_same(shelled: Built, plain: Built) -> None:
    ours, theirs = site_files(shelled.site), site_files(plain.site)
    assert sorted(ours) == sorted(theirs)
    assert [path for path in ours if ours[path] != theirs[path]] == []


def test_the_demo_is_the_same_with_and_without_the_shell(tmp_path, monkeypatch):
    shelled, plain = _both_ways(tmp_path, monkeypatch, DEMO_CONTENT, demo_mkdocs_config())
    _assert_same(shelled, plain)
    units = len(list((shelled.site / "periods").glob("*/*/index.html")))
    filled, handed = _used(shelled)
    assert filled >= units * 3 // 4  # most unit pages came from a shell
    assert handed >= units  # every generated page's search entries (units and more)
    assert _used(plain) == (0, 0)


def test_a_site_reading_the_page_its_own_way_is_the_same(tmp_path, monkeypatch):
    config = {"theme": {"name": "material", "custom_dir": str(THEMES / "reads"),
                        "features": ["navigation.footer", "navigation.indexes"]},
              "site_url": "https://okr.example.com/sub/", "use_directory_urls": False,
              "extra_css": ["assets/brand.css"],
              "markdown_extensions": [{"toc": {"permalink": "#"}}]}
    shelled, plain = _both_ways(tmp_path, monkeypatch, FIXTURE_SITES / "minimal" / "content",
                                config)
    _assert_same(shelled, plain)
    page = (shelled.site / "periods" / "2026-Q1" / "widgets" / "index.html").read_text("utf-8")
    assert 'href="https://okr.example.com/sub/periods/2026-Q1/widgets/index.html"' in page
    assert '<meta name="okr-title" content="WIDGET TEAM · 2026-Q1">' in page
    assert _filled(shelled) > 0


def test_a_template_the_shell_cannot_follow_gets_the_full_template(tmp_path, monkeypatch):
    config = {"theme": {"name": "material", "custom_dir": str(THEMES / "method")}}
    shelled, plain = _both_ways(tmp_path, monkeypatch, FIXTURE_SITES / "minimal" / "content",
                                config)
    _assert_same(shelled, plain)
    assert _filled(shelled) == 0
    page = (shelled.site / "periods" / "2026-Q1" / "widgets" / "index.html").read_text("utf-8")
    assert '<meta name="okr-upper" content="WIDGET TEAM · 2026-Q1">' in page
