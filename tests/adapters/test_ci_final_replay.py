"""A CI `mkdocs build` with cache_dir kept writes a closed period's pages as the last
build wrote them (okrsite.mkdocs_plugin.finalcache: their final HTML and search
entries, no MkDocs or Material work per page) only when the site around them is shaped
the same: after each change below, every output file is byte for byte the one a cold
build of the same project writes."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from okrsite import forking
from okrsite.mkdocs_plugin import finalcache
from okrsite.mkdocs_plugin.plugin import OkrsitePlugin
from okrsite.render import pool
from tests.helpers.sites import (
    DEMO_CHECK_IN,
    DEMO_CHECK_IN_EDITED,
    DEMO_CONTENT,
    fresh_process_build,
    prepare_site,
    quiet_mkdocs,
    site_files,
)

ACTIVE = "periods/2026-Q4/onboarding.yaml"
OLD_CHECK_IN, NEW_CHECK_IN = DEMO_CHECK_IN, DEMO_CHECK_IN_EDITED
CLOSED_PAGE = "periods/2026-Q3/support/index.html"
SITE_URL = {"site_url": "https://okr.example.com/"}


_quiet = pytest.fixture(autouse=True)(quiet_mkdocs)


def ci_build(root: Path, cache: str = ".cache", extra: dict[str, Any] | None = None,
             **okrsite: Any) -> tuple[OkrsitePlugin, dict[str, bytes]]:
    """One `mkdocs build` as a new CI process runs it: the plugin and the site."""
    plugin, site = fresh_process_build(prepare_site(
        root, DEMO_CONTENT, extra, okrsite={"cache_dir": cache, "history": False, **okrsite}))
    assert isinstance(plugin, OkrsitePlugin)
    return plugin, site


def cold(root: Path, extra: dict[str, Any] | None = None, **okrsite: Any) -> dict[str, bytes]:
    """A build without cache of a copy of root's content (and theme, if any)."""
    other = root.parent / f"{root.name}-cold"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(root / "content", other / "content")
    if (root / "theme").exists():
        shutil.copytree(root / "theme", other / "theme")
    return ci_build(other, cache="", extra=extra, **okrsite)[1]


def replayed(plugin: OkrsitePlugin) -> list[str]:
    return plugin.finals.replayed if plugin.finals is not None else []


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_an_active_period_edit_replays_the_closed_pages(tmp_path: Path) -> None:
    root = tmp_path / "ci"
    first, _ = ci_build(root)
    assert first.page_cache is not None
    frozen = set(first.page_cache.frozen)
    assert CLOSED_PAGE.replace(".html", ".md") in frozen and not replayed(first)
    edit(root / "content" / ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)

    second, site = ci_build(root)
    assert frozen <= set(replayed(second))
    assert b"Slower week" in site["search/search_index.json"]
    assert site == cold(root)


def test_an_active_period_edit_replays_every_page_it_does_not_change(tmp_path: Path) -> None:
    """Not only closed periods' pages: an active period's other units, the KPI, unit
    and people pages whose inputs did not change are replayed too; the edited unit's
    page and the pages listing every unit are built again."""
    root = tmp_path / "ci"
    first, _ = ci_build(root)
    assert first.page_cache is not None
    every = set(first.page_cache.rendered)
    edit(root / "content" / ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)

    second, site = ci_build(root)
    assert second.page_cache is not None
    again, built = set(replayed(second)), set(second.page_cache.rendered)
    assert again | built == every and not again & built
    assert {"periods/2026-Q4/onboarding/index.md", "periods/2026-Q4/index.md",
            "index.md", "units/onboarding/index.md"} <= built
    assert {"periods/2026-Q4/finance/index.md", "units/finance/index.md",
            "kpis/nps/index.md", "people/ana-gomez/index.md"} <= again
    assert site == cold(root)
    third, again_site = ci_build(root)  # nothing changed: every page replayed
    assert set(replayed(third)) == every and again_site == site


def test_pages_with_permalinks_replay_as_a_cold_build_writes_them(tmp_path: Path) -> None:
    """With permalinks, a page's body (kept without them) is not in its output as it
    is: its output is kept whole, not cut around the body as the others' are."""
    permalinks = {"markdown_extensions": [{"toc": {"permalink": True}}]}
    root = tmp_path / "ci"
    first, site = ci_build(root, extra=permalinks)
    assert b'class="headerlink"' in site[CLOSED_PAGE]
    assert site == cold(root, extra=permalinks)
    edit(root / "content" / ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)
    second, site = ci_build(root, extra=permalinks)
    assert first.page_cache is not None and set(first.page_cache.frozen) <= set(
        replayed(second))
    assert site == cold(root, extra=permalinks)


