"""A CI `mkdocs build` with cache_dir kept takes closed periods' pages and their search
sections from it (okrsite.pagecache, okrsite.mkdocs_plugin.searchcache), and writes
the site, search index included, a build without the cache writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from okrsite.mkdocs_plugin.plugin import OkrsitePlugin
from tests.helpers.sites import (
    DEMO_CHECK_IN,
    DEMO_CHECK_IN_EDITED,
    DEMO_CONTENT,
    prepare_site,
    quiet_mkdocs,
    site_files,
)

EDITED = "periods/2026-Q4/onboarding.yaml"
OLD_CHECK_IN, NEW_CHECK_IN = DEMO_CHECK_IN, DEMO_CHECK_IN_EDITED


_quiet = pytest.fixture(autouse=True)(quiet_mkdocs)


def ci_build(root: Path, cache: str = ".cache", copyright: str = "first"
             ) -> tuple[OkrsitePlugin, dict[str, bytes]]:
    """One `mkdocs build` as a new CI process runs it: the plugin and the site. A new
    `copyright` changes every page's shell, so that no page is replayed whole
    (mkdocs_plugin.finalcache) and the search cache is what is left to use."""
    config_file = prepare_site(root, DEMO_CONTENT, {"copyright": copyright},
                               okrsite={"cache_dir": cache, "history": False})
    config = load_config(str(config_file))
    config.plugins.on_startup(command="build", dirty=False)
    plugin = config.plugins["okrsite"]
    assert isinstance(plugin, OkrsitePlugin)
    build(config)
    config.plugins.on_shutdown()
    return plugin, site_files(root / "site")


def cold(root: Path, content: Path, copyright: str) -> dict[str, bytes]:
    other = root / "cold"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(content, other / "content")
    return ci_build(other, cache="", copyright=copyright)[1]


def test_frozen_pages_search_sections_come_from_the_cache(tmp_path: Path) -> None:
    first, _ = ci_build(tmp_path)
    assert first.search_cache is not None and first.search_cache.read == 0
    frozen = first.page_cache.frozen if first.page_cache else set()
    assert "periods/2026-Q3/support/index.md" in frozen
    edited = tmp_path / "content" / EDITED
    edited.write_text(edited.read_text().replace(OLD_CHECK_IN, NEW_CHECK_IN))

    second, site = ci_build(tmp_path, copyright="second")
    assert second.search_cache is not None
    assert second.search_cache.read == len(frozen)
    assert b"Slower week" in site["search/search_index.json"]
    assert site == cold(tmp_path, tmp_path / "content", "second")


def test_a_damaged_search_entry_is_ignored(tmp_path: Path) -> None:
    first, _ = ci_build(tmp_path)
    entries = sorted((tmp_path / ".cache").glob("search-*/*/*.json"))
    assert len(entries) == len(first.page_cache.frozen if first.page_cache else ())
    entries[0].write_bytes(b"not an entry")
    entries[1].write_bytes(entries[2].read_bytes())  # another page's sections
    second, again = ci_build(tmp_path, copyright="second")
    assert second.search_cache is not None and second.search_cache.read == len(entries) - 2
    assert again == cold(tmp_path, tmp_path / "content", "second")
    third, _ = ci_build(tmp_path, copyright="third")  # rewritten
    assert third.search_cache is not None and third.search_cache.read == len(entries)



def test_a_build_replaying_every_frozen_page_keeps_their_search_entries(
        tmp_path: Path) -> None:
    """A CI build that replays the frozen pages whole (finalcache) reads no search
    entry: it leaves them, for a build whose shell changed, rather than delete them."""
    ci_build(tmp_path)
    kept = sorted(p.name for p in tmp_path.rglob("search-*/*/*.json"))
    assert kept
    edited = tmp_path / "content" / EDITED
    edited.write_text(edited.read_text().replace(OLD_CHECK_IN, NEW_CHECK_IN))
    second, _ = ci_build(tmp_path)
    assert second.finals is not None and "periods/2026-Q3/support/index.md" in \
        second.finals.replayed
    assert second.search_cache is not None and second.search_cache.read == 0
    assert sorted(p.name for p in tmp_path.rglob("search-*/*/*.json")) == kept
    third, site = ci_build(tmp_path, copyright="second")  # no page replayed
    assert third.search_cache is not None and third.search_cache.read == len(kept)
    assert site == cold(tmp_path, tmp_path / "content", "second")
