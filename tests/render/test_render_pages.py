"""The page set: paths, navigation flags, what every page must say, and working links."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from helpers.checkkit import render_content
from helpers.pagetext import page_text

from okrsite.model import Content
from okrsite.pipeline import load_content
from okrsite.render.common import seg
from okrsite.render.page import Page
from okrsite.settings import Settings

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parents[1] / "fixtures" / "golden_company"
AS_OF = date(2030, 5, 15)
# Where a site is served: under a path, as a project site often is, so a link with one
# `..` too many leaves the site instead of being forgiven at the host's root.
SITE = "https://okrs.example/acme/"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(FIXTURE).content


@pytest.fixture(scope="module")
def pages(content: Content) -> list[Page]:
    return render_content(content, Settings(content_dir=FIXTURE, as_of=AS_OF))


def by_path(pages: list[Page]) -> dict[str, Page]:
    return {p.path: p for p in pages}


def text(page: Page) -> str:
    """The words a reader sees on a page, one block a line."""
    return page_text(page.html)


def lines(page: Page) -> list[str]:
    return text(page).splitlines()


def url_of(path: str, directory_urls: bool = True) -> str:
    """A page's URL below the site, as MkDocs gives it: `a/b/index.md` -> `a/b/`,
    `a/b.md` -> `a/b/`, `index.md` -> `` (or `a/b/index.html`, `a/b.html` without
    directory URLs)."""
    stem = path.removesuffix(".md")
    if not directory_urls:
        return stem + ".html"
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


def resolve(path: str, href: str, directory_urls: bool = True) -> tuple[str, str]:
    """Where a relative link on the page at `path` takes a browser: the URL below the
    site and the fragment."""
    absolute = urljoin(SITE + url_of(path, directory_urls), href)
    assert absolute.startswith(SITE), f"{path}: {href} leaves the site"
    url, _, fragment = absolute.removeprefix(SITE).partition("#")
    return url, fragment


class Links(HTMLParser):
    """Ids, and the links okrsite made (not those written in a Markdown field)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.in_field = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "div" and a.get("class") == "okr-md":
            self.in_field = True  # a field's HTML has no <div> of its own
        if tag == "a" and a.get("href") is not None and not self.in_field:
            self.hrefs.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self.in_field = False


def assert_links_resolve(pages: list[Page], directory_urls: bool = True) -> int:
    """Every link between pages, resolved as a browser resolves it against the page's
    URL, lands on a generated page and, with a fragment, on an element with that id
    there. Returns the number of links checked."""
    by_url = {url_of(p.path, directory_urls): p.path for p in pages}
    assert len(by_url) == len(pages)
    parsed = {p.path: Links(p.html) for p in pages}
    checked = 0
    for path, links in parsed.items():
        for href in links.hrefs:
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href):
                continue  # another site (http, https, mailto)
            assert ".md" not in href, f"{path}: {href} is a source path, not a URL"
            url, anchor = resolve(path, href, directory_urls)
            assert url in by_url, f"{path}: broken link {href} ({url})"
            if anchor:
                assert anchor in parsed[by_url[url]].ids, f"{path}: no #{anchor} in {url}"
            checked += 1
    return checked


def test_page_paths_and_navigation(pages: list[Page]) -> None:
    paths = [p.path for p in pages]
    assert len(paths) == len(set(paths))
    nav = [p.path for p in pages if p.in_nav]
    assert nav == ["index.md", "checkins/index.md", "periods/index.md",
                   "periods/2030-Q2/index.md", "periods/2030-Q1/index.md",
                   "periods/2030/index.md", "cascade/2030-Q2.md", "cascade/2030-Q1.md",
                   "cascade/2030.md", "kpis/index.md", "units/index.md"]
    assert set(paths) - set(nav) == {
        "periods/2030/acme/index.md", "periods/2030-Q1/acme/index.md",
        "periods/2030-Q1/product/index.md", "periods/2030-Q2/acme/index.md",
        "periods/2030-Q2/product/index.md", "periods/2030-Q2/platform/index.md",
        "periods/2030-Q2/index/index.md", "kpis/index/index.md", "kpis/revenue/index.md",
        "units/acme/index.md", "units/product/index.md", "units/platform/index.md",
        "units/index/index.md", "units/sales/index.md"}


