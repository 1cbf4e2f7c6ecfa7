"""Incremental builds: a `mkdocs serve` session renders again only the pages an edit
shows in, `--dirty` writes only the pages whose output changed, and closed periods'
pages come from the page cache in cache_dir. Each incremental result is compared
with a cold build of the same content, byte for byte."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from okrsite.mkdocs_plugin.plugin import OkrsitePlugin
from tests.helpers.sites import DEMO_CONTENT, prepare_site, site_files

SERVE_URL = "http://127.0.0.1:8000/"
EDITED = "periods/2026-Q4/onboarding.yaml"
OLD_CHECK_IN = "{date: 2026-11-20, value: 8, confidence: 0.6}"
NEW_CHECK_IN = "{date: 2026-11-20, value: 7.5, confidence: 0.6}"


class Session:
    """One plugin instance across builds, as `mkdocs serve` keeps it."""

    def __init__(self, config_file: Path, site: Path, dirty: bool) -> None:
        self.config_file, self.site, self.dirty = config_file, site, dirty
        self.plugin: OkrsitePlugin | None = None

    def build(self) -> OkrsitePlugin:
        config = load_config(str(self.config_file), site_dir=str(self.site))
        if self.plugin is None:
            config.plugins.on_startup(command="serve", dirty=self.dirty)
            # MkDocs keeps plugin objects per process, and Material's search keeps the
            # index of a dirty session for the next build: a new session starts without.
            config.plugins["material/search"].search_index_prev = None
        config.site_url = SERVE_URL
        plugin = config.plugins["okrsite"]
        assert isinstance(plugin, OkrsitePlugin)
        assert self.plugin in (None, plugin), "MkDocs keeps the plugin across rebuilds"
        self.plugin = plugin
        build(config, serve_url=SERVE_URL, dirty=self.dirty)
        return plugin


def cold_serve_build(root: Path, content: Path, site: Path) -> dict[str, bytes]:
    """A first build of `content` in a new session: what the incremental one must equal."""
    other = root / "cold"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(content, other / "content")
    config_file = prepare_site(other, other / "content", okrsite={"cache_dir": ""})
    Session(config_file, site, dirty=False).build()
    return site_files(site)


@pytest.fixture(autouse=True)
def _quiet() -> Any:
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    yield
    logging.getLogger("mkdocs").setLevel(logging.NOTSET)


@pytest.mark.parametrize("dirty", [False, True], ids=["serve", "serve-dirty"])
def test_an_edit_renders_only_the_pages_that_show_it(tmp_path: Path, dirty: bool) -> None:
    config_file = prepare_site(tmp_path / "project", DEMO_CONTENT, okrsite={"cache_dir": ""})
    content = config_file.parent / "content"
    session = Session(config_file, tmp_path / "served", dirty)
    plugin = session.build()
    assert plugin.page_cache is not None
    everything = len(plugin.page_cache.rendered)

    edited = content / EDITED
    text = edited.read_text(encoding="utf-8")
    assert text.count(OLD_CHECK_IN) == 1
    edited.write_text(text.replace(OLD_CHECK_IN, NEW_CHECK_IN), encoding="utf-8")
    session.build()

    # The onboarding unit's Q4 page, its parent's (which shows its score and holds the
    # objective it aligns to), its unit overview, its owner's person page, the Q4 period,
    # audit and cascade pages, and the listing pages: no other period's or unit's page.
    assert sorted(plugin.page_cache.rendered) == [
        "audit/2026-Q4.md", "cascade/2026-Q4.md", "checkins/index.md", "index.md", "kpis/index.md",
        "people/index.md", "people/jonas-weber/index.md",
        "periods/2026-Q4/customer-success/index.md", "periods/2026-Q4/index.md",
        "periods/2026-Q4/onboarding/index.md", "periods/index.md",
        "units/index.md", "units/onboarding/index.md"]
    assert everything > 60
    page = (session.site / "periods/2026-Q4/onboarding/index.html").read_text()
    assert "7.5 days" in page
    # The pages not rendered again are not built again either (plain serve keeps their
    # files through MkDocs' clean: mkdocs_plugin/kept.py), nor are they indexed again.
    assert "periods/2026-Q3/onboarding/index.md" in plugin.unchanged.skipped
    assert "periods/2026-Q4/onboarding/index.md" not in plugin.unchanged.skipped

    assert site_files(session.site) == cold_serve_build(tmp_path, content, tmp_path / "cold-site")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


EDITS = {  # each one after the other, in a session
    # A page written by hand: its title is in every page's navigation.
    "guide title": lambda c: _edit(c / "guide/weekly.md", "# The weekly routine",
                                   "# The weekly review"),
    "KPI value": lambda c: _edit(c / "kpis/release-frequency.yaml",
                                 "{date: 2026-11-20, value: 21}", "{date: 2026-11-20, value: 23}"),
    "unit name": lambda c: _edit(c / "org.yaml", "name: Platform", "name: Platform Team"),
    "restricted": lambda c: _edit(c / "periods/2026-Q4/onboarding.yaml",
                                  "    owner: Jonas Weber\n    aligns_to",
                                  "    owner: Jonas Weber\n    visibility: restricted\n"
                                  "    aligns_to"),
    "file deleted": lambda c: (c / "periods/2026-Q4/support.yaml").unlink(),
    "nothing": lambda c: None,
}


@pytest.mark.parametrize("dirty", [False, True], ids=["serve", "serve-dirty"])
def test_a_sequence_of_edits_serves_what_a_cold_build_writes(tmp_path: Path, dirty: bool) -> None:
    config_file = prepare_site(tmp_path / "project", DEMO_CONTENT, okrsite={"cache_dir": ""})
    content = config_file.parent / "content"
    session = Session(config_file, tmp_path / "served", dirty)
    plugin = session.build()
    states = []  # compared after the session: a cold build resets the shared plugin
    for name, edit in EDITS.items():
        edit(content)
        session.build()
        states.append((name, shutil.copytree(content, tmp_path / "states" / name),
                       site_files(session.site)))
    # The last build (nothing changed) built no generated page again; plain serve keeps
    # directories only, so the home page (index.html at the top) is built every time.
    assert set(plugin.unchanged.skipped) == {p for p in plugin.published
                                             if dirty or p != "index.md"}
    for name, state, served in states:
        assert served == cold_serve_build(tmp_path, state, tmp_path / "cold-site"), name
        if name == "restricted":
            assert not any(b"Onboard enterprise customers as fast as small ones" in data
                           for data in served.values())
        if name == "file deleted":
            assert not any(p.startswith("periods/2026-Q4/support/") for p in served)


def test_a_serve_rebuild_logs_no_page_as_skipped(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """Unchanged pages are handed to MkDocs empty (their file is kept): MkDocs' "Page
    skipped ... Generated empty output." would name every one of them on every save."""
    config_file = prepare_site(tmp_path / "project", DEMO_CONTENT, okrsite={"cache_dir": ""})
    session = Session(config_file, tmp_path / "served", dirty=False)
    session.build()
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger="mkdocs"):
        plugin = session.build()
    assert len(plugin.unchanged.skipped) > 60
    assert [r.getMessage() for r in caplog.records if "Page skipped" in r.getMessage()] == []


