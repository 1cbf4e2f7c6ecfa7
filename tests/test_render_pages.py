"""The page set: paths, navigation flags, what every page must say, and working links."""

from __future__ import annotations

import posixpath
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from okrsite.model import Content
from okrsite.pipeline import load_content
from okrsite.render import render_content
from okrsite.render.common import seg
from okrsite.render.page import Page
from okrsite.settings import Settings

REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "golden_company"
EXTENSIONS = ["tables", "attr_list", "md_in_html", "admonition", "pymdownx.details", "toc"]
AS_OF = date(2030, 5, 15)


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(FIXTURE).content


@pytest.fixture(scope="module")
def pages(content: Content) -> list[Page]:
    return render_content(content, Settings(content_dir=FIXTURE, as_of=AS_OF))


def by_path(pages: list[Page]) -> dict[str, Page]:
    return {p.path: p for p in pages}


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
        if tag == "a" and a.get("href") and not self.in_field:
            self.hrefs.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self.in_field = False


def assert_links_resolve(pages: list[Page]) -> int:
    """Every relative link to a page lands on a generated page and, with a fragment, on
    an element with that id there. Returns the number of links checked."""
    parsed = {p.path: Links(markdown.markdown(p.markdown, extensions=EXTENSIONS))
              for p in pages}
    checked = 0
    for path, links in parsed.items():
        for href in links.hrefs:
            if re.match(r"^[a-z]+:", href) or not href.split("#")[0].endswith(".md"):
                continue
            target, _, anchor = href.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            assert resolved in parsed, f"{path}: broken link {href}"
            if anchor:
                assert anchor in parsed[resolved].ids, f"{path}: no #{anchor} in {resolved}"
            checked += 1
    return checked


def test_page_paths_and_navigation(pages: list[Page]) -> None:
    paths = [p.path for p in pages]
    assert len(paths) == len(set(paths))
    nav = [p.path for p in pages if p.in_nav]
    assert nav == ["index.md", "periods/index.md", "periods/2030-Q2/index.md",
                   "periods/2030-Q1/index.md", "periods/2030/index.md", "cascade/2030-Q2.md",
                   "cascade/2030-Q1.md", "cascade/2030.md", "kpis/index.md", "units/index.md"]
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


def test_every_page_says_as_of(pages: list[Page]) -> None:
    for p in pages:
        assert "As of 2030-05-15" in p.markdown, p.path


def test_period_pages_state_their_state_and_dates(pages: list[Page]) -> None:
    pages_ = by_path(pages)
    assert "2030-Q2 is active (2030-04-01 to 2030-06-30)" in pages_["periods/2030-Q2/index.md"
                                                                    ].markdown
    q1 = pages_["periods/2030-Q1/index.md"].markdown
    assert "2030-Q1 is closed (2030-01-01 to 2030-03-31) · closed on 2030-04-05" in q1
    assert "Amended after closing" in q1
    assert "2030 is active (2030-01-01 to 2030-12-31)" in pages_["periods/2030/index.md"
                                                                 ].markdown


def test_closed_periods_show_grades_and_flag_differences(pages: list[Page]) -> None:
    pages_ = by_path(pages)
    q1 = pages_["periods/2030-Q1/index.md"].markdown
    assert "| Grade |" in q1
    assert "0.90 <span class=\"okr-flag\">" in q1  # score 0.67, owner's grade 0.90
    assert "| 0.50 |" in q1  # Ship the beta: grade equals the score, no flag
    unit = pages_["periods/2030-Q1/acme/index.md"].markdown
    assert "Score 0.67 · owner's grade 0.90" in unit and "differs by 0.23, more than 0.2" in unit
    assert "| Grade |" not in pages_["periods/2030-Q2/index.md"].markdown


def test_period_page_tables_are_sortable_without_a_cdn(pages: list[Page]) -> None:
    period = by_path(pages)["periods/2030-Q2/index.md"].markdown
    assert period.count('<div class="okr-sortable" markdown>') == 2
    html = markdown.markdown(period, extensions=EXTENSIONS)
    assert re.search(r'<div class="okr-sortable">\s*<table>', html)
    assert "http" not in period  # no script or stylesheet from anywhere


