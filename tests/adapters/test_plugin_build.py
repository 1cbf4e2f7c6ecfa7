"""Real `mkdocs build`s with the Material theme, checked for what a reader sees.

Every build fails on an unexpected WARNING (see conftest.build_site). The demo
is built once per session (`demo_site`); the fixture sites under
tests/fixtures/sites/ are a minimal valid repository and a broken one.
"""

from __future__ import annotations

import gzip
import html
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.sites import (
    DEMO_AS_OF,
    DEMO_CONTENT,
    FIXTURE_SITES,
    Built,
    build_site,
    prepare_site,
    run_build,
    site_files,
)
from mkdocs.exceptions import Abort

from okrsite.loader import YAML_SUFFIXES
from okrsite.mkdocs_plugin import plugin as mkdocs_plugin
from okrsite.model import Content

MINIMAL = FIXTURE_SITES / "minimal"
BROKEN = FIXTURE_SITES / "broken"

# The demo's restricted items (content/periods/2026-Q4/finance.yaml, content/kpis/cash-runway.yaml).
RESTRICTED_OBJECTIVE = ("Prepare the acquisition of Project Heron", "project-heron")
RESTRICTED_KPI = ("Cash runway", "cash-runway")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def nav_html(page_html: str) -> str:
    """The primary navigation (sidebar) of a Material page."""
    start = page_html.index('<nav class="md-nav md-nav--primary"')
    depth = 0
    for tag in re.finditer(r"<(/?)nav\b", page_html[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return page_html[start:start + tag.end()]
    raise AssertionError("unclosed primary nav")


def visible_text(page_html: str) -> str:
    """The article's text without tags, whitespace collapsed."""
    article = page_html[page_html.index("<article"):page_html.index("</article>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def pages_of(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("index.html")
                  if "assets" not in p.relative_to(site).parts)


# -- the minimal site -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def minimal_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_site(tmp_path_factory.mktemp("minimal"), MINIMAL / "content",
                      okrsite={"as_of": "2026-02-15"})


def test_minimal_home_page_shows_the_objectives(minimal_site: Built) -> None:
    home = visible_text(minimal_site.html())
    assert "Grow the widget business" in home
    assert "2026-02-15" in home  # as of


def test_every_generated_page_says_as_of_when(minimal_site: Built) -> None:
    for page in pages_of(minimal_site.site):
        assert re.search(r"[Aa]s of\W+(<[^>]+>\s*)*2026-02-15", text(page)), page


def test_yaml_sources_are_not_published(minimal_site: Built) -> None:
    assert not [p for p in minimal_site.site.rglob("*") if p.name.endswith(YAML_SUFFIXES)]
    assert "kind: okrs" not in text(minimal_site.site / "search" / "search_index.json")


def test_unit_pages_exist_but_are_not_in_the_nav(minimal_site: Built) -> None:
    unit_pages = list(minimal_site.site.glob("periods/2026-Q1/*/index.html"))
    assert {p.parent.name for p in unit_pages} >= {"acme", "widgets"}
    nav = nav_html(minimal_site.html())
    for page in unit_pages:
        assert f"periods/2026-Q1/{page.parent.name}/" not in nav
    # ...and MkDocs did not complain about pages missing from the nav
    assert not [m for m in minimal_site.messages() if "not included in the" in m]


def test_assets_ship_and_are_linked(minimal_site: Built) -> None:
    home = minimal_site.html()
    for asset in mkdocs_plugin.ASSETS_DIR.glob("*.*"):
        uri = mkdocs_plugin.ASSETS_URI + asset.name
        assert (minimal_site.site / uri).read_bytes() == asset.read_bytes()
        if asset.suffix in (".css", ".js"):
            assert uri in home


def test_no_request_to_another_host(minimal_site: Built) -> None:
    """No web fonts (the site sets no font), no CDN script or stylesheet."""
    for page in pages_of(minimal_site.site):
        assert_offline(text(page), page)


def assert_offline(page_html: str, where: object) -> None:
    """No tag that makes the browser fetch something names another host. (Links a
    reader may click, and a `rel="canonical"` link, are not requests.)"""
    fetched = []
    for tag in re.findall(r"<(?:script|link|img|iframe|source|audio|video|object)\b[^>]*>",
                          page_html):
        if tag.startswith("<link") and not re.search(
                r'rel="(?:stylesheet|preconnect|preload|modulepreload|icon|manifest|'
                r'apple-touch-icon|dns-prefetch)"', tag):
            continue
        fetched += re.findall(r'\b(?:src|href|data)="((?:https?:)?//[^"]+)"', tag)
    assert not fetched, (where, fetched)
    assert "fonts.googleapis.com" not in page_html and "@import" not in page_html


def test_pages_render_without_any_markdown_extension(minimal_site: Built) -> None:
    # the fixture's mkdocs.yml enables none: the generated pages are HTML already
    home = minimal_site.html()
    assert "<table" in home and "<svg" in home  # the home page's tables and trend chart
    text = visible_text(home)
    for syntax in ("{:", "{ .", "**", "](", "!!!"):
        assert syntax not in text


def test_generated_pages_have_a_table_of_contents(minimal_site: Built) -> None:
    unit = next(p for p in pages_of(minimal_site.site) if "/periods/" in p.as_posix()
                and p.parent.parent.name != "periods")
    page = text(unit)
    toc = page[page.index('<nav class="md-nav md-nav--secondary"'):]
    toc = toc[:toc.index("</nav>")]
    entries = re.findall(r'href="#([^"]+)"', toc)
    assert entries[:1] == ["summary"]
    for anchor in entries:
        assert f'id="{anchor}"' in page
    # objectives are listed, key results keep their anchors but stay out of the list
    assert any(e.startswith("o-") for e in entries)
    assert not any(e.startswith("kr-") for e in entries) and 'id="kr-' in page
    # no permalink symbol: the fixture's mkdocs.yml does not turn toc permalinks on
    assert 'class="headerlink"' not in page


def test_the_sitemap_is_dated_as_of(minimal_site: Built, ) -> None:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        pytest.skip("SOURCE_DATE_EPOCH set by the caller wins")
    sitemap = text(minimal_site.site / "sitemap.xml")
    assert set(re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap)) <= {"2026-02-15"}
    with (minimal_site.site / "sitemap.xml.gz").open("rb") as f:
        header = f.read(10)
    mtime = int.from_bytes(header[4:8], "little")
    assert mtime == 1771113600  # 2026-02-15T00:00:00Z


# -- the demo -------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_home_page_shows_the_company_objectives(demo_site: Built) -> None:
    home = visible_text(demo_site.html())
    content: Content = _demo_content()
    root = content.org.root.id
    company = [o for (period, unit), up in content.okrs.items() if unit == root
               and period == "2026-Q4" for o in up.objectives if not o.restricted]
    assert company
    for objective in company:
        assert objective.title in home
    assert DEMO_AS_OF in home


def _demo_content() -> Content:
    from okrsite.pipeline import load_content

    loaded = load_content(DEMO_CONTENT)
    assert loaded.ok
    return loaded.content


@pytest.mark.slow
def broken_links(site: Path) -> tuple[int, list[str]]:
    """Every link in the site's pages to another file of the site, and every #anchor
    on a page it points to: how many were checked, and those that do not resolve."""
    ids: dict[Path, set[str]] = {}

    def anchors(page: Path) -> set[str]:
        if page not in ids:
            ids[page] = set(re.findall(r'\bid="([^"]+)"', text(page)))
        return ids[page]

    checked, broken = 0, []
    for page in sorted(site.rglob("*.html")):
        if "assets" in page.relative_to(site).parts or page.name == "404.html":
            continue  # 404.html links from the site root, wherever it is shown
        for href in re.findall(r'<a [^>]*href="([^"]+)"', text(page)):
            href = html.unescape(href)
            if re.match(r"[a-z]+:|//", href):
                continue
            url, _, fragment = href.partition("#")
            target = (page.parent / url).resolve() if url else page
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {href}")
            elif fragment and target.suffix == ".html" and fragment not in anchors(target):
                broken.append(f"{page.relative_to(site)}: {href} (no such anchor)")
    return checked, broken


@pytest.mark.slow
def test_demo_links_and_anchors_resolve(demo_site: Built) -> None:
    """The generated pages are HTML: MkDocs no longer checks their links, this does."""
    checked, broken = broken_links(demo_site.site)
    assert checked > 1000
    assert broken == []


@pytest.mark.slow
def test_links_resolve_without_directory_urls(tmp_path: Path, demo_config: dict) -> None:
    """`use_directory_urls: false`: pages are `a/b.html`, and so are the links to them
    (also from a file opened straight from disk, where `a/b/` finds no index)."""
    built = build_site(tmp_path, DEMO_CONTENT, {**demo_config, "use_directory_urls": False},
                       okrsite={"as_of": DEMO_AS_OF})
    site = built.site
    checked, broken = broken_links(site)
    assert checked > 1000
    assert broken == []
    unit = text(site / "periods" / "2026-Q4" / "platform" / "index.html")
    assert '<a href="../../../units/platform/index.html">' in unit
    audit = text(site / "audit" / "2026-Q3.html")
    assert '<a href="2026-Q3/okrs.csv">okrs.csv</a>' in audit
    assert not re.search(r'href="(?![a-z]+:|#)[^"]*/"', unit)  # no folder-style link


@pytest.mark.slow
def test_demo_headings_have_permalinks_and_the_search_skips_charts(demo_site: Built) -> None:
    page = demo_site.html("periods/2026-Q4/platform/")
    assert ('<h2 id="summary">Summary<a class="headerlink" href="#summary" '
            'title="Permanent link">&para;</a></h2>') in page  # mkdocs.yml: permalink: true
    assert '<figure class="okr-chart">' in page
    index = json.loads(text(demo_site.site / "search" / "search_index.json"))
    docs = [d for d in index["docs"] if d["location"].startswith("periods/2026-Q4/platform/")]
    assert any(d["location"].endswith("#summary") for d in docs)
    assert any("Reduce p95 latency" in d["title"] for d in docs)
    assert not any("<svg" in d["text"] or "okr-chart" in d["text"] for d in docs)


def test_demo_search_ranks_the_active_and_planning_periods_above_closed_ones(
        demo_site: Built) -> None:
    """As of the demo's date 2026-Q4 (and its year) is active, 2027-Q1 in planning and
    2026-Q3 closed: their pages (period, units, cascade) carry search boosts so."""
    index = json.loads(text(demo_site.site / "search" / "search_index.json"))

    def boosts(prefix: str) -> set[float | None]:
        return {d.get("boost") for d in index["docs"] if d["location"].startswith(prefix)}

    for running in ("periods/2026-Q4/", "periods/2027-Q1/", "cascade/2026-Q4/"):
        assert boosts(running) == {2}, running
    for closed in ("periods/2026-Q3/", "cascade/2026-Q3/"):
        assert boosts(closed) == {0.5}, closed


def test_demo_has_no_yaml_and_no_external_requests(demo_site: Built) -> None:
    assert not [p for p in demo_site.site.rglob("*") if p.name.endswith(YAML_SUFFIXES)]
    for page in pages_of(demo_site.site):
        assert_offline(text(page), page)


@pytest.mark.slow
def test_demo_unit_pages_are_built_but_not_in_the_nav(demo_site: Built) -> None:
    units = [p for p in demo_site.site.glob("periods/2026-Q4/*/index.html")]
    assert len(units) >= 10
    nav = nav_html(demo_site.html("periods/2026-Q4/"))
    for page in units:  # a link from periods/2026-Q4/ to its unit page (not ../../people/)
        assert f'href="{page.parent.name}/"' not in nav, page
    assert 'href="../../people/"' in nav  # the People section is in it


@pytest.mark.slow
def test_demo_nav_order(demo_site: Built) -> None:
    """Without a `nav:`, the generated sections in the renderer's order, then the guide;
    detail pages (one unit, one KPI) stay out of the navigation."""
    nav = nav_html(demo_site.html())
    titles = re.findall(r'<span class="md-ellipsis">\s*([^<]*?)\s*</span>', nav)
    order = [titles.index(t) for t in ("Home", "Periods", "Cascade", "KPIs", "Units", "Guide")]
    assert order == sorted(order), titles
    assert "Net Promoter Score" not in titles and "Customer Success" not in titles


@pytest.mark.slow
def test_demo_theme_override_and_brand_css(demo_site: Built) -> None:
    home = demo_site.html()
    assert (demo_site.site / "assets" / "brand.css").exists()
    brand = home.index("assets/brand.css")
    for asset in mkdocs_plugin.ASSETS_DIR.glob("*.css"):
        assert home.index(mkdocs_plugin.ASSETS_URI + asset.name) < brand  # the brand wins


@pytest.mark.slow
def test_demo_guide_pages_are_published(demo_site: Built) -> None:
    if not (DEMO_CONTENT / "guide").is_dir():
        pytest.skip("content/guide/ not written yet")
    assert (demo_site.site / "guide" / "settings" / "index.html").exists()


# -- restricted items -----------------------------------------------------------------------


def every_output_text(site: Path) -> dict[str, str]:
    """Every output file as text; gzip files are read uncompressed."""
    out = {}
    for rel, data in site_files(site).items():
        if rel.endswith(".gz"):
            data = gzip.decompress(data)
        out[rel] = data.decode("utf-8", errors="replace")
    return out


@pytest.mark.slow
def test_restricted_items_do_not_leak_anywhere(demo_site: Built) -> None:
    secrets = [*RESTRICTED_OBJECTIVE, *RESTRICTED_KPI]
    leaks = [(rel, s) for rel, body in every_output_text(demo_site.site).items()
             for s in secrets if s.lower() in body.lower()]
    assert not leaks


@pytest.mark.slow
def test_restricted_items_are_shown_in_an_internal_build(tmp_path: Path,
                                                         demo_config: dict) -> None:
    built = build_site(tmp_path, DEMO_CONTENT, demo_config, okrsite={"include_restricted": True})
    files = every_output_text(built.site)
    html_text = "\n".join(body for rel, body in files.items() if rel.endswith(".html"))
    for secret in (RESTRICTED_OBJECTIVE[0], RESTRICTED_KPI[0]):
        assert secret in html_text
        assert secret in files["search/search_index.json"]


# -- reproducibility ------------------------------------------------------------------------


@pytest.mark.slow
def test_two_builds_are_byte_identical(tmp_path: Path, demo_config: dict,
                                       no_source_date_epoch: None) -> None:
    """Same content, same as-of: the same bytes in every file, including the sitemap's
    gzip header and lastmod dates, even when built in different directories."""
    first = build_site(tmp_path / "one", DEMO_CONTENT, demo_config)
    second = build_site(tmp_path / "two", DEMO_CONTENT, demo_config)
    a, b = site_files(first.site), site_files(second.site)
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []
    assert str(tmp_path) not in "".join(every_output_text(first.site).values())


# -- broken content -------------------------------------------------------------------------


def test_broken_content_fails_the_build_with_file_and_line(tmp_path: Path) -> None:
    config = prepare_site(tmp_path, BROKEN / "content")
    records: list[logging.LogRecord] = []
    with pytest.raises(Abort):
        _build_capturing(config, records)
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    assert any(re.search(r"periods/2026-Q1/acme\.yaml:10:9: OKR207 .*weekly-ordres.*\(fix: ",
                         m) for m in errors), errors
    summary = [m for m in errors if "1 error in the content" in m]
    assert len(summary) == 1 and "acme.yaml:10:9" in summary[0]
    assert not (tmp_path / "site" / "index.html").exists()


def _build_capturing(config_file: Path, records: list[logging.LogRecord]) -> None:
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        run_build(config_file, allowed=[".*"])
    finally:
        logger.removeHandler(handler)


def mkdocs_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_strict_build_of_broken_content_says_where_without_a_traceback(tmp_path: Path) -> None:
    shutil.copytree(BROKEN, tmp_path / "site-repo")
    done = mkdocs_cli(tmp_path / "site-repo", "build", "--strict")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "content/periods/2026-Q1/acme.yaml:10:9: OKR207" in done.stderr
    assert "Did you mean `weekly-orders`?" in done.stderr
    assert re.search(r"ERROR\s+-\s+okrsite: 1 error in the content, the first at "
                     r"content/periods/2026-Q1/acme\.yaml:10:9", done.stderr), done.stderr


def test_cli_build_of_the_minimal_repository(tmp_path: Path) -> None:
    shutil.copytree(MINIMAL, tmp_path / "site-repo")
    done = mkdocs_cli(tmp_path / "site-repo", "build", "--strict")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site-repo" / "site" / "index.html").exists()


def test_content_warnings_fail_a_strict_build(tmp_path: Path) -> None:
    config = prepare_site(tmp_path, MINIMAL / "content")
    unit = tmp_path / "content" / "periods" / "2026-Q1" / "widgets.yaml"
    unit.write_text(text(unit).replace("    owner: Lee Chan\n", ""), encoding="utf-8")
    built = run_build(config, allowed=["OKR304"])  # a warning: the site still builds
    assert any("widgets.yaml" in m and "OKR304" in m for m in built.messages(logging.WARNING))
    with pytest.raises(Abort, match="strict"):
        run_build(config, allowed=["OKR304"], strict=True)


# -- mkdocs serve ---------------------------------------------------------------------------


def _break(content: Path) -> tuple[Path, str]:
    unit = content / "periods" / "2026-Q1" / "acme.yaml"
    good = text(unit)
    unit.write_text(good.replace("kpi: weekly-orders", "kpi: weekly-ordres"), encoding="utf-8")
    return unit, good


def test_a_rebuild_after_the_fix_recovers(tmp_path: Path) -> None:
    """Two builds through one plugin instance, as a `serve` session reloads the config
    per rebuild but keeps the plugin: broken content fails, the fixed content builds,
    and only the edited file is parsed again."""
    config = prepare_site(tmp_path, MINIMAL / "content")
    unit, good = _break(tmp_path / "content")
    with pytest.raises(Abort):
        run_build(config, allowed=["OKR207", "error in the content"])
    plugin = _plugin(config)
    parsed = plugin.parse_cache.parsed
    unit.write_text(good, encoding="utf-8")
    built = run_build(config)
    assert _plugin(config) is plugin
    assert plugin.parse_cache.parsed == parsed + 1
    assert "Grow the widget business" in visible_text(built.html())


def _plugin(config_file: Path) -> mkdocs_plugin.OkrsitePlugin:
    from mkdocs.config import load_config

    return load_config(str(config_file)).plugins["okrsite"]


def test_serve_shows_the_errors_in_the_browser_and_recovers(tmp_path: Path) -> None:
    """In `mkdocs serve` a content error must not end the session or print a traceback:
    the errors are logged, the pages of the last good build show them, and the next
    save after the fix brings the site back."""
    config = prepare_site(tmp_path, MINIMAL / "content")
    good_build = run_build(config, command="serve")
    unit_page = good_build.site / "periods" / "2026-Q1" / "acme" / "index.html"
    assert "Grow the widget business" in visible_text(text(unit_page))

    unit, good = _break(tmp_path / "content")
    broken = run_build(config, command="serve", allowed=["OKR207"])
    assert any("acme.yaml:10:9: OKR207" in m for m in broken.messages(logging.ERROR))
    for page in (broken.site / "index.html", unit_page):
        shown = visible_text(text(page))
        assert "content has errors" in shown and "acme.yaml:10:9: OKR207" in shown, page

    unit.write_text(good, encoding="utf-8")
    fixed = run_build(config, command="serve")
    assert "Grow the widget business" in visible_text(fixed.html())
    assert "content has errors" not in text(unit_page)


# -- where the content lives ----------------------------------------------------------------


def test_content_dir_outside_the_docs_dir(tmp_path: Path) -> None:
    shutil.copytree(MINIMAL / "content", tmp_path / "okrs")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "about.md").write_text("# About\n\nHand-written.\n", encoding="utf-8")
    config = prepare_site(tmp_path, tmp_path / "docs", {"docs_dir": "docs"},
                          okrsite={"content_dir": "okrs"})
    built = run_build(config)
    assert "Grow the widget business" in visible_text(built.html())
    about = built.html("about")
    assert "Hand-written." in visible_text(about)
    # the author's own pages say which day the site is as of too, in the footer
    assert re.search(r"Site as of\s*<time datetime=\"2026-11-20\">", about)


