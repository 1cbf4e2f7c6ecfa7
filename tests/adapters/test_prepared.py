"""A page prepared where it was rendered (okrsite.mkdocs_plugin.page.prepare, run in the
render workers) is the page the parent would make of it: the same content with
permalinks, table of contents, anchors, search view and search sections; a page
another plugin changes is searched as changed; and a site built with the pages
prepared in forked workers is byte for byte the site built with the parent making
every page itself, and so is the site whose pages' search sections were made in a
forked process while MkDocs built the pages (okrsite.mkdocs_plugin.background)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from material.plugins.search.plugin import Parser
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

import okrsite.forking as forking
import okrsite.mkdocs_plugin.plugin as plugin_module
import okrsite.render.pool as pool
from okrsite.mkdocs_plugin import background
from okrsite.mkdocs_plugin.page import GeneratedPage, Permalink, Prepared, prepare
from okrsite.mkdocs_plugin.search import from_rows
from okrsite.pipeline import run
from okrsite.render import iter_site
from okrsite.render.page import Page, searchable
from okrsite.settings import Settings
from tests.helpers.sites import (
    DEMO_AS_OF,
    DEMO_CONTENT,
    build_site,
    count_pools,
    demo_mkdocs_config,
    site_files,
)

PERMALINK = Permalink("&para;", "Permanent link", "headerlink")


def _pages() -> list[Page]:
    build = run(Settings(DEMO_CONTENT, as_of=date.fromisoformat(DEMO_AS_OF), history=False))
    return list(iter_site(build))


def _generated(page: Page, permalink: Permalink | None) -> GeneratedPage:
    config = MkDocsConfig()
    config.load_dict({"site_name": "t", "docs_dir": str(DEMO_CONTENT)})
    file = File(page.path, src_dir=None, dest_dir="/tmp/site", use_directory_urls=True)
    return GeneratedPage(page, file, config, permalink)


def _entries(sections: list[Any]) -> list[tuple[str | None, str, str | None]]:
    """What Material's `create_entry_for_section` takes of each section (a title of no
    pieces is the page's title)."""
    return [("".join(s.title).strip() if s.title else None, "".join(s.text).strip(), s.id)
            for s in sections if not s.is_excluded()]


def _material(view: str) -> list[tuple[str | None, str, str | None]]:
    parser = Parser()
    parser.feed(view)
    parser.close()
    return _entries(parser.data)


@pytest.mark.parametrize("permalink", [None, PERMALINK], ids=["no-permalink", "permalink"])
def test_a_prepared_page_is_the_page_the_parent_makes(permalink: Permalink | None) -> None:
    pages = _pages()
    assert len(pages) > 100
    for page in pages:
        ready = prepare(page, permalink, search=True)
        assert isinstance(ready.prepared, Prepared) and ready == page
        ours, theirs = _generated(ready, permalink), _generated(page, permalink)
        full = theirs.unpack()
        assert ours.unpack() == full, page.path
        assert ours.heads == theirs.heads, page.path
        made = ours.search_made()
        assert made is not None and ours.search_made() is None  # taken once
        view, rows = made
        assert view == searchable(full), page.path
        assert rows is not None and _entries(from_rows(rows)) == _material(view), page.path
        assert theirs.search_made() is None  # made here: the plugin makes its view itself


def test_prepared_with_another_permalink_is_made_again() -> None:
    page = next(p for p in _pages() if p.meta.get("okrsite", {}).get("kind") == "unit-period")
    made = _generated(prepare(page, None, search=True), PERMALINK)
    assert made.unpack() == _generated(page, PERMALINK).unpack()
    assert 'class="headerlink"' in made.unpack()
    assert made.search_made() is None


def test_a_page_another_plugin_changed_is_not_searched_as_it_was() -> None:
    page = next(p for p in _pages() if p.meta.get("okrsite", {}).get("kind") == "unit-period")
    made = _generated(prepare(page, PERMALINK, search=True), PERMALINK)
    made.render(MkDocsConfig(), None)  # type: ignore[arg-type]
    made.pack(made.content + "<p>Added by another plugin</p>")
    assert made.search_made() is None  # the plugin makes the view of the changed page
    assert "Added by another plugin" in made.unpack()

    same = _generated(prepare(page, PERMALINK, search=True), PERMALINK)
    same.render(MkDocsConfig(), None)  # type: ignore[arg-type]
    same.pack(same.content)  # unchanged: the prepared view stands
    assert same.search_made() is not None


@pytest.mark.slow
@pytest.mark.skipif(not pool.can_fork(), reason="no safe fork here")
def test_a_site_prepared_in_workers_is_the_site_made_in_the_parent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking, "MIN_PARALLEL", 0)  # workers even for the demo's pages
    monkeypatch.setattr(pool, "CHUNK", 2)
    monkeypatch.setenv("OKRSITE_WORKERS", "2")
    # No cache_dir: a frozen page the final cache keeps has its sections made in the
    # parent (test_ci_final_replay covers that case).
    monkeypatch.setenv("OKRSITE_NO_CACHE", "1")
    started = count_pools(monkeypatch)
    deferred: list[int] = []
    real_start = background.Background.start

    def start(pages: list[tuple[str, bytes, bool]]) -> object:
        made = real_start(pages)
        deferred.append(len(pages) if made is not None else 0)
        return made

    monkeypatch.setattr(background.Background, "start", start)
    config = demo_mkdocs_config()  # toc permalinks on
    config["markdown_extensions"] = [e for e in config["markdown_extensions"]
                                     if not (isinstance(e, dict) and "toc" in e)]
    config["markdown_extensions"].append({"toc": {"permalink": "§", "toc_depth": 3}})
    workers = site_files(build_site(tmp_path / "workers", DEMO_CONTENT, config).site)
    assert started == [1]
    assert len(deferred) == 1 and deferred[0] > 100  # every page's sections in the background
    with monkeypatch.context() as m:  # the parent makes every page itself, as before
        m.setattr(plugin_module, "prepare", lambda page, permalink, search: page)
        m.setenv("OKRSITE_WORKERS", "1")
        parent = site_files(build_site(tmp_path / "parent", DEMO_CONTENT, config).site)
    assert deferred[1:] == [0]
    assert sorted(workers) == sorted(parent)
    assert [path for path in workers if workers[path] != parent[path]] == []
    assert "§" in workers["periods/2026-Q4/onboarding/index.html"].decode()
    for secret in (b"Project Heron", b"project-heron", b"Cash runway", b"cash-runway"):
        assert [path for path, data in workers.items() if secret in data] == []