def test_unit_page_shows_key_results_in_full(pages: list[Page]) -> None:
    unit = by_path(pages)["periods/2030-Q2/acme/index.md"].markdown
    assert "## Reach 15M revenue { #o-q2-grow }" in unit
    assert "### Sign 10 new customers { #kr-q2-grow_deals }" in unit
    assert "40% · on track" in unit  # the bar's words: 4 of 10 customers
    assert "| 0 customers | 4 customers (2030-05-10) | 10 customers | 70% | 2030-05-10 | 2 |" \
        in unit  # baseline, current, target with units; confidence; last check-in; weight
    assert "| 13 M EUR (KPI, 2030-03-31) | 14 M EUR (2030-04-30) | 15 M EUR |" in unit
    assert "99 M EUR" not in unit  # measured after the as-of date
    assert "<summary>How was this computed?</summary>" in unit
    assert "Scorer <code>linear</code>, version <code>1</code>." in unit
    assert "**Aligns to:** [Grow revenue to 20M](../../2030/acme/index.md#o-grow)" in unit
    assert '<figure class="okr-chart">' in unit and '<details class="okr-data">' in unit
    assert "Expected by then" in unit


def test_alignment_both_ways(pages: list[Page]) -> None:
    pages_ = by_path(pages)
    year = pages_["periods/2030/acme/index.md"].markdown
    assert "**Aligned to it:** [Reach 13M revenue](../../2030-Q1/acme/index.md#o-q1-grow)" \
        in year
    cascade = pages_["cascade/2030-Q2.md"].markdown
    assert "3 of 4 objectives below the company level align to another objective: 75%." \
        in cascade
    tree = cascade[cascade.index("## Cascade"):cascade.index("## Unaligned")]
    lines = [line for line in tree.splitlines() if line.lstrip().startswith("- ")]
    assert lines[0].startswith("- 2030 · Acme Corp: [Grow revenue to 20M]")
    assert lines[1].startswith("    - 2030-Q2 · Acme Corp: [Reach 15M revenue]")
    assert lines[3].startswith("            - 2030-Q2 · Index Team: [Lower the happiness")
    unaligned = cascade[cascade.index("## Unaligned"):]
    assert "[A faster API]" in unaligned and "Reach 15M" not in unaligned


def test_home_page(pages: list[Page]) -> None:
    home = by_path(pages)["index.md"].markdown
    assert home.startswith("# Acme Corp\n")
    assert "current period [2030-Q2](periods/2030-Q2/index.md) is active" in home
    assert '<div class="grid cards" markdown>' in home
    assert "## Company objectives, 2030 { #objectives-2030 }" in home  # the year too
    assert "| Status | Objectives | Key results |" in home
    assert "[Happiness index](kpis/index/index.md)" in home  # on watch: needs attention
    assert '<figure class="okr-chart">' in home
    assert "        - [Platform](periods/2030-Q2/platform/index.md)" in home


def test_kpi_page(pages: list[Page]) -> None:
    kpi = by_path(pages)["kpis/revenue/index.md"].markdown
    assert "owned by [Acme Corp](../../units/acme/index.md)" in kpi
    assert "| Healthy | 15 M EUR or more |" in kpi and "| Unhealthy | below 11 M EUR |" in kpi
    assert "okr-c-band--green" in kpi and "okr-c-target" in kpi
    assert "[Revenue from 13M to 15M](../../periods/2030-Q2/acme/index.md#kr-q2-grow_revenue)" \
        in kpi
    assert "[Revenue from 10M to 20M](../../periods/2030/acme/index.md#kr-grow_revenue)" in kpi


def test_unit_overview(pages: list[Page]) -> None:
    unit = by_path(pages)["units/product/index.md"].markdown
    assert "[2030-Q1](../../periods/2030-Q1/product/index.md)" in unit
    assert "[2030-Q2](../../periods/2030-Q2/product/index.md)" in unit
    assert "unit score by period" in unit
    sales = by_path(pages)["units/sales/index.md"].markdown
    assert "No OKRs in any period of this build." in sales


def test_links_resolve(pages: list[Page]) -> None:
    assert assert_links_resolve(pages) > 100


def test_demo_company_renders_with_working_links() -> None:
    loaded = load_content(REPO / "content")
    if not loaded.ok:
        pytest.skip("the demo content has errors right now")
    for internal in (False, True):
        pages = render_content(loaded.content, Settings(content_dir=REPO / "content",
                                                        as_of=date(2026, 11, 20),
                                                        include_restricted=internal))
        assert assert_links_resolve(pages) > 500
        assert all("As of 2026-11-20" in p.markdown for p in pages)


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
    assert [p.path for p in pages] == ["index.md", "periods/index.md", "kpis/index.md",
                                       "units/index.md"]
    assert "No OKRs yet" in pages[0].markdown
    assert all("As of 2030-05-15" in p.markdown for p in pages)
