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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import chain
from typing import TYPE_CHECKING

from okrsite.render.cascade import cascade_pages
from okrsite.render.checkins import checkins
from okrsite.render.common import (
    CHECKINS,
    HOME,
    KPIS_INDEX,
    PEOPLE_INDEX,
    PERIODS_INDEX,
    UNITS_INDEX,
    Site,
    cascade_page,
    kpi_page,
    period_page,
    person_page,
    unit_page,
    unit_period_page,
)
from okrsite.render.home import current_period, home
from okrsite.render.inputs import PageInputs
from okrsite.render.kpi import kpi, kpis_index
from okrsite.render.page import Asset, Page
from okrsite.render.people import people_list, person
from okrsite.render.period import period, periods_index
from okrsite.render.pool import ordered_map
from okrsite.render.safe import SafeMarkdown
from okrsite.render.unit import unit_overview, unit_period, units_index

if TYPE_CHECKING:
    from okrsite.pagecache import PageCache
    from okrsite.pipeline import Build

__all__ = ["Asset", "Page", "iter_site", "render_outputs", "render_pages"]


Finish = Callable[[Page], Page]  # a generator's own work on a page just rendered


def iter_site(build: Build, cache: PageCache | None = None,
              finish: Finish | None = None) -> Iterator[Page]:
    """Every page of the site but the history pages, in navigation order, one at a
    time: a generator can hand each page on (or write it) before the next is
    rendered. Pages say how many items the build withheld.

    With a `cache` (okrsite.pagecache), a page whose inputs' digest (render.inputs)
    is the one it was rendered from last is taken from it instead of rendered.

    `finish(page)` is applied to every page rendered (not to one from the cache),
    where it was rendered: for the unit-period pages that is in the render workers,
    so a generator's pure per-page work (okrsite.mkdocs_plugin.page.prepare) runs on
    every core. It returns the page, maybe with `prepared` set; it must be pure."""
    site = _site(build)
    return _shown(site, _jobs(site, PageInputs(build, site) if cache else None), cache,
                  finish)


def _site(build: Build) -> Site:
    view = build.view
    return Site(view.content, build.scorecard, view.withheld,
                build.settings.include_restricted, build.settings.directory_urls,
                SafeMarkdown(), build.history if build.settings.history else None,
                build.goalposts if build.settings.history else {},
                build.people, build.attention,
                build.entry_authors if build.settings.history else None)


@dataclass(frozen=True)
class _Job:
    """One page (or a group of pages rendered together, such as a period's cascades) to
    show: its path (the first page's), the digest of its inputs, whether it is frozen
    (a closed period's, kept on disk), and how to render it."""

    path: str
    digest: str
    frozen: bool
    make: Callable[[], Page | list[Page]]
    unit_period: tuple[str, str] | None = None  # (period, unit) of a unit-period page


def _jobs(site: Site, inputs: PageInputs | None) -> Iterator[_Job]:
    shown = site.content
    current = current_period(site)
    chronological = list(site.card.periods)
    newest_first = chronological[::-1]

    def job(path: str, digest: Callable[[], str], make: Callable[[], Page | list[Page]],
            period: str | None = None, key: tuple[str, str] | None = None) -> _Job:
        if inputs is None:
            return _Job(path, "", False, make, key)
        return _Job(path, digest(), period is not None and inputs.frozen(period), make, key)

    i = inputs
    yield job(HOME, lambda: i.listing(HOME), lambda: home(site, current))
    yield job(CHECKINS, lambda: i.listing(CHECKINS), lambda: checkins(site))
    yield job(PERIODS_INDEX, lambda: i.listing(PERIODS_INDEX),
              lambda: periods_index(site, newest_first))
    for p in newest_first:
        yield job(period_page(p), partial(lambda p: i.period(p), p),
                  partial(period, site, p), p)
    for p in newest_first:  # the period's cascade and its units' cascades: one job
        yield job(cascade_page(p), partial(lambda p: i.cascade(p), p),
                  partial(lambda p: list(cascade_pages(site, p)), p), p)
    yield job(KPIS_INDEX, lambda: i.listing(KPIS_INDEX), lambda: kpis_index(site))
    yield job(UNITS_INDEX, lambda: i.listing(UNITS_INDEX), lambda: units_index(site, current))
    for p in chronological:
        for u in site.units:
            if (p, u) in shown.okrs:
                yield job(unit_period_page(p, u),
                          partial(lambda p, u: i.unit_period_page(p, u), p, u),
                          partial(unit_period, site, p, u), p, (p, u))
    for k in shown.kpis.values():
        yield job(kpi_page(k.id), partial(lambda k: i.kpi(k), k.id), partial(kpi, site, k))
    for u in site.units:
        if u in shown.org.units:
            yield job(unit_page(u), partial(lambda u: i.unit(u), u),
                      partial(unit_overview, site, u))
    if site.people:
        yield job(PEOPLE_INDEX, lambda: i.listing(PEOPLE_INDEX), lambda: people_list(site))
        for person_id in site.people.people:
            yield job(person_page(person_id), partial(lambda x: i.person(x), person_id),
                      partial(person, site, person_id))