def test_a_dirty_rebuild_writes_only_the_pages_whose_output_changed(tmp_path: Path) -> None:
    config_file = prepare_site(tmp_path / "project", DEMO_CONTENT, okrsite={"cache_dir": ""})
    session = Session(config_file, tmp_path / "served", dirty=True)
    plugin = session.build()
    written = {p: p.stat().st_mtime_ns for p in session.site.rglob("*.html")}
    search = (session.site / "search/search_index.json").read_bytes()

    session.build()  # nothing changed: no generated page is written again
    generated = {f for f in plugin.published}
    assert set(plugin.unchanged.skipped) == generated
    again = {p: p.stat().st_mtime_ns for p in session.site.rglob("*.html")}
    rewritten = {p.relative_to(session.site).as_posix() for p in again if again[p] != written[p]}
    assert not any(r.startswith(("periods/", "units/", "kpis/", "people/")) for r in rewritten)
    # The skipped pages keep their search entries: the index is the one a full build wrote.
    assert (session.site / "search/search_index.json").read_bytes() == search


def test_the_search_index_of_a_dirty_rebuild_after_an_edit_is_the_full_ones(
        tmp_path: Path) -> None:
    config_file = prepare_site(tmp_path / "project", DEMO_CONTENT, okrsite={"cache_dir": ""})
    content = config_file.parent / "content"
    session = Session(config_file, tmp_path / "served", dirty=True)
    plugin = session.build()
    edited = content / EDITED
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("Onboard enterprise customers as fast as small ones",
                                   "Onboard enterprise customers in a week"), encoding="utf-8")
    session.build()
    assert "periods/2026-Q4/onboarding/index.md" not in plugin.unchanged.skipped
    assert "periods/2026-Q3/index.md" in plugin.unchanged.skipped
    index = json.loads((session.site / "search/search_index.json").read_bytes())
    assert any("Onboard enterprise customers in a week" in d["title"] for d in index["docs"])
    cold = cold_serve_build(tmp_path, content, tmp_path / "cold-site")
    assert (session.site / "search/search_index.json").read_bytes() == \
        cold["search/search_index.json"]
    assert site_files(session.site) == cold