def test_a_kpi_renamed_or_given_to_another_unit_shows_on_the_unit_pages(
        tmp_path: Path) -> None:
    """A unit's page lists the KPIs it owns by name: no key result reads CSAT, yet its
    new name and its new owner show on the unit pages a CI build replays the others of."""
    root = tmp_path / "ci"
    ci_build(root)
    kpi = root / "content" / "kpis" / "csat.yaml"
    edit(kpi, "name: Customer satisfaction (CSAT)\n", "name: Ticket satisfaction\n")
    _, site = ci_build(root)
    assert b"Ticket satisfaction" in site["units/support/index.html"]
    assert site == cold(root)
    edit(kpi, "owner: support\n", "owner: onboarding\n")
    _, site = ci_build(root)
    assert b"Ticket satisfaction" in site["units/onboarding/index.html"]
    assert b"Ticket satisfaction" not in site["units/support/index.html"]
    assert site == cold(root)


def test_the_sitemap_and_404_page_are_replayed_in_a_site_of_the_same_shape(
        tmp_path: Path) -> None:
    root = tmp_path / "ci"  # with a site_url, the sitemap lists every page
    first, _ = ci_build(root, extra=SITE_URL)
    assert first.finals is not None and first.finals.replayed_templates == []
    edit(root / "content" / ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)
    second, site = ci_build(root, extra=SITE_URL)
    assert second.finals is not None
    assert sorted(second.finals.replayed_templates) == ["404.html", "sitemap.xml"]
    assert site == cold(root, extra=SITE_URL)
    # A new unit: another navigation and another page, so another sitemap and 404 page.
    edit(root / "content" / "org.yaml", "  - id: support\n",
         "  - id: escalations\n    name: Escalations\n    parent: customer-success\n"
         "  - id: support\n")
    third, site = ci_build(root, extra=SITE_URL)
    assert third.finals is not None and third.finals.replayed_templates == []
    assert b"/units/escalations/" in site["sitemap.xml"]
    assert site == cold(root, extra=SITE_URL)
    for entry in (root / ".cache").glob("finals-*/*/*.*"):  # every entry damaged
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF
        entry.write_bytes(bytes(data))
    fourth, again = ci_build(root, extra=SITE_URL)
    assert fourth.finals is not None and fourth.finals.replayed_templates == []
    assert not replayed(fourth) and again == site


@pytest.mark.parametrize("change", ["new unit", "guide title", "mkdocs.yml", "theme"])
def test_a_change_to_what_shapes_every_page_builds_them_again(
        tmp_path: Path, change: str) -> None:
    root = tmp_path / "ci"
    extra: dict[str, Any] = {}
    ci_build(root)
    content = root / "content"
    if change == "new unit":
        edit(content / "org.yaml", "  - id: support\n",
             "  - id: escalations\n    name: Escalations\n    parent: customer-success\n"
             "  - id: support\n")
    elif change == "guide title":
        guide = content / "guide" / "weekly.md"
        lines = guide.read_text().splitlines(keepends=True)
        first = next(i for i, line in enumerate(lines) if line.startswith("# "))
        lines[first] = "# The weekly ritual, renamed\n"
        guide.write_text("".join(lines))
    elif change == "mkdocs.yml":
        extra = {"copyright": "Copyright Tech Solutions"}
    else:
        overrides = root / "theme"
        (overrides / "partials").mkdir(parents=True)
        (overrides / "partials" / "copyright.html").write_text(
            '<div class="md-copyright">Theme override</div>\n')
        extra = {"theme": {"name": "material", "custom_dir": "theme"}}
    second, site = ci_build(root, extra=extra)
    assert not replayed(second)
    assert site == cold(root, extra=extra)
    third, again = ci_build(root, extra=extra)  # kept in the new shape
    assert replayed(third) and again == site


def test_a_restriction_on_a_closed_item_never_reaches_a_public_build(tmp_path: Path) -> None:
    root = tmp_path / "ci"
    ci_build(root)
    ci_build(root, include_restricted=True)  # an internal build sharing cache_dir
    q3 = root / "content" / "periods" / "2026-Q3" / "support.yaml"
    edit(q3, "    aligns_to: customer-success/faster-support\n",
         "    aligns_to: customer-success/faster-support\n    visibility: restricted\n")
    _, site = ci_build(root)
    assert not any(b"Answer every ticket within 15 hours" in data for data in site.values())
    assert site == cold(root)
    internal, inside = ci_build(root, include_restricted=True)
    assert replayed(internal)
    assert inside == cold(root, include_restricted=True)