def _unit_pages(site: Site, keys: list[tuple[str, str]], finish: Finish | None
                ) -> Iterator[Page]:
    """The unit-period pages, most of a site: each depends on the site and its key
    alone, so on a large site they are rendered (and finished) in worker processes
    (okrsite.render.pool: the same pages in the same order; OKRSITE_WORKERS=1 renders
    them here)."""
    return ordered_map(_unit_page, (site, finish), keys)


def _unit_page(task: tuple[Site, Finish | None], key: tuple[str, str]) -> Page:
    site, finish = task
    page = unit_period(site, *key)
    return page if finish is None else finish(page)


def _shown(site: Site, jobs: Iterable[_Job], cache: PageCache | None,
           finish: Finish | None = None) -> Iterator[Page]:
    """Each job's pages, in order: from the cache when its digest is the one they were
    rendered from, else rendered (unit-period pages by `_unit_pages`) and kept."""
    jobs = list(jobs)  # the digests are cheap; the pages come one at a time
    if cache is not None:
        cache.begin()
    # A job without a digest (a history page of a build with a plugin scorer) is made
    # every time, never kept.
    held = [cache is not None and bool(j.digest) and cache.has(j.path, j.digest, j.frozen)
            for j in jobs]
    units = _unit_pages(site, [j.unit_period for j, h in zip(jobs, held, strict=True)
                               if not h and j.unit_period is not None], finish)
    for job, hit in zip(jobs, held, strict=True):
        pages = cache.get(job.path, job.digest, job.frozen) if hit and cache else None
        if pages is None:
            if job.unit_period is not None and not hit:
                pages = [next(units)]
            else:  # not held, or a damaged disk entry
                made = job.make()
                pages = made if isinstance(made, list) else [made]
                if finish is not None:
                    pages = [finish(p) for p in pages]
            if cache is not None and job.digest:
                cache.put(job.path, pages, job.digest, job.frozen)
        yield from pages


def render_outputs(build: Build, cache: PageCache | None = None,
                   finish: Finish | None = None) -> tuple[Iterator[Page], list[Asset]]:
    """The whole site: pages, plus with history the change log, the audit pages and
    their downloads (CSV, JSON, manifest). The pages come one at a time (`iter_site`),
    so a caller need not hold them all; `cache` and `finish` as for `iter_site` (the
    history pages go through the cache too, by the digest of what they are made of:
    render.history.history_jobs)."""
    from okrsite.render.history import history_jobs

    site = _site(build)
    inputs = PageInputs(build, site) if cache else None
    jobs: Iterable[_Job] = _jobs(site, inputs)
    assets: list[Asset] = []
    if build.settings.history:
        more, assets = history_jobs(build, inputs)
        jobs = chain(jobs, (_Job(path, digest, False, make) for path, digest, make in more))
    return _shown(site, jobs, cache, finish), assets


def render_pages(build: Build) -> list[Page]:
    """Every page of the site but the history pages, as a list."""
    return list(iter_site(build))