def test_an_authors_page_wins_over_a_generated_one(tmp_path: Path) -> None:
    config = prepare_site(tmp_path, MINIMAL / "content")
    (tmp_path / "content" / "index.md").write_text("# Welcome\n\nOur own home page.\n",
                                                   encoding="utf-8")
    built = run_build(config)
    assert "Our own home page." in visible_text(built.html())
    assert any("index.md: using the page in the docs directory" in m for m in built.messages())
    assert (built.site / "periods" / "2026-Q1" / "acme" / "index.html").exists()


def test_settings_reach_the_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real = mkdocs_plugin.render_outputs

    def spy(build, *cache):  # the plugin hands its page cache on as well
        seen.append(build.settings)
        return real(build, *cache)

    monkeypatch.setattr(mkdocs_plugin, "render_outputs", spy)
    build_site(tmp_path, MINIMAL / "content", okrsite={
        "as_of": "2026-03-01", "fiscal_year_start": 1, "include_restricted": True,
        "bands": {"yellow_from": 0.3, "green_from": 0.6}, "history": False})
    (settings,) = seen
    assert settings.as_of.isoformat() == "2026-03-01"
    assert settings.include_restricted is True and settings.history is False
    assert (settings.scoring.bands.yellow_from, settings.scoring.bands.green_from) == (0.3, 0.6)
    assert settings.content_dir == (tmp_path / "content").resolve()
    assert settings.cache_dir == (tmp_path / ".cache" / "okrsite").resolve()


def test_as_of_from_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1771113600")  # 2026-02-15
    built = build_site(tmp_path, MINIMAL / "content", okrsite={"as_of": None})
    assert "okrsite: scores as of 2026-02-15 (SOURCE_DATE_EPOCH)" in built.messages()
