"""Render: one build's pages for any site generator.

    pages, assets = render_outputs(build)     # build: okrsite.pipeline.Build

The pages show `build.view` scored by `build.scorecard` (the public view unless the
build includes restricted items), with the history pages and audit downloads when
the build reads git history.

Pages and their paths (content/guide/site.md documents them for readers):

    index.md                          home: the current period at a glance      (nav)
    checkins/index.md                 check-ins due or stale, by owner and unit (nav)
    periods/index.md                  every period                              (nav)
    periods/<period>/index.md         one period: every unit's objectives       (nav)
    periods/<period>/<unit>/index.md  one unit in one period: OKRs in full
    cascade/<period>.md               alignment from the company down           (nav)
    cascade/<period>/<unit>/index.md  one unit's part of it, where that is too big
                                      to draw in one (linked from the drawing)
    kpis/index.md                     KPI catalogue                             (nav)
    kpis/<kpi>/index.md               one KPI: chart, health, key results
    units/index.md                    the organisation                          (nav)
    units/<unit>/index.md             one unit across periods
    people/index.md                   everyone of people.yaml (with one)        (nav)
    people/<person>/index.md          what one person owns, across periods

A listing page is `<section>/index.md` and a detail page `<section>/<id>/index.md`, one
directory deeper, so no id, not even `index`, can take a listing page's place. Page
titles are HTML-safe text without `<` or `>` (generators treat titles as HTML).

A page body is HTML (tables, lists, admonitions, `<details>`, inline SVG charts), with
headings that carry fixed ids and relative links between pages (`Settings.directory_urls`
picks `a/b/` or `a/b.html`). A generator needs no Markdown pass over it: the MkDocs
plugin hands it to MkDocs as the page's content, and `okrsite render --out` writes it
under YAML front matter, which any Markdown generator passes through as HTML. The
pages expect okrsite/assets/okrsite.css and okrsite.js on every page (chips, bars,
charts, sorting, printing) and take their typography from the theme (Material's
`md-typeset`: admonitions, `details`, cards).

The output is a pure function of (content, scorecard, settings): no clock, stable
order (periods chronologically, units in org order, objectives in file order, KPIs
by id) and fixed number formats.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING

from okrsite.render.cascade import cascade_pages
from okrsite.render.checkins import checkins
from okrsite.render.common import Site
from okrsite.render.home import current_period, home
from okrsite.render.kpi import kpi, kpis_index
from okrsite.render.page import Asset, Page
from okrsite.render.people import people_list, person
from okrsite.render.period import period, periods_index
from okrsite.render.pool import ordered_map
from okrsite.render.safe import SafeMarkdown
from okrsite.render.unit import unit_overview, unit_period, units_index

if TYPE_CHECKING:
    from okrsite.pipeline import Build

__all__ = ["Asset", "Page", "iter_site", "render_outputs", "render_pages"]


def iter_site(build: Build) -> Iterator[Page]:
    """Every page of the site but the history pages, in navigation order, one at a
    time: a generator can hand each page on (or write it) before the next is
    rendered. Pages say how many items the build withheld."""
    view = build.view
    site = Site(view.content, build.scorecard, view.withheld,
                build.settings.include_restricted, build.settings.directory_urls,
                SafeMarkdown(), build.history if build.settings.history else None,
                build.goalposts if build.settings.history else {},
                build.people, build.attention,
                build.entry_authors if build.settings.history else None)
    return _pages(site)


def _pages(site: Site) -> Iterator[Page]:
    shown = site.content
    current = current_period(site)
    chronological = list(site.card.periods)
    newest_first = chronological[::-1]

    yield home(site, current)
    yield checkins(site)
    yield periods_index(site, newest_first)
    yield from (period(site, p) for p in newest_first)
    for p in newest_first:
        yield from cascade_pages(site, p)
    yield kpis_index(site)
    yield units_index(site, current)
    yield from _unit_pages(site, [(p, u) for p in chronological for u in site.units
                                  if (p, u) in shown.okrs])
    yield from (kpi(site, k) for k in shown.kpis.values())
    yield from (unit_overview(site, u) for u in site.units if u in shown.org.units)
    if site.people:
        yield people_list(site)
        yield from (person(site, p) for p in site.people.people)


def _unit_pages(site: Site, keys: list[tuple[str, str]]) -> Iterator[Page]:
    """The unit-period pages, most of a site: each depends on the site and its key
    alone, so on a large site they are rendered in worker processes (okrsite.render.pool:
    the same pages in the same order; OKRSITE_WORKERS=1 renders them here)."""
    return ordered_map(_unit_page, site, keys)


def _unit_page(site: Site, key: tuple[str, str]) -> Page:
    return unit_period(site, *key)


def render_outputs(build: Build) -> tuple[Iterator[Page], list[Asset]]:
    """The whole site: pages, plus with history the change log, the audit pages and
    their downloads (CSV, JSON, manifest). The pages come one at a time (`iter_site`),
    so a caller need not hold them all."""
    from okrsite.render.history import history_pages

    pages = iter_site(build)
    more: list[Page] = []
    assets: list[Asset] = []
    if build.settings.history:
        more, assets = history_pages(build)
    return chain(pages, more), assets


def render_pages(build: Build) -> list[Page]:
    """Every page of the site but the history pages, as a list."""
    return list(iter_site(build))