# -- closed periods' pages on disk ---------------------------------------------------------


def ci_build(root: Path, **okrsite: Any) -> tuple[OkrsitePlugin, dict[str, bytes]]:
    """One `mkdocs build` with cache_dir kept (a new plugin, as in a new process): the
    plugin and the site it wrote."""
    config_file = prepare_site(root, DEMO_CONTENT, okrsite={"cache_dir": ".cache",
                                                            "history": False, **okrsite})
    config = load_config(str(config_file))
    config.plugins.on_startup(command="build", dirty=False)
    plugin = config.plugins["okrsite"]
    assert isinstance(plugin, OkrsitePlugin)
    build(config)
    config.plugins.on_shutdown()
    return plugin, site_files(root / "site")


FROZEN = ("periods/2026-Q1/", "periods/2026-Q2/", "periods/2026-Q3/", "cascade/2026-Q1",
          "cascade/2026-Q2", "cascade/2026-Q3")  # closed with a final record (the demo's)


def test_closed_periods_pages_come_from_the_cache_on_the_next_build(tmp_path: Path) -> None:
    first, site = ci_build(tmp_path)
    assert first.page_cache is not None and first.page_cache.from_disk == []
    frozen = sorted(p for p in first.page_cache.rendered if p.startswith(FROZEN))
    assert "periods/2026-Q3/engineering/index.md" in frozen

    second, again = ci_build(tmp_path)
    assert second.page_cache is not None
    assert sorted(second.page_cache.from_disk) == frozen
    assert not any(p.startswith(FROZEN) for p in second.page_cache.rendered)
    # An active period's page is not kept as a page on disk; its final output is
    # (mkdocs_plugin.finalcache), and nothing it shows changed.
    assert "periods/2026-Q4/onboarding/index.md" in second.page_cache.from_finals
    assert again == site


def test_a_changed_input_of_a_closed_page_renders_it_again(tmp_path: Path) -> None:
    ci_build(tmp_path)
    kpi = tmp_path / "content/kpis/release-frequency.yaml"  # read by engineering's KRs
    kpi.write_text(kpi.read_text().replace("{date: 2026-11-20, value: 21}",
                                           "{date: 2026-11-20, value: 22}"))
    plugin, site = ci_build(tmp_path)
    assert plugin.page_cache is not None
    rendered = {p for p in plugin.page_cache.rendered if p.startswith(FROZEN)}
    # Engineering's pages, the pages that show its scores (its parent's, its period's and
    # cascade's) and those of the units whose objectives align to its own (Q3's); none
    # of another unit.
    quarters = ("2026-Q1", "2026-Q2", "2026-Q3")
    assert rendered == {
        *(f"periods/{q}/{u}/index.md" for q in quarters for u in ("engineering", "company")),
        *(f"periods/{q}/index.md" for q in quarters), *(f"cascade/{q}.md" for q in quarters),
        *(f"periods/2026-Q3/{u}/index.md" for u in ("mobile", "platform", "reliability"))}
    assert "periods/2026-Q3/support/index.md" in plugin.page_cache.from_disk
    fresh = tmp_path / "fresh"
    shutil.copytree(tmp_path / "content", fresh / "content")
    assert site == ci_build(fresh)[1]