def test_ids_called_index_cannot_collide(pages: list[Page]) -> None:
    """A unit and a KPI called `index` get their own directory, one level below the
    listing page of their section, so both URLs exist side by side."""
    pages_ = by_path(pages)
    assert pages_["periods/2030-Q2/index.md"].title == "2030-Q2"
    assert pages_["periods/2030-Q2/index/index.md"].title == "Index Team · 2030-Q2"
    assert pages_["kpis/index.md"].title == "KPIs"
    assert pages_["kpis/index/index.md"].title == "Happiness index"
    assert pages_["units/index.md"].title == "Units"
    assert pages_["units/index/index.md"].title == "Index Team"
    # Directory URLs (MkDocs' default) and plain .html files are distinct either way.
    urls = set()
    for p in pages:
        stem = p.path.removesuffix(".md")
        url = stem.removesuffix("index") if stem.endswith("index") else stem + "/"
        assert url not in urls, url
        urls.add(url)


def test_odd_ids_become_harmless_path_segments() -> None:
    assert seg("customer-success") == "customer-success" and seg("2026-Q4") == "2026-Q4"
    odd = seg("../etc/passwd")
    assert re.match(r"^[a-z0-9-]+$", odd) and odd != seg("..-etc-passwd")


def _closed_quarter(path: str, closed: tuple[str, ...]) -> bool:
    """Whether the page is one of a closed quarter's (its page, units, cascades)."""
    found = re.match(r"(?:periods|cascade)/(\d{4}-Q\d)(?:/|\.md$)", path)
    return found is not None and found[1] in closed


def test_every_page_says_as_of(pages: list[Page]) -> None:
    """The build's as-of, but on the closed quarter's pages the day its figures are
    for: its latest amendment (2030-04-20; closed on 2030-04-05)."""
    for p in pages:
        day = "2030-04-20" if _closed_quarter(p.path, ("2030-Q1",)) else "2030-05-15"
        assert f"As of {day}" in text(p), p.path
    assert "As of 2030-05-15" not in text(by_path(pages)["periods/2030-Q1/acme/index.md"])


def test_period_pages_state_their_state_and_dates(pages: list[Page]) -> None:
    pages_ = by_path(pages)
    assert "2030-Q2 is active (2030-04-01 to 2030-06-30)" in text(
        pages_["periods/2030-Q2/index.md"])
    q1 = text(pages_["periods/2030-Q1/index.md"])
    assert "2030-Q1 is closed (2030-01-01 to 2030-03-31) · closed on 2030-04-05" in q1
    assert "Amended after closing" in q1
    assert "2030 is active (2030-01-01 to 2030-12-31)" in text(pages_["periods/2030/index.md"])


def test_closed_periods_show_grades_and_flag_differences(pages: list[Page]) -> None:
    pages_ = by_path(pages)
    q1 = pages_["periods/2030-Q1/index.md"]
    rows = lines(q1)
    assert "Unit | Objective | Owner | Type | Score | Status | Grade" in rows
    # score 67%, owner's grade 90%: flagged
    assert ("Acme Corp | Reach 13M revenue | Ada Lovelace | committed | 67% | ✗ missed | "
            "90% ⚠ differs by 23%") in rows
    # the flag is in the Grade cell, the 7th (okrsite.css labels the period's cells by column)
    assert re.search(r'<tr>(<td[^>]*>.*?</td>){6}<td>90% <span class="okr-flag">', q1.html)
    # Ship the beta: grade equals the score, no flag
    assert ("Product & <b>Design</b> | Ship the beta | Grace Hopper | aspirational | 50% | "
            "✗ missed | 50%") in rows
    assert q1.html.count('class="okr-flag"') == 1
    unit = text(pages_["periods/2030-Q1/acme/index.md"])
    assert "Score 67% · owner's grade 90%" in unit and "differs by 23%, more than 20%" in unit
    q2 = pages_["periods/2030-Q2/index.md"]
    assert "Unit | Objective | Owner | Type | Score | Status" in lines(q2)
    assert "Grade" not in text(q2) and "<th>Grade</th>" not in q2.html


def test_period_page_tables_are_sortable_without_a_cdn(pages: list[Page]) -> None:
    period = by_path(pages)["periods/2030-Q2/index.md"].html
    # the objectives' table (the units are cards on the dashboard)
    found = re.findall(r'<div class="okr-sortable okr-cards[^"]*">\s*<table>\s*<thead>\s*'
                       r"<tr>(.*?)</tr>", period)
    assert found == ['<th data-search="yes">Unit</th><th data-search="yes">Objective</th>'
                     '<th data-search="yes">Owner</th><th>Type</th><th>Score</th>'
                     "<th>Status</th>"]
    assert "http" not in period  # no script or stylesheet from anywhere
    assert "<script" not in period and "<link" not in period


