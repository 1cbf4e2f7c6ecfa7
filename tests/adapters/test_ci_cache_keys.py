"""The caches a real CI runner keeps hit there: a runner checks the project out in a
workspace of its own choosing (GitLab's /builds/<group>/<project>, a Jenkins
workspace per job) and restores cache_dir into it. No cache key holds an absolute
path, so a checkout at another path replays the closed periods' pages and writes
every output file byte for byte as a cold build does; a path that changes what is
built (a theme directory pointing elsewhere) still changes the key."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from okrsite.mkdocs_plugin.plugin import OkrsitePlugin
from tests.adapters.test_ci_final_replay import ACTIVE, NEW_CHECK_IN, OLD_CHECK_IN, ci_build, edit
from tests.helpers.sites import quiet_mkdocs

_quiet = pytest.fixture(autouse=True)(quiet_mkdocs)

THEME = {"theme": {"name": "material", "custom_dir": "theme"}}


def replayed(plugin: OkrsitePlugin) -> set[str]:
    return set(plugin.finals.replayed) if plugin.finals is not None else set()


def frozen(plugin: OkrsitePlugin) -> set[str]:
    assert plugin.page_cache is not None
    return set(plugin.page_cache.frozen)


def checkout(project: Path, where: Path) -> Path:
    """The project and its cache_dir at another path, as a runner restores them (the
    site_dir is not kept)."""
    shutil.copytree(project, where, ignore=shutil.ignore_patterns("site"))
    return where


def cold(project: Path, extra: dict[str, Any] | None = None, **okrsite: Any) -> dict[str, bytes]:
    """A build without cache of a copy of the project (content, theme directories)."""
    other = project.parent / f"{project.name}-cold"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(project, other, ignore=shutil.ignore_patterns("site", ".cache", "*.yml"))
    return ci_build(other, cache="", extra=extra, **okrsite)[1]


def override(project: Path, folder: str, text: str) -> None:
    partial = project / folder / "partials" / "copyright.html"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_text(f'<div class="md-copyright">{text}</div>\n')


@pytest.mark.parametrize("extra", [None, THEME], ids=["material", "theme override"])
def test_a_checkout_at_another_path_replays_the_closed_pages(
        tmp_path: Path, extra: dict[str, Any] | None) -> None:
    first_checkout = tmp_path / "builds" / "runner-1" / "okrs"
    override(first_checkout, "theme", "Theme override")
    first, _ = ci_build(first_checkout, extra=extra)
    assert frozen(first) and not replayed(first)

    other = checkout(first_checkout, tmp_path / "workspace" / "job-7" / "okrs")
    edit(other / "content" / ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)
    second, site = ci_build(other, extra=extra)
    assert frozen(first) <= replayed(second)
    assert second.page_cache is not None
    assert not frozen(first) & set(second.page_cache.rendered)  # none rendered again
    assert b"Slower week" in site["search/search_index.json"]
    assert site == cold(other, extra=extra)


def test_a_theme_directory_pointing_elsewhere_builds_the_pages_again(tmp_path: Path) -> None:
    project = tmp_path / "ci"
    override(project, "theme", "Theme override")
    override(project, "theme-2027", "Theme override of 2027")
    ci_build(project, extra=THEME)
    elsewhere = {"theme": {"name": "material", "custom_dir": "theme-2027"}}
    second, site = ci_build(project, extra=elsewhere)
    assert not replayed(second)
    assert b"Theme override of 2027" in site["periods/2026-Q3/support/index.html"]
    assert site == cold(project, extra=elsewhere)
    third, again = ci_build(project, extra=elsewhere)  # kept for the new directory
    assert frozen(second) <= replayed(third) and again == site


NO_SEARCH = {"plugins": ["okrsite"]}


def test_a_site_without_search_replays_the_closed_pages(tmp_path: Path) -> None:
    project = tmp_path / "ci"
    first, _ = ci_build(project, extra=NO_SEARCH)
    assert frozen(first) and not replayed(first)
    edit(project / "content" / ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)
    second, site = ci_build(project, extra=NO_SEARCH)
    assert frozen(first) <= replayed(second)
    assert "search/search_index.json" not in site
    assert site == cold(project, extra=NO_SEARCH)


def test_search_added_later_indexes_the_closed_pages(tmp_path: Path) -> None:
    """Their entries were not kept (there were none): the pages are built again."""
    project = tmp_path / "ci"
    ci_build(project, extra=NO_SEARCH)
    second, site = ci_build(project)
    assert not replayed(second)
    assert b"Answer every ticket within 15 hours" in site["search/search_index.json"]
    assert site == cold(project)
    third, again = ci_build(project)
    assert frozen(second) <= replayed(third) and again == site


def test_two_configs_sharing_one_cache_dir_keep_their_own_entries(tmp_path: Path) -> None:
    """Two sites of the same content and okrsite settings (here: told apart by their
    footer) built in turn with one cache_dir: each replays its own closed pages."""
    shared = str(tmp_path / "shared-cache")
    sites = {name: (tmp_path / name, {"copyright": f"The {name} site"})
             for name in ("handbook", "intranet")}
    for project, extra in sites.values():
        ci_build(project, cache=shared, extra=extra)
    for project, extra in sites.values():
        edit(project / "content" / ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)
        again, site = ci_build(project, cache=shared, extra=extra)
        assert frozen(again) and frozen(again) <= replayed(again)
        assert site == cold(project, extra=extra)