@pytest.mark.parametrize("change", ["unit name", "settings", "visibility"])
def test_a_shared_input_renders_every_closed_page_again(tmp_path: Path, change: str) -> None:
    ci_build(tmp_path)
    options: dict[str, Any] = {}
    if change == "unit name":
        org = tmp_path / "content/org.yaml"
        org.write_text(org.read_text().replace("name: Platform", "name: Platform Team"))
    elif change == "settings":
        options = {"bands": {"yellow_from": 0.3, "green_from": 0.8}}
    else:
        options = {"include_restricted": True}
    plugin, site = ci_build(tmp_path, **options)
    assert plugin.page_cache is not None and plugin.page_cache.from_disk == []
    fresh = tmp_path / "fresh"
    shutil.copytree(tmp_path / "content", fresh / "content")
    assert site == ci_build(fresh, **options)[1]


def test_a_damaged_cache_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    def without_finals() -> None:  # pages whole (finalcache) would be read instead
        for folder in (tmp_path / ".cache").glob("finals-*"):
            shutil.rmtree(folder)

    _, site = ci_build(tmp_path)
    entries = sorted((tmp_path / ".cache").glob("pages-*/*/*.json"))
    assert entries
    entries[0].write_bytes(b"not a page")
    for entry in entries[1:3]:
        entry.write_bytes(entries[3].read_bytes())  # another page's entry under this name
    without_finals()
    plugin, again = ci_build(tmp_path)
    assert plugin.page_cache is not None
    assert len(plugin.page_cache.from_disk) == len(entries) - 3
    assert again == site
    without_finals()
    plugin, _ = ci_build(tmp_path)  # rewritten: all from disk again
    assert plugin.page_cache is not None and len(plugin.page_cache.from_disk) == len(entries)


# -- what shapes every page: the theme's overrides and mkdocs.yml --------------------------


def _project(root: Path, copyright_text: str, site_name: str) -> Path:
    """The demo with a custom_dir that overrides Material's copyright partial."""
    overrides = root / "overrides" / "partials"
    overrides.mkdir(parents=True, exist_ok=True)
    (overrides / "copyright.html").write_text(
        f'<div class="md-copyright">{copyright_text}</div>\n', encoding="utf-8")
    return prepare_site(root, DEMO_CONTENT, {"site_name": site_name,
                                             "theme": {"custom_dir": "overrides"}},
                        okrsite={"cache_dir": ""})


@pytest.mark.parametrize("dirty", [False, True], ids=["serve", "serve-dirty"])
def test_an_edited_theme_override_or_config_rebuilds_every_page(tmp_path: Path,
                                                                dirty: bool) -> None:
    """A theme file edited during the session (in the custom_dir, which a serve session
    may well edit) and mkdocs.yml edited: every page shows them, none is replayed."""
    root = tmp_path / "project"
    config_file = _project(root, "Override one", "Test OKRs")
    session = Session(config_file, tmp_path / "served", dirty)
    plugin = session.build()
    steps = {"override": ("Override number two", "Test OKRs"),
             "config": ("Override number two", "Test OKRs renamed")}
    states = []
    for name, (text, site_name) in steps.items():
        _project(root, text, site_name)
        session.build()
        assert plugin.unchanged.skipped == [], name
        states.append((name, text, site_name, site_files(session.site)))
    for name, text, site_name, served in states:
        cold = tmp_path / "cold" / name
        Session(_project(cold, text, site_name), tmp_path / "cold-site" / name,
                dirty=False).build()
        assert served == site_files(tmp_path / "cold-site" / name), name
        unit = served["periods/2026-Q3/onboarding/index.html"]
        assert text.encode() in unit and site_name.encode() in unit