def test_a_damaged_final_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    root = tmp_path / "ci"
    _, site = ci_build(root)
    entries = sorted((root / ".cache").glob("finals-*/*/*.bin"))
    assert len(entries) > 4
    entries[0].write_bytes(b"not an entry")
    entries[1].write_bytes(entries[1].read_bytes()[:-10])  # torn
    entries[2].write_bytes(entries[3].read_bytes())  # another job's entry under this name
    flipped = bytearray(entries[4].read_bytes())  # one byte of a page's output, same length
    flipped[10 + int(flipped[:10]) + 5] ^= 0xFF  # (a 10-digit header length, the header)
    entries[4].write_bytes(bytes(flipped))
    second, again = ci_build(root)
    assert len(replayed(second)) == len(entries) - 4
    assert again == site
    third, _ = ci_build(root)  # rewritten: all replayed
    assert len(replayed(third)) == len(entries)


def test_replay_with_render_workers_and_background_search_keeps_every_entry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a large site the search sections are made in a background process
    (mkdocs_plugin/background.py) and put in the index at the end of the build: the
    entries kept for a frozen page must be those, not what the index held before."""
    monkeypatch.setattr(forking, "MIN_PARALLEL", 0)  # workers even for the demo's pages
    monkeypatch.setattr(pool, "CHUNK", 2)
    monkeypatch.setenv("OKRSITE_WORKERS", "2")
    root = tmp_path / "ci"
    first, site = ci_build(root)
    assert site == cold(root)
    edit(root / "content" / ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)
    second, site = ci_build(root)
    assert first.page_cache is not None and set(first.page_cache.frozen) <= set(
        replayed(second))
    assert site == cold(root)


def test_a_fresh_checkout_of_the_same_theme_files_still_replays(tmp_path: Path) -> None:
    """A CI run clones afresh: the theme override's files have new modification times
    but the same bytes, so the closed pages are replayed; an edit to them is not."""
    root = tmp_path / "ci"
    override = root / "theme" / "partials" / "copyright.html"
    override.parent.mkdir(parents=True)
    override.write_text('<div class="md-copyright">Theme override</div>\n')
    extra = {"theme": {"name": "material", "custom_dir": "theme"}}
    first, _ = ci_build(root, extra=extra)
    assert first.page_cache is not None
    later = override.stat().st_mtime + 3600
    os.utime(override, (later, later))  # as a new clone writes it
    edit(root / "content" / ACTIVE, OLD_CHECK_IN, NEW_CHECK_IN)
    second, site = ci_build(root, extra=extra)
    assert set(first.page_cache.frozen) <= set(replayed(second))
    assert site == cold(root, extra=extra)
    override.write_text('<div class="md-copyright">Theme override, edited</div>\n')
    os.utime(override, (later, later))  # the same time: only the bytes changed
    third, site = ci_build(root, extra=extra)
    assert not replayed(third)
    assert site == cold(root, extra=extra)


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied"),
                                   ValueError("not a page")])
def test_a_replayed_page_that_cannot_be_written_fails_the_build_and_keeps_the_last_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        error: Exception) -> None:
    """The replayed pages are written in a thread of their own: whatever stops it
    (a full disk, or a bug) fails the build, and the site stays the last one, not
    one with the pages after the failing one missing."""
    root = tmp_path / "ci"
    _, site = ci_build(root)
    calls: list[int] = []
    real = finalcache.Entry.output

    def failing(self: finalcache.Entry, index: int) -> bytes:
        calls.append(index)
        if len(calls) == 3:
            raise error
        return real(self, index)

    monkeypatch.setattr(finalcache.Entry, "output", failing)
    config = load_config(str(root / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    with caplog.at_level(logging.ERROR, logger="mkdocs"), pytest.raises(Abort):
        build(config)
    config.plugins.on_shutdown()
    assert len(calls) == 3  # the writer stopped at the failing page
    assert "okrsite: cannot write " in caplog.text
    assert ("Permission denied" if isinstance(error, OSError)
            else "ValueError: not a page") in caplog.text
    assert site_files(root / "site") == site