def test_period_dashboard_has_a_card_a_unit_with_its_bar_and_counts(pages: list[Page]) -> None:
    page = by_path(pages)["periods/2030-Q2/index.md"]
    html, rows = page.html, lines(page)
    cards = html[html.index('<div class="grid cards okr-unit-cards">'):
                 html.index('<h2 id="objectives">')]
    items = cards.split("<li>")[1:]
    # every unit with OKRs in the period, in org order, linked to its page for the period
    assert [re.search(r'<strong><a href="([^"]+)">', c).group(1) for c in items] == [
        "acme/", "product/", "platform/", "index/"]
    acme = items[0]
    assert acme.count('class="okr-progress okr-progress--green"') == 1  # on track: green
    assert "--okr-expected:" in acme  # the tick: the score expected by now
    product = items[1]
    assert "part of Acme Corp · lead Grace Hopper" in product
    # counts by status, each a chip with the status's symbol and words
    assert '<span class="okr-chip okr-chip--red"><span class="okr-chip__icon" ' \
           'aria-hidden="true">✗</span> 1 off track</span>' in product
    # in words, as a reader sees it: the name, where it sits, the bar's words, the counts
    start = rows.index("Product & <b>Design</b>")
    assert rows[start:start + 4] == ["Product & <b>Design</b>",
                                     "part of Acme Corp · lead Grace Hopper",
                                     "48% · on track", "✗ 1 off track ✓ 1 on track"]
    assert "Objectives by status" not in html  # the cards replace the units' table


def test_unit_page_shows_key_results_in_full(pages: list[Page]) -> None:
    page = by_path(pages)["periods/2030-Q2/acme/index.md"]
    unit, rows = page.html, lines(page)
    assert '<h2 id="o-q2-grow">Reach 15M revenue</h2>' in unit
    assert '<h3 id="kr-q2-grow_deals">Sign 10 new customers</h3>' in unit
    assert [(h.level, h.id, h.text) for h in page.headings()][-2:] == [
        (3, "kr-q2-grow_revenue", "Revenue from 13M to 15M"),
        (3, "kr-q2-grow_deals", "Sign 10 new customers")]
    assert "40% · on track" in rows  # the bar's words: 4 of 10 customers
    # baseline, current, target with units; confidence; last check-in; weight
    deals = rows.index("Sign 10 new customers")
    assert rows[deals + 2:deals + 8] == [
        "Baseline: 0 customers", "Current: 4 customers (2030-05-10)", "Target: 10 customers",
        "Confidence: 70% (60% → 70%, rising)", "Last check-in: 2030-05-10", "Weight: 2"]
    revenue = rows.index("Revenue from 13M to 15M")
    assert rows[revenue + 2:revenue + 7] == [
        "Baseline: 13 M EUR (KPI, 2030-03-31)", "Current: 14 M EUR (2030-04-30)",
        "Target: 15 M EUR", "Confidence: –", "Last check-in: 2030-04-30"]
    assert "99 M EUR" not in unit  # measured after the as-of date: not in words nor chart
    assert "<summary>How was this computed?</summary>" in unit
    assert "Scorer <code>linear</code>, version <code>1</code>." in unit
    assert "Scorer linear, version 1." in rows
    assert "Aligns to: Grow revenue to 20M (Acme Corp · 2030)" in rows
    assert ('<strong>Aligns to:</strong> <a href="../../2030/acme/#o-grow">Grow revenue to '
            "20M</a>") in unit
    assert resolve(page.path, "../../2030/acme/#o-grow") == ("periods/2030/acme/", "o-grow")
    assert '<figure class="okr-chart">' in unit
    # one quiet "How was this computed?" a key result: the chart's values are in it
    assert '<details class="okr-data">' not in unit
    deals = rows.index("Sign 10 new customers")
    after = rows[deals:]
    assert after.count("How was this computed?") == 1
    how = after.index("How was this computed?")
    assert after.index("Date | Value (customers) | Expected by then (customers) | "
                       "Confidence | Note") > how


def test_alignment_both_ways(pages: list[Page]) -> None:
    pages_ = by_path(pages)
    year = pages_["periods/2030/acme/index.md"]
    assert ("Aligned to it: Reach 13M revenue (Acme Corp · 2030-Q1), Reach 15M revenue "
            "(Acme Corp · 2030-Q2)") in lines(year)
    assert ('<strong>Aligned to it:</strong> <a href="../../2030-Q1/acme/#o-q1-grow">Reach 13M '
            "revenue</a>") in year.html
    page = pages_["cascade/2030-Q2.md"]
    cascade = text(page)
    assert "3 of 4 objectives below the company level align to another objective: 75%." \
        in cascade
    tree = cascade[cascade.index("\nCascade\n"):cascade.index("\nUnaligned objectives\n")]
    items = [line for line in tree.splitlines() if line.lstrip().startswith("- ")]
    assert items[0].startswith("- 2030 · Acme Corp: Grow revenue to 20M — 37%")
    assert items[1].startswith("  - 2030-Q2 · Acme Corp: Reach 15M revenue — 43%")
    assert items[3].startswith("      - 2030-Q2 · Index Team: Lower the happiness index")
    html = page.html
    tree_html = html[html.index('<h2 id="tree">'):html.index('<h2 id="unaligned">')]
    assert '2030 · Acme Corp: <a href="../../periods/2030/acme/#o-grow">Grow revenue to 20M</a>' \
        in tree_html
    unaligned = cascade[cascade.index("\nUnaligned objectives\n"):]
    assert "A faster API" in unaligned and "Reach 15M" not in unaligned
    assert '<a href="../../periods/2030-Q2/platform/#o-faster">A faster API</a>' \
        in html[html.index('<h2 id="unaligned">'):]


def test_home_page(pages: list[Page]) -> None:
    page = by_path(pages)["index.md"]
    home, rows = page.html, lines(page)
    assert home.startswith("<h1>Acme Corp</h1>\n") and rows[0] == "Acme Corp"
    assert "current period 2030-Q2 is active" in rows[1]
    assert 'current period <a href="periods/2030-Q2/">2030-Q2</a> is active' in home
    assert '<div class="grid cards">' in home
    assert '<h2 id="objectives-2030">Company objectives, 2030</h2>' in home  # the year too
    assert "Status | Objectives | Key results" in rows
    assert '<a href="kpis/index/">Happiness index</a>' in home  # on watch: needs attention
    assert "Happiness index | 30 points (2030-04-30) | ! watch | ↓ down (better)" in rows
    assert '<figure class="okr-chart">' in home
    assert "    - Platform — 25% · on track" in rows  # two levels below the company
    assert '<a href="periods/2030-Q2/platform/">Platform</a>' in home


def test_kpi_page(pages: list[Page]) -> None:
    page = by_path(pages)["kpis/revenue/index.md"]
    kpi, rows = page.html, lines(page)
    assert "owned by Acme Corp" in text(page)
    assert 'owned by <a href="../../units/acme/">Acme Corp</a>' in kpi
    assert "Healthy | 15 M EUR or more" in rows and "Unhealthy | below 11 M EUR" in rows
    assert "okr-c-band--green" in kpi and "okr-c-target" in kpi
    assert ('<a href="../../periods/2030-Q2/acme/#kr-q2-grow_revenue">Revenue from 13M to '
            "15M</a>") in kpi
    assert '<a href="../../periods/2030/acme/#kr-grow_revenue">Revenue from 10M to 20M</a>' \
        in kpi
    assert "2030-Q2 | Acme Corp | Reach 15M revenue | Revenue from 13M to 15M | 50% | " \
        "✓ on track" in rows


def test_unit_overview(pages: list[Page]) -> None:
    page = by_path(pages)["units/product/index.md"]
    unit = page.html
    assert '<a href="../../periods/2030-Q1/product/">2030-Q1</a>' in unit
    assert '<a href="../../periods/2030-Q2/product/">2030-Q2</a>' in unit
    assert "2030-Q1 | closed | 50% | ✗ missed | 1 | 1 missed" in lines(page)
    assert "Product & <b>Design</b>: unit score by quarter" in text(page)  # quarters only
    sales = text(by_path(pages)["units/sales/index.md"])
    assert "No OKRs in any period of this build." in sales


def test_links_resolve(pages: list[Page]) -> None:
    assert assert_links_resolve(pages) > 100


def test_links_resolve_without_directory_urls(content: Content) -> None:
    pages = render_content(content, Settings(content_dir=FIXTURE, as_of=AS_OF,
                                             directory_urls=False))
    assert assert_links_resolve(pages, directory_urls=False) > 100
    unit = by_path(pages)["periods/2030-Q2/acme/index.md"].html
    assert '<a href="../../2030/acme/index.html#o-grow">Grow revenue to 20M</a>' in unit
    assert '<a href="../../../kpis/revenue/index.html">Revenue</a>' in unit


def test_the_link_check_can_fail(pages: list[Page]) -> None:
    """A link one level too deep or too shallow, to a source path, or to a missing
    anchor is caught."""
    unit = by_path(pages)["periods/2030-Q2/acme/index.md"]
    good = '<a href="../../2030/acme/#o-grow">'
    assert good in unit.html
    for bad in ('<a href="../2030/acme/#o-grow">', '<a href="../../../../../2030/acme/#o-grow">',
                '<a href="../../2030/acme/index.md#o-grow">', '<a href="../../2030/acme/#o-nope">',
                '<a href="../../2030/acme#o-grow">'):
        broken = Page(unit.path, unit.title, unit.html.replace(good, bad, 1))
        with pytest.raises(AssertionError):
            assert_links_resolve([broken if p is unit else p for p in pages])


def test_demo_company_renders_with_working_links() -> None:
    loaded = load_content(REPO / "content")
    if not loaded.ok:
        pytest.skip("the demo content has errors right now")
    for internal, directory_urls in ((False, True), (True, True), (False, False)):
        pages = render_content(loaded.content, Settings(content_dir=REPO / "content",
                                                        as_of=date(2026, 11, 20),
                                                        include_restricted=internal,
                                                        directory_urls=directory_urls))
        assert assert_links_resolve(pages, directory_urls) > 500
        # The closed quarters' pages are as of their latest amendment on or before
        # the as-of (2026-11-16; a later one, 2026-12-01, does not count yet).
        closed = ("2026-Q1", "2026-Q2", "2026-Q3")
        assert all(f"As of {'2026-11-16' if _closed_quarter(p.path, closed) else '2026-11-20'}"
                   in text(p) for p in pages)


def test_assets_ship_with_the_package() -> None:
    assets = REPO / "okrsite" / "assets"
    css = (assets / "okrsite.css").read_text(encoding="utf-8")
    js = (assets / "okrsite.js").read_text(encoding="utf-8")
    assert '[data-md-color-scheme="slate"]' in css and "@media print" in css
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert "url(" not in rules and "@import" not in rules and "//" not in rules  # no fonts
    assert "okr-sortable" in js and "http" not in js and "import" not in js
    for cls in ("okr-chip", "okr-progress", "okr-chart", "okr-sortable", "okr-meta"):
        assert f".{cls}" in css


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_chip_colours_have_enough_contrast_in_both_schemes() -> None:
    css = (REPO / "okrsite" / "assets" / "okrsite.css").read_text(encoding="utf-8")
    blocks = re.findall(r"(:root|\[data-md-color-scheme=\"slate\"\])\s*\{(.*?)\}", css, re.S)
    assert len(blocks) == 2
    for _, body in blocks:
        colours = dict(re.findall(r"--(okr-[a-z-]+):\s*(#[0-9a-f]{6})", body))
        for tone in ("green", "yellow", "red", "grey", "blue"):
            fg, bg = _luminance(colours[f"okr-{tone}-fg"]), _luminance(colours[f"okr-{tone}-bg"])
            ratio = (max(fg, bg) + 0.05) / (min(fg, bg) + 0.05)
            assert ratio >= 7, (tone, ratio)


def test_guide_documents_every_url() -> None:
    guide = (REPO / "content" / "guide" / "site.md").read_text(encoding="utf-8")
    for url in ("index.md", "periods/index.md", "periods/<period>/index.md",
                "periods/<period>/<unit>/index.md", "cascade/<period>.md", "kpis/index.md",
                "kpis/<kpi>/index.md", "units/index.md", "units/<unit>/index.md"):
        assert f"`{url}`" in guide, url


def test_empty_content_renders_the_listing_pages() -> None:
    from okrsite.model import Org

    empty = Content(Org("", {}), {}, {}, {})
    pages = render_content(empty, Settings(content_dir=FIXTURE, as_of=AS_OF))
    assert [p.path for p in pages] == ["index.md", "checkins/index.md", "periods/index.md",
                                       "kpis/index.md", "units/index.md"]
    assert "No OKRs yet" in text(pages[0])
    assert "No period is active." in text(pages[1])
    assert all("As of 2030-05-15" in text(p) for p in pages)
